"""Approving a disbursement: separated duties, the available balance, and the fund's
controls — standards, caps and budgets (`carefund.controls.checks`), the source the money
comes from (`carefund.controls.sources`), and two approvers with the meeting that decided
it above the fund's approval threshold (分级审批、三重一大 集体决策).

Above the threshold the first approval is recorded (`first_approved_by`) and the
disbursement stays `submitted`; the second, by someone else, approves it. Only the final
approval reserves money and fixes the source.
"""

from datetime import date
from typing import Any

from sqlmodel import Session

from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.controls.checks import first_refusal
from carefund.controls.overrides import asked_of
from carefund.controls.settings import Controls, load_controls
from carefund.controls.sources import allocate, source_pools
from carefund.disbursements.transitions import Status, refuse_own, transition
from carefund.errors import ControlRefused, Forbidden, InsufficientFunds
from carefund.funds import available_fen_under_lock
from carefund.ledger.heads import FundHead
from carefund.limits import MEETING_NO_LENGTH_MAX, RECEIPT_NO_LENGTH_MAX
from carefund.models import Disbursement, Fund, User, utcnow
from carefund.money import format_fen, yuan_text
from carefund.validation import FieldCheck, check_fields, choose, clean_text, parse_day_so_far
from carefund.vocabulary import IncomeSource


def _optional(check: FieldCheck) -> FieldCheck:
    return lambda value: None if value in (None, "") else check(value)


APPROVE_CHECKS: dict[str, FieldCheck] = {
    "source": _optional(lambda v: choose(IncomeSource, v, field="source").value),
    "earmark": _optional(
        lambda v: clean_text(v, field="earmark", length_max=RECEIPT_NO_LENGTH_MAX) or None
    ),
    "meeting_no": _optional(
        lambda v: clean_text(v, field="meeting_no", length_max=MEETING_NO_LENGTH_MAX) or None
    ),
    "meeting_on": _optional(lambda v: parse_day_so_far(v, field="meeting_on")),
}
"""An approval's optional fields: the source (and earmarked receipt) to draw from, and the
meeting that decided it."""


def needs_two(controls: Controls, amount_fen: int) -> bool:
    """Whether a disbursement of `amount_fen` needs two approvers and a meeting."""
    threshold = controls.approval_threshold_fen
    return threshold is not None and amount_fen > threshold


def approve_disbursement(
    session: Session,
    *,
    disbursement_id: int,
    actor: User,
    source: object = None,
    earmark: object = None,
    meeting_no: object = None,
    meeting_on: object = None,
) -> Disbursement:
    """Approve: someone other than the submitter (and than the first approver), within the
    available balance and the fund's controls; above the threshold, the second of two."""
    require(actor, Action.approve_disbursement)
    clean = check_fields(
        APPROVE_CHECKS,
        {"source": source, "earmark": earmark, "meeting_no": meeting_no, "meeting_on": meeting_on},
    )

    def approve(disbursement: Disbursement, fund: FundHead) -> None:
        refuse_own(disbursement, actor)
        if disbursement.first_approved_by == actor.username:
            raise Forbidden(f"分级审批：须由另一位审批人复审（{actor.username} 已审批）")
        _check_available(session, fund, disbursement)
        controls = load_controls(session, session.get_one(Fund, fund.id))
        pool = _check_controls(session, controls, disbursement, clean)
        _note_meeting(disbursement, clean["meeting_no"], clean["meeting_on"])
        if needs_two(controls, disbursement.amount_fen):
            if disbursement.first_approved_by is None:
                _first_approval(session, disbursement, actor)
                return
            _require_meeting(disbursement, controls)
        disbursement.source, disbursement.earmark_income_id = pool
        disbursement.approved_by = actor.username
        disbursement.approved_at = utcnow()

    return transition(
        session,
        disbursement_id,
        {Status.submitted},
        Status.approved,
        approve,
        actor=actor,
        action=Action.approve_disbursement,
    )


def _check_available(session: Session, fund: FundHead, disbursement: Disbursement) -> None:
    available = available_fen_under_lock(session, fund)
    if available < disbursement.amount_fen:
        raise InsufficientFunds(
            f"可用余额不足：可用 {format_fen(available)} 元，"
            f"申请 {format_fen(disbursement.amount_fen)} 元"
        )


def _check_controls(
    session: Session, controls: Controls, disbursement: Disbursement, clean: dict[str, Any]
) -> tuple[str, int | None]:
    """Standards, caps and budgets, then the source: the (source, earmarked income) chosen."""
    asked = asked_of(session, disbursement)
    refusal = first_refusal(session, controls, asked)
    if refusal is not None:
        raise ControlRefused(refusal.message, control=refusal.control)
    pools = source_pools(session, fund_id=disbursement.fund_id, controls=controls)
    pool = allocate(
        pools,
        controls,
        category=asked.category,
        aspect=asked.aspect,
        amount_fen=disbursement.amount_fen,
        source=clean["source"],
        earmark=clean["earmark"],
    )
    return pool.source, pool.income_id


def _note_meeting(disbursement: Disbursement, number: str | None, on: date | None) -> None:
    if number:
        disbursement.meeting_no = number
    if on:
        disbursement.meeting_on = on


def _first_approval(session: Session, disbursement: Disbursement, actor: User) -> None:
    disbursement.first_approved_by = actor.username
    disbursement.first_approved_at = utcnow()
    write_audit(
        session,
        actor=actor.username,
        action="disbursement.first_approved",
        obj=("disbursement", disbursement.id),
        detail={
            "meeting_no": disbursement.meeting_no,
            "meeting_on": disbursement.meeting_on.isoformat() if disbursement.meeting_on else None,
        },
    )


def _require_meeting(disbursement: Disbursement, controls: Controls) -> None:
    if not (disbursement.meeting_no and disbursement.meeting_on):
        threshold = yuan_text(controls.approval_threshold_fen or 0)
        raise ControlRefused(
            f"分级审批：超过 {threshold}的支出须经集体决策，请填写会议纪要编号与会议日期",
            control="approval",
            field="meeting_no",
        )
