"""Reviews of incomes (复核): above the fund's review threshold an income needs a second
person, not its recorder, to check it against the bank slip. The review is an entry of the
chain — `{"kind": "review", "of_seq", "receipt_no", "reviewed_by"}`, no postings, numbered
`核-YYYYMM-NN` and dated the day of the review — and the receipt's 复核人 line prints it.

An income that awaits its review blocks the closing of its month (and of any later one):
the month's books are not final until every large income in them has been reviewed.
"""

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.errors import Conflict, Forbidden, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.incomes import IncomeRefs, income_public
from carefund.ledger.entry_documents import review_document
from carefund.ledger.heads import lock_fund_head_of, take_numbers
from carefund.ledger.posting import append_entry, check_open
from carefund.models import Income, JournalEntry, User, utcnow
from carefund.validation import is_id
from carefund.vocabulary import IncomeStatus

REVIEW_VOUCHER_PREFIX = "核-"
UNREVIEWED_NAMED_MAX = 5
"""How many unreviewed receipts a refused closing names."""


def review_income(
    session: Session, *, income_id: object, actor: User, on: date | None = None
) -> dict[str, Any]:
    """Review (复核) an income: someone other than its recorder; posts the review entry,
    dated `on` (today by default; the demo's year dates its own). Answers the income's
    public form."""
    require(actor, Action.review_income)
    fund = lock_fund_head_of(session, Income, row_id=income_id) if is_id(income_id) else None
    if fund is None:
        raise NotFound(f"收入不存在：{income_id}")
    income = session.get_one(Income, income_id, populate_existing=True)
    if income.created_by == actor.username:
        raise Forbidden("不相容职务分离：记录人不能复核自己记录的收入")
    if income.status != IncomeStatus.posted:
        raise InvalidTransition(f"收入 {income.receipt_no} 已冲销，不能复核")
    if income.reviewed_by is not None:
        raise InvalidTransition(f"收入 {income.receipt_no} 已由 {income.reviewed_by} 复核")
    today = on or clock.today()
    check_open(fund, today)
    original = session.get_one(JournalEntry, income.entry_id)
    yyyymm = f"{today.year:04d}{today.month:02d}"
    [number] = take_numbers(session, fund, [f"review:{yyyymm}"])
    entry = append_entry(
        session,
        fund=fund,
        voucher_no=f"{REVIEW_VOUCHER_PREFIX}{yyyymm}-{number:04d}",
        entry_date=today,
        memo=f"复核收据 {income.receipt_no}",
        lines=[],
        document=review_document(
            of_seq=original.seq, receipt_no=income.receipt_no, reviewed_by=actor.username
        ),
        actor=actor.username,
    )
    income.reviewed_by, income.reviewed_at, income.review_entry_id = (
        actor.username,
        utcnow(),
        entry.id,
    )
    session.add(income)
    session.flush()
    public = income_public(income, IncomeRefs(fund.code, original.voucher_no, original.hash))
    write_audit(
        session,
        actor=actor.username,
        action="income.reviewed",
        obj=("income", income.id),
        detail={"receipt_no": income.receipt_no, "review_voucher_no": entry.voucher_no},
    )
    record_event(session, "income.reviewed", public, unit_id=fund.unit_id)
    return public


def refuse_unreviewed(session: Session, *, fund_id: int, through: date, month: str) -> None:
    """Refuse closing `month` while an income dated on or before `through` awaits review."""
    waiting = list(
        session.exec(
            select(Income.receipt_no)
            .where(
                Income.fund_id == fund_id,
                col(Income.review_required),
                col(Income.reviewed_by).is_(None),
                Income.status == IncomeStatus.posted.value,
                col(Income.received_on) <= through,
            )
            .order_by(col(Income.id))
            .limit(UNREVIEWED_NAMED_MAX)
        )
    )
    if waiting:
        raise Conflict(f"{month} 不能结账：以下大额收入尚未复核：{'、'.join(waiting)}")
