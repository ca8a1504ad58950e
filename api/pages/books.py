"""Books and reports: the journal browser, statements to download (PDF, XLSX, CSV), the public
disclosure list, verifying the chain, closing a month (approver) and reopening it (admin)."""

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

import receipts
from api import downloads
from api.deps import get_database
from api.pages.errors import page_router
from api.pages.form_posts import post_form
from api.pages.forms import date_filter, form_errors, record_id
from api.pages.fund_status import chain_status, funds_and_current
from api.pages.rendering import PAGE_SIZE, render, with_query
from api.pages.sessions import PageUser, Posted
from carefund import books, clock, periods
from carefund.errors import CarefundError, NotFound
from carefund.funds import fund_began
from carefund.ledger.accounts import account_name_zh
from carefund.reports import charts, documents, statements

router = page_router()

MESSAGES = {
    "closed": "已结账。",
    "closed_unreconciled": "已结账。注意：该月的银行对账（银行存款余额调节表）尚未确认。",
    "reopened": "已反结账。",
}


def period_choices(today: date, since: date) -> list[tuple[str, str]]:
    """Months, quarters and years from the fund's first (`since`) up to now, newest first,
    as (label, 中文): none the fund did not exist in."""
    choices: list[tuple[str, str]] = []
    for year in range(today.year, min(since.year, today.year) - 1, -1):
        last_month = today.month if year == today.year else 12
        first_month = since.month if year == since.year else 1
        for month in range(last_month, first_month - 1, -1):
            choices.append(_choice(f"{year}-{month:02d}"))
        for quarter in range((last_month + 2) // 3, (first_month + 2) // 3 - 1, -1):
            choices.append(_choice(f"{year}-Q{quarter}"))
        choices.append(_choice(str(year)))
    return choices


def _choice(label: str) -> tuple[str, str]:
    return label, statements.parse_period(label).label_zh


@router.get("/books/journal")
def journal_browser(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    errors: dict[str, str] = {}
    today = clock.today()
    start_text = query.get("from", today.replace(day=1).isoformat())
    end_text = query.get("to", "")
    start, end = date_filter(start_text, end_text, errors)
    after = query.get("after")

    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        entries = (
            books.read_journal(
                session,
                fund_code=fund.code,
                actor=user,
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
    today = clock.today()
    period = request.query_params.get("period") or f"{today:%Y-%m}"
    errors: dict[str, str] = {}
    statement = period_charts = None
    since = today

    def read(session: Session) -> Any:
        nonlocal statement, errors, period_charts, since
        every, fund = documents.report_choices(
            session, actor=user, fund_code=request.query_params.get("fund")
        )
        if fund is not None:
            since = fund_began(session, fund)
            try:
                statement = documents.statement_figures(
                    session, fund_code=fund.code, period=period, actor=user
                )
                period_charts = charts.statement_charts(
                    session, fund_code=fund.code, period=period, actor=user
                )
            except CarefundError as exc:
                errors = form_errors(exc, {"period"})
        return every, fund

    every, fund = get_database(request).read(read)
    choices = period_choices(today, since)
    if statement is not None and period not in {label for label, _ in choices}:
        # Asked for by its address, before the fund's books began: shown, so offered too.
        choices.insert(0, _choice(period))
    return render(
        request,
        "books/reports.html",
        title="报表",
        funds=every,
        fund=fund,
        statement=statement,
        charts=period_charts,
        period=period,
        errors=errors,
        choices=choices,
        income_rows=documents.income_rows(statement) if statement else [],
        matrix_rows=documents.matrix_rows(statement) if statement else [],
        aspects=documents.aspect_headings(),
    )


@router.get("/books/statement.{fmt}")
def statement_download(fmt: str, request: Request, user: PageUser) -> Response:
    if fmt not in receipts.STATEMENT_FORMATS:
        raise NotFound("没有这种报表格式（可选 PDF、XLSX、CSV）")
    query = request.query_params
    return downloads.statement(
        get_database(request),
        code=query.get("fund", ""),
        period=query.get("period", ""),
        suffix=fmt,
        user=user,
    )


@router.get("/books/disclosure.pdf")
def disclosure_download(request: Request, user: PageUser) -> Response:
    query = request.query_params
    return downloads.disclosure(
        get_database(request),
        code=query.get("fund", ""),
        period=query.get("period", ""),
        user=user,
    )


def _periods_page(
    request: Request,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    verified: object = None,
    status: int = 200,
) -> HTMLResponse:
    user = request.state.user

    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        rows = periods.read_periods(session, fund_code=fund.code, actor=user) if fund else []
        chain = chain_status(request, session, fund) if fund else None
        return every, fund, rows, chain

    every, fund, rows, chain = get_database(request).read(read)
    rows.sort(key=lambda period: (period["period"], period["id"]))
    defaults = {"month": _month_to_close(fund.closed_through if fund else None), "reopen_month": ""}
    standing = [period for period in rows if period["reopened_at"] is None]
    if standing:
        defaults["reopen_month"] = standing[-1]["period"]
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
    last_month = clock.today().replace(day=1) - timedelta(days=1)
    return f"{last_month:%Y-%m}"


@router.get("/books/periods")
def periods_page(request: Request, user: PageUser) -> HTMLResponse:
    return _periods_page(request)


@router.post("/books/verify")
def verify(request: Request, user: PageUser, _form: Posted) -> HTMLResponse:
    """Recompute the chain now (not from the cache)."""

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
    return post_form(
        request,
        lambda session: periods.close_period(session, fund_code=code, month=month, actor=user),
        # Whatever is wrong with a close is said beside the one field it has.
        fields={"month"},
        again=lambda errors, status: _periods_page(
            request, values={"month": month}, status=status, errors={"month": _one(errors)}
        ),
        then=lambda period: with_query(
            "/books/periods",
            fund=code,
            done="closed_unreconciled" if period["warnings"] else "closed",
        ),
    )


def _one(errors: dict[str, str]) -> str:
    """The message of a form with a single field."""
    return next(iter(errors.values()))


@router.post("/books/periods/reopen")
def reopen(request: Request, user: PageUser, form: Posted) -> Response:
    code = request.query_params.get("fund", "")
    values = {"reopen_month": form.get("reopen_month"), "reason": form.get("reason")}

    def again(errors: dict[str, str], status: int) -> Response:
        if "_form" in errors:
            errors = {"reopen_month": errors["_form"]}
        return _periods_page(request, values=values, status=status, errors=errors)

    return post_form(
        request,
        lambda session: periods.reopen_period(
            session,
            fund_code=code,
            month=values["reopen_month"],
            reason=values["reason"],
            actor=user,
        ),
        fields={"reason", "reopen_month"},
        aliases={"period": "reopen_month"},
        again=again,
        then=lambda _period: with_query("/books/periods", fund=code, done="reopened"),
    )
