"""Books: the journal (hash-chained, recomputable), balances, verification, periods."""

from typing import Annotated

from fastapi import Path, Query, Request

from api.deps import CurrentUser, ReadSession, unit_of_work
from api.paging import Cursor, Limit, decode_cursor, page
from api.routing import ledger_router
from api.schemas import DateIn, FromDate, Page, ToDate
from api.schemas_books import (
    BalancesPublic,
    JournalEntryPublic,
    PeriodPublic,
    PeriodReopen,
    VerifyPublic,
)
from carefund import funds, periods
from carefund.access.users import Action, require
from carefund.ledger import journal
from carefund.ledger.verify import verify, verify_public

router = ledger_router("books")

Month = Annotated[str, Path(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2026-11"])]


@router.get("/funds/{code}/journal", response_model=Page[JournalEntryPublic])
def get_journal(
    code: str,
    session: ReadSession,
    user: CurrentUser,
    from_: FromDate = None,
    to: ToDate = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    """日记账（按 seq），每笔的 `hash` 可按 API.md 自行重算核对。"""
    require(user, Action.read)
    entries = journal.journal_page(
        session,
        funds.get_fund(session, code),
        start=from_,
        end=to,
        after_seq=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page(entries, limit=limit, key="seq")


@router.get("/funds/{code}/balances", response_model=BalancesPublic)
def get_balances(
    code: str,
    session: ReadSession,
    user: CurrentUser,
    as_of: Annotated[DateIn | None, Query(description="截至该日（含）；默认至今")] = None,
) -> dict:
    """截至 `as_of` 的余额、按来源的收入与按方面的支出。"""
    require(user, Action.read)
    return funds.balances(session, funds.get_fund(session, code), as_of)


@router.get("/funds/{code}/verify", response_model=VerifyPublic)
def verify_fund(code: str, session: ReadSession, user: CurrentUser) -> dict:
    """重算哈希链并核对（auditor、admin）。"""
    require(user, Action.verify)
    return verify_public(verify(session, funds.get_fund(session, code)))


@router.get("/funds/{code}/periods", response_model=Page[PeriodPublic])
def list_periods(
    code: str, session: ReadSession, user: CurrentUser, limit: Limit = 50, cursor: Cursor = None
) -> dict:
    """基金的结账记录（含反结账）。"""
    require(user, Action.read)
    fund = funds.get_fund(session, code)
    rows = periods.periods_page(
        session, fund_id=fund.id, after_id=decode_cursor(cursor), limit=limit + 1
    )
    items = [periods.period_public(period, fund.code) | {"id": period.id} for period in rows]
    return page(items, limit=limit)


@router.post("/funds/{code}/periods/{month}/close", response_model=PeriodPublic)
def close_period(code: str, month: Month, request: Request, user: CurrentUser) -> dict:
    """结账（approver、admin）：此后日期在该月及以前的记账一律 409。"""
    with unit_of_work(request) as session:
        period = periods.close_period(session, fund_code=code, month=month, actor=user)
        return periods.period_public(period, code)


@router.post("/funds/{code}/periods/{month}/reopen", response_model=PeriodPublic)
def reopen_period(
    code: str, month: Month, body: PeriodReopen, request: Request, user: CurrentUser
) -> dict:
    """反结账最近结账的月份（admin），须写明理由。"""
    with unit_of_work(request) as session:
        period = periods.reopen_period(
            session, fund_code=code, month=month, reason=body.reason, actor=user
        )
        return periods.period_public(period, code)
