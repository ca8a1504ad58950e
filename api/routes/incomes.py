"""Incomes: record money received, list and read them, reverse one (voiding its receipt)."""

from datetime import date
from typing import Annotated

from fastapi import Query, Request

from api.deps import CurrentUser, ReadSession, unit_of_work
from api.paging import Cursor, Limit, decode_cursor, page
from api.routing import ledger_router
from api.schemas import Page, PathId
from api.schemas_incomes import IncomeCreate, IncomePublic, IncomeReverse
from carefund import funds, incomes
from carefund.users import Action, require
from carefund.vocabulary import IncomeSource

router = ledger_router("incomes")


@router.post("/funds/{code}/incomes", status_code=201, response_model=IncomePublic)
def record_income(code: str, body: IncomeCreate, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        income = incomes.record_income(
            session,
            fund_code=code,
            source=body.source,
            payer=body.payer,
            amount=body.amount,
            received_on=body.received_on,
            method=body.method,
            memo=body.memo,
            actor=user,
        )
        return incomes.income_view(session, income)


@router.get("/funds/{code}/incomes", response_model=Page[IncomePublic])
def list_incomes(
    code: str,
    session: ReadSession,
    user: CurrentUser,
    source: IncomeSource | None = None,
    from_: Annotated[date | None, Query(alias="from", description="received_on ≥")] = None,
    to: Annotated[date | None, Query(description="received_on ≤")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    require(user, Action.read)
    rows = incomes.list_incomes(
        session,
        fund=funds.get_fund(session, code),
        source=source,
        start=from_,
        end=to,
        after_id=decode_cursor(cursor),
        limit=limit + 1,
    )
    return page(incomes.incomes_view(session, rows), limit=limit)


@router.get("/incomes/{income_id}", response_model=IncomePublic)
def get_income(income_id: PathId, session: ReadSession, user: CurrentUser) -> dict:
    require(user, Action.read)
    return incomes.income_view(session, incomes.get_income(session, income_id))


@router.post("/incomes/{income_id}/reverse", response_model=IncomePublic)
def reverse_income(
    income_id: PathId, body: IncomeReverse, request: Request, user: CurrentUser
) -> dict:
    with unit_of_work(request) as session:
        income = incomes.reverse_income(
            session, income_id=income_id, reason=body.reason, on=body.on, actor=user
        )
        return incomes.income_view(session, income)
