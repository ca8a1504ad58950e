"""The bank, part one: batches of disbursements, their payment files (代发文件) and cover
sheets. The bank's answers (returns, statements, matching, reconciliation) are in
`api.routes.bank_answers`."""

from functools import partial
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response

import receipts
from api import bank_downloads
from api.deps import CurrentUser, DatabaseDep
from api.openapi import file_answer
from api.paging import Cursor, Limit, read_page
from api.routing import ledger_router
from api.schemas import Page, PathId
from api.schemas_bank import (
    BatchCreate,
    BatchItemPublic,
    BatchPay,
    BatchPublic,
    BatchReject,
    BatchStepPublic,
)
from carefund.bank import (
    batch_views,
    batches,
)
from receipts.bank_exports import TRANSFER_FORMATS

router = ledger_router("bank")

MEDIA = {"xlsx": receipts.XLSX, "csv": receipts.CSV, "pdf": receipts.PDF}
FILE_RESPONSES: dict[str, dict[int | str, dict[str, Any]]] = {
    suffix: file_answer(media, f"{suffix.upper()} file") for suffix, media in MEDIA.items()
}


@router.post("/funds/{code}/batches", status_code=201, response_model=BatchPublic)
async def create_batch(
    code: str, body: BatchCreate, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Make a batch (clerk): the fund's submitted or approved disbursements the selection
    picks, each in one batch at a time while the bank has not answered for it."""
    fields = body.model_dump(mode="json", exclude_none=True)
    return await database.write_async(
        lambda session: batches.create_batch(session, fund_code=code, actor=user, **fields)
    )


@router.get("/funds/{code}/batches", response_model=Page[BatchPublic])
def list_batches(
    code: str, database: DatabaseDep, user: CurrentUser, limit: Limit = 50, cursor: Cursor = None
) -> dict:
    return read_page(
        database,
        partial(batch_views.list_batches, fund_code=code, actor=user),
        cursor=cursor,
        limit=limit,
    )


@router.get("/batches/{batch_id}", response_model=BatchPublic)
def get_batch(batch_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    return database.read(partial(batch_views.get_batch, batch_id=batch_id, actor=user))


@router.get(
    "/batches/{batch_id}/items", operation_id="listBatchItems", response_model=Page[BatchItemPublic]
)
def batch_items(
    batch_id: PathId,
    database: DatabaseDep,
    user: CurrentUser,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    """The batch's items by line, account numbers masked, with what the bank said."""
    return read_page(
        database,
        partial(batch_views.batch_items, batch_id=batch_id, actor=user),
        cursor=cursor,
        limit=limit,
    )


@router.post("/batches/{batch_id}/approve", response_model=BatchStepPublic)
async def approve_batch(batch_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """Approve every submitted item, one by one (approver); each refusal is listed."""
    return await database.write_async(
        lambda session: batches.approve_batch(session, batch_id=batch_id, actor=user),
        short=False,
    )


@router.post("/batches/{batch_id}/reject", response_model=BatchStepPublic)
async def reject_batch(
    batch_id: PathId, body: BatchReject, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Reject every submitted item with one reason (approver)."""
    return await database.write_async(
        lambda session: batches.reject_batch(
            session, batch_id=batch_id, reason=body.reason, actor=user
        ),
        short=False,
    )


@router.post("/batches/{batch_id}/pay", response_model=BatchStepPublic)
async def pay_batch(
    batch_id: PathId, body: BatchPay, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Pay every approved item by hand (cashier); a batch sent to the bank is paid by its
    return file instead."""
    return await database.write_async(
        lambda session: batches.pay_batch(
            session,
            batch_id=batch_id,
            paid_on=body.paid_on,
            method=body.method or "",
            actor=user,
        ),
        short=False,
    )


def _transfer_route(suffix: str) -> Any:
    async def bank_file(
        batch_id: PathId,
        database: DatabaseDep,
        user: CurrentUser,
        template: Annotated[
            str | None, Query(description="generic, rural_credit, card_payroll")
        ] = None,
        columns: Annotated[
            str | None,
            Query(description="instead of a template: fields by comma, e.g. account,name,amount"),
        ] = None,
    ) -> Response:
        chosen = columns.split(",") if columns else None
        return await bank_downloads.transfer(
            database,
            batch_id=batch_id,
            suffix=suffix,
            template=template,
            columns=chosen,
            user=user,
        )

    return bank_file


for _suffix in TRANSFER_FORMATS:
    router.add_api_route(
        f"/batches/{{batch_id}}/bank-file.{_suffix}",
        _transfer_route(_suffix),
        methods=["GET"],
        name=f"bank_file_{_suffix}",
        operation_id=f"getBankFile{_suffix.capitalize()}",
        description=(
            "The batch's payment file (代发文件, cashier): its approved items the bank has not "
            "paid, with full account numbers, in the template's columns; the footer repeats "
            "batch number, count and total. Each download is audit-logged and announced "
            "(`bank.file.exported`)."
        ),
        responses=FILE_RESPONSES[_suffix],
        response_class=Response,
    )


@router.get(
    "/batches/{batch_id}/cover.pdf",
    operation_id="getBatchCoverPdf",
    responses=FILE_RESPONSES["pdf"],
    response_class=Response,
)
def cover_pdf(batch_id: PathId, database: DatabaseDep, user: CurrentUser) -> Response:
    """The cover sheet (代发汇总表) for signatures: batch number, count, total, masked lines."""
    return bank_downloads.cover(database, batch_id=batch_id, user=user)
