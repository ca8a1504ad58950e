"""Incomes: record money received, list and read them, reverse one (voiding its receipt)."""

from functools import partial

from fastapi import Response
from sqlmodel import Session

from api.deps import CurrentUser, DatabaseDep
from api.paging import Cursor, Limit, read_page
from api.routing import LeanRoute, answer, ledger_router
from api.schemas import FromDate, Page, PathId, ToDate
from api.schemas_incomes import IncomeCreate, IncomePublic, IncomeReverse
from carefund import incomes
from carefund.vocabulary import IncomeSource

router = ledger_router("incomes")


async def record_income(
    code: str, body: IncomeCreate, database: DatabaseDep, user: CurrentUser
) -> Response:
    """登记收入（clerk、integration）：入账并编连续的收据号。"""

    def record(session: Session) -> dict:
        return incomes.record_income(
            session,
            fund_code=code,
            source=body.source,
            payer=body.payer,
            amount=body.amount,
            received_on=body.received_on,
            method=body.method,
            memo=body.memo,
            earmark=body.earmark.model_dump() if body.earmark else None,
            actor=user,
        )

    return answer(IncomePublic, await database.write_async(record), status_code=201)


# The busiest write: a well-formed request skips FastAPI's per-request work (`LeanRoute`).
router.add_api_route(
    "/funds/{code}/incomes",
    record_income,
    methods=["POST"],
    status_code=201,
    response_model=IncomePublic,
    route_class_override=LeanRoute,
)


@router.get("/funds/{code}/incomes", response_model=Page[IncomePublic])
def list_incomes(
    code: str,
    database: DatabaseDep,
    user: CurrentUser,
    source: IncomeSource | None = None,
    from_: FromDate = None,
    to: ToDate = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    """基金的收入，可按来源与收款日期筛选。"""
    return read_page(
        database,
        partial(
            incomes.list_incomes, fund_code=code, actor=user, source=source, start=from_, end=to
        ),
        cursor=cursor,
        limit=limit,
    )


@router.get("/incomes/{income_id}", response_model=IncomePublic)
def get_income(income_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """一笔收入。"""
    return database.read(
        lambda session: incomes.read_income(session, income_id=income_id, actor=user)
    )


@router.post("/incomes/{income_id}/reverse", response_model=IncomePublic)
async def reverse_income(
    income_id: PathId, body: IncomeReverse, database: DatabaseDep, user: CurrentUser
) -> dict:
    """冲销收入（approver）：红字凭证记于 `on`（默认今天，须在未结账期间）；
    收据作废，号码不再使用。"""
    return await database.write_async(
        lambda session: incomes.reverse_income(
            session, income_id=income_id, reason=body.reason, on=body.on, actor=user
        )
    )
