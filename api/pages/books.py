"""Books and reports: the journal browser, statements to download (PDF, XLSX, CSV), the public
disclosure list, verifying the chain, closing a month (approver) and reopening it (admin)."""

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

import receipts
from api.deps import get_database
from api.pages.errors import error_status, page_router
from api.pages.forms import form_errors, parse_optional_date, record_id
from api.pages.fund_status import chain_status, funds_and_current
from api.pages.incomes import pdf
from api.pages.rendering import PAGE_SIZE, redirect, render, with_query
from api.pages.sessions import PageUser, Posted
from carefund import periods
from carefund.access.users import Action, require
from carefund.errors import CarefundError, InvalidInput, NotFound
from carefund.ledger import journal
from carefund.ledger.accounts import account_name_zh
from carefund.reports import documents, statements

router = page_router()

PERIOD_CHOICE_YEARS = 3
"""Years offered in the period list (this year and the ones before)."""
FORMATS = {"pdf": receipts.PDF, "xlsx": receipts.XLSX, "csv": receipts.CSV}
MESSAGES = {"closed": "已结账。", "reopened": "已反结账。"}


def period_choices(today: date) -> list[tuple[str, str]]:
    """Months, quarters and years up to now, newest first, as (label, 中文)."""
    choices: list[tuple[str, str]] = []
    for year in range(today.year, today.year - PERIOD_CHOICE_YEARS, -1):
        last_month = today.month if year == today.year else 12
        for month in range(last_month, 0, -1):
            label = f"{year}-{month:02d}"
            choices.append((label, statements.parse_period(label).label_zh))
        for quarter in range((last_month + 2) // 3, 0, -1):
            label = f"{year}-Q{quarter}"
            choices.append((label, statements.parse_period(label).label_zh))
        choices.append((str(year), statements.parse_period(str(year)).label_zh))
    return choices


@router.get("/books/journal")
def journal_browser(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    errors: dict[str, str] = {}
    today = date.today()
    start_text = query.get("from", today.replace(day=1).isoformat())
    end_text = query.get("to", "")
    try:
        start = parse_optional_date(start_text, field="from")
        end = parse_optional_date(end_text, field="to")
    except InvalidInput as exc:
        errors[exc.field or "from"] = exc.message
        start = end = None
    after = query.get("after")

    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        entries = (
            journal.journal_page(
                session,
                fund,
                start=start,
                end=end,
                after_seq=record_id(after) if after else 0,
                limit=PAGE_SIZE + 1,
            )
            if fund
            else []
        )
        return every, fund, entries

    every, fund, entries = get_database(request).read(read)
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    for entry in entries:
        for posting in entry["postings"]:
            posting["account_zh"] = account_name_zh(posting["account"])
    following = (
        with_query(
            "/books/journal",
            fund=fund.code if fund else None,
            **{"from": start_text, "to": end_text},
            after=entries[-1]["seq"],
        )
        if more
        else None
    )
    return render(
        request,
        "books/journal.html",
        title="账簿",
        funds=every,
        fund=fund,
        entries=entries,
        errors=errors,
        following=following,
        values={"from": start_text, "to": end_text},
    )


@router.get("/books/reports")
def reports(request: Request, user: PageUser) -> HTMLResponse:
    require(user, Action.read_statements)
    today = date.today()
    period = request.query_params.get("period") or f"{today:%Y-%m}"
    errors: dict[str, str] = {}
    statement = None

    def read(session: Session) -> Any:
        nonlocal statement, errors
        every, fund = funds_and_current(session, request)
        if fund is not None:
            try:
                statement = statements.build_statement(
                    session, fund, statements.parse_period(period)
                )
            except CarefundError as exc:
                errors = form_errors(exc, {"period"})
        return every, fund

    every, fund = get_database(request).read(read)
    return render(
        request,
        "books/reports.html",
        title="报表",
        funds=every,
        fund=fund,
        statement=statement,
        period=period,
        errors=errors,
        choices=period_choices(today),
        income_rows=documents.income_rows(statement) if statement else [],
        matrix_rows=documents.matrix_rows(statement) if statement else [],
        aspects=documents.aspect_headings(),
    )


@router.get("/books/statement.{fmt}")
def statement_download(fmt: str, request: Request, user: PageUser) -> Response:
    if fmt not in FORMATS:
        raise NotFound("没有这种报表格式（可选 PDF、XLSX、CSV）")
    query = request.query_params
    code, period = query.get("fund", ""), query.get("period", "")

    def read(session: Session) -> Any:
        view = documents.statement_view(session, fund_code=code, period=period, actor=user)
        # Rendered inside the session: the statement's journal streams from the database.
        content = {
            "pdf": receipts.render_statement,
            "xlsx": receipts.statement_xlsx,
            "csv": receipts.statement_csv,
        }[fmt](view)
        return view, content

    view, content = get_database(request).read(read)
    filename = f"statement-{view.fund.code}-{view.period.label}.{fmt}"
    return Response(
        content,
        media_type=FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/books/disclosure.pdf")
def disclosure_download(request: Request, user: PageUser) -> Response:
    query = request.query_params
    view = get_database(request).read(
        lambda session: documents.disclosure_view(
            session, fund_code=query.get("fund", ""), period=query.get("period", ""), actor=user
        )
    )
    return pdf(
        receipts.render_disclosure(view),
        f"disclosure-{view.fund.code}-{view.period.label}.pdf",
        inline=False,
    )


def _periods_page(
    request: Request,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    verified: object = None,
    status: int = 200,
) -> HTMLResponse:
    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        rows = periods.list_periods(session, fund.id) if fund else []
        chain = chain_status(request, session, fund) if fund else None
        return every, fund, rows, chain

    every, fund, rows, chain = get_database(request).read(read)
    defaults = {"month": _month_to_close(fund.closed_through if fund else None), "reopen_month": ""}
    standing = [p for p in rows if p.reopened_at is None]
    if standing:
        defaults["reopen_month"] = standing[-1].month
    return render(
        request,
        "books/periods.html",
        status=status,
        title="结账与校验",
        funds=every,
        fund=fund,
        rows=list(reversed(rows)),
        chain=chain,
        verified=verified,
        errors=errors or {},
        values=defaults | (values or {}),
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


def _month_to_close(closed_through: date | None) -> str:
    """The month a clerk most likely closes next: the one after the last closed, else the
    month before this one."""
    if closed_through is not None:
        following = closed_through + timedelta(days=1)
        return f"{following:%Y-%m}"
    last_month = date.today().replace(day=1) - timedelta(days=1)
    return f"{last_month:%Y-%m}"


@router.get("/books/periods")
def periods_page(request: Request, user: PageUser) -> HTMLResponse:
    return _periods_page(request)


@router.post("/books/verify")
def verify(request: Request, user: PageUser, _form: Posted) -> HTMLResponse:
    """Recompute the chain now (not from the cache)."""
    require(user, Action.verify)

    def read(session: Session) -> Any:
        _every, fund = funds_and_current(session, request)
        if fund is None:
            raise NotFound("还没有基金")
        result = chain_status(request, session, fund, fresh=True)
        return result

    result = get_database(request).read(read)
    return _periods_page(request, verified=result)


@router.post("/books/periods/close")
def close(request: Request, user: PageUser, form: Posted) -> Response:
    code, month = request.query_params.get("fund", ""), form.get("month")
    try:
        get_database(request).write(
            lambda session: periods.close_period(session, fund_code=code, month=month, actor=user)
        )
    except CarefundError as exc:
        return _periods_page(
            request,
            values={"month": month},
            status=error_status(exc),
            errors={"month": exc.message},
        )
    return redirect(with_query("/books/periods", fund=code, done="closed"))


@router.post("/books/periods/reopen")
def reopen(request: Request, user: PageUser, form: Posted) -> Response:
    code = request.query_params.get("fund", "")
    values = {"reopen_month": form.get("reopen_month"), "reason": form.get("reason")}
    try:
        get_database(request).write(
            lambda session: periods.reopen_period(
                session,
                fund_code=code,
                month=values["reopen_month"],
                reason=values["reason"],
                actor=user,
            )
        )
    except CarefundError as exc:
        errors = form_errors(exc, {"reason"}, {"period": "reopen_month"})
        if "_form" in errors:
            errors = {"reopen_month": errors["_form"]}
        return _periods_page(request, values=values, status=error_status(exc), errors=errors)
    return redirect(with_query("/books/periods", fund=code, done="reopened"))
