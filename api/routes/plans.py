"""Recurring plans: make one, read them, run one through a day, pause, resume, end."""

from fastapi import Request

from api.deps import CurrentUser, ReadSession, unit_of_work
from api.paging import Cursor, Limit, decode_cursor, page
from api.routing import ledger_router
from api.schemas import Page, PathId
from api.schemas_plans import PlanCreate, PlanPublic, PlanRun, PlanRunPublic
from carefund import funds, plans
from carefund.access.users import Action, require

router = ledger_router("plans")


@router.post("/funds/{code}/plans", status_code=201, response_model=PlanPublic)
def create_plan(code: str, body: PlanCreate, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        plan = plans.create_plan(session, fund_code=code, actor=user, **body.model_dump())
        return plans.plan_public(session, plan)


@router.get("/funds/{code}/plans", response_model=Page[PlanPublic])
def list_plans(
    code: str,
    session: ReadSession,
    user: CurrentUser,
    status: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    require(user, Action.read)
    fund = funds.get_fund(session, code)
    rows = plans.list_plans(
        session, fund=fund, status=status, after_id=decode_cursor(cursor), limit=limit + 1
    )
    return page([plans.plan_public(session, plan) for plan in rows], limit=limit)


@router.get("/plans/{plan_id}", response_model=PlanPublic)
def get_plan(plan_id: PathId, session: ReadSession, user: CurrentUser) -> dict:
    require(user, Action.read)
    return plans.plan_public(session, plans.get_plan(session, plan_id))


@router.post("/plans/{plan_id}/run", response_model=PlanRunPublic)
def run_plan(plan_id: PathId, body: PlanRun, request: Request, user: CurrentUser) -> dict:
    """One submitted disbursement per recipient per due date up to `through`, none twice."""
    with unit_of_work(request) as session:
        return plans.run_plan(session, plan_id=plan_id, through=body.through, actor=user).public()


@router.post("/plans/{plan_id}/pause", response_model=PlanPublic)
def pause_plan(plan_id: PathId, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        return plans.plan_public(session, plans.pause_plan(session, plan_id=plan_id, actor=user))


@router.post("/plans/{plan_id}/resume", response_model=PlanPublic)
def resume_plan(plan_id: PathId, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        return plans.plan_public(session, plans.resume_plan(session, plan_id=plan_id, actor=user))


@router.post("/plans/{plan_id}/end", response_model=PlanPublic)
def end_plan(plan_id: PathId, request: Request, user: CurrentUser) -> dict:
    with unit_of_work(request) as session:
        return plans.plan_public(session, plans.end_plan(session, plan_id=plan_id, actor=user))
