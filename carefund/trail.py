"""The audit trail of one record, for auditors: every audit-log row about it (who changed
what, administrative acts) and every event the record went through (recorded, approved,
paid, reversed…), oldest first."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from carefund.access.scope import check_in_scope, scope_of, unit_path_of
from carefund.access.users import Action, require
from carefund.errors import InvalidFields, NotFound
from carefund.models import (
    AuditLog,
    Disbursement,
    Event,
    Fund,
    Income,
    Period,
    Plan,
    Recipient,
    as_utc,
)
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


_FUND_ROWS: dict[str, Any] = {
    "income": Income,
    "disbursement": Disbursement,
    "plan": Plan,
    "period": Period,
}
"""The records that belong to a fund: their trail is theirs who may see the fund."""


def _check_scope(session: Session, actor: Any, table: str, number: int) -> None:
    """`NotFound` for a record outside what the actor may see (a user's trail: only for
    those whose grant covers the whole district)."""
    if scope_of(session, actor).everywhere(Action.read_audit):
        return
    if table == "user":
        unit_id = None
    elif table == "recipient":
        unit_id = session.exec(select(Recipient.unit_id).where(Recipient.id == number)).first()
    elif table == "fund":
        unit_id = session.exec(select(Fund.unit_id).where(Fund.id == number)).first()
    else:
        row = _FUND_ROWS[table]
        unit_id = session.exec(
            select(Fund.unit_id).join(row, row.fund_id == Fund.id).where(row.id == number)
        ).first()
    missing = NotFound(f"记录不存在：{TRAIL_TABLES[table]} {number}")
    check_in_scope(session, actor, Action.read_audit, unit_path_of(session, unit_id), missing)


def _when(value: datetime) -> datetime:
    return as_utc(value)


def record_trail(
    session: Session, *, actor: Any, table: object, record_id: object
) -> list[dict[str, Any]]:
    """The trail of one record, oldest first: {at, actor, action, source, detail}."""
    require(actor, Action.read_audit)
    table, number = _check(table, record_id)
    _check_scope(session, actor, table, number)
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
