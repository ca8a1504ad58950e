"""Alerts for auditors: the list, one alert, acknowledging and resolving, the counts."""

from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, func, true
from sqlmodel import Session, col, select

from carefund.access.scope import check_in_scope, scope_of, unit_path_of, within_scope
from carefund.access.users import Action, require
from carefund.alerts.raising import alert_public, fund_codes
from carefund.alerts.registry import RULES, Grade
from carefund.audit import history, write_audit
from carefund.errors import InvalidTransition, NotFound
from carefund.events import record_event, unit_of_fund
from carefund.funds import get_fund
from carefund.limits import ALERT_NOTE_LENGTH_MAX
from carefund.models import Alert, AuditLog, Fund, User, utcnow
from carefund.validation import FieldCheck, check_fields, choose, clean_text, get_row


class AlertStatus(StrEnum):
    """Where an alert stands."""

    open = "open"
    """Raised, nobody has taken it up."""
    acknowledged = "acknowledged"
    """An auditor has seen it and is looking into it."""
    resolved = "resolved"
    """Explained or dealt with; the note says how."""


STATUS_NAMES_ZH = {
    AlertStatus.open: "待处理",
    AlertStatus.acknowledged: "已确认",
    AlertStatus.resolved: "已办结",
}

ACKNOWLEDGE_CHECKS: dict[str, FieldCheck] = {
    "note": lambda value: clean_text(
        value, field="note", length_max=ALERT_NOTE_LENGTH_MAX, multiline=True
    ),
}
RESOLVE_CHECKS: dict[str, FieldCheck] = {
    "note": lambda value: clean_text(
        value, field="note", length_max=ALERT_NOTE_LENGTH_MAX, multiline=True, required=True
    ),
}
"""Resolving needs a written note: what was found, what was done."""


def alerts_public(session: Session, rows: list[Alert]) -> list[dict[str, Any]]:
    codes = fund_codes(session) if any(row.fund_id for row in rows) else {}
    return [
        alert_public(
            row,
            codes.get(row.fund_id) if row.fund_id else None,
            RULES[row.rule_code].name_zh if row.rule_code in RULES else row.rule_code,
        )
        for row in rows
    ]


def list_alerts(
    session: Session,
    *,
    actor: User,
    status: object = None,
    grade: object = None,
    fund_code: str | None = None,
    after_id: int = 0,
    limit: int = 50,
    newest_first: bool = False,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """A page of alerts by id (oldest first, or newest first for people), filtered."""
    require(actor, Action.read_alerts)
    query = select(Alert).where(col(Alert.id) > after_id, _visible(session, actor))
    if before_id is not None:
        query = query.where(col(Alert.id) < before_id)
    if status not in (None, ""):
        query = query.where(Alert.status == choose(AlertStatus, status, field="status").value)
    if grade not in (None, ""):
        query = query.where(Alert.grade == choose(Grade, grade, field="grade").value)
    if fund_code:
        query = query.where(
            Alert.fund_id == get_fund(session, fund_code, actor=actor, action=Action.read_alerts).id
        )
    order = col(Alert.id).desc() if newest_first else col(Alert.id)
    return alerts_public(session, list(session.exec(query.order_by(order).limit(limit))))


def read_alert(session: Session, *, alert_id: object, actor: User) -> dict[str, Any]:
    require(actor, Action.read_alerts)
    return alerts_public(session, [_scoped(session, alert_id, actor, Action.read_alerts)])[0]


def alert_history(session: Session, *, alert_id: int, actor: User) -> list[AuditLog]:
    """Who acknowledged and resolved it, from the audit trail."""
    require(actor, Action.read_alerts)
    _scoped(session, alert_id, actor, Action.read_alerts)
    return history(session, "alert", alert_id)


def acknowledge_alert(
    session: Session, *, alert_id: object, note: object = "", actor: User
) -> dict[str, Any]:
    """Take an open alert up (an optional note)."""
    require(actor, Action.handle_alerts)
    clean = check_fields(ACKNOWLEDGE_CHECKS, {"note": note})
    alert = _locked(session, alert_id, actor)
    if alert.status != AlertStatus.open:
        raise InvalidTransition(f"预警 #{alert.id} 当前状态为 {alert.status}，不能再确认")
    alert.status = AlertStatus.acknowledged.value
    alert.acknowledged_by, alert.acknowledged_at = actor.username, utcnow()
    alert.acknowledge_note = clean["note"] or None
    return _changed(session, alert, "alert.acknowledged", actor, clean["note"])


def resolve_alert(
    session: Session, *, alert_id: object, note: object, actor: User
) -> dict[str, Any]:
    """Close an open or acknowledged alert with a written note."""
    require(actor, Action.handle_alerts)
    clean = check_fields(RESOLVE_CHECKS, {"note": note})
    alert = _locked(session, alert_id, actor)
    if alert.status == AlertStatus.resolved:
        raise InvalidTransition(f"预警 #{alert.id} 已办结")
    alert.status = AlertStatus.resolved.value
    alert.resolved_by, alert.resolved_at = actor.username, utcnow()
    alert.resolve_note = clean["note"]
    return _changed(session, alert, "alert.resolved", actor, clean["note"])


def _locked(session: Session, alert_id: object, actor: User) -> Alert:
    alert = _scoped(session, alert_id, actor, Action.handle_alerts)
    session.refresh(alert, with_for_update=True)
    return alert


def _visible(session: Session, actor: User) -> ColumnElement[bool]:
    """The alerts the actor may see: those of funds in their units; the district's own
    (no fund: the roll, the staff, other districts) only for district-wide roles."""
    if scope_of(session, actor).everywhere(Action.read_alerts):
        return true()
    funds = select(Fund.id).where(
        within_scope(session, actor, col(Fund.unit_id), Action.read_alerts)
    )
    return col(Alert.fund_id).in_(funds)


def _scoped(session: Session, alert_id: object, actor: User, action: Action) -> Alert:
    """One alert, as if it did not exist when it lies outside what the actor may see."""
    alert = get_row(session, Alert, alert_id, missing="预警不存在")
    unit_path = partial(unit_path_of, session, unit_of_fund(session, alert.fund_id))
    check_in_scope(session, actor, action, unit_path, NotFound("预警不存在"))
    return alert


def _changed(session: Session, alert: Alert, action: str, actor: User, note: str) -> dict[str, Any]:
    session.add(alert)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action=action,
        obj=("alert", alert.id),
        detail={"status": alert.status, "note": note},
    )
    public = alerts_public(session, [alert])[0]
    record_event(session, action, public, unit_id=unit_of_fund(session, alert.fund_id))
    return public


def open_counts(session: Session, *, actor: User) -> dict[str, int]:
    """Open (not yet resolved) alerts by grade, every grade named: for the dashboard."""
    require(actor, Action.read_alerts)
    counts = {grade.value: 0 for grade in Grade}
    rows = session.exec(
        select(Alert.grade, func.count())
        .where(Alert.status != AlertStatus.resolved.value, _visible(session, actor))
        .group_by(col(Alert.grade))
    )
    counts.update({grade: int(count) for grade, count in rows})
    return counts
