"""The events feed: changes other systems mirror, in an order a cursor can follow.

An event is written in the same transaction as its change. Its position in the feed is
(`tx`, `id`): on PostgreSQL `tx` is the id of the transaction that wrote it (assigned at
the transaction's first write, so before its events), on SQLite 0. A reader is shown only
the events below the horizon of its snapshot: the oldest transaction still running when the
snapshot was taken (or its `xmax`, when none runs). Every transaction below it has ended,
so no event can ever appear there again: the prefix shown is final, and a cursor (the
position of the last event read) never skips or repeats one. Writers take no lock for the
feed and commit in any order; a transaction that writes events late (or commits late) only
holds back what readers see of the events after it, until it ends.

The horizon ignores transactions proven to run in another database of the cluster
(`pg_stat_activity`, when the role may see them and they still run when it is read: one
that ends just then holds back that one read), but any transaction of this database
that has written anything holds the feed back while it runs: a long import, or a
connection left idle in a transaction (set `idle_in_transaction_session_timeout`). A
reader's own transaction is below no horizon of its own: its uncommitted events are never
shown to it. SQLite has one writer at a time, so id order is commit order and the horizon
is not needed. Cursors made before positions had two parts (an id alone) still work: they
stand for that event's position.
"""

from typing import Any

from sqlalchemy import bindparam, insert, literal_column, tuple_
from sqlalchemy.sql.elements import ColumnClause
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
_EVENT_VALUES: dict[str, Any] = {
    "type": bindparam("type"),
    "at": bindparam("at"),
    "data": bindparam("data"),
    "unit_id": bindparam("unit_id"),
}
_TRANSACTION_ID: ColumnClause[Any] = literal_column(
    "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"
)
_INSERT_EVENT = DirectStatement(
    {
        "sqlite": insert(_EVENT).values(_EVENT_VALUES).inline(),  # tx: 0, its default
        "postgresql": insert(_EVENT).values({**_EVENT_VALUES, "tx": _TRANSACTION_ID}).inline(),
    }
)
_HORIZON: ColumnClause[Any] = literal_column(
    """(SELECT CAST(CAST(least(
        pg_snapshot_xmax(snap.s),
        pg_current_xact_id_if_assigned(),
        (SELECT min(running) FROM pg_snapshot_xip(snap.s) AS running
         WHERE CAST(running AS xid) NOT IN (
            SELECT backend_xid FROM pg_stat_activity
            WHERE backend_xid IS NOT NULL AND datname <> current_database()))
    ) AS text) AS bigint) FROM (SELECT pg_current_snapshot() AS s) AS snap)"""
)
"""PostgreSQL: the transaction id below which every transaction that may write this
database's events has ended, as of the statement's snapshot (the module's docstring)."""


def record_event(
    session: Session, event_type: str, data: dict[str, Any], *, unit_id: int | None
) -> None:
    """Write an event in the caller's transaction; `unit_id` is the unit of the fund or
    recipient it is about, which decides who reads it in the feed."""
    assert event_type in EVENT_TYPES, event_type
    _INSERT_EVENT.run(
        session, {"type": event_type, "data": data, "at": utcnow(), "unit_id": unit_id}
    )


def unit_of_fund(session: Session, fund_id: int | None) -> int | None:
    """The unit a fund's events belong to (None: the district's, seen by district roles)."""
    if fund_id is None:
        return None
    fund = session.get(Fund, fund_id)
    return fund.unit_id if fund is not None else None


Position = tuple[int, int]
"""Where an event stands in the feed: (tx, id)."""


def encode_cursor(position: Position) -> str:
    return EVENT_CURSOR.encode_pair(*position)


def decode_cursor(value: str | None) -> tuple[int | None, int]:
    """The position a cursor points after, (tx, id); (None, id) for a cursor of an id
    alone (made before positions had two parts); (None, 0) for the start of the feed."""
    return EVENT_CURSOR.decode_pair(value)


def cursor_position(session: Session, value: str | None) -> Position:
    """The position a cursor points after; a cursor of an id alone stands for that
    event's position (0 with it, for one that names no event: all such came first)."""
    tx, event_id = decode_cursor(value)
    if tx is None:
        found = session.exec(select(Event.tx).where(Event.id == event_id)).first()
        tx = found or 0
    return tx, event_id


def read_events(
    session: Session, *, after: str | None, limit: int, actor: User | None = None
) -> tuple[list[Event], str]:
    """The events after the cursor that the actor may see (all of them without an actor:
    the service's own readers), oldest first, and the cursor to read on from (never null;
    it passes over what they may not see). Only events no transaction can still precede
    are shown (the module's docstring)."""
    assert 1 <= limit <= EVENTS_PAGE_MAX, limit
    position = cursor_position(session, after)
    tx, event_id = col(Event.tx), col(Event.id)
    query = select(Event).where(tuple_(tx, event_id) > tuple_(*position))
    if not is_sqlite(session):
        query = query.where(tx < _HORIZON)
    if actor is not None:
        query = query.where(within_scope(session, actor, col(Event.unit_id)))
    events = list(session.exec(query.order_by(tx, event_id).limit(limit)))
    last = (events[-1].tx, events[-1].id) if events else position
    return events, encode_cursor(last)  # type: ignore[arg-type]


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
