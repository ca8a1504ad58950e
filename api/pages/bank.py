"""The bank pages: a fund's batches, bank files and statement (/bank), one batch with its
steps and downloads (/bank/batches/N), and a month's 银行存款余额调节表 (/bank/reconciliation).

Batch steps and file imports show their outcome on the page they answer (every refusal,
every bad line); a repeated post does nothing twice, as the use cases see to it.
"""

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api import bank_downloads
from api.deps import get_database
from api.pages.errors import error_status, page_router
from api.pages.form_posts import post_form
from api.pages.forms import record_id
from api.pages.rendering import render
from api.pages.sessions import PageUser, Posted
from carefund import clock, funds
from carefund.bank import (
    batch_views,
    batches,
    matching,
    reconciliation,
    returns,
    statement_lines,
    transfer_file,
)
from carefund.bank.bank_sheets import RETURN_PRESETS, STATEMENT_PRESETS
from carefund.errors import CarefundError, ImportRejected, NotFound
from carefund.models import User

router = page_router()
ROWS_SHOWN_MAX = 200
BATCH_FIELDS = {"plan_id", "status", "due_from", "due_to"}


def _last_month() -> str:
    today = clock.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _bank_page(
    request: Request, user: User, code: str, *, status: int = 200, **outcome: Any
) -> HTMLResponse:
    def read(session: Session) -> Any:
        every = funds.list_funds(session, actor=user)
        fund = code or (every[0].code if every else "")
        if not fund:
            return every, None, [], [], []
        listed = partial(batch_views.list_batches, session, fund_code=fund, actor=user)
        lines = statement_lines.list_statement_lines(
            session, fund_code=fund, actor=user, unmatched=True, limit=ROWS_SHOWN_MAX
        )
        failures = returns.bank_failures(session, fund_code=fund, actor=user, limit=ROWS_SHOWN_MAX)
        return (
            every,
            funds.get_fund(session, fund, actor=user),
            listed(limit=ROWS_SHOWN_MAX),
            lines,
            failures,
        )

    every, fund, rows, lines, failures = get_database(request).read(read)
    return render(
        request,
        "bank/index.html",
        status=status,
        title="银行代发与对账",
        funds=every,
        fund=fund,
        batches=rows,
        lines=lines,
        failures=failures,
        month=_last_month(),
        return_presets=list(RETURN_PRESETS),
        statement_presets=list(STATEMENT_PRESETS),
        **({"errors": {}} | outcome),
    )


@router.get("/bank")
def bank_index(request: Request, user: PageUser) -> HTMLResponse:
    return _bank_page(request, user, request.query_params.get("fund", ""))


@router.post("/bank/batches/new")
def create_batch(request: Request, user: PageUser, form: Posted) -> Response:
    code = form.get("fund")
    selection = {name: form.get(name) or None for name in BATCH_FIELDS}
    return post_form(
        request,
        lambda session: batches.create_batch(session, fund_code=code, actor=user, **selection),
        fields=BATCH_FIELDS | {"selection", "fund"},
        again=lambda errors, status: _bank_page(request, user, code, status=status, errors=errors),
        then=lambda made: f"/bank/batches/{made['id']}?done=created",
    )


async def _import(request: Request, user: User, form: Any, kind: str) -> HTMLResponse:
    code = form.get("fund")
    name, data = form.files.get("file", ("", b""))
    use_case = (
        returns.import_bank_return if kind == "return" else (statement_lines.import_bank_statement)
    )
    try:
        if not data:
            raise CarefundError("请选择要导入的 CSV 或 XLSX 文件。")
        result = await get_database(request).write_async(
            partial(
                use_case,
                fund_code=code,
                data=data,
                filename=name,
                preset=form.get("preset") or None,
                actor=user,
            ),
            short=False,
        )
    except ImportRejected as exc:
        return _bank_page(request, user, code, status=422, rejected=exc, kind=kind)
    except CarefundError as exc:
        return _bank_page(request, user, code, status=error_status(exc), error=exc.message)
    return _bank_page(request, user, code, result=result, kind=kind)


@router.post("/bank/returns")
async def import_return(request: Request, user: PageUser, form: Posted) -> HTMLResponse:
    return await _import(request, user, form, "return")


@router.post("/bank/statements")
async def import_statement(request: Request, user: PageUser, form: Posted) -> HTMLResponse:
    return await _import(request, user, form, "statement")


@router.post("/bank/auto-match")
def auto_match(request: Request, user: PageUser, form: Posted) -> HTMLResponse:
    code = form.get("fund")
    try:
        result = get_database(request).write(
            partial(matching.auto_match, fund_code=code, actor=user)
        )
    except CarefundError as exc:
        return _bank_page(request, user, code, status=error_status(exc), error=exc.message)
    return _bank_page(request, user, code, matched=result)


@router.post("/bank/lines/{line_id}/book")
def book_line(line_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    code = form.get("fund")
    return post_form(
        request,
        partial(reconciliation.book_statement_line, line_id=record_id(line_id), actor=user),
        fields=(),
        again=lambda errors, status: _bank_page(request, user, code, status=status, errors=errors),
        then=lambda _line: f"/bank?fund={code}",
    )


def _batch_page(
    request: Request, user: User, number: int, *, status: int = 200, **outcome: Any
) -> HTMLResponse:
    def read(session: Session) -> Any:
        batch = batch_views.get_batch(session, batch_id=number, actor=user)
        items = batch_views.batch_items(session, batch_id=number, actor=user, limit=5000)
        return batch, items

    batch, items = get_database(request).read(read)
    return render(
        request,
        "bank/batch.html",
        status=status,
        title=f"批次 {batch['number']}",
        batch=batch,
        items=items,
        templates_zh=transfer_file.TEMPLATE_NAMES_ZH,
        done=request.query_params.get("done"),
        **({"errors": {}} | outcome),
    )


@router.get("/bank/batches/{batch_id}")
def batch_detail(batch_id: str, request: Request, user: PageUser) -> HTMLResponse:
    return _batch_page(request, user, record_id(batch_id))


@router.post("/bank/batches/{batch_id}/{step}")
def batch_step(
    batch_id: str, step: str, request: Request, user: PageUser, form: Posted
) -> HTMLResponse:
    """Approve, reject or pay every item; the page lists what went through and each refusal."""
    number = record_id(batch_id)
    steps = {
        "approve": partial(batches.approve_batch, batch_id=number, actor=user),
        "reject": partial(
            batches.reject_batch, batch_id=number, reason=form.get("reason"), actor=user
        ),
        "pay": partial(
            batches.pay_batch,
            batch_id=number,
            paid_on=form.get("paid_on"),
            method=form.get("method"),
            actor=user,
        ),
    }
    if step not in steps:
        raise NotFound(f"没有这一操作：{step[:20]}")
    try:
        outcome = get_database(request).write(steps[step])
    except CarefundError as exc:
        return _batch_page(request, user, number, status=error_status(exc), error=exc.message)
    return _batch_page(request, user, number, outcome=outcome)


@router.get("/bank/batches/{batch_id}/bank-file.{suffix}")
async def bank_file(batch_id: str, suffix: str, request: Request, user: PageUser) -> Response:
    if suffix not in ("xlsx", "csv"):
        raise NotFound("没有这种格式")
    return await bank_downloads.transfer(
        get_database(request),
        batch_id=record_id(batch_id),
        suffix=suffix,
        template=request.query_params.get("template"),
        columns=None,
        user=user,
    )


@router.get("/bank/batches/{batch_id}/cover.pdf")
def cover(batch_id: str, request: Request, user: PageUser) -> Response:
    return bank_downloads.cover(get_database(request), batch_id=record_id(batch_id), user=user)


def _reconciliation_page(
    request: Request, user: User, code: str, month: str, *, status: int = 200, **outcome: Any
) -> HTMLResponse:
    view = get_database(request).read(
        partial(reconciliation.reconcile_month, fund_code=code, month=month, actor=user)
    )
    return render(
        request,
        "bank/reconciliation.html",
        status=status,
        title=f"银行存款余额调节表 {month}",
        r=view.public(),
        **outcome,
    )


@router.get("/bank/reconciliation")
def reconciliation_page(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    return _reconciliation_page(
        request, user, query.get("fund", ""), query.get("month", _last_month())
    )


@router.get("/bank/reconciliation.{suffix}")
def reconciliation_file(suffix: str, request: Request, user: PageUser) -> Response:
    if suffix not in ("pdf", "xlsx"):
        raise NotFound("没有这种格式")
    query = request.query_params
    return bank_downloads.reconciliation_document(
        get_database(request),
        code=query.get("fund", ""),
        month=query.get("month", ""),
        suffix=suffix,
        user=user,
    )


@router.post("/bank/reconciliation/confirm")
def confirm(request: Request, user: PageUser, form: Posted) -> Response:
    code, month = form.get("fund"), form.get("month")
    return post_form(
        request,
        partial(reconciliation.confirm_reconciliation, fund_code=code, month=month, actor=user),
        fields=(),
        again=lambda errors, status: _reconciliation_page(
            request, user, code, month, status=status, errors=errors
        ),
        then=lambda _r: f"/bank/reconciliation?fund={code}&month={month}&done=confirmed",
    )
