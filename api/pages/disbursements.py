"""Disbursements: submit one (find the recipient by name or number first), the approver's
queue (approve, or reject with a reason), the cashier's queue (pay with a date and method),
the voucher PDF, cancel and reverse with a reason."""

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

import receipts
from api.deps import get_database
from api.downloads import pdf
from api.pages.approval_forms import (
    APPROVE_ALIASES,
    APPROVE_FIELDS,
    approval_fields,
    approval_forms,
)
from api.pages.errors import page_router
from api.pages.form_posts import post_form
from api.pages.forms import amount_text, record_id
from api.pages.fund_status import funds_and_current
from api.pages.rendering import PAGE_SIZE, render, with_query
from api.pages.sessions import PageUser, Posted
from carefund import clock, disbursements, funds, recipients
from carefund.errors import NotFound
from carefund.models import User
from carefund.reports import slips
from carefund.vocabulary import DisbursementStatus

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
SUBMIT_FIELDS = {"fund", "recipient_id", "amount", "aspect", "purpose", "memo"}
STEP_FIELDS = {"reason", "on", "paid_on", "method"}
DONE = {
    "approve": "approved",
    "reject": "rejected",
    "cancel": "cancelled",
    "pay": "paid",
    "reverse": "reversed",
}
"""Each step's status once taken."""
MESSAGES = {
    "submitted": "支出已提交，等待审批。",
    "approved": "已审批通过，等待出纳发放。",
    "first_approved": "已记录您的审批；超过两人审批限额，还须另一位审批人审批。",
    "rejected": "已驳回。",
    "cancelled": "已撤回。",
    "paid": "已发放并记账。",
    "reversed": "已冲销。",
}


def _names(session: Session, user: User, rows: list[dict[str, Any]]) -> dict[int, Any]:
    """The recipients these disbursements pay, by id."""
    ids = [d["recipient_id"] for d in rows]
    return recipients.recipients_public_by_id(session, recipient_ids=ids, actor=user)


def _picked_id(text: object) -> int | None:
    """The recipient a form names: None when none, 0 (nobody) when the text names no id."""
    if not text:
        return None
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) <= 10 else 0


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
                actor=user,
                fund_code=fund.code,
                status=status,
                newest_first=True,
                before_id=record_id(before) if before else None,
                limit=PAGE_SIZE + 1,
            )
            if fund
            else []
        )
        return every, fund, rows, _names(session, user, rows)

    every, fund, rows, names = get_database(request).read(read)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    older = (
        with_query(
            "/disbursements", fund=fund.code if fund else None, status=status, before=rows[-1]["id"]
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


def _queue(
    request: Request,
    user: User,
    step: str,
    title: str,
    *,
    failed: tuple[int, dict, dict] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """A queue; `failed` = (disbursement id, errors, values) of a step refused from it,
    shown beside that row with nothing changed."""
    after = request.query_params.get("after")

    def read(session: Session) -> Any:
        rows = disbursements.queue(
            session,
            step=step,
            actor=user,
            after_id=record_id(after) if after else 0,
            limit=QUEUE_SIZE + 1,
        )
        forms = approval_forms(session, user, rows) if step == "approve" else {}
        return rows, _names(session, user, rows), forms

    rows, names, forms = get_database(request).read(read)
    more = len(rows) > QUEUE_SIZE
    rows = rows[:QUEUE_SIZE]
    return render(
        request,
        f"disbursements/{QUEUE_TEMPLATES[step]}",
        status=status,
        title=title,
        rows=rows,
        names=names,
        forms=forms,
        failed_id=failed[0] if failed else None,
        errors=failed[1] if failed else {},
        values=failed[2] if failed else {},
        max_day=clock.today().isoformat(),
        following=with_query(request.url.path, after=rows[-1]["id"]) if more else None,
        methods=PAY_METHODS,
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


QUEUE_TEMPLATES = {"approve": "approvals.html", "pay": "payments.html"}


@router.get("/disbursements/approvals")
def approvals(request: Request, user: PageUser) -> HTMLResponse:
    return _queue(request, user, "approve", "待审批")


@router.get("/disbursements/payments")
def payments(request: Request, user: PageUser) -> HTMLResponse:
    return _queue(request, user, "pay", "待发放")


def _new_page(
    request: Request, user: User, *, values: dict, errors: dict, status: int = 200
) -> HTMLResponse:
    q = request.query_params.get("q", "").strip()

    def read(session: Session) -> Any:
        every, fund = funds_and_current(session, request)
        picked = _picked_id(values.get("recipient_id"))
        form = disbursements.submit_form(session, actor=user, recipient_id=picked, q=q)
        return every, fund, form

    every, fund, form = get_database(request).read(read)
    values.setdefault("fund", fund.code if fund else "")
    return render(
        request,
        "disbursements/new.html",
        status=status,
        title="提交支出",
        funds=every,
        values=values,
        errors=errors | form.errors,
        picked=form.picked,
        q=q,
        matches=form.matches,
        purposes=PURPOSES,
        matches_max=disbursements.RECIPIENT_MATCHES_MAX,
    )


@router.get("/disbursements/new")
def new_form(request: Request, user: PageUser) -> HTMLResponse:
    values = {"recipient_id": request.query_params.get("recipient_id", "")}
    if request.query_params.get("fund"):
        values["fund"] = request.query_params["fund"]
    return _new_page(request, user, values=values, errors={})


@router.post("/disbursements/new")
def submit(request: Request, user: PageUser, form: Posted) -> Response:
    values = {name: form.get(name) for name in SUBMIT_FIELDS}
    return post_form(
        request,
        lambda session: disbursements.submit_disbursement(
            session,
            fund_code=values["fund"],
            recipient_id=_picked_id(values["recipient_id"]),
            amount=amount_text(values["amount"]),
            aspect=values["aspect"],
            purpose=values["purpose"],
            memo=values["memo"],
            actor=user,
        ),
        fields=SUBMIT_FIELDS,
        again=lambda errors, status: _new_page(
            request, user, values=values, errors=errors, status=status
        ),
        then=lambda made: f"/disbursements/{made.id}?done=submitted",
    )


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
        shown = disbursements.get_disbursement(session, disbursement_id=number, actor=user)
        recipient = recipients.get_recipient(
            session, recipient_id=shown["recipient_id"], actor=user
        )
        fund = funds.get_fund(session, shown["fund"], actor=user)
        forms = approval_forms(session, user, [shown])
        return shown, recipient, fund, funds.available_fen(session, fund), forms.get(number)

    shown, recipient, fund, available, approval = get_database(request).read(read)
    today = clock.today().isoformat()
    return render(
        request,
        "disbursements/detail.html",
        status=status,
        title=f"支出 #{number}",
        d=shown,
        recipient=recipient,
        fund=fund,
        available=available,
        approval=approval,
        errors=errors or {},
        values=values or {"paid_on": today, "on": today, "method": "转账"},
        methods=PAY_METHODS,
        own=shown["submitted_by"] == user.username,
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


@router.post("/disbursements/{disbursement_id}/{step}")
def take_step(
    disbursement_id: str, step: str, request: Request, user: PageUser, form: Posted
) -> Response:
    """One workflow step; back to the queue it came from, or to the disbursement."""
    number = record_id(disbursement_id)
    if step not in disbursements.STEPS:
        raise NotFound(f"没有这一步：{step[:20]}")
    values = {name: form.get(name) for name in STEP_FIELDS | APPROVE_FIELDS}
    back = form.get("back")
    if back not in ("/disbursements/approvals", "/disbursements/payments"):
        back = f"/disbursements/{number}"

    def again(errors: dict[str, str], status: int) -> Response:
        if back == "/disbursements/approvals" and step == "approve":
            failed = (number, errors, values)
            return _queue(request, user, "approve", "待审批", failed=failed, status=status)
        return _detail_page(
            request,
            user,
            number,
            errors=errors | {"_step": step},
            status=status,
            values=values | {"method": values["method"] or "转账"},
        )

    return post_form(
        request,
        partial(
            disbursements.take_step,
            step=step,
            disbursement_id=number,
            fields=values | approval_fields(values),
            actor=user,
        ),
        fields=STEP_FIELDS | APPROVE_FIELDS,
        aliases={"date": "paid_on" if step == "pay" else "on"} | APPROVE_ALIASES,
        again=again,
        then=lambda shown: f"{back}?done={_done(step, shown)}",
    )


def _done(step: str, shown: dict[str, Any]) -> str:
    """The step's message: above the threshold a first approval leaves it submitted."""
    if step == "approve" and shown["status"] == DisbursementStatus.submitted.value:
        return "first_approved"
    return DONE[step]
