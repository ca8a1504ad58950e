"""A fund's money controls (issue 14): settings, budgets, overrides, income reviews."""

from typing import Annotated

from fastapi import Query

from api.deps import CurrentUser, DatabaseDep
from api.routing import ledger_router
from api.schemas import PathId
from api.schemas_controls import (
    BudgetChangePublic,
    BudgetHistory,
    BudgetSet,
    BudgetsPublic,
    ControlsPublic,
    ControlsUpdate,
    OverrideCreate,
    OverrideList,
    OverridePublic,
)
from api.schemas_incomes import IncomePublic
from carefund import clock
from carefund.controls import budgets, changing, overrides, reviews

router = ledger_router("controls")

Year = Annotated[int | None, Query(ge=2000, le=2099, description="年度，默认今年")]


@router.get("/funds/{code}/controls", response_model=ControlsPublic)
def get_controls(code: str, database: DatabaseDep, user: CurrentUser) -> dict:
    """基金的管控设置：审批与复核限额、专款专用（来源 × 格）、年度上限、发放标准。所有角色可读。"""
    return database.read(
        lambda session: changing.read_controls(session, fund_code=code, actor=user)
    )


@router.post("/funds/{code}/controls", response_model=ControlsPublic)
async def set_controls(
    code: str, body: ControlsUpdate, database: DatabaseDep, user: CurrentUser
) -> dict:
    """整体替换基金的管控设置（admin），须写明理由；记入审计日志，发出 `fund.controls.changed`。
    未列出的来源可支付任何格。"""
    values = body.model_dump(mode="python")
    return await database.write_async(
        lambda session: changing.set_controls(session, fund_code=code, values=values, actor=user)
    )


@router.get("/funds/{code}/budgets", response_model=BudgetsPublic)
def get_budgets(code: str, database: DatabaseDep, user: CurrentUser, year: Year = None) -> dict:
    """一年的预算执行：每格预算、已支出、已审批未支付、剩余（预算 − 已支出 − 已审批未支付）。"""
    chosen = year or clock.today().year
    return database.read(
        lambda session: budgets.read_budgets(session, fund_code=code, year=chosen, actor=user)
    )


@router.post("/funds/{code}/budgets", response_model=BudgetChangePublic)
async def set_budget(code: str, body: BudgetSet, database: DatabaseDep, user: CurrentUser) -> dict:
    """设定或调整一格的年度预算（admin），须写明理由；保留调整历史，发出 `budget.changed`。"""
    values = body.model_dump(mode="python")
    return await database.write_async(
        lambda session: budgets.set_budget(session, fund_code=code, values=values, actor=user)
    )


@router.get("/funds/{code}/budgets/history", response_model=BudgetHistory)
def get_budget_history(
    code: str, database: DatabaseDep, user: CurrentUser, year: Year = None
) -> dict:
    """一年预算的设定与调整历史，最早的在前。"""
    chosen = year or clock.today().year
    return database.read(
        lambda session: budgets.budget_history(session, fund_code=code, year=chosen, actor=user)
    )


@router.post("/disbursements/{disbursement_id}/overrides", response_model=OverridePublic)
async def record_override(
    disbursement_id: PathId, body: OverrideCreate, database: DatabaseDep, user: CurrentUser
) -> dict:
    """越权审批（admin）：让一笔待审批的支出越过预算、年度上限或发放标准，须写明理由；记下当时
    的数额。该项未超出时 409。"""
    values = body.model_dump()
    return await database.write_async(
        lambda session: overrides.record_override(
            session, disbursement_id=disbursement_id, values=values, actor=user
        )
    )


@router.get("/disbursements/{disbursement_id}/overrides", response_model=OverrideList)
def list_overrides(disbursement_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """一笔支出的越权审批记录。"""
    return database.read(
        lambda session: overrides.overrides_of(session, disbursement_id=disbursement_id, actor=user)
    )


@router.post("/incomes/{income_id}/review", response_model=IncomePublic)
async def review_income(income_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """复核一笔收入（clerk、approver、admin；记录人本人不能复核，403）：在账链中记一笔
    `review` 凭证，收据的复核人栏印出复核人。超过复核限额而未复核的收入使其所在月份不能结账。"""
    return await database.write_async(
        lambda session: reviews.review_income(session, income_id=income_id, actor=user)
    )
