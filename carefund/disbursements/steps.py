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
from carefund.access.scope import check_in_scope
from carefund.access.users import Action, require
from carefund.disbursements.views import (
    DisbursementRefs,
    disbursement_public,
    disbursements_public,
)
from carefund.errors import Conflict, Forbidden, InsufficientFunds, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.funds import available_fen_under_lock, get_fund
from carefund.ledger.accounts import CASH_ACCOUNT, Line, expense_account
from carefund.ledger.entry_documents import payment_document
from carefund.ledger.posting import FundHead, lock_fund_head_of, post_entry, reverse_entry
from carefund.limits import METHOD_LENGTH_MAX, NAME_LENGTH_MAX
from carefund.models import Disbursement, JournalEntry, Recipient, User, row_id, utcnow
from carefund.money import format_fen, parse_amount
from carefund.recipients import recipient_row
from carefund.validation import (
    FieldCheck,
    check_fields,
    choose,
    clean_text,
    is_id,
    parse_day_so_far,
)
from carefund.vocabulary import ASPECT_NAMES_ZH, Aspect, DisbursementStatus, Role

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


def approve_disbursement(session: Session, *, disbursement_id: int, actor: User) -> Disbursement:
    """Approve: someone other than the submitter, and only within the available balance."""
    require(actor, Action.approve_disbursement)

    def approve(disbursement: Disbursement, fund: FundHead) -> None:
        _refuse_own(disbursement, actor)
        available = available_fen_under_lock(session, fund)
        if available < disbursement.amount_fen:
            raise InsufficientFunds(
                f"可用余额不足：可用 {format_fen(available)} 元，"
                f"申请 {format_fen(disbursement.amount_fen)} 元"
            )
        disbursement.approved_by = actor.username
        disbursement.approved_at = utcnow()

    return _transition(
        session,
        disbursement_id,
        {Status.submitted},
        Status.approved,
        approve,
        actor=actor,
        action=Action.approve_disbursement,
    )


def _refuse_own(disbursement: Disbursement, actor: User) -> None:
    if disbursement.submitted_by == actor.username:
        raise Forbidden("不相容职务分离：提交人不能审批自己提交的支出")


def _refuse_approver(disbursement: Disbursement, actor: User) -> None:
    # 不相容职务: whoever approved a payment may not also hand the money out, admins included.
    if disbursement.approved_by == actor.username:
        raise Forbidden("不相容职务分离：审批人不能发放自己审批的支出")


def _refuse_others(disbursement: Disbursement, actor: User) -> None:
    if actor.role != Role.admin and disbursement.submitted_by != actor.username:
        raise Forbidden(
            f"只能撤回自己提交的支出（支出 #{disbursement.id} 由 {disbursement.submitted_by} 提交）"
        )


def reject_disbursement(
    session: Session, *, disbursement_id: int, reason: object, actor: User
) -> Disbursement:
    """Refuse a submitted disbursement, with a reason."""
    require(actor, Action.approve_disbursement)
    fields = check_fields(REASON_CHECKS, {"reason": reason})

    def reject(disbursement: Disbursement, _fund: FundHead) -> None:
        _refuse_own(disbursement, actor)
        disbursement.rejected_by = actor.username
        disbursement.reject_reason = fields["reason"]

    return _transition(
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
        _refuse_others(disbursement, actor)
        disbursement.cancelled_by = actor.username

    return _transition(
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

    def pay(disbursement: Disbursement, fund: FundHead) -> str:
        _refuse_approver(disbursement, actor)
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
                approved_by=disbursement.approved_by,
                paid_by=actor.username,
            ),
            actor=actor.username,
        )
        disbursement.entry_id = entry.id
        disbursement.paid_by = actor.username
        disbursement.paid_on = fields["paid_on"]
        disbursement.method = fields["method"]
        return entry.voucher_no

    return _transition(
        session,
        disbursement_id,
        {Status.approved},
        Status.paid,
        pay,
        actor=actor,
        action=Action.pay_disbursement,
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
        return original.voucher_no

    return _transition(
        session,
        disbursement_id,
        {Status.paid},
        Status.reversed,
        reverse,
        actor=actor,
        action=Action.reverse_disbursement,
    )


STEPS: dict[str, Callable[..., Disbursement]] = {
    "approve": approve_disbursement,
    "reject": reject_disbursement,
    "cancel": cancel_disbursement,
    "pay": pay_disbursement,
    "reverse": reverse_disbursement,
}
"""The workflow steps after submitting, by the name the API's and the pages' paths use."""
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "approve": (),
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


def _transition(
    session: Session,
    disbursement_id: int,
    allowed_from: set[Status],
    to: Status,
    apply: Callable[[Disbursement, FundHead], str | None],
    *,
    actor: User,
    action: Action,
) -> Disbursement:
    """Move a disbursement to `to` under its fund's lock, so concurrent steps queue.

    `apply` makes the step's changes; it answers the voucher number of the disbursement's
    payment when it knows it (paying and reversing do), for the event.
    """
    fund = (
        lock_fund_head_of(session, Disbursement, row_id=disbursement_id)
        if is_id(disbursement_id)
        else None
    )
    missing = NotFound(f"支出不存在：{disbursement_id}")
    if fund is None:
        raise missing
    check_in_scope(session, actor, action, fund.unit_path, missing)
    # Read under the lock: a copy the session held from before it may be stale.
    disbursement = session.get_one(Disbursement, disbursement_id, populate_existing=True)
    if Status(disbursement.status) not in allowed_from:
        raise InvalidTransition(
            f"支出 #{disbursement.id} 当前状态为 {disbursement.status}，不能改为 {to.value}"
        )
    voucher_no = apply(disbursement, fund)
    disbursement.status = to.value
    disbursement.updated_at = utcnow()
    session.add(disbursement)
    session.flush()
    refs = DisbursementRefs(fund_code=fund.code, voucher_no=voucher_no)
    public = disbursement_public(disbursement, refs)
    record_event(session, f"disbursement.{to.value}", public, unit_id=fund.unit_id)
    return disbursement
