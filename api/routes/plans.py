"""Recurring plans: make one, read them, run one through a day, pause, resume, end."""

from typing import Annotated

from fastapi import Query, Request

from api.deps import CurrentUser, ReadSession, unit_of_work
from api.routing import ledger_router
from api.schemas_plans import PlanCreate, PlanList, PlanPublic, PlanRunPublic, PlanRunRequest
from carefund import funds, plans
from carefund.errors import InvalidInput
from carefund.users import Action, require

router = ledger_router("plans")

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 500


@router.post("/funds/{code}/plans", status_code=201, response_model=PlanPublic)
def create_plan(code: str, body: PlanCreate, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        plan = plans.create_plan(session, fund_code=code, actor=user, **body.model_dump())
        return plans.plan_public(session, plan)


@router.get("/funds/{code}/plans", response_model=PlanList)
def list_plans(
    code: str,
    session: ReadSession,
    user: CurrentUser,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = PAGE_SIZE_DEFAULT,
    cursor: str | None = None,
) -> dict:
    require(user, Action.read)
    fund = funds.get_fund(session, code)
    page = plans.list_plans(
        session, fund=fund, status=status, after_id=_after_id(cursor), limit=limit + 1
    )
    items = [plans.plan_public(session, plan) for plan in page[:limit]]
    next_cursor = str(page[limit - 1].id) if len(page) > limit else None
    return {"items": items, "next_cursor": next_cursor}


def _after_id(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise InvalidInput("游标无效", field="cursor")
    return int(cursor)


@router.get("/plans/{plan_id}", response_model=PlanPublic)
def get_plan(plan_id: int, session: ReadSession, user: CurrentUser) -> dict:
    require(user, Action.read)
    return plans.plan_public(session, plans.get_plan(session, plan_id))


@router.post("/plans/{plan_id}/run", response_model=PlanRunPublic)
def run_plan(plan_id: int, body: PlanRunRequest, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        return plans.run_plan(session, plan_id=plan_id, through=body.through, actor=user).public()


@router.post("/plans/{plan_id}/pause", response_model=PlanPublic)
def pause_plan(plan_id: int, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        return plans.plan_public(session, plans.pause_plan(session, plan_id=plan_id, actor=user))


@router.post("/plans/{plan_id}/resume", response_model=PlanPublic)
def resume_plan(plan_id: int, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        return plans.plan_public(session, plans.resume_plan(session, plan_id=plan_id, actor=user))


@router.post("/plans/{plan_id}/end", response_model=PlanPublic)
def end_plan(plan_id: int, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        return plans.plan_public(session, plans.end_plan(session, plan_id=plan_id, actor=user))
