"""The events feed: changes other systems mirror, in an order a cursor can follow.

An event is written in the same transaction as its change. Readers page by
(`tx_order`, `id`). On PostgreSQL, `tx_order` is the writing transaction's id and a reader
only sees events of transactions older than the oldest one still running, so no event can
later appear behind a cursor: nothing is skipped and nothing repeats. On SQLite writers are
serialized, so `id` order is commit order.
"""

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal_column, or_, and_, text
from sqlmodel import Session, col, select

from carefund.errors import InvalidInput
from carefund.models import Event

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
)
EVENTS_PAGE_MAX = 500
"""The most events one read returns."""
CURSOR_LENGTH_MAX = 100
"""A cursor this feed made is far shorter; longer ones are not decoded."""
_BIGINT_MAX = 2**63 - 1


def record_event(session: Session, event_type: str, data: dict[str, Any]) -> Event:
    """Write an event in the caller's transaction."""
    assert event_type in EVENT_TYPES, event_type
    event = Event(type=event_type, data=data)
    if session.get_bind().dialect.name == "postgresql":
        # Evaluated by the database at insert: the id of the writing transaction.
        event.tx_order = literal_column("pg_current_xact_id()::text::bigint")  # type: ignore[assignment]
    session.add(event)
    return event


@dataclass(frozen=True)
class Cursor:
    """A position in the feed: just after the event (`tx_order`, `id`)."""

    tx_order: int = 0
    id: int = 0

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"{self.tx_order}.{self.id}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str | None) -> "Cursor":
        if not value:
            return cls()
        if len(value) > CURSOR_LENGTH_MAX:
            raise InvalidInput("游标无效", field="after")
        try:
            padded = value + "=" * (-len(value) % 4)
            tx_order, event_id = base64.urlsafe_b64decode(padded.encode()).decode().split(".")
            cursor = cls(int(tx_order), int(event_id))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput("游标无效", field="after") from exc
        if not (0 <= cursor.tx_order <= _BIGINT_MAX and 0 <= cursor.id <= _BIGINT_MAX):
            raise InvalidInput("游标无效", field="after")
        return cursor


def read_events(session: Session, *, after: str | None, limit: int) -> tuple[list[Event], str]:
    """Events after the cursor, oldest first, and the cursor to read on from."""
    assert 1 <= limit <= EVENTS_PAGE_MAX, limit
    cursor = Cursor.decode(after)
    query = (
        select(Event)
        .where(
            or_(
                col(Event.tx_order) > cursor.tx_order,
                and_(col(Event.tx_order) == cursor.tx_order, col(Event.id) > cursor.id),
            )
        )
        .order_by(col(Event.tx_order), col(Event.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Only transactions that can no longer commit new events are visible to readers.
        horizon = text("tx_order < pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        query = query.where(horizon)
    events = list(session.exec(query))
    if events:
        cursor = Cursor(events[-1].tx_order, events[-1].id or 0)
    return events, cursor.encode()


def event_public(event: Event) -> dict[str, Any]:
    """An event as the feed shows it."""
    from carefund.models import as_utc

    return {"id": event.id, "type": event.type, "at": as_utc(event.at).isoformat(), "data": event.data}
