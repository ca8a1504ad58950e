"""Funds: open one, list them, read one with its balance and available balance."""

from functools import partial

from api.deps import CurrentUser, DatabaseDep
from api.paging import Cursor, Limit, read_page
from api.routing import ledger_router
from api.schemas import FundCreate, FundPublic, Page
from carefund import funds

router = ledger_router("funds")


@router.post("/funds", status_code=201, response_model=FundPublic)
async def create_fund(body: FundCreate, database: DatabaseDep, user: CurrentUser) -> dict:
    """开设基金（admin）。"""
    return await database.write_async(
        lambda session: funds.create_fund(
            session, code=body.code, name=body.name, org=body.org, unit=body.unit, actor=user
        )
    )


@router.get("/funds", response_model=Page[FundPublic])
def list_funds(
    database: DatabaseDep, user: CurrentUser, limit: Limit = 50, cursor: Cursor = None
) -> dict:
    """基金列表，含余额与可用余额。"""
    return read_page(database, partial(funds.read_funds, actor=user), cursor=cursor, limit=limit)


@router.get("/funds/{code}", response_model=FundPublic)
def get_fund(code: str, database: DatabaseDep, user: CurrentUser) -> dict:
    """一个基金：`balance` 为已入账现金，`available` 为其减去已审批未支付。"""
    return database.read(lambda session: funds.read_fund(session, code=code, actor=user))
