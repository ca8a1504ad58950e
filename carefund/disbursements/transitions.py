"""Moving a disbursement from one status to the next under its fund's lock, and the
separated duties (不相容职务分离) the steps check."""

from collections.abc import Callable

from sqlmodel import Session

from carefund.access.scope import check_in_scope
from carefund.access.users import Action
from carefund.disbursements.views import DisbursementRefs, disbursement_public
from carefund.errors import Forbidden, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.ledger.heads import FundHead, lock_fund_head_of
from carefund.models import Disbursement, User, utcnow
from carefund.validation import is_id
from carefund.vocabulary import DisbursementStatus, Role

Status = DisbursementStatus


def refuse_own(disbursement: Disbursement, actor: User) -> None:
    if disbursement.submitted_by == actor.username:
        raise Forbidden("不相容职务分离：提交人不能审批自己提交的支出")


def refuse_approver(disbursement: Disbursement, actor: User) -> None:
    # 不相容职务: whoever approved a payment may not also hand the money out, admins included
    # (either of two approvers).
    if actor.username in (disbursement.approved_by, disbursement.first_approved_by):
        raise Forbidden("不相容职务分离：审批人不能发放自己审批的支出")


def refuse_others(disbursement: Disbursement, actor: User) -> None:
    if actor.role != Role.admin and disbursement.submitted_by != actor.username:
        raise Forbidden(
            f"只能撤回自己提交的支出（支出 #{disbursement.id} 由 {disbursement.submitted_by} 提交）"
        )


def transition(
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
    if to is Status.approved and disbursement.approved_by is None:
        # The first of two approvals (分级审批): it stays submitted, and no event says
        # approved; the audit log keeps the approval.
        session.add(disbursement)
        session.flush()
        return disbursement
    disbursement.status = to.value
    disbursement.updated_at = utcnow()
    session.add(disbursement)
    session.flush()
    refs = DisbursementRefs(fund_code=fund.code, voucher_no=voucher_no)
    record_event(
        session,
        f"disbursement.{to.value}",
        disbursement_public(disbursement, refs),
        unit_id=fund.unit_id,
    )
    return disbursement
