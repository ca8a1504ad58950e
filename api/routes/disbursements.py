"""Disbursements: submit, then approve / reject / cancel / pay / reverse; list and read."""

from typing import Annotated

from fastapi import Query
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
from carefund import disbursements, funds
from carefund.access.users import Action, require
from carefund.vocabulary import DisbursementStatus

router = ledger_router("disbursements")


@router.post("/funds/{code}/disbursements", status_code=201, response_model=DisbursementPublic)
async def submit_disbursement(
    code: str, body: DisbursementCreate, database: DatabaseDep, user: CurrentUser
) -> dict:
    """提交支出申请（clerk、integration），状态 `submitted`。"""

    def submit(session: Session) -> dict:
        disbursement = disbursements.submit_disbursement(
            session,
            fund_code=code,
            recipient_id=body.recipient_id,
            amount=body.amount,
            aspect=body.aspect,
            purpose=body.purpose,
            memo=body.memo,
            actor=user,
        )
        return disbursements.disbursement_view(session, disbursement)

    return await database.write_async(submit)


@router.post("/disbursements/{disbursement_id}/approve", response_model=DisbursementPublic)
async def approve_disbursement(
    disbursement_id: PathId, database: DatabaseDep, user: CurrentUser, body: NoFields | None = None
) -> dict:
    """审批（approver）：提交人本人不能审批（403）；可用余额不足 409。"""

    def approve(session: Session) -> dict:
        disbursement = disbursements.approve_disbursement(
            session, disbursement_id=disbursement_id, actor=user
        )
        return disbursements.disbursement_view(session, disbursement)

    return await database.write_async(approve)


@router.post("/disbursements/{disbursement_id}/reject", response_model=DisbursementPublic)
async def reject_disbursement(
    disbursement_id: PathId, body: DisbursementReject, database: DatabaseDep, user: CurrentUser
) -> dict:
    """驳回（approver），须写明理由。"""

    def reject(session: Session) -> dict:
        disbursement = disbursements.reject_disbursement(
            session, disbursement_id=disbursement_id, reason=body.reason, actor=user
        )
        return disbursements.disbursement_view(session, disbursement)

    return await database.write_async(reject)


@router.post("/disbursements/{disbursement_id}/cancel", response_model=DisbursementPublic)
async def cancel_disbursement(
    disbursement_id: PathId, database: DatabaseDep, user: CurrentUser, body: NoFields | None = None
) -> dict:
    """撤回尚未审批的申请（clerk）。"""

    def cancel(session: Session) -> dict:
        disbursement = disbursements.cancel_disbursement(
            session, disbursement_id=disbursement_id, actor=user
        )
        return disbursements.disbursement_view(session, disbursement)

    return await database.write_async(cancel)


@router.post("/disbursements/{disbursement_id}/pay", response_model=DisbursementPublic)
async def pay_disbursement(
    disbursement_id: PathId, body: DisbursementPay, database: DatabaseDep, user: CurrentUser
) -> dict:
    """支付已审批的支出（cashier）：按 `paid_on` 入账。"""

    def pay(session: Session) -> dict:
        disbursement = disbursements.pay_disbursement(
            session,
            disbursement_id=disbursement_id,
            paid_on=body.paid_on,
            method=body.method,
            actor=user,
        )
        return disbursements.disbursement_view(session, disbursement)

    return await database.write_async(pay)


@router.post("/disbursements/{disbursement_id}/reverse", response_model=DisbursementPublic)
async def reverse_disbursement(
    disbursement_id: PathId, body: DisbursementReverse, database: DatabaseDep, user: CurrentUser
) -> dict:
    """冲销已支付的支出（approver）：红字凭证记于 `on`（默认今天）。"""

    def reverse(session: Session) -> dict:
        disbursement = disbursements.reverse_disbursement(
            session, disbursement_id=disbursement_id, reason=body.reason, on=body.on, actor=user
        )
        return disbursements.disbursement_view(session, disbursement)

    return await database.write_async(reverse)


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
    require(user, Action.read)

    def read(session: Session) -> list[dict]:
        rows = disbursements.list_disbursements(
            session,
            fund=funds.get_fund(session, fund) if fund is not None else None,
            status=status,
            recipient_id=recipient_id,
            start=from_,
            end=to,
            after_id=decode_cursor(cursor),
            limit=limit + 1,
        )
        return disbursements.disbursements_view(session, rows)

    return page(database.read(read), limit=limit)


@router.get("/disbursements/{disbursement_id}", response_model=DisbursementPublic)
def get_disbursement(disbursement_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """一笔支出。"""
    require(user, Action.read)
    return database.read(
        lambda session: disbursements.disbursement_view(
            session, disbursements.get_disbursement(session, disbursement_id)
        )
    )
