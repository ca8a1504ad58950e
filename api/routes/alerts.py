"""Early warning (廉情预警): alerts for auditors, and the rules' settings for admins."""

from functools import partial
from typing import Annotated

from fastapi import Query

from api.deps import CurrentUser, DatabaseDep
from api.paging import Cursor, Limit, read_page
from api.routing import ledger_router
from api.schemas import Page, PathId
from api.schemas_alerts import (
    AlertAcknowledge,
    AlertCounts,
    AlertPublic,
    AlertResolve,
    AlertRuleChange,
    AlertRulePublic,
)
from carefund import alerts
from carefund.alerts import AlertStatus, Grade

router = ledger_router("alerts")

FundFilter = Annotated[str | None, Query(max_length=32, description="基金代码")]


@router.get("/alerts", response_model=Page[AlertPublic])
def list_alerts(
    database: DatabaseDep,
    user: CurrentUser,
    status: AlertStatus | None = None,
    grade: Grade | None = None,
    fund: FundFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    """预警列表（auditor、admin），按编号从早到晚，可按状态、等级、基金筛选。"""
    return read_page(
        database,
        partial(alerts.list_alerts, actor=user, status=status, grade=grade, fund_code=fund),
        cursor=cursor,
        limit=limit,
    )


@router.get("/alerts/counts", operation_id="getAlertCounts", response_model=AlertCounts)
def alert_counts(database: DatabaseDep, user: CurrentUser) -> dict:
    """未办结的预警数，按等级（auditor、admin）。"""
    return database.read(partial(alerts.open_counts, actor=user))


@router.get("/alerts/rules", operation_id="listAlertRules", response_model=list[AlertRulePublic])
def list_rules(database: DatabaseDep, user: CurrentUser, fund: FundFilter = None) -> list[dict]:
    """全部预警规则及其设置：全区的，或某基金适用的（auditor、admin）。"""
    return database.read(partial(alerts.read_rules, actor=user, fund_code=fund))


@router.put("/alerts/rules/{code}", operation_id="setAlertRule", response_model=AlertRulePublic)
async def set_rule(
    code: str, body: AlertRuleChange, database: DatabaseDep, user: CurrentUser
) -> dict:
    """修改规则设置（admin）：启用、等级、参数；记入审计日志。"""
    return await database.write_async(
        partial(
            alerts.set_rule,
            code=code,
            actor=user,
            fund_code=body.fund,
            enabled=body.enabled,
            grade=body.grade,
            params=body.params,
        )
    )


@router.get("/alerts/{alert_id}", response_model=AlertPublic)
def get_alert(alert_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """一条预警（auditor、admin）。"""
    return database.read(partial(alerts.read_alert, alert_id=alert_id, actor=user))


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
async def acknowledge_alert(
    alert_id: PathId, database: DatabaseDep, user: CurrentUser, body: AlertAcknowledge | None = None
) -> dict:
    """确认预警（auditor、admin）：已知悉、正在核实；只能确认待处理的预警（否则 409）。"""
    note = body.note if body else ""
    return await database.write_async(
        partial(alerts.acknowledge_alert, alert_id=alert_id, note=note, actor=user)
    )


@router.post("/alerts/{alert_id}/resolve", response_model=AlertPublic)
async def resolve_alert(
    alert_id: PathId, body: AlertResolve, database: DatabaseDep, user: CurrentUser
) -> dict:
    """办结预警（auditor、admin），须写明办结说明；已办结的再办结为 409。"""
    return await database.write_async(
        partial(alerts.resolve_alert, alert_id=alert_id, note=body.note, actor=user)
    )
