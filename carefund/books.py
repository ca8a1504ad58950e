"""Reading the books: a fund's journal by page, and whether its hash chain is whole.

The ledger package knows how entries are stored, chained and checked; these are the use
cases that routes, pages and the command line call, each asking `require` first.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import Session, select

from carefund.access.users import Action, require
from carefund.disbursements import count_by_status
from carefund.errors import NotFound
from carefund.funds import available_fen, get_fund, list_funds
from carefund.ledger.journal import journal_page
from carefund.ledger.kept import Kept, KeptSeal
from carefund.ledger.verify import verify, verify_public
from carefund.models import Fund, Income, JournalEntry, User
from carefund.reports.statements import PeriodRange, build_statement

JOURNAL_PAGE_MAX = 501
"""The most entries one read of the journal answers (a page of 500 and one to look ahead)."""


def read_journal(
    session: Session,
    *,
    fund_code: str,
    actor: User,
    start: date | None = None,
    end: date | None = None,
    after_seq: int = 0,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit` entries after `after_seq` in their public form (hash included), by seq."""
    require(actor, Action.read)
    assert 1 <= limit <= JOURNAL_PAGE_MAX, limit
    fund = get_fund(session, fund_code, actor=actor)
    return journal_page(session, fund, start=start, end=end, after_seq=after_seq, limit=limit)


def verify_fund(session: Session, *, code: str, actor: User) -> dict[str, Any]:
    """Recompute the fund's chain now, as an auditor asks for it."""
    require(actor, Action.verify)
    return verify_public(
        verify(session, get_fund(session, code, actor=actor, action=Action.verify))
    )


def missing_from_books(
    session: Session, *, kept: Sequence[Kept], actor: User
) -> list[tuple[Kept, str]]:
    """Every seal or receipt someone kept that the books no longer contain, with why: how
    a deleted tail or a rewound head shows, which the chain alone cannot."""
    require(actor, Action.verify)
    funds_by_code: dict[str, Fund | None] = {}
    missing = []
    for item in kept:
        if item.fund not in funds_by_code:
            try:
                funds_by_code[item.fund] = get_fund(
                    session, item.fund, actor=actor, action=Action.verify
                )
            except NotFound:
                funds_by_code[item.fund] = None
        fund = funds_by_code[item.fund]
        if fund is None:
            reason: str | None = "账上没有这个基金"
        elif isinstance(item, KeptSeal):
            reason = _seal_missing(session, fund, item)
        else:
            reason = _receipt_missing(session, fund, receipt_no=item.receipt_no, hash_=item.hash)
        if reason:
            missing.append((item, reason))
    return missing


def _seal_missing(session: Session, fund: Fund, seal: KeptSeal) -> str | None:
    stored = session.exec(
        select(JournalEntry.hash).where(
            JournalEntry.fund_id == fund.id, JournalEntry.seq == seal.seq
        )
    ).first()
    if stored is None:
        return f"账上已没有 seq {seal.seq}（链头现为 seq {fund.head_seq}）"
    if stored != seal.hash:
        return f"账上 seq {seal.seq} 的 hash 已不是所存的 {seal.hash}"
    return None


def _receipt_missing(session: Session, fund: Fund, *, receipt_no: str, hash_: str) -> str | None:
    stored = session.exec(
        select(JournalEntry.hash)
        .join(Income, Income.entry_id == JournalEntry.id)  # type: ignore[arg-type]
        .where(Income.fund_id == fund.id, Income.receipt_no == receipt_no)
    ).first()
    if stored is None:
        return "账上已没有这张收据的收入"
    if stored != hash_:
        return f"这张收据的收入已不在 hash 为 {hash_} 的凭证上"
    return None


def chain_status(session: Session, *, fund: Fund, actor: User) -> dict[str, Any]:
    """Whether the fund's chain is whole, as every reader sees it beside the fund's figures
    (the caller may keep it a while: recomputing reads every entry)."""
    require(actor, Action.read)
    return verify_public(verify(session, fund))


def fund_summaries(session: Session, *, actor: User, month: PeriodRange) -> list[dict[str, Any]]:
    """Each fund's money, its figures for `month` and the disbursements waiting on it."""
    require(actor, Action.read)
    summaries = []
    for fund in list_funds(session, actor=actor):
        figures = build_statement(session, fund, month)
        counts = count_by_status(session, fund_code=fund.code, actor=actor)
        summaries.append(
            {
                "fund": fund,
                "balance_fen": fund.cash_fen,
                "available_fen": available_fen(session, fund),
                "month_income_fen": figures.income_total_fen,
                "month_disbursed_fen": figures.disbursed_total_fen,
                "submitted": counts["submitted"],
                "approved": counts["approved"],
            }
        )
    return summaries
