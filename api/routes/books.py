"""Books: the journal (hash-chained, recomputable), balances, verification, periods."""

from functools import partial
from typing import Annotated

from fastapi import Path, Query

from api.deps import CurrentUser, DatabaseDep
from api.paging import Cursor, Limit, read_page
from api.routing import ledger_router
from api.schemas import DateIn, FromDate, Page, ToDate
from api.schemas_books import (
    BalancesPublic,
    JournalEntryPublic,
    PeriodPublic,
    PeriodReopen,
    SealsPublic,
    VerifyPublic,
)
from carefund import books, funds, periods

router = ledger_router("books")

Month = Annotated[str, Path(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2026-11"])]


@router.get(
    "/funds/{code}/journal",
    operation_id="listJournal",
    response_model=Page[JournalEntryPublic],
    # A version-1 entry's postings have no `recipient`: answer them exactly as hashed.
    response_model_exclude_unset=True,
)
def get_journal(
    code: str,
    database: DatabaseDep,
    user: CurrentUser,
    from_: FromDate = None,
    to: ToDate = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    """日记账（按 seq），每笔的 `hash` 可按 API.md 自行重算核对。"""
    return read_page(
        database,
        partial(books.read_journal, fund_code=code, actor=user, start=from_, end=to),
        cursor=cursor,
        limit=limit,
        key="seq",
    )


@router.get("/funds/{code}/balances", response_model=BalancesPublic)
def get_balances(
    code: str,
    database: DatabaseDep,
    user: CurrentUser,
    as_of: Annotated[DateIn | None, Query(description="截至该日（含）；默认至今")] = None,
) -> dict:
    """截至 `as_of` 的余额、按来源的收入与按方面的支出。

    `available`（可用余额）只在今天（或不给 `as_of`）扣除已批准未发放的金额；过去的日期
    不扣除任何占用（`available` 等于 `balance`，各来源 `reserved` 为 0）。"""
    return database.read(
        lambda session: funds.balances(session, code=code, as_of=as_of, actor=user)
    )


@router.get("/funds/{code}/verify", response_model=VerifyPublic)
def verify_fund(code: str, database: DatabaseDep, user: CurrentUser) -> dict:
    """重算哈希链并核对（auditor、admin）。"""
    return database.read(
        lambda session: books.verify_fund(session, code=code, actor=user), replica=True
    )


@router.get("/funds/{code}/seals", response_model=SealsPublic)
def list_seals(code: str, database: DatabaseDep, user: CurrentUser) -> dict:
    """月结封存（按 seq）：每次结账在链上追加一笔封存凭证；打印过的封存可据此核对账本仍包含它。"""
    return database.read(lambda session: periods.read_seals(session, fund_code=code, actor=user))


@router.get("/funds/{code}/periods", response_model=Page[PeriodPublic])
def list_periods(
    code: str, database: DatabaseDep, user: CurrentUser, limit: Limit = 50, cursor: Cursor = None
) -> dict:
    """基金的结账记录（含反结账）。"""
    return read_page(
        database,
        partial(periods.read_periods, fund_code=code, actor=user),
        cursor=cursor,
        limit=limit,
    )


@router.post("/funds/{code}/periods/{month}/close", response_model=PeriodPublic)
async def close_period(code: str, month: Month, database: DatabaseDep, user: CurrentUser) -> dict:
    """结账（approver、admin）：此后日期在该月及以前的记账一律 409。"""
    return await database.write_async(
        lambda session: periods.close_period(session, fund_code=code, month=month, actor=user)
    )


@router.post("/funds/{code}/periods/{month}/reopen", response_model=PeriodPublic)
async def reopen_period(
    code: str, month: Month, body: PeriodReopen, database: DatabaseDep, user: CurrentUser
) -> dict:
    """反结账最近结账的月份（admin），须写明理由。"""
    return await database.write_async(
        lambda session: periods.reopen_period(
            session, fund_code=code, month=month, reason=body.reason, actor=user
        )
    )
