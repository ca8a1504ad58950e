"""Funds: open one, list them, read one with its balance and available balance."""

from fastapi import Request

from api.deps import CurrentUser, ReadSession, unit_of_work
from api.paging import Cursor, Limit, decode_cursor, page
from api.routing import ledger_router
from api.schemas import FundCreate, FundPublic, Page
from carefund import funds
from carefund.access.users import Action, require

router = ledger_router("funds")


@router.post("/funds", status_code=201, response_model=FundPublic)
def create_fund(body: FundCreate, request: Request, user: CurrentUser) -> dict:
    """开设基金（admin）。"""
    with unit_of_work(request) as session:
        fund = funds.create_fund(session, code=body.code, name=body.name, org=body.org, actor=user)
        return funds.fund_public(session, fund)


@router.get("/funds", response_model=Page[FundPublic])
def list_funds(
    session: ReadSession, user: CurrentUser, limit: Limit = 50, cursor: Cursor = None
) -> dict:
    """基金列表，含余额与可用余额。"""
    require(user, Action.read)
    rows = funds.funds_page(session, after_id=decode_cursor(cursor), limit=limit + 1)
    items = [funds.fund_public(session, fund) | {"id": fund.id} for fund in rows]
    return page(items, limit=limit)


@router.get("/funds/{code}", response_model=FundPublic)
def get_fund(code: str, session: ReadSession, user: CurrentUser) -> dict:
    """一个基金：`balance` 为已入账现金，`available` 为其减去已审批未支付。"""
    require(user, Action.read)
    return funds.fund_public(session, funds.get_fund(session, code))
