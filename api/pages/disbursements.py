"""Disbursements: submit one (find the recipient by name or number first), the approver's
queue (approve, or reject with a reason), the cashier's queue (pay with a date and method),
the voucher PDF, cancel and reverse with a reason."""

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

import receipts
from api.deps import get_database
from api.downloads import pdf
from api.pages.web import (
    PAGE_SIZE,
    PageUser,
    Posted,
    amount_text,
    checked_amount,
    chosen,
    error_status,
    field_errors,
    form_errors,
    funds_and_current,
    page_router,
    record_id,
    redirect,
    render,
    with_query,
)
from carefund import disbursements, funds, recipients
from carefund.access.users import Action, require
from carefund.errors import CarefundError, NotFound
from carefund.models import Disbursement, User
from carefund.reports import slips
from carefund.validation import clean_text
from carefund.vocabulary import Aspect, DisbursementStatus

router = page_router()

PURPOSES = (
    "春节慰问",
    "七一慰问",
    "生日慰问",
    "住院慰问",
    "大病医疗救助",
    "临时生活救助",
    "因灾临时救助",
    "助学帮扶",
    "特困党员救助卡",
    "优秀党员表彰",
    "岗位建功奖励",
)
"""Purposes offered in the form (any other may be typed)."""
PAY_METHODS = ("转账", "现金", "救助卡", "银行代发")
QUEUE_SIZE = 200
"""Rows per page of a queue."""
RECIPIENT_MATCHES_MAX = 20
"""Recipients listed when searching for whom to pay."""
SUBMIT_FIELDS = {"fund", "recipient_id", "amount", "aspect", "purpose", "memo"}
STEP_FIELDS = {"reason", "on", "paid_on", "method"}
MESSAGES = {
    "submitted": "支出已提交，等待审批。",
    "approved": "已审批通过，等待出纳发放。",
    "rejected": "已驳回。",
    "cancelled": "已撤回。",
    "paid": "已发放并记账。",
    "reversed": "已冲销。",
}


def _names(session: object, rows: list[Disbursement]) -> dict[int, object]:
    return recipients.recipients_by_id(session, [d.recipient_id for d in rows])  # type: ignore


@router.get("/disbursements")
def disbursement_list(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    status = query.get("status") or None
    errors: dict[str, str] = {}
    if status is not None and status not in DisbursementStatus.__members__:
        errors["status"], status = "未知的状态", None
    before = query.get("before")

    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        rows = (
            disbursements.list_disbursements(
                session,
                fund=fund,
                status=status,
                newest_first=True,
                before_id=record_id(before) if before else None,
                limit=PAGE_SIZE + 1,
            )
            if fund
            else []
        )
        names = _names(session, rows)
        return every, fund, rows, names

    every, fund, rows, names = get_database(request).read(read)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    older = (
        with_query(
            "/disbursements", fund=fund.code if fund else None, status=status, before=rows[-1].id
        )
        if more
        else None
    )
    return render(
        request,
        "disbursements/list.html",
        title="支出",
        funds=every,
        fund=fund,
        rows=rows,
        names=names,
        errors=errors,
        older=older,
        values={"status": status or ""},
    )


def _queue(request: Request, status: str, template: str, title: str) -> HTMLResponse:
    after = request.query_params.get("after")

    def read(session: Session) -> Any:
        rows = disbursements.list_disbursements(
            session,
            status=status,
            after_id=record_id(after) if after else 0,
            limit=QUEUE_SIZE + 1,
        )
        names = _names(session, rows)
        every = funds.list_funds(session)
        available = {fund.id: funds.available_fen(session, fund) for fund in every}
        return rows, names, every, available

    rows, names, every, available = get_database(request).read(read)
    more = len(rows) > QUEUE_SIZE
    rows = rows[:QUEUE_SIZE]
    return render(
        request,
        template,
        title=title,
        rows=rows,
        names=names,
        codes={fund.id: fund.code for fund in every},
        available=available,
        following=with_query(request.url.path, after=rows[-1].id) if more else None,
        methods=PAY_METHODS,
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


@router.get("/disbursements/approvals")
def approvals(request: Request, user: PageUser) -> HTMLResponse:
    require(user, Action.approve_disbursement)
    return _queue(request, "submitted", "disbursements/approvals.html", "待审批")


@router.get("/disbursements/payments")
def payments(request: Request, user: PageUser) -> HTMLResponse:
    require(user, Action.pay_disbursement)
    return _queue(request, "approved", "disbursements/payments.html", "待发放")


def _new_page(request: Request, *, values: dict, errors: dict, status: int = 200) -> HTMLResponse:
    q = request.query_params.get("q", "").strip()
    matches: list = []

    def read(session: Session) -> Any:
        nonlocal errors, matches
        every, fund = funds_and_current(session, request)
        picked = None
        if values.get("recipient_id"):
            try:
                picked = recipients.get_recipient(session, record_id(str(values["recipient_id"])))
            except CarefundError:
                errors = errors | {"recipient_id": "请重新选择关爱对象"}
        if q:
            try:
                matches = recipients.list_recipients(
                    session, q=q, active=True, limit=RECIPIENT_MATCHES_MAX
                )
            except CarefundError as exc:
                errors = errors | {"q": exc.message}
        return every, fund, picked

    every, fund, picked = get_database(request).read(read)
    values.setdefault("fund", fund.code if fund else "")
    return render(
        request,
        "disbursements/new.html",
        status=status,
        title="提交支出",
        funds=every,
        values=values,
        errors=errors,
        picked=picked,
        q=q,
        matches=matches,
        purposes=PURPOSES,
        matches_max=RECIPIENT_MATCHES_MAX,
    )


@router.get("/disbursements/new")
def new_form(request: Request, user: PageUser) -> HTMLResponse:
    require(user, Action.submit_disbursement)
    values = {"recipient_id": request.query_params.get("recipient_id", "")}
    if request.query_params.get("fund"):
        values["fund"] = request.query_params["fund"]
    return _new_page(request, values=values, errors={})


@router.post("/disbursements/new")
def submit(request: Request, user: PageUser, form: Posted) -> Response:
    require(user, Action.submit_disbursement)
    values = {name: form.get(name) for name in SUBMIT_FIELDS}
    errors = field_errors(
        {
            "amount": lambda: checked_amount(values["amount"]),
            "aspect": lambda: chosen(Aspect, values["aspect"], field="aspect"),
            "purpose": lambda: clean_text(values["purpose"], field="purpose", length_max=200),
            "memo": lambda: clean_text(values["memo"], field="memo"),
        }
    )
    if errors:
        return _new_page(request, values=values, errors=errors, status=422)
    try:
        recipient_id = record_id(values["recipient_id"]) if values["recipient_id"] else None
        made = get_database(request).write(
            lambda session: disbursements.submit_disbursement(
                session,
                fund_code=values["fund"],
                recipient_id=recipient_id,
                amount=amount_text(values["amount"]),
                aspect=values["aspect"],
                purpose=values["purpose"],
                memo=values["memo"],
                actor=user,
            )
        )
    except CarefundError as exc:
        errors = form_errors(exc, SUBMIT_FIELDS)
        if isinstance(exc, NotFound) and exc.field == "fund":
            errors = {"fund": "请选择基金"}
        if isinstance(exc, NotFound) and exc.field in ("id", "recipient_id"):
            errors = {"recipient_id": "请先查找并选择关爱对象"}
        return _new_page(request, values=values, errors=errors, status=error_status(exc))
    return redirect(f"/disbursements/{made.id}?done=submitted")


def _detail_page(
    request: Request,
    user: User,
    number: int,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    def read(session: Session) -> Any:
        disbursement = disbursements.get_disbursement(session, number)
        view = disbursements.disbursement_view(session, disbursement)
        recipient = recipients.get_recipient(session, disbursement.recipient_id)
        fund = funds.get_fund(session, view["fund"])
        available = funds.available_fen(session, fund)
        return disbursement, view, recipient, fund, available

    disbursement, view, recipient, fund, available = get_database(request).read(read)
    today = date.today().isoformat()
    return render(
        request,
        "disbursements/detail.html",
        status=status,
        title=f"支出 #{number}",
        d=disbursement,
        view=view,
        recipient=recipient,
        fund=fund,
        available=available,
        errors=errors or {},
        values=values or {"paid_on": today, "on": today, "method": "转账"},
        methods=PAY_METHODS,
        own=disbursement.submitted_by == user.username,
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


@router.get("/disbursements/{disbursement_id}")
def detail(disbursement_id: str, request: Request, user: PageUser) -> HTMLResponse:
    return _detail_page(request, user, record_id(disbursement_id))


@router.get("/disbursements/{disbursement_id}/voucher.pdf")
def voucher(disbursement_id: str, request: Request, user: PageUser) -> Response:
    view = get_database(request).read(
        lambda session: slips.voucher_view(
            session, disbursement_id=record_id(disbursement_id), actor=user
        )
    )
    filename = f"voucher-{view.fund.code}-{view.disbursement_id}.pdf"
    return pdf(receipts.render_voucher(view), filename)


def _step(request: Request, user: User, form: Posted, disbursement_id: str, step: str) -> Response:
    """One workflow step; back to the queue it came from, or to the disbursement."""
    number = record_id(disbursement_id)
    values = {name: form.get(name) for name in STEP_FIELDS}
    try:

        def write(session: Session) -> Any:
            if step == "approve":
                disbursements.approve_disbursement(session, disbursement_id=number, actor=user)
            elif step == "reject":
                disbursements.reject_disbursement(
                    session, disbursement_id=number, reason=values["reason"], actor=user
                )
            elif step == "cancel":
                disbursements.cancel_disbursement(session, disbursement_id=number, actor=user)
            elif step == "pay":
                disbursements.pay_disbursement(
                    session,
                    disbursement_id=number,
                    paid_on=values["paid_on"],
                    method=values["method"],
                    actor=user,
                )
            elif step == "reverse":
                disbursements.reverse_disbursement(
                    session,
                    disbursement_id=number,
                    reason=values["reason"],
                    on=values["on"] or None,
                    actor=user,
                )

        get_database(request).write(write)
    except CarefundError as exc:
        aliases = {"date": "paid_on" if step == "pay" else "on"}
        errors = form_errors(exc, STEP_FIELDS, aliases)
        errors["_step"] = step
        return _detail_page(
            request,
            user,
            number,
            errors=errors,
            status=error_status(exc),
            values=values | {"method": values["method"] or "转账"},
        )
    done = {
        "approve": "approved",
        "reject": "rejected",
        "cancel": "cancelled",
        "pay": "paid",
        "reverse": "reversed",
    }[step]
    back = form.get("back")
    if back in ("/disbursements/approvals", "/disbursements/payments"):
        return redirect(f"{back}?done={done}")
    return redirect(f"/disbursements/{number}?done={done}")


@router.post("/disbursements/{disbursement_id}/approve")
def approve(disbursement_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    return _step(request, user, form, disbursement_id, "approve")


@router.post("/disbursements/{disbursement_id}/reject")
def reject(disbursement_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    return _step(request, user, form, disbursement_id, "reject")


@router.post("/disbursements/{disbursement_id}/cancel")
def cancel(disbursement_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    return _step(request, user, form, disbursement_id, "cancel")


@router.post("/disbursements/{disbursement_id}/pay")
def pay(disbursement_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    return _step(request, user, form, disbursement_id, "pay")


@router.post("/disbursements/{disbursement_id}/reverse")
def reverse(disbursement_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    return _step(request, user, form, disbursement_id, "reverse")
