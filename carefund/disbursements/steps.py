"""Writing disbursements: submit, then approve / reject / cancel / pay / reverse.

Each step runs under its fund's lock and records an event carrying the disbursement's
public form (`carefund.disbursements.views.disbursement_public`).
"""

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from sqlmodel import Session

from carefund import clock
from carefund.access.users import Action, require
from carefund.alerts.registry import Touched, Trigger
from carefund.alerts.watch import watch
from carefund.disbursements.approval import approve_disbursement
from carefund.disbursements.transitions import (
    refuse_approver,
    refuse_others,
    refuse_own,
    transition,
)
from carefund.disbursements.views import (
    DisbursementRefs,
    disbursement_public,
    disbursements_public,
)
from carefund.errors import Conflict
from carefund.events import record_event
from carefund.funds import get_fund
from carefund.ledger.accounts import CASH_ACCOUNT, Line, expense_account
from carefund.ledger.entry_documents import approvers_text, payment_document
from carefund.ledger.heads import FundHead
from carefund.ledger.posting import post_entry, reverse_entry
from carefund.limits import METHOD_LENGTH_MAX, NAME_LENGTH_MAX
from carefund.models import Disbursement, Income, JournalEntry, Recipient, User, row_id, utcnow
from carefund.money import parse_amount
from carefund.recipients import recipient_row
from carefund.validation import (
    FieldCheck,
    check_fields,
    choose,
    clean_text,
    parse_day_so_far,
)
from carefund.vocabulary import ASPECT_NAMES_ZH, Aspect, DisbursementStatus

Status = DisbursementStatus

SUBMIT_CHECKS: dict[str, FieldCheck] = {
    "amount": parse_amount,
    "aspect": partial(choose, Aspect, field="aspect"),
    "purpose": partial(clean_text, field="purpose", length_max=NAME_LENGTH_MAX),
    "memo": partial(clean_text, field="memo", multiline=True),
}
"""The fields of a new disbursement that need no database to check."""
REASON_CHECKS: dict[str, FieldCheck] = {
    "reason": partial(clean_text, field="reason", required=True, multiline=True),
}
"""Rejecting and reversing both need a reason."""
PAY_CHECKS: dict[str, FieldCheck] = {
    "paid_on": partial(parse_day_so_far, field="paid_on"),
    "method": partial(clean_text, field="method", length_max=METHOD_LENGTH_MAX),
}


def _day_or_today(value: object) -> date:
    """A reversal's date: today when none is given, and never after today."""
    return clock.today() if value in (None, "") else parse_day_so_far(value, field="on")


REVERSE_CHECKS: dict[str, FieldCheck] = REASON_CHECKS | {"on": _day_or_today}


def submit_disbursement(
    session: Session,
    *,
    fund_code: str,
    recipient_id: object,
    amount: object,
    aspect: object,
    purpose: object = "",
    memo: object = "",
    actor: User,
    plan_id: int | None = None,
    due_on: date | None = None,
) -> Disbursement:
    """Submit a disbursement for approval; the recipient must be active."""
    require(actor, Action.submit_disbursement)
    fields = check_fields(
        SUBMIT_CHECKS, {"amount": amount, "aspect": aspect, "purpose": purpose, "memo": memo}
    )
    fund = get_fund(session, fund_code, actor=actor, action=Action.submit_disbursement)
    recipient = recipient_row(session, recipient_id, actor=actor)
    if not recipient.active:
        raise Conflict(f"关爱对象 {recipient.member_no} 已停用，不能发放", field="recipient_id")
    disbursement = Disbursement(
        fund_id=row_id(fund),
        recipient_id=row_id(recipient),
        amount_fen=fields["amount"],
        aspect=fields["aspect"].value,
        purpose=fields["purpose"],
        memo=fields["memo"],
        status=Status.submitted.value,
        submitted_by=actor.username,
        plan_id=plan_id,
        due_on=due_on,
    )
    session.add(disbursement)
    session.flush()
    public = disbursement_public(disbursement, DisbursementRefs(fund_code=fund.code))
    record_event(session, "disbursement.submitted", public, unit_id=fund.unit_id)
    return disbursement


def reject_disbursement(
    session: Session, *, disbursement_id: int, reason: object, actor: User
) -> Disbursement:
    """Refuse a submitted disbursement, with a reason."""
    require(actor, Action.approve_disbursement)
    fields = check_fields(REASON_CHECKS, {"reason": reason})

    def reject(disbursement: Disbursement, _fund: FundHead) -> None:
        refuse_own(disbursement, actor)
        disbursement.rejected_by = actor.username
        disbursement.reject_reason = fields["reason"]

    return transition(
        session,
        disbursement_id,
        {Status.submitted},
        Status.rejected,
        reject,
        actor=actor,
        action=Action.approve_disbursement,
    )


def cancel_disbursement(session: Session, *, disbursement_id: int, actor: User) -> Disbursement:
    """Withdraw a disbursement that is still waiting for approval: a clerk only their own
    submission, an admin any."""
    require(actor, Action.cancel_disbursement)

    def cancel(disbursement: Disbursement, _fund: FundHead) -> None:
        refuse_others(disbursement, actor)
        disbursement.cancelled_by = actor.username

    return transition(
        session,
        disbursement_id,
        {Status.submitted},
        Status.cancelled,
        cancel,
        actor=actor,
        action=Action.cancel_disbursement,
    )


def pay_disbursement(
    session: Session, *, disbursement_id: int, paid_on: object, method: object = "", actor: User
) -> Disbursement:
    """Pay an approved disbursement: post Dr expense (aspect × category) / Cr cash. Whoever
    approved it may not pay it."""
    require(actor, Action.pay_disbursement)
    fields = check_fields(PAY_CHECKS, {"paid_on": paid_on, "method": method})
    touched: list[Touched] = []

    def pay(disbursement: Disbursement, fund: FundHead) -> str:
        refuse_approver(disbursement, actor)
        recipient = session.get(Recipient, disbursement.recipient_id)
        assert recipient is not None
        account = expense_account(disbursement.aspect, recipient.category)
        aid = Line(
            account,
            debit_fen=disbursement.amount_fen,
            recipient_id=recipient.id,
            recipient=recipient.member_no,
            category=recipient.category,
            aspect=disbursement.aspect,
        )
        entry = post_entry(
            session,
            fund=fund,
            entry_date=fields["paid_on"],
            memo=_payment_memo(disbursement, recipient),
            lines=[aid, Line(CASH_ACCOUNT, credit_fen=disbursement.amount_fen)],
            document=payment_document(
                disbursement_id=row_id(disbursement),
                member_no=recipient.member_no,
                category=recipient.category,
                aspect=disbursement.aspect,
                amount_fen=disbursement.amount_fen,
                approved_by=approvers_text(disbursement),
                paid_by=actor.username,
                source=disbursement.source,
                earmark=_earmark_receipt(session, disbursement),
            ),
            actor=actor.username,
        )
        disbursement.entry_id = entry.id
        disbursement.paid_by = actor.username
        disbursement.paid_on = fields["paid_on"]
        disbursement.method = fields["method"]
        touched.append(_touched(Trigger.payment, fund, disbursement, entry.voucher_no, actor))
        return entry.voucher_no

    paid = transition(
        session,
        disbursement_id,
        {Status.approved},
        Status.paid,
        pay,
        actor=actor,
        action=Action.pay_disbursement,
    )
    watch(session, touched[0])
    return paid


def _earmark_receipt(session: Session, disbursement: Disbursement) -> str | None:
    if disbursement.earmark_income_id is None:
        return None
    return session.get_one(Income, disbursement.earmark_income_id).receipt_no


def _touched(
    trigger: Trigger, fund: FundHead, disbursement: Disbursement, voucher_no: str, actor: User
) -> Touched:
    """What paying or reversing touched, for the rules (`carefund.alerts.watch`)."""
    return Touched(
        trigger,
        fund_id=fund.id,
        fund_code=fund.code,
        recipient_id=disbursement.recipient_id,
        disbursement_id=disbursement.id,
        voucher_no=voucher_no,
        entry_created_at=utcnow(),
        username=actor.username,
        fund_unit_id=fund.unit_id,
    )


def _payment_memo(disbursement: Disbursement, recipient: Recipient) -> str:
    aspect = ASPECT_NAMES_ZH[Aspect(disbursement.aspect)]
    what = disbursement.purpose or aspect
    return f"支付{aspect} {recipient.member_no} {what}（支出 #{disbursement.id}）"


def reverse_disbursement(
    session: Session, *, disbursement_id: int, reason: object, on: object = None, actor: User
) -> Disbursement:
    """Reverse a paid disbursement with a red-ink entry dated `on` (today by default)."""
    require(actor, Action.reverse_disbursement)
    fields = check_fields(REVERSE_CHECKS, {"reason": reason, "on": on})
    touched: list[Touched] = []

    def reverse(disbursement: Disbursement, fund: FundHead) -> str:
        original = session.get(JournalEntry, disbursement.entry_id)
        assert original is not None
        reversal = reverse_entry(
            session,
            fund=fund,
            entry=original,
            on=fields["on"],
            memo=f"冲销 {original.voucher_no}（支出 #{disbursement.id}）：{fields['reason']}",
            reason=fields["reason"],
            actor=actor.username,
        )
        disbursement.reversal_entry_id = reversal.id
        disbursement.reversed_by = actor.username
        disbursement.reverse_reason = fields["reason"]
        touched.append(_touched(Trigger.reversal, fund, disbursement, reversal.voucher_no, actor))
        return original.voucher_no

    reversed_one = transition(
        session,
        disbursement_id,
        {Status.paid},
        Status.reversed,
        reverse,
        actor=actor,
        action=Action.reverse_disbursement,
    )
    watch(session, touched[0])
    return reversed_one


STEPS: dict[str, Callable[..., Disbursement]] = {
    "approve": approve_disbursement,
    "reject": reject_disbursement,
    "cancel": cancel_disbursement,
    "pay": pay_disbursement,
    "reverse": reverse_disbursement,
}
"""The workflow steps after submitting, by the name the API's and the pages' paths use."""
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "approve": ("source", "earmark", "meeting_no", "meeting_on"),
    "reject": ("reason",),
    "cancel": (),
    "pay": ("paid_on", "method"),
    "reverse": ("reason", "on"),
}
"""The input fields each step takes."""


def take_step(
    session: Session, *, step: str, disbursement_id: int, fields: dict[str, Any], actor: User
) -> dict[str, Any]:
    """One workflow step by its name, with the fields it takes (others are ignored);
    answers the disbursement's public form."""
    use_case = STEPS[step]
    taken = {name: fields.get(name) for name in STEP_FIELDS[step]}
    disbursement = use_case(session, disbursement_id=disbursement_id, actor=actor, **taken)
    return disbursements_public(session, [disbursement])[0]
