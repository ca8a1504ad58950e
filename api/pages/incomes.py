"""Incomes: the list with filters, the form to record one (landing on it with its receipt),
the receipt PDF, and reversal with a reason."""

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

import receipts
from api.deps import get_database
from api.pages.errors import error_status, page_router
from api.pages.forms import (
    amount_text,
    checked_amount,
    chosen,
    field_errors,
    form_errors,
    parse_optional_date,
    record_id,
)
from api.pages.fund_status import funds_and_current
from api.pages.rendering import PAGE_SIZE, redirect, render, with_query
from api.pages.sessions import PageUser, Posted
from carefund import funds, incomes
from carefund.access.users import Action, require
from carefund.errors import CarefundError, InvalidInput, NotFound
from carefund.reports import slips
from carefund.validation import clean_text, parse_date
from carefund.vocabulary import IncomeSource

router = page_router()

METHODS = ("转账", "现金", "银行汇款", "支票", "微信", "支付宝")
"""Payment methods offered in the form (any other may be typed)."""
INCOME_FIELDS = {"fund", "source", "payer", "amount", "received_on", "method", "memo"}
REVERSE_FIELDS = {"reason", "on"}
MESSAGES = {
    "recorded": "收入已记录，收据已编号。",
    "reversed": "收入已冲销，收据已作废。",
}


@router.get("/incomes")
def income_list(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    errors: dict[str, str] = {}
    source = query.get("source") or None
    if source is not None and source not in IncomeSource.__members__:
        errors["source"] = "未知的收入来源"
        source = None
    try:
        start = parse_optional_date(query.get("from"), field="from")
        end = parse_optional_date(query.get("to"), field="to")
    except InvalidInput as exc:
        errors[exc.field or "from"] = exc.message
        start = end = None
    before = query.get("before")
    before_id = record_id(before) if before else None

    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        rows = []
        if fund is not None:
            rows = incomes.list_incomes(
                session,
                fund=fund,
                source=source,
                start=start,
                end=end,
                newest_first=True,
                before_id=before_id,
                limit=PAGE_SIZE + 1,
            )
        return every, fund, rows

    every, fund, rows = get_database(request).read(read)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    older = (
        with_query(
            "/incomes",
            fund=fund.code if fund else None,
            source=source,
            **{"from": query.get("from"), "to": query.get("to")},
            before=rows[-1].id,
        )
        if more
        else None
    )
    return render(
        request,
        "incomes/list.html",
        title="收入",
        funds=every,
        fund=fund,
        rows=rows,
        errors=errors,
        older=older,
        total_fen=sum(r.amount_fen for r in rows if r.status == "posted"),
    )


def _form_page(request: Request, *, values: dict, errors: dict, status: int = 200) -> HTMLResponse:
    every = get_database(request).read(lambda session: funds.list_funds(session))
    return render(
        request,
        "incomes/new.html",
        status=status,
        title="记录收入",
        funds=every,
        values=values,
        errors=errors,
        methods=METHODS,
    )


@router.get("/incomes/new")
def income_form(request: Request, user: PageUser) -> HTMLResponse:
    require(user, Action.record_income)
    values = {
        "fund": request.query_params.get("fund", ""),
        "received_on": date.today().isoformat(),
        "method": "转账",
    }
    return _form_page(request, values=values, errors={})


@router.post("/incomes/new")
def record_income(request: Request, user: PageUser, form: Posted) -> Response:
    require(user, Action.record_income)
    values = {name: form.get(name) for name in INCOME_FIELDS}
    errors = field_errors(
        {
            "source": lambda: chosen(IncomeSource, values["source"], field="source"),
            "payer": lambda: clean_text(
                values["payer"], field="payer", length_max=200, required=True
            ),
            "amount": lambda: checked_amount(values["amount"]),
            "received_on": lambda: parse_date(values["received_on"], field="received_on"),
            "method": lambda: clean_text(values["method"], field="method", length_max=32),
            "memo": lambda: clean_text(values["memo"], field="memo"),
        }
    )
    if errors:
        return _form_page(request, values=values, errors=errors, status=422)
    try:
        income = get_database(request).write(
            lambda session: incomes.record_income(
                session,
                fund_code=values["fund"],
                source=values["source"],
                payer=values["payer"],
                amount=amount_text(values["amount"]),
                received_on=values["received_on"],
                method=values["method"],
                memo=values["memo"],
                actor=user,
            )
        )
    except CarefundError as exc:
        errors = form_errors(exc, INCOME_FIELDS, {"date": "received_on"})
        if isinstance(exc, NotFound) and exc.field == "fund":
            errors = {"fund": "请选择基金"}
        return _form_page(request, values=values, errors=errors, status=error_status(exc))
    return redirect(f"/incomes/{income.id}?done=recorded")


def _detail_page(
    request: Request,
    income_id: int,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    def read(session: Session) -> Any:
        income = incomes.get_income(session, income_id)
        view = incomes.income_view(session, income)
        fund = funds.get_fund(session, view["fund"])
        return income, view, fund

    income, view, fund = get_database(request).read(read)
    done = MESSAGES.get(request.query_params.get("done", ""))
    return render(
        request,
        "incomes/detail.html",
        status=status,
        title=f"收据 {income.receipt_no}",
        income=income,
        view=view,
        fund=fund,
        done=done,
        errors=errors or {},
        values=values or {"on": date.today().isoformat()},
    )


@router.get("/incomes/{income_id}")
def income_detail(income_id: str, request: Request, user: PageUser) -> HTMLResponse:
    return _detail_page(request, record_id(income_id))


@router.get("/incomes/{income_id}/receipt.pdf")
def income_receipt(income_id: str, request: Request, user: PageUser) -> Response:
    view = get_database(request).read(
        lambda session: slips.receipt_view(session, income_id=record_id(income_id), actor=user)
    )
    return pdf(receipts.render_receipt(view), f"receipt-{view.receipt_no}.pdf")


def pdf(content: bytes, filename: str, *, inline: bool = True) -> Response:
    """A document for the browser to show (or save), kept out of shared caches."""
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=receipts.PDF,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/incomes/{income_id}/reverse")
def reverse_income(income_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    number = record_id(income_id)
    values = {name: form.get(name) for name in REVERSE_FIELDS}
    try:
        get_database(request).write(
            lambda session: incomes.reverse_income(
                session,
                income_id=number,
                reason=values["reason"],
                on=values["on"] or None,
                actor=user,
            )
        )
    except CarefundError as exc:
        return _detail_page(
            request,
            number,
            values=values,
            status=error_status(exc),
            errors=form_errors(exc, REVERSE_FIELDS, {"date": "on"}),
        )
    return redirect(f"/incomes/{number}?done=reversed")
