"""Findings become alerts: once per subject, with the `alert.raised` event."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from carefund.alerts.registry import Finding, Grade, Rule
from carefund.events import record_event, unit_of_fund
from carefund.models import Alert, Fund, as_utc, utcnow
from carefund.storage.direct import DirectStatement


def alert_public(alert: Alert, fund_code: str | None, rule_name: str) -> dict[str, Any]:
    """An alert as the API shows it, as its events carry it and as its page shows it."""
    return {
        "id": alert.id,
        "fund": fund_code,
        "rule": alert.rule_code,
        "rule_name": rule_name,
        "grade": alert.grade,
        "subject": alert.subject_key,
        "message": alert.message,
        "details": alert.details,
        "status": alert.status,
        "created_at": as_utc(alert.created_at).isoformat(),
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": _moment(alert.acknowledged_at),
        "acknowledge_note": alert.acknowledge_note,
        "resolved_by": alert.resolved_by,
        "resolved_at": _moment(alert.resolved_at),
        "resolve_note": alert.resolve_note,
    }


def _moment(value: Any) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def raise_alerts(
    session: Session,
    known: Rule,
    findings: Iterable[Finding],
    *,
    grade: Grade,
    fund_id: int | None,
    fund_code: str | None,
    unit_id: int | None = None,
) -> list[Alert]:
    """An alert for each finding whose subject has none yet (whatever its status: a
    resolved alert is not raised again by the next scan); answers the new ones. `unit_id`
    is the fund's unit when the caller has it (else it is looked up for the events).

    A write's rules find one thing at most, mostly (a posting outside office hours): that
    one is inserted straight away, `ON CONFLICT DO NOTHING` telling whether it was known.
    Many findings (a scan) are first sifted by one query for the subjects already known."""
    prefix = f"{fund_code}:" if fund_code else ""
    found = {prefix + finding.subject_key: finding for finding in findings}
    if not found:
        return []
    known_subjects: set[str] = set()
    if len(found) > 1:
        known_subjects = set(
            session.exec(
                select(Alert.subject_key).where(
                    Alert.rule_code == known.code, col(Alert.subject_key).in_(list(found))
                )
            )
        )
    raised = []
    for subject, finding in found.items():
        if subject in known_subjects:
            continue
        values: dict[str, Any] = {
            "fund_id": fund_id,
            "rule_code": known.code,
            "grade": grade.value,
            "subject_key": subject,
            "message": finding.message,
            "details": finding.details,
            "status": "open",
            "created_at": utcnow(),
        }
        new_id = _insert_once(session, values)
        if new_id is None:
            continue  # a concurrent write raised it first: the write itself goes on
        # A snapshot of the row just written (as `insert_snapshot` makes), in no session.
        alert = Alert.model_construct(id=new_id, **values)
        if unit_id is None:
            unit_id = unit_of_fund(session, fund_id)
        record_event(
            session,
            "alert.raised",
            alert_public(alert, fund_code, known.name_zh),
            unit_id=unit_id,
        )
        raised.append(alert)
    return raised


_ALERT = Alert.__table__  # type: ignore[attr-defined]
_ALERT_COLUMNS = (
    *("fund_id", "rule_code", "grade", "subject_key", "message", "details"),
    *("status", "created_at"),
)


def _insert_alert(insert: Any) -> Any:
    return (
        insert(_ALERT)
        .values({name: bindparam(name) for name in _ALERT_COLUMNS})
        .on_conflict_do_nothing(index_elements=["rule_code", "subject_key"])
        .returning(_ALERT.c.id)
    )


_INSERT_ONCE = DirectStatement(
    {"sqlite": _insert_alert(sqlite_insert), "postgresql": _insert_alert(pg_insert)}
)


def _insert_once(session: Session, values: dict[str, Any]) -> int | None:
    """Insert the alert unless its subject has one (`ON CONFLICT DO NOTHING`): two writes
    that find the same thing at once must not fail the second over its alert."""
    row = _INSERT_ONCE.run(session, values)
    return int(row[0]) if row is not None else None


def fund_codes(session: Session) -> dict[int, str]:
    """Every fund's code by id (a district has a handful of funds)."""
    return {fund_id: code for fund_id, code in session.exec(select(Fund.id, Fund.code))}  # type: ignore[misc]
