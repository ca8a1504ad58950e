"""Reading disbursements: the one public form (also every `disbursement.*` event's data),
its loader for many rows, and the reads the API, the pages and the queues of work use."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.scope import within_scope
from carefund.access.users import Action, require
from carefund.errors import InvalidInput, NotFound
from carefund.funds import check_row_scope, get_fund
from carefund.models import Disbursement, Fund, JournalEntry, User, as_utc
from carefund.money import format_fen
from carefund.recipients import list_recipients, recipient_public, recipient_row
from carefund.validation import choose, is_id
from carefund.vocabulary import DisbursementStatus

Status = DisbursementStatus


def disbursement_row(
    session: Session, disbursement_id: object, *, actor: User, action: Action = Action.read
) -> Disbursement:
    """The stored disbursement, for use cases that go on from it (a voucher, say);
    `NotFound` when its fund is outside what the actor may see."""
    found = session.get(Disbursement, disbursement_id) if is_id(disbursement_id) else None
    missing = NotFound(f"支出不存在：{disbursement_id}")
    if found is None:
        raise missing
    check_row_scope(session, actor, action, fund_id=found.fund_id, missing=missing)
    return found


def get_disbursement(session: Session, *, disbursement_id: object, actor: User) -> dict[str, Any]:
    """One disbursement's public form."""
    require(actor, Action.read)
    found = disbursement_row(session, disbursement_id, actor=actor)
    return disbursements_public(session, [found])[0]


def funds_within(session: Session, actor: User, action: Action = Action.read) -> Any:
    """A condition on `Disbursement.fund_id`: the funds the actor may do the action on."""
    scope = within_scope(session, actor, col(Fund.unit_id), action)
    return col(Disbursement.fund_id).in_(select(Fund.id).where(scope))


def list_disbursements(
    session: Session,
    *,
    actor: User,
    fund_code: str | None = None,
    status: str | None = None,
    recipient_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    after_id: int = 0,
    limit: int = 50,
    newest_first: bool = False,
    before_id: int | None = None,
    action: Action = Action.read,
) -> list[dict[str, Any]]:
    """A page of the disbursements the actor may do the action on (by default: see), by id
    (oldest first, or newest first for people), in their public form; `start`/`end` filter
    on the day it was submitted."""
    require(actor, Action.read)
    query = select(Disbursement).where(
        col(Disbursement.id) > after_id, funds_within(session, actor, action)
    )
    if before_id is not None:
        query = query.where(col(Disbursement.id) < before_id)
    if fund_code is not None:
        query = query.where(Disbursement.fund_id == get_fund(session, fund_code, actor=actor).id)
    if status is not None:
        query = query.where(Disbursement.status == choose(Status, status, field="status").value)
    if recipient_id is not None:
        query = query.where(Disbursement.recipient_id == recipient_id)
    if start is not None:
        query = query.where(col(Disbursement.created_at) >= start)
    if end is not None:
        query = query.where(col(Disbursement.created_at) < end + timedelta(days=1))
    order = col(Disbursement.id).desc() if newest_first else col(Disbursement.id)
    return disbursements_public(session, list(session.exec(query.order_by(order).limit(limit))))


def count_by_status(session: Session, *, fund_code: str, actor: User) -> dict[str, int]:
    """How many of a fund's disbursements stand in each status (every status, 0 when none)."""
    require(actor, Action.read)
    query = (
        select(Disbursement.status, func.count())
        .where(Disbursement.fund_id == get_fund(session, fund_code, actor=actor).id)
        .group_by(col(Disbursement.status))
    )
    counts = {status.value: 0 for status in Status}
    for status, number in session.exec(query):
        counts[status] = int(number)
    return counts


QUEUES = {
    "approve": (Action.approve_disbursement, Status.submitted),
    "pay": (Action.pay_disbursement, Status.approved),
}
"""The queues of work: step → (who may take it, the status waiting for it)."""


def queue(
    session: Session, *, step: str, actor: User, after_id: int = 0, limit: int = 50
) -> list[dict[str, Any]]:
    """The disbursements waiting for `step` (approve or pay), oldest first, for who may
    take that step."""
    action, status = QUEUES[step]
    require(actor, action)
    return list_disbursements(
        session, actor=actor, status=status.value, after_id=after_id, limit=limit, action=action
    )


RECIPIENT_MATCHES_MAX = 20
"""Recipients listed when searching for whom to pay."""


@dataclass(frozen=True)
class SubmitForm:
    """What the form to submit a disbursement offers."""

    picked: dict[str, Any] | None
    """The recipient chosen, in public form."""
    matches: list[dict[str, Any]]
    """Active recipients matching the search, at most `RECIPIENT_MATCHES_MAX`."""
    errors: dict[str, str]
    """A choice that names nobody (`recipient_id`) or a search that cannot run (`q`)."""


def submit_form(
    session: Session, *, actor: User, recipient_id: int | None = None, q: str = ""
) -> SubmitForm:
    """The form to submit a disbursement, for who may submit one."""
    require(actor, Action.submit_disbursement)
    errors: dict[str, str] = {}
    picked = None
    if recipient_id is not None:
        try:
            picked = recipient_public(recipient_row(session, recipient_id, actor=actor))
        except NotFound:
            errors["recipient_id"] = "请重新选择关爱对象"
    matches: list[dict[str, Any]] = []
    if q:
        try:
            matches = list_recipients(
                session, actor=actor, q=q, active=True, limit=RECIPIENT_MATCHES_MAX
            )
        except InvalidInput as exc:
            errors["q"] = exc.message
    return SubmitForm(picked=picked, matches=matches, errors=errors)


@dataclass(frozen=True)
class DisbursementRefs:
    """What a disbursement's public form shows that its row does not hold."""

    fund_code: str
    voucher_no: str | None = None
    """The payment's voucher, once paid."""


def disbursement_public(disbursement: Disbursement, refs: DisbursementRefs) -> dict[str, Any]:
    """A disbursement as the API, the pages and the events feed show it."""
    return {
        "id": disbursement.id,
        "fund": refs.fund_code,
        "recipient_id": disbursement.recipient_id,
        "amount": format_fen(disbursement.amount_fen),
        "aspect": disbursement.aspect,
        "purpose": disbursement.purpose,
        "memo": disbursement.memo,
        "status": disbursement.status,
        "submitted_by": disbursement.submitted_by,
        "approved_by": disbursement.approved_by,
        "approved_at": _moment(disbursement.approved_at),
        "rejected_by": disbursement.rejected_by,
        "reject_reason": disbursement.reject_reason,
        "cancelled_by": disbursement.cancelled_by,
        "paid_by": disbursement.paid_by,
        "paid_on": disbursement.paid_on.isoformat() if disbursement.paid_on else None,
        "method": disbursement.method,
        "voucher_no": refs.voucher_no,
        "reversed_by": disbursement.reversed_by,
        "reverse_reason": disbursement.reverse_reason,
        "plan_id": disbursement.plan_id,
        "due_on": disbursement.due_on.isoformat() if disbursement.due_on else None,
        "created_at": _moment(disbursement.created_at),
        "approvals": [
            name for name in (disbursement.first_approved_by, disbursement.approved_by) if name
        ],
        "meeting_no": disbursement.meeting_no,
        "meeting_on": disbursement.meeting_on.isoformat() if disbursement.meeting_on else None,
        "source": disbursement.source,
        "earmark_income_id": disbursement.earmark_income_id,
    }


def _moment(moment: Any) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def disbursements_public(session: Session, rows: list[Disbursement]) -> list[dict[str, Any]]:
    """The public form of stored disbursements, their funds' codes and vouchers loaded in
    two queries however many there are."""
    entry_ids = {d.entry_id for d in rows if d.entry_id}
    vouchers: dict[int | None, str] = (
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
    fund_ids = {d.fund_id for d in rows}
    codes = (
        dict(session.exec(select(Fund.id, Fund.code).where(col(Fund.id).in_(fund_ids))).all())
        if fund_ids
        else {}
    )
    return [
        disbursement_public(
            d, DisbursementRefs(fund_code=codes[d.fund_id], voucher_no=vouchers.get(d.entry_id))
        )
        for d in rows
    ]
