"""Funds: open one, list them, read one with its balance and available balance."""

from fastapi import APIRouter, Request

from api.deps import CurrentUser, ReadSession, unit_of_work
from api.schemas import FundCreate, FundPublic
from carefund import funds
from carefund.users import Action, require

router = APIRouter(tags=["funds"])


@router.post("/funds", status_code=201, response_model=FundPublic)
def create_fund(body: FundCreate, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        fund = funds.create_fund(session, code=body.code, name=body.name, org=body.org, actor=user)
        return funds.fund_public(session, fund)


@router.get("/funds/{code}", response_model=FundPublic)
def get_fund(code: str, session: ReadSession, user: CurrentUser) -> dict:
    require(user, Action.read)
    return funds.fund_public(session, funds.get_fund(session, code))
