"""The audit trail of one record, for auditors: every audit-log row about it (who changed
what, administrative acts) and every event the record went through (recorded, approved,
paid, reversed…), oldest first."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.errors import InvalidFields
from carefund.models import AuditLog, Event, as_utc
from carefund.validation import is_id

TRAIL_TABLES = {
    "income": "收入",
    "disbursement": "支出",
    "recipient": "关爱对象",
    "user": "用户",
    "period": "结账期间",
    "fund": "基金",
    "plan": "定期计划",
}
"""The kinds of record whose trail may be read, with their names on the page."""

TRAIL_ROWS_MAX = 500
"""Rows shown for one record: far more than any one record goes through."""

_ACTOR_KEYS = (
    "reversed_by",
    "paid_by",
    "approved_by",
    "rejected_by",
    "cancelled_by",
    "reopened_by",
    "closed_by",
    "submitted_by",
    "created_by",
)
"""Where an event's data names who acted, latest step first (an event is the record as the
API shows it after the step)."""


def _record_number(value: object) -> int | None:
    text = str(value) if isinstance(value, int | str) else ""
    return int(text) if text.isdigit() and len(text) <= 10 and is_id(int(text)) else None


def _check(table: object, record_id: object) -> tuple[str, int]:
    errors = {}
    if table not in TRAIL_TABLES:
        errors["table"] = f"未知的记录类型（可选：{'、'.join(TRAIL_TABLES)}）"
    number = _record_number(record_id)
    if number is None:
        errors["id"] = "记录编号应为正整数"
    if errors:
        raise InvalidFields(errors)
    assert number is not None
    return str(table), number


def _when(value: datetime) -> datetime:
    return as_utc(value)


def record_trail(
    session: Session, *, actor: Any, table: object, record_id: object
) -> list[dict[str, Any]]:
    """The trail of one record, oldest first: {at, actor, action, source, detail}."""
    require(actor, Action.read_audit)
    table, number = _check(table, record_id)
    logged = session.exec(
        select(AuditLog)
        .where(AuditLog.object_type == table, AuditLog.object_id == str(number))
        .order_by(col(AuditLog.id))
        .limit(TRAIL_ROWS_MAX)
    )
    rows = [
        {
            "at": _when(row.at),
            "actor": row.actor,
            "action": row.action,
            "source": "audit",
            "detail": row.detail,
        }
        for row in logged
    ]
    events = session.exec(
        select(Event)
        .where(col(Event.type).startswith(f"{table}."), Event.data["id"].as_integer() == number)
        .order_by(col(Event.id))
        .limit(TRAIL_ROWS_MAX)
    )
    rows += [
        {
            "at": _when(event.at),
            "actor": next((event.data[k] for k in _ACTOR_KEYS if event.data.get(k)), ""),
            "action": event.type,
            "source": "event",
            "detail": {},
        }
        for event in events
    ]
    return sorted(rows, key=lambda row: row["at"])
