"""The bank, part two: what the bank answers — return files, statements — matching the
statement, and the monthly reconciliation (银行存款余额调节表)."""

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

import receipts
from api import bank_downloads
from api.deps import CurrentUser, DatabaseDep
from api.openapi import file_answer
from api.paging import Cursor, Limit, read_page
from api.routing import ledger_router
from api.schemas import Page, PathId
from api.schemas_bank import (
    AutoMatch,
    AutoMatchPublic,
    BankFailurePublic,
    BankSetting,
    BankSettingPublic,
    BookLine,
    ManualMatch,
    ReconciliationPublic,
    ReturnImportPublic,
    StatementImportPublic,
    StatementLinePublic,
)
from carefund import sheets
from carefund.bank import (
    matching,
    reconciliation,
    returns,
    statement_lines,
)
from carefund.errors import ImportTooLarge, InvalidInput
from carefund.models import User
from carefund.storage.database import Database

router = ledger_router("bank")
MEDIA = {"xlsx": receipts.XLSX, "pdf": receipts.PDF}
FILE_RESPONSES: dict[str, dict[int | str, dict[str, Any]]] = {
    suffix: file_answer(media, f"{suffix.upper()} file") for suffix, media in MEDIA.items()
}

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV (UTF-8 or GB18030) or XLSX",
                    },
                    "preset": {"type": "string", "description": "the bank's layout"},
                    "mapping": {
                        "type": "string",
                        "description": 'JSON {field: header}, e.g. {"amount": "交易金额"}',
                    },
                },
            }
        }
    },
}
UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"description": "File past the limit on bytes or lines."},
    422: {
        "description": "Bad lines: `errors` lists every one as {row, field, msg}; nothing changed."
    },
}


async def _upload(request: Request) -> tuple[bytes, str, str | None, Any]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > sheets.IMPORT_BYTES_MAX + 64 * 1024:
        raise ImportTooLarge(
            f"文件过大：最大 {sheets.IMPORT_BYTES_MAX // 1024 // 1024} MB", field="file"
        )
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("请用 multipart/form-data 上传文件，字段名为 file", field="file")
        data = await upload.read(sheets.IMPORT_BYTES_MAX + 1)
        preset, mapping = form.get("preset"), form.get("mapping")
        name = upload.filename or ""
    try:
        parsed = json.loads(mapping) if isinstance(mapping, str) and mapping.strip() else None
    except json.JSONDecodeError:
        raise InvalidInput(
            'mapping 应为 JSON，如 {"amount": "交易金额"}', field="mapping"
        ) from None
    return data, name, preset if isinstance(preset, str) else None, parsed


@router.post(
    "/funds/{code}/bank/returns",
    operation_id="importBankReturn",
    response_model=ReturnImportPublic,
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses=UPLOAD_RESPONSES,
)
async def import_return(
    code: str, request: Request, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Import the bank's return file (cashier): succeeded lines pay their disbursements,
    failed lines keep them approved with the reason; the same file again changes nothing."""
    return await _import_upload(request, database, returns.import_bank_return, code=code, user=user)


@router.get(
    "/funds/{code}/bank/failures",
    operation_id="listBankFailures",
    response_model=Page[BankFailurePublic],
)
def bank_failures(
    code: str, database: DatabaseDep, user: CurrentUser, limit: Limit = 50, cursor: Cursor = None
) -> dict:
    """Items the bank refused whose disbursements still wait, with the bank's reason."""
    return read_page(
        database,
        partial(returns.bank_failures, fund_code=code, actor=user),
        cursor=cursor,
        limit=limit,
    )


@router.post(
    "/funds/{code}/bank/statements",
    operation_id="importBankStatement",
    response_model=StatementImportPublic,
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses=UPLOAD_RESPONSES,
)
async def import_statement(
    code: str, request: Request, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Import the bank statement (cashier): lines already imported are not added twice."""
    return await _import_upload(
        request, database, statement_lines.import_bank_statement, code=code, user=user
    )


@router.get(
    "/funds/{code}/bank/statement-lines",
    operation_id="listBankStatementLines",
    response_model=Page[StatementLinePublic],
)
def list_statement_lines(
    code: str,
    database: DatabaseDep,
    user: CurrentUser,
    unmatched: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict:
    return read_page(
        database,
        partial(
            statement_lines.list_statement_lines, fund_code=code, actor=user, unmatched=unmatched
        ),
        cursor=cursor,
        limit=limit,
    )


@router.post("/funds/{code}/bank/auto-match", response_model=AutoMatchPublic)
async def auto_match(code: str, body: AutoMatch, database: DatabaseDep, user: CurrentUser) -> dict:
    """Match unmatched lines to entries: same amount, within the window, named by reference
    or counterparty (or a batch's payments paid as one debit)."""
    return await database.write_async(
        lambda session: matching.auto_match(
            session, fund_code=code, window_days=body.window_days, actor=user
        ),
        short=False,
    )


@router.post("/bank/statement-lines/{line_id}/match", response_model=StatementLinePublic)
async def match_line(
    line_id: PathId, body: ManualMatch, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Match a line by hand to entries (voucher numbers) of the same sum (audit-logged)."""
    return await database.write_async(
        lambda session: matching.match_by_hand(
            session, line_id=line_id, vouchers=body.vouchers, actor=user
        )
    )


@router.post("/bank/statement-lines/{line_id}/unmatch", response_model=StatementLinePublic)
async def unmatch_line(line_id: PathId, database: DatabaseDep, user: CurrentUser) -> dict:
    """Undo a line's match (audit-logged)."""
    return await database.write_async(
        lambda session: matching.unmatch(session, line_id=line_id, actor=user)
    )


@router.post("/bank/statement-lines/{line_id}/book", response_model=StatementLinePublic)
async def book_line(
    line_id: PathId, body: BookLine, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Turn a bank-only line into an entry (approver): money out → 银行手续费, money in →
    利息收入, posted on the line's date and matched to it."""
    return await database.write_async(
        lambda session: reconciliation.book_statement_line(
            session, line_id=line_id, description=body.description, actor=user
        )
    )


@router.get(
    "/funds/{code}/reconciliations/{month}.json",
    operation_id="getReconciliation",
    response_model=ReconciliationPublic,
)
def reconciliation_json(code: str, month: str, database: DatabaseDep, user: CurrentUser) -> dict:
    """The month's 银行存款余额调节表 as it stands."""
    return database.read(
        lambda session: reconciliation.reconcile_month(
            session, fund_code=code, month=month, actor=user
        ).public()
    )


def _reconciliation_route(suffix: str) -> Any:
    def document(code: str, month: str, database: DatabaseDep, user: CurrentUser) -> Response:
        return bank_downloads.reconciliation_document(
            database, code=code, month=month, suffix=suffix, user=user
        )

    return document


for _suffix in ("pdf", "xlsx"):
    router.add_api_route(
        f"/funds/{{code}}/reconciliations/{{month}}.{_suffix}",
        _reconciliation_route(_suffix),
        methods=["GET"],
        name=f"reconciliation_{_suffix}",
        operation_id=f"getReconciliation{_suffix.capitalize()}",
        description="The month's 银行存款余额调节表 as a document.",
        responses=FILE_RESPONSES[_suffix],
        response_class=Response,
    )


@router.post("/funds/{code}/reconciliations/{month}/confirm", response_model=ReconciliationPublic)
async def confirm_reconciliation(
    code: str, month: str, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Confirm the month's reconciliation (approver): only when it balances to the fen."""
    return await database.write_async(
        lambda session: reconciliation.confirm_reconciliation(
            session, fund_code=code, month=month, actor=user
        )
    )


@router.get(
    "/funds/{code}/bank/settings", operation_id="getBankSettings", response_model=BankSettingPublic
)
def read_settings(code: str, database: DatabaseDep, user: CurrentUser) -> dict:
    return database.read(
        lambda session: reconciliation.read_bank_setting(session, fund_code=code, actor=user)
    )


@router.post(
    "/funds/{code}/bank/settings", operation_id="setBankSettings", response_model=BankSettingPublic
)
async def change_settings(
    code: str, body: BankSetting, database: DatabaseDep, user: CurrentUser
) -> dict:
    """Whether closing a month requires its reconciliation confirmed (admin)."""
    return await database.write_async(
        lambda session: reconciliation.set_bank_setting(
            session,
            fund_code=code,
            require_reconciliation=body.require_reconciliation,
            actor=user,
        )
    )


async def _import_upload(
    request: Request, database: Database, importer: Callable[..., dict], *, code: str, user: User
) -> dict:
    """Read an uploaded bank file (with its preset or mapping) and import it in one write."""
    data, name, preset, mapping = await _upload(request)
    return await database.write_async(
        lambda session: importer(
            session,
            fund_code=code,
            data=data,
            filename=name,
            preset=preset,
            mapping=mapping,
            actor=user,
        ),
        short=False,
    )
