"""The events feed: changes other systems mirror, in an order a cursor can follow.

An event is written in the same transaction as its change, and readers page by `id`.
For that to never skip an event, ids must become visible in id order. SQLite has one
writer at a time, so they do. On PostgreSQL a transaction takes one cluster-wide
advisory lock just before its first event and keeps it until it commits: ids are drawn
and committed in the same order. Only the tail of a write (its event and its commit) is
serialized this way; funds still lock, check and post in parallel.
"""

from typing import Any

from sqlalchemy import bindparam, insert, text
from sqlmodel import Session, col, select

from carefund.access.scope import within_scope
from carefund.access.users import Action, require
from carefund.cursors import CursorKind
from carefund.models import Event, Fund, User, as_utc, utcnow
from carefund.storage.direct import DirectStatement
from carefund.storage.engines import is_sqlite

EVENT_TYPES = (
    "income.recorded",
    "income.reversed",
    "disbursement.submitted",
    "disbursement.approved",
    "disbursement.rejected",
    "disbursement.cancelled",
    "disbursement.paid",
    "disbursement.reversed",
    "recipient.created",
    "recipient.updated",
    "period.closed",
    "period.reopened",
    "fund.created",
    "plan.created",
    "plan.updated",
    "fund.controls.changed",
    "budget.changed",
    "income.reviewed",
    "control.overridden",
    "alert.raised",
    "alert.acknowledged",
    "alert.resolved",
    "bank.batch.created",
    "bank.batch.approved",
    "bank.batch.rejected",
    "bank.batch.paid",
    "bank.file.exported",
    "bank.return.imported",
    "bank.statement.imported",
)
EVENTS_PAGE_MAX = 500
"""The most events one read returns."""
EVENTS_LOCK_KEY = 0x6361_7265_6675_6E64  # "carefund"
"""The advisory lock that orders event commits on PostgreSQL."""

CURSOR_LENGTH_MAX = 100
"""A cursor this feed made is far shorter; longer ones are not decoded."""
EVENT_CURSOR = CursorKind(
    prefix="e",
    field="after",
    message="游标无效",
    position_max=2**63 - 1,
    length_max=CURSOR_LENGTH_MAX,
)

_EVENT = Event.__table__  # type: ignore[attr-defined]
_INSERT_EVENT = DirectStatement(
    insert(_EVENT).values(
        type=bindparam("type"),
        at=bindparam("at"),
        data=bindparam("data"),
        unit_id=bindparam("unit_id"),
    )
)
_TAKE_EVENTS_LOCK = DirectStatement(text(f"SELECT pg_advisory_xact_lock({EVENTS_LOCK_KEY})"))


def record_event(
    session: Session, event_type: str, data: dict[str, Any], *, unit_id: int | None
) -> None:
    """Write an event in the caller's transaction; `unit_id` is the unit of the fund or
    recipient it is about, which decides who reads it in the feed."""
    assert event_type in EVENT_TYPES, event_type
    if not is_sqlite(session):
        transaction = session.get_transaction()
        if transaction is None or session.info.get("events_lock") is not transaction:
            # Held until this transaction ends (taking it again is harmless, only slower).
            _TAKE_EVENTS_LOCK.run(session)
            session.info["events_lock"] = session.get_transaction()
    _INSERT_EVENT.run(
        session, {"type": event_type, "data": data, "at": utcnow(), "unit_id": unit_id}
    )


def unit_of_fund(session: Session, fund_id: int | None) -> int | None:
    """The unit a fund's events belong to (None: the district's, seen by district roles)."""
    if fund_id is None:
        return None
    fund = session.get(Fund, fund_id)
    return fund.unit_id if fund is not None else None


def encode_cursor(event_id: int) -> str:
    return EVENT_CURSOR.encode(event_id)


def decode_cursor(value: str | None) -> int:
    """The event id a cursor points after; 0 for the start of the feed."""
    return EVENT_CURSOR.decode(value)


def read_events(
    session: Session, *, after: str | None, limit: int, actor: User | None = None
) -> tuple[list[Event], str]:
    """The events after the cursor that the actor may see (all of them without an actor:
    the service's own readers), oldest first, and the cursor to read on from (never null;
    it passes over what they may not see)."""
    assert 1 <= limit <= EVENTS_PAGE_MAX, limit
    after_id = decode_cursor(after)
    query = select(Event).where(col(Event.id) > after_id)
    if actor is not None:
        query = query.where(within_scope(session, actor, col(Event.unit_id)))
    events = list(session.exec(query.order_by(col(Event.id)).limit(limit)))
    return events, encode_cursor(events[-1].id if events else after_id)  # type: ignore[arg-type]


def read_feed(session: Session, *, after: str | None, limit: int, actor: User) -> dict[str, Any]:
    """A page of the feed as the API shows it: `items` after the cursor and `next_cursor`."""
    require(actor, Action.read)
    found, next_cursor = read_events(session, after=after, limit=limit, actor=actor)
    return {"items": [event_public(event) for event in found], "next_cursor": next_cursor}


def event_public(event: Event) -> dict[str, Any]:
    """An event as the feed shows it."""
    return {
        "id": event.id,
        "type": event.type,
        "at": as_utc(event.at).isoformat(),
        "data": event.data,
    }
