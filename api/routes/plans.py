"""Recurring plans: make one, read them, run one through a day, pause, resume, end."""

from functools import partial

from sqlmodel import Session

from api.deps import CurrentUser, DatabaseDep
from api.paging import Cursor, Limit, read_page
from api.routing import ledger_router
from api.schemas import Page, PathId
from api.schemas_plans import PlanCreate, PlanPublic, PlanRun, PlanRunPublic
from carefund import plans
from carefund.models import User
from carefund.storage.database import Database

router = ledger_router("plans")


@router.post("/funds/{code}/plans", status_code=201, response_model=PlanPublic)
async def create_plan(
    code: str, body: PlanCreate, database: DatabaseDep, user: CurrentUser
) -> dict:
    def create(session: Session) -> dict:
        plan = plans.create_plan(session, fund_code=code, actor=user, **body.model_dump())
        return plans.plans_public(session, [plan])[0]

    return await database.write_async(create)


@router.get("/funds/{code}/plans", response_model=Page[PlanPublic])
def list_plans(
    code: str,
    database: DatabaseDep,
    user: CurrentUser,
    status: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    return read_page(
        database,
        partial(
            plans.list_plans,
            actor=user,
            fund_code=code,
            status=status,
        ),
        cursor=cursor,
        limit=limit,
    )


@router.get("/plans/{plan_id}", response_model=PlanPublic)
def get_plan(plan_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    return database.read(partial(plans.get_plan, plan_id=plan_id, actor=user))


@router.post("/plans/{plan_id}/run", response_model=PlanRunPublic)
async def run_plan(
    plan_id: PathId, body: PlanRun, database: DatabaseDep, user: CurrentUser
) -> dict:
    """One submitted disbursement per recipient per due date up to `through`, none twice."""
    # A run may submit many disbursements: a thread of its own, not the group commit.
    return await database.write_async(
        lambda session: plans.run_plan(
            session, plan_id=plan_id, through=body.through, actor=user
        ).public(),
        short=False,
    )


async def _change(database: Database, user: User, plan_id: int, change: str) -> dict:
    """Pause, resume or end, answered with the plan as it now stands."""

    def write(session: Session) -> dict:
        plan = plans.change_plan(session, plan_id=plan_id, change=change, actor=user)
        return plans.plans_public(session, [plan])[0]

    return await database.write_async(write)


@router.post("/plans/{plan_id}/pause", response_model=PlanPublic)
async def pause_plan(plan_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    return await _change(database, user, plan_id, "pause")


@router.post("/plans/{plan_id}/resume", response_model=PlanPublic)
async def resume_plan(plan_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    return await _change(database, user, plan_id, "resume")


@router.post("/plans/{plan_id}/end", response_model=PlanPublic)
async def end_plan(plan_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    return await _change(database, user, plan_id, "end")
