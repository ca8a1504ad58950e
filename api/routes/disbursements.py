"""Disbursements: submit, then approve / reject / cancel / pay / reverse; list and read."""

from functools import partial
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel
from sqlmodel import Session

from api.deps import CurrentUser, DatabaseDep
from api.paging import Cursor, Limit, decode_cursor, page
from api.routing import ledger_router
from api.schemas import FromDate, Page, PathId, QueryId, ToDate
from api.schemas_disbursements import (
    DisbursementCreate,
    DisbursementPay,
    DisbursementPublic,
    DisbursementReject,
    DisbursementReverse,
    NoFields,
)
from carefund import disbursements
from carefund.models import User
from carefund.storage.database import Database
from carefund.vocabulary import DisbursementStatus

router = ledger_router("disbursements")


@router.post("/funds/{code}/disbursements", status_code=201, response_model=DisbursementPublic)
async def submit_disbursement(
    code: str, body: DisbursementCreate, database: DatabaseDep, user: CurrentUser
) -> dict:
    """提交支出申请（clerk、integration），状态 `submitted`。"""

    def submit(session: Session) -> dict:
        made = disbursements.submit_disbursement(
            session, fund_code=code, actor=user, **body.model_dump()
        )
        return disbursements.disbursements_public(session, [made])[0]

    return await database.write_async(submit)


async def _step(
    database: Database, user: User, step: str, disbursement_id: int, body: BaseModel | None
) -> dict:
    """One workflow step, answered with the disbursement as it now stands."""
    return await database.write_async(
        partial(
            disbursements.take_step,
            step=step,
            disbursement_id=disbursement_id,
            fields=body.model_dump() if body else {},
            actor=user,
        )
    )


@router.post("/disbursements/{disbursement_id}/approve", response_model=DisbursementPublic)
async def approve_disbursement(
    disbursement_id: PathId, database: DatabaseDep, user: CurrentUser, body: NoFields | None = None
) -> dict:
    """审批（approver）：提交人本人不能审批（403）；可用余额不足 409。"""
    return await _step(database, user, "approve", disbursement_id, body)


@router.post("/disbursements/{disbursement_id}/reject", response_model=DisbursementPublic)
async def reject_disbursement(
    disbursement_id: PathId, body: DisbursementReject, database: DatabaseDep, user: CurrentUser
) -> dict:
    """驳回（approver），须写明理由。"""
    return await _step(database, user, "reject", disbursement_id, body)


@router.post("/disbursements/{disbursement_id}/cancel", response_model=DisbursementPublic)
async def cancel_disbursement(
    disbursement_id: PathId, database: DatabaseDep, user: CurrentUser, body: NoFields | None = None
) -> dict:
    """撤回尚未审批的申请（clerk）。"""
    return await _step(database, user, "cancel", disbursement_id, body)


@router.post("/disbursements/{disbursement_id}/pay", response_model=DisbursementPublic)
async def pay_disbursement(
    disbursement_id: PathId, body: DisbursementPay, database: DatabaseDep, user: CurrentUser
) -> dict:
    """支付已审批的支出（cashier）：按 `paid_on` 入账。"""
    return await _step(database, user, "pay", disbursement_id, body)


@router.post("/disbursements/{disbursement_id}/reverse", response_model=DisbursementPublic)
async def reverse_disbursement(
    disbursement_id: PathId, body: DisbursementReverse, database: DatabaseDep, user: CurrentUser
) -> dict:
    """冲销已支付的支出（approver）：红字凭证记于 `on`（默认今天）。"""
    return await _step(database, user, "reverse", disbursement_id, body)


@router.get("/disbursements", response_model=Page[DisbursementPublic])
def list_disbursements(
    database: DatabaseDep,
    user: CurrentUser,
    fund: Annotated[str | None, Query(max_length=32, description="基金代码")] = None,
    status: DisbursementStatus | None = None,
    recipient_id: QueryId = None,
    from_: FromDate = None,
    to: ToDate = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    """支出列表，可按基金、状态、关爱对象与提交日期筛选。"""
    rows = database.read(
        partial(
            disbursements.list_disbursements,
            actor=user,
            fund_code=fund,
            status=status,
            recipient_id=recipient_id,
            start=from_,
            end=to,
            after_id=decode_cursor(cursor),
            limit=limit + 1,
        )
    )
    return page(rows, limit=limit)


@router.get("/disbursements/{disbursement_id}", response_model=DisbursementPublic)
def get_disbursement(disbursement_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """一笔支出。"""
    return database.read(
        partial(disbursements.get_disbursement, disbursement_id=disbursement_id, actor=user)
    )
