"""The organisation tree: units, the roles users hold on them, consolidated statements."""

from functools import partial

from api import downloads
from api.deps import CurrentUser, DatabaseDep
from api.routes.documents import PDF_RESPONSE, STATEMENT_RESPONSES
from api.routes.statements import PeriodLabel
from api.routing import ledger_router
from api.schemas_units import (
    ConsolidatedPublic,
    GrantChange,
    GrantPublic,
    UnitCreate,
    UnitDetail,
    UnitPublic,
    UnitRename,
)
from carefund import units
from carefund.reports import consolidated

router = ledger_router("units")


@router.post("/units", status_code=201, response_model=UnitPublic)
async def create_unit(body: UnitCreate, database: DatabaseDep, user: CurrentUser) -> dict:
    """新增单位（admin）：区之下为街道，街道之下为社区/村。"""
    return await database.write_async(
        partial(units.create_unit, code=body.code, name=body.name, parent=body.parent, actor=user)
    )


@router.get("/units", response_model=list[UnitPublic])
def list_units(database: DatabaseDep, user: CurrentUser) -> list[dict]:
    """调用者可见的单位（其角色所在单位及以下），按树序。"""
    return database.read(partial(units.read_units, actor=user))


@router.get("/units/{code}", response_model=UnitDetail, responses={404: {}})
def get_unit(code: str, database: DatabaseDep, user: CurrentUser) -> dict:
    """一个单位及其直属下级；不在调用者范围内的单位答 404。"""
    return database.read(partial(units.read_unit, code=code, actor=user))


@router.patch("/units/{code}", response_model=UnitPublic, responses={404: {}})
async def rename_unit(
    code: str, body: UnitRename, database: DatabaseDep, user: CurrentUser
) -> dict:
    """改单位名称（admin）：代码与在树中的位置不变，改动记入审计日志。"""
    return await database.write_async(
        partial(units.rename_unit, code=code, name=body.name, actor=user)
    )


@router.get(
    "/units/{code}/statements/{period}.json",
    operation_id="getConsolidated",
    response_model=ConsolidatedPublic,
)
def get_consolidated(
    code: str, period: PeriodLabel, database: DatabaseDep, user: CurrentUser
) -> dict:
    """合并报表（auditor、admin、approver）：该单位及其下级所有基金的报表与合计，合计等于
    各基金报表之和（精确到分）。"""
    return database.read(
        partial(consolidated.consolidated_public, unit_code=code, period=period, actor=user)
    )


@router.get(
    "/units/{code}/statements/{period}.pdf",
    operation_id="getConsolidatedPdf",
    responses=PDF_RESPONSE,
    response_class=downloads.Response,
)
def consolidated_pdf(
    code: str, period: PeriodLabel, database: DatabaseDep, user: CurrentUser
) -> downloads.Response:
    """合并报表 PDF：各基金一行及合计、合计的收入来源与 6×3 矩阵、对账核对。"""
    return downloads.consolidated(database, code=code, period=period, suffix="pdf", user=user)


@router.get(
    "/units/{code}/statements/{period}.xlsx",
    operation_id="getConsolidatedXlsx",
    responses=STATEMENT_RESPONSES["xlsx"],
    response_class=downloads.Response,
)
def consolidated_xlsx(
    code: str, period: PeriodLabel, database: DatabaseDep, user: CurrentUser
) -> downloads.Response:
    """合并报表 Excel：各基金一行及合计，金额为数字。"""
    return downloads.consolidated(database, code=code, period=period, suffix="xlsx", user=user)


@router.get("/users/{username}/grants", response_model=list[GrantPublic])
def list_grants(username: str, database: DatabaseDep, user: CurrentUser) -> list[dict]:
    """用户在各单位的角色（admin）。"""
    return database.read(partial(units.read_grants, username=username, actor=user))


@router.post("/users/{username}/grants", response_model=list[GrantPublic])
async def grant_role(
    username: str, body: GrantChange, database: DatabaseDep, user: CurrentUser
) -> list[dict]:
    """在某单位（及其下级）授予用户角色（admin）；答复该用户的全部角色。"""
    return await database.write_async(
        partial(units.grant_role, username=username, role=body.role, unit=body.unit, actor=user)
    )


@router.post("/users/{username}/grants/revoke", response_model=list[GrantPublic])
async def revoke_role(
    username: str, body: GrantChange, database: DatabaseDep, user: CurrentUser
) -> list[dict]:
    """收回用户在某单位的角色（admin）；答复该用户余下的角色。"""
    return await database.write_async(
        partial(units.revoke_role, username=username, role=body.role, unit=body.unit, actor=user)
    )
