"""Incomes: the list with filters, the form to record one (landing on it with its receipt),
the receipt PDF, the review (复核) of a large income by someone other than its recorder, and
reversal with a reason."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api import downloads
from api.deps import get_database
from api.pages.errors import page_router
from api.pages.form_posts import post_form
from api.pages.forms import amount_text, date_filter, record_id
from api.pages.fund_status import funds_and_current
from api.pages.rendering import PAGE_SIZE, render, with_query
from api.pages.sessions import PageUser, Posted
from carefund import clock, funds, incomes
from carefund.controls import reviews
from carefund.models import User
from carefund.money import parse_amount
from carefund.vocabulary import IncomeSource, IncomeStatus

router = page_router()

METHODS = ("转账", "现金", "银行汇款", "支票", "微信", "支付宝")
"""Payment methods offered in the form (any other may be typed)."""
INCOME_FIELDS = {"fund", *incomes.INCOME_CHECKS}
REVERSE_FIELDS = set(incomes.REVERSE_CHECKS)
MESSAGES = {
    "recorded": "收入已记录，收据已编号。",
    "reversed": "收入已冲销，收据已作废。",
    "reviewed": "已复核，收据的复核人栏已印上您的名字。",
}


@router.get("/incomes")
def income_list(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    errors: dict[str, str] = {}
    source = query.get("source") or None
    if source is not None and source not in IncomeSource.__members__:
        errors["source"] = "未知的收入来源"
        source = None
    start, end = date_filter(query.get("from"), query.get("to"), errors)
    before = query.get("before")
    before_id = record_id(before) if before else None

    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        rows = []
        if fund is not None:
            rows = incomes.list_incomes(
                session,
                fund_code=fund.code,
                actor=user,
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
            before=rows[-1]["id"],
        )
        if more
        else None
    )
    posted = [row["amount"] for row in rows if row["status"] == IncomeStatus.posted]
    return render(
        request,
        "incomes/list.html",
        title="收入",
        funds=every,
        fund=fund,
        rows=rows,
        errors=errors,
        older=older,
        total_fen=sum(parse_amount(amount) for amount in posted),
    )


def _form_page(
    request: Request, user: User, *, values: dict, errors: dict, status: int = 200
) -> HTMLResponse:
    every = get_database(request).read(lambda session: incomes.income_form(session, actor=user))
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
    values = {
        "fund": request.query_params.get("fund", ""),
        "received_on": clock.today().isoformat(),
        "method": "转账",
    }
    return _form_page(request, user, values=values, errors={})


@router.post("/incomes/new")
def record_income(request: Request, user: PageUser, form: Posted) -> Response:
    values = {name: form.get(name) for name in INCOME_FIELDS}
    return post_form(
        request,
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
        ),
        fields=INCOME_FIELDS,
        aliases={"date": "received_on"},
        again=lambda errors, status: _form_page(
            request, user, values=values, errors=errors, status=status
        ),
        then=lambda income: f"/incomes/{income['id']}?done=recorded",
    )


def _detail_page(
    request: Request,
    user: User,
    income_id: int,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    def read(session: Session) -> Any:
        income = incomes.read_income(session, income_id=income_id, actor=user)
        return income, funds.read_fund(session, code=income["fund"], actor=user)

    income, fund = get_database(request).read(read)
    return render(
        request,
        "incomes/detail.html",
        status=status,
        title=f"收据 {income['receipt_no']}",
        income=income,
        fund=fund,
        done=MESSAGES.get(request.query_params.get("done", "")),
        errors=errors or {},
        values=values or {"on": clock.today().isoformat()},
    )


@router.get("/incomes/{income_id}")
def income_detail(income_id: str, request: Request, user: PageUser) -> HTMLResponse:
    return _detail_page(request, user, record_id(income_id))


@router.get("/incomes/{income_id}/receipt.pdf")
def income_receipt(income_id: str, request: Request, user: PageUser) -> Response:
    return downloads.receipt(get_database(request), income_id=record_id(income_id), user=user)


@router.post("/incomes/{income_id}/reverse")
def reverse_income(income_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    number = record_id(income_id)
    values = {name: form.get(name) for name in REVERSE_FIELDS}
    return post_form(
        request,
        lambda session: incomes.reverse_income(
            session, income_id=number, reason=values["reason"], on=values["on"] or None, actor=user
        ),
        fields=REVERSE_FIELDS,
        aliases={"date": "on"},
        again=lambda errors, status: _detail_page(
            request, user, number, values=values, status=status, errors=errors
        ),
        then=lambda _income: f"/incomes/{number}?done=reversed",
    )


@router.post("/incomes/{income_id}/review")
def review_income(income_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    """复核: the domain refuses the recorder, a reversed or an already reviewed income."""
    number = record_id(income_id)
    return post_form(
        request,
        lambda session: reviews.review_income(session, income_id=number, actor=user),
        fields=(),
        again=lambda errors, status: _detail_page(
            request, user, number, status=status, errors={"_review": errors.get("_form", "")}
        ),
        then=lambda _income: f"/incomes/{number}?done=reviewed",
    )
