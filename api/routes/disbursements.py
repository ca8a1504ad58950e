"""Disbursements: submit, then approve / reject / cancel / pay / reverse; list and read."""

import inspect
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel
from sqlmodel import Session

from api.deps import CurrentUser, DatabaseDep
from api.paging import Cursor, Limit, read_page
from api.routing import ledger_router
from api.schemas import FromDate, Page, PathId, QueryId, ToDate
from api.schemas_disbursements import (
    DisbursementApprove,
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


STEP_BODIES: dict[str, tuple[Any, str]] = {
    "approve": (
        DisbursementApprove | None,
        "审批（approver）：提交人本人不能审批（403）；可用余额不足 409。超出发放标准、年度上限、"
        "预算（管理员未越权时）或没有可用的资金来源（专款专用）409，消息写明数额。超过基金的审批"
        "限额时须两名不同的审批人：第一人审批后仍为 `submitted`（`approvals` 列出已审批者），"
        "第二人审批时须已填写集体决策会议的纪要编号与日期（`meeting_no`、`meeting_on`）。",
    ),
    "reject": (DisbursementReject, "驳回（approver），须写明理由。"),
    "cancel": (NoFields | None, "撤回尚未审批的申请（clerk）。"),
    "pay": (DisbursementPay, "支付已审批的支出（cashier）：按 `paid_on` 入账。"),
    "reverse": (
        DisbursementReverse,
        "冲销已支付的支出（approver）：红字凭证记于 `on`（默认今天）。",
    ),
}
"""Each workflow step's body (None: it may be left out) and what the API's docs say of it."""


def _step_route(step: str, body_type: Any, doc: str) -> Callable[..., Awaitable[dict]]:
    """The route of one workflow step, answered with the disbursement as it now stands."""

    async def route(
        disbursement_id: int, database: Database, user: User, body: BaseModel | None
    ) -> dict:
        return await database.write_async(
            partial(
                disbursements.take_step,
                step=step,
                disbursement_id=disbursement_id,
                fields=body.model_dump() if body else {},
                actor=user,
            )
        )

    optional = body_type not in (NoFields | None, DisbursementApprove | None)
    route.__name__ = f"{step}_disbursement"
    route.__doc__ = doc
    route.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("disbursement_id", _POSITIONAL, annotation=PathId),
            inspect.Parameter("database", _POSITIONAL, annotation=DatabaseDep),
            inspect.Parameter("user", _POSITIONAL, annotation=CurrentUser),
            inspect.Parameter(
                "body",
                _POSITIONAL,
                annotation=body_type,
                default=inspect.Parameter.empty if optional else None,
            ),
        ],
        return_annotation=dict,
    )
    return route


_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD

for _step, (_body, _doc) in STEP_BODIES.items():
    router.add_api_route(
        f"/disbursements/{{disbursement_id}}/{_step}",
        _step_route(_step, _body, _doc),
        methods=["POST"],
        response_model=DisbursementPublic,
    )


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
    return read_page(
        database,
        partial(
            disbursements.list_disbursements,
            actor=user,
            fund_code=fund,
            status=status,
            recipient_id=recipient_id,
            start=from_,
            end=to,
        ),
        cursor=cursor,
        limit=limit,
    )


@router.get("/disbursements/{disbursement_id}", response_model=DisbursementPublic)
def get_disbursement(disbursement_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """一笔支出。"""
    return database.read(
        partial(disbursements.get_disbursement, disbursement_id=disbursement_id, actor=user)
    )
