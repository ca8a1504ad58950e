"""Reading the books: a fund's journal by page, and whether its hash chain is whole.

The ledger package knows how entries are stored, chained and checked; these are the use
cases that routes, pages and the command line call, each asking `require` first.
"""

from datetime import date
from typing import Any

from sqlmodel import Session

from carefund.access.users import Action, require
from carefund.disbursements import count_by_status
from carefund.funds import available_fen, get_fund, list_funds
from carefund.ledger.journal import journal_page
from carefund.ledger.verify import verify, verify_public
from carefund.models import Fund, User
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
    fund = get_fund(session, fund_code)
    return journal_page(session, fund, start=start, end=end, after_seq=after_seq, limit=limit)


def verify_fund(session: Session, *, code: str, actor: User) -> dict[str, Any]:
    """Recompute the fund's chain now, as an auditor asks for it."""
    require(actor, Action.verify)
    return verify_public(verify(session, get_fund(session, code)))


def chain_status(session: Session, *, fund: Fund, actor: User) -> dict[str, Any]:
    """Whether the fund's chain is whole, as every reader sees it beside the fund's figures
    (the caller may keep it a while: recomputing reads every entry)."""
    require(actor, Action.read)
    return verify_public(verify(session, fund))


def fund_summaries(session: Session, *, actor: User, month: PeriodRange) -> list[dict[str, Any]]:
    """Each fund's money, its figures for `month` and the disbursements waiting on it."""
    require(actor, Action.read)
    summaries = []
    for fund in list_funds(session):
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
