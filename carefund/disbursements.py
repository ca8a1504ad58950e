"""Disbursements: money out to one recipient, submitted → approved → paid, with separated duties.

Rejected, cancelled and reversed are the other ends. Only paying and reversing post entries;
approving reserves the amount from the fund's available balance.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.errors import Conflict, Forbidden, InsufficientFunds, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.funds import available_fen_under_lock, get_fund
from carefund.ledger.accounts import CASH_ACCOUNT, Line, expense_account
from carefund.ledger.posting import FundHead, lock_fund_head_of, post_entry, reverse_entry
from carefund.limits import METHOD_LENGTH_MAX, NAME_LENGTH_MAX
from carefund.models import (
    Disbursement,
    Fund,
    JournalEntry,
    Recipient,
    User,
    as_utc,
    row_id,
    utcnow,
)
from carefund.money import format_fen, parse_amount
from carefund.recipients import get_recipient
from carefund.validation import choose, clean_text, is_id, parse_date
from carefund.vocabulary import ASPECT_NAMES_ZH, Aspect, DisbursementStatus

Status = DisbursementStatus


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
    amount_fen = parse_amount(amount)
    aspect = choose(Aspect, aspect, field="aspect")
    purpose = clean_text(purpose, field="purpose", length_max=NAME_LENGTH_MAX)
    memo = clean_text(memo, field="memo")
    fund = get_fund(session, fund_code)
    recipient = get_recipient(session, recipient_id)
    if not recipient.active:
        raise Conflict(f"关爱对象 {recipient.member_no} 已停用，不能发放", field="recipient_id")
    disbursement = Disbursement(
        fund_id=row_id(fund),
        recipient_id=row_id(recipient),
        amount_fen=amount_fen,
        aspect=aspect.value,
        purpose=purpose,
        memo=memo,
        status=Status.submitted.value,
        submitted_by=actor.username,
        plan_id=plan_id,
        due_on=due_on,
    )
    session.add(disbursement)
    session.flush()
    record_event(session, "disbursement.submitted", disbursement_public(disbursement, fund.code))
    return disbursement


def approve_disbursement(session: Session, *, disbursement_id: int, actor: User) -> Disbursement:
    """Approve: someone other than the submitter, and only within the available balance."""
    require(actor, Action.approve_disbursement)

    def approve(disbursement: Disbursement, fund: FundHead) -> None:
        if disbursement.submitted_by == actor.username:
            raise Forbidden("不相容职务分离：提交人不能审批自己提交的支出")
        available = available_fen_under_lock(session, fund)
        if available < disbursement.amount_fen:
            raise InsufficientFunds(
                f"可用余额不足：可用 {format_fen(available)} 元，"
                f"申请 {format_fen(disbursement.amount_fen)} 元"
            )
        disbursement.approved_by = actor.username
        disbursement.approved_at = utcnow()

    return _transition(session, disbursement_id, {Status.submitted}, Status.approved, approve)


def reject_disbursement(
    session: Session, *, disbursement_id: int, reason: object, actor: User
) -> Disbursement:
    """Refuse a submitted disbursement, with a reason."""
    require(actor, Action.approve_disbursement)
    reason = clean_text(reason, field="reason", required=True)

    def reject(disbursement: Disbursement, _fund: FundHead) -> None:
        if disbursement.submitted_by == actor.username:
            raise Forbidden("不相容职务分离：提交人不能审批自己提交的支出")
        disbursement.rejected_by = actor.username
        disbursement.reject_reason = reason

    return _transition(session, disbursement_id, {Status.submitted}, Status.rejected, reject)


def cancel_disbursement(session: Session, *, disbursement_id: int, actor: User) -> Disbursement:
    """Withdraw a disbursement that is still waiting for approval."""
    require(actor, Action.cancel_disbursement)

    def cancel(disbursement: Disbursement, _fund: FundHead) -> None:
        disbursement.cancelled_by = actor.username

    return _transition(session, disbursement_id, {Status.submitted}, Status.cancelled, cancel)


def pay_disbursement(
    session: Session, *, disbursement_id: int, paid_on: object, method: object = "", actor: User
) -> Disbursement:
    """Pay an approved disbursement: post Dr expense (aspect × category) / Cr cash."""
    require(actor, Action.pay_disbursement)
    paid_on = parse_date(paid_on, field="paid_on")
    method = clean_text(method, field="method", length_max=METHOD_LENGTH_MAX)

    def pay(disbursement: Disbursement, fund: FundHead) -> str:
        recipient = session.get(Recipient, disbursement.recipient_id)
        assert recipient is not None
        account = expense_account(disbursement.aspect, recipient.category)
        tags = {
            "recipient_id": recipient.id,
            "category": recipient.category,
            "aspect": disbursement.aspect,
        }
        entry = post_entry(
            session,
            fund=fund,
            entry_date=paid_on,
            memo=_payment_memo(disbursement, recipient),
            lines=[
                Line(account, debit_fen=disbursement.amount_fen, **tags),  # type: ignore[arg-type]
                Line(CASH_ACCOUNT, credit_fen=disbursement.amount_fen),
            ],
            actor=actor.username,
        )
        disbursement.entry_id = entry.id
        disbursement.paid_by = actor.username
        disbursement.paid_on = paid_on
        disbursement.method = method
        return entry.voucher_no

    return _transition(session, disbursement_id, {Status.approved}, Status.paid, pay)


def _payment_memo(disbursement: Disbursement, recipient: Recipient) -> str:
    aspect = ASPECT_NAMES_ZH[Aspect(disbursement.aspect)]
    what = disbursement.purpose or aspect
    return f"支付{aspect} {recipient.member_no} {what}（支出 #{disbursement.id}）"


def reverse_disbursement(
    session: Session, *, disbursement_id: int, reason: object, on: object = None, actor: User
) -> Disbursement:
    """Reverse a paid disbursement with a red-ink entry dated `on` (today by default)."""
    require(actor, Action.reverse_disbursement)
    reason = clean_text(reason, field="reason", required=True)
    on = parse_date(on, field="on") if on is not None else date.today()

    def reverse(disbursement: Disbursement, fund: FundHead) -> str:
        original = session.get(JournalEntry, disbursement.entry_id)
        assert original is not None
        reversal = reverse_entry(
            session,
            fund=fund,
            entry=original,
            on=on,
            memo=f"冲销 {original.voucher_no}（支出 #{disbursement.id}）：{reason}",
            actor=actor.username,
        )
        disbursement.reversal_entry_id = reversal.id
        disbursement.reversed_by = actor.username
        disbursement.reverse_reason = reason
        return original.voucher_no

    return _transition(session, disbursement_id, {Status.paid}, Status.reversed, reverse)


def _transition(
    session: Session,
    disbursement_id: int,
    allowed_from: set[Status],
    to: Status,
    apply: Callable[[Disbursement, FundHead], str | None],
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
    if fund is None:
        raise NotFound(f"支出不存在：{disbursement_id}")
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
    public = disbursement_public(disbursement, fund.code, voucher_no)
    record_event(session, f"disbursement.{to.value}", public)
    return disbursement


def get_disbursement(session: Session, disbursement_id: object) -> Disbursement:
    found = session.get(Disbursement, disbursement_id) if is_id(disbursement_id) else None
    if found is None:
        raise NotFound(f"支出不存在：{disbursement_id}")
    return found


def list_disbursements(
    session: Session,
    *,
    fund: Fund | None = None,
    status: str | None = None,
    recipient_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    after_id: int = 0,
    limit: int = 50,
    newest_first: bool = False,
    before_id: int | None = None,
) -> list[Disbursement]:
    """A page of disbursements by id (oldest first, or newest first for people);
    `start`/`end` filter on the day it was submitted."""
    query = select(Disbursement).where(col(Disbursement.id) > after_id)
    if before_id is not None:
        query = query.where(col(Disbursement.id) < before_id)
    if fund is not None:
        query = query.where(Disbursement.fund_id == fund.id)
    if status is not None:
        query = query.where(Disbursement.status == choose(Status, status, field="status").value)
    if recipient_id is not None:
        query = query.where(Disbursement.recipient_id == recipient_id)
    if start is not None:
        query = query.where(col(Disbursement.created_at) >= start)
    if end is not None:
        query = query.where(col(Disbursement.created_at) < _day_after(end))
    order = col(Disbursement.id).desc() if newest_first else col(Disbursement.id)
    return list(session.exec(query.order_by(order).limit(limit)))


def count_by_status(session: Session, *, fund: Fund | None = None) -> dict[str, int]:
    """How many disbursements stand in each status (every status present, 0 when none)."""
    query = select(Disbursement.status, func.count()).group_by(col(Disbursement.status))
    if fund is not None:
        query = query.where(Disbursement.fund_id == fund.id)
    counts = {status.value: 0 for status in Status}
    for status, number in session.exec(query):
        counts[status] = int(number)
    return counts


def _day_after(day: date) -> date:
    return day + timedelta(days=1)


def disbursement_public(
    disbursement: Disbursement, fund_code: str, voucher_no: str | None = None
) -> dict[str, Any]:
    """A disbursement as the API shows it."""
    return {
        "id": disbursement.id,
        "fund": fund_code,
        "recipient_id": disbursement.recipient_id,
        "amount": format_fen(disbursement.amount_fen),
        "aspect": disbursement.aspect,
        "purpose": disbursement.purpose,
        "memo": disbursement.memo,
        "status": disbursement.status,
        "submitted_by": disbursement.submitted_by,
        "approved_by": disbursement.approved_by,
        "rejected_by": disbursement.rejected_by,
        "reject_reason": disbursement.reject_reason,
        "paid_by": disbursement.paid_by,
        "paid_on": disbursement.paid_on.isoformat() if disbursement.paid_on else None,
        "method": disbursement.method,
        "voucher_no": voucher_no,
        "plan_id": disbursement.plan_id,
        "due_on": disbursement.due_on.isoformat() if disbursement.due_on else None,
        "created_at": as_utc(disbursement.created_at).isoformat(),
    }


def disbursement_view(session: Session, disbursement: Disbursement) -> dict[str, Any]:
    """`disbursement_public` for a stored disbursement, with its voucher number."""
    fund = session.get(Fund, disbursement.fund_id)
    assert fund is not None
    entry = session.get(JournalEntry, disbursement.entry_id) if disbursement.entry_id else None
    return disbursement_public(disbursement, fund.code, entry.voucher_no if entry else None)


def disbursements_view(session: Session, rows: list[Disbursement]) -> list[dict[str, Any]]:
    """`disbursement_public` for a page of stored disbursements, with their voucher numbers
    loaded in one query."""
    entry_ids = {d.entry_id for d in rows if d.entry_id}
    vouchers = (
        dict(
            session.exec(
                select(JournalEntry.id, JournalEntry.voucher_no).where(
                    col(JournalEntry.id).in_(entry_ids)
                )
            ).all()
        )
        if entry_ids
        else {}
    )
    fund_codes = {
        fund_id: session.get_one(Fund, fund_id).code for fund_id in {d.fund_id for d in rows}
    }
    return [
        disbursement_public(
            d,
            fund_codes[d.fund_id],
            vouchers.get(d.entry_id) if d.entry_id else None,
        )
        for d in rows
    ]
