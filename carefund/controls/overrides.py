"""Overrides (超标准审批): an administrator lets one submitted disbursement through a budget,
a cap or a standard that refuses it, recording the figures at the time and a reason. The
approval then skips that control for that disbursement; the alerts read the table."""

import json
from typing import Any

from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.users import Action, require
from carefund.alerts.registry import Touched, Trigger
from carefund.alerts.watch import watch
from carefund.audit import write_audit
from carefund.controls.checks import CONTROL_NAMES_ZH, CONTROLS, Asked, refusal_of
from carefund.controls.settings import load_controls
from carefund.errors import Conflict, Duplicate, InvalidInput, NotFound
from carefund.events import record_event
from carefund.models import ControlOverride, Disbursement, Fund, Recipient, User, as_utc
from carefund.validation import check_fields, clean_text, is_id
from carefund.vocabulary import DisbursementStatus

OVERRIDE_CHECKS = {
    "control": lambda v: _control(v),
    "reason": lambda v: clean_text(v, field="reason", required=True, multiline=True),
}
"""The rules of an override's fields."""


def _control(value: object) -> str:
    if value not in CONTROLS:
        raise InvalidInput("应为 budget、cap 或 standard 之一", field="control")
    return str(value)


def asked_of(session: Session, disbursement: Disbursement) -> Asked:
    """The disbursement as the checks see it, in the year it is approved (today's)."""
    recipient = session.get_one(Recipient, disbursement.recipient_id)
    return Asked(
        fund_id=disbursement.fund_id,
        disbursement_id=disbursement.id or 0,
        recipient_id=disbursement.recipient_id,
        category=recipient.category,
        aspect=disbursement.aspect,
        amount_fen=disbursement.amount_fen,
        year=clock.today().year,
    )


def override_public(row: ControlOverride, fund_code: str) -> dict[str, Any]:
    """An override as the API shows it and `control.overridden` carries it."""
    return {
        "id": row.id,
        "fund": fund_code,
        "disbursement_id": row.disbursement_id,
        "control": row.control,
        "figures": json.loads(row.figures),
        "reason": row.reason,
        "created_by": row.created_by,
        "created_at": as_utc(row.created_at).isoformat(),
    }


def record_override(
    session: Session, *, disbursement_id: object, values: dict[str, Any], actor: User
) -> dict[str, Any]:
    """Let a submitted disbursement through one control (admin), with a reason; refused
    when that control does not refuse it (nothing to override)."""
    require(actor, Action.manage_funds)
    clean = check_fields(OVERRIDE_CHECKS, values)
    found = session.get(Disbursement, disbursement_id) if is_id(disbursement_id) else None
    if found is None:
        raise NotFound(f"支出不存在：{disbursement_id}")
    if found.status != DisbursementStatus.submitted.value:
        raise Conflict(f"支出 #{found.id} 当前状态为 {found.status}，只能对待审批的支出越权")
    fund = session.get_one(Fund, found.fund_id)
    name = CONTROL_NAMES_ZH[clean["control"]]
    refusal = refusal_of(
        session, load_controls(session, fund), asked_of(session, found), clean["control"]
    )
    if refusal is None:
        raise Conflict(f"支出 #{found.id} 未超出{name}，无需越权", field="control")
    taken = session.exec(
        select(ControlOverride).where(
            ControlOverride.disbursement_id == found.id,
            ControlOverride.control == clean["control"],
        )
    ).first()
    if taken is not None:
        raise Duplicate(f"支出 #{found.id} 的{name}已由 {taken.created_by} 越权", field="control")
    row = ControlOverride(
        fund_id=found.fund_id,
        disbursement_id=found.id or 0,
        control=clean["control"],
        figures=json.dumps(refusal.figures | {"message": refusal.message}, ensure_ascii=False),
        reason=clean["reason"],
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    public = override_public(row, fund.code)
    write_audit(
        session,
        actor=actor.username,
        action="control.overridden",
        obj=("disbursement", found.id),
        detail=public,
    )
    record_event(session, "control.overridden", public, unit_id=fund.unit_id)
    # Every override is put before the auditors (廉情预警 `control_override`).
    watch(
        session,
        Touched(
            Trigger.override,
            fund_id=fund.id,
            fund_code=fund.code,
            disbursement_id=found.id,
            username=actor.username,
        ),
    )
    return public


def overrides_of(session: Session, *, disbursement_id: object, actor: User) -> dict[str, Any]:
    """The overrides recorded for one disbursement, oldest first."""
    require(actor, Action.read)
    found = session.get(Disbursement, disbursement_id) if is_id(disbursement_id) else None
    if found is None:
        raise NotFound(f"支出不存在：{disbursement_id}")
    code = session.get_one(Fund, found.fund_id).code
    rows = session.exec(
        select(ControlOverride)
        .where(ControlOverride.disbursement_id == found.id)
        .order_by(col(ControlOverride.id))
    )
    return {"items": [override_public(row, code) for row in rows]}
