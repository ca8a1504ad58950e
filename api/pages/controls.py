"""The money controls page (资金管控): a fund's controls, the money of each source, and the
year's budget against actual. Everybody reads it (an approver sees the figures before
approving); an administrator changes them here with a reason — a cell's budget, the fund's
thresholds, an override for a submitted disbursement that a control refuses — through the
same use cases as the API (`/funds/{code}/controls`, `/budgets`, `/disbursements/{id}/overrides`).

The three forms share the page, so each names its fields apart (`budget_reason`, …) and a
refused post shows its messages on its own form only (`errors["_which"]`)."""

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import page_router
from api.pages.form_posts import post_form
from api.pages.forms import amount_text
from api.pages.fund_status import funds_and_current
from api.pages.rendering import render, with_query
from api.pages.sessions import PageUser, Posted
from carefund import clock, disbursements, funds
from carefund.access.users import Action, may
from carefund.controls import budgets, changing, overrides
from carefund.controls.checks import CONTROL_NAMES_ZH
from carefund.models import User
from carefund.vocabulary import ASPECT_NAMES_ZH

router = page_router()

OVERRIDABLE_LISTED_MAX = 200
"""Submitted disbursements offered in the override form."""
FORMS: dict[str, dict[str, str]] = {
    "budget": {
        "year": "year",
        "category": "category",
        "aspect": "aspect",
        "amount": "budget_amount",
        "reason": "budget_reason",
    },
    "thresholds": {
        "approval_threshold": "approval_threshold",
        "review_threshold": "review_threshold",
        "reason": "threshold_reason",
    },
    "override": {
        "disbursement_id": "disbursement_id",
        "control": "control",
        "reason": "override_reason",
    },
}
"""Each form's fields: {the domain's name: the form's name}."""
MESSAGES = {
    "budget": "预算已保存，调整记入历史。",
    "thresholds": "限额已保存。",
    "override": "已记录越权审批，审批时不再受该项限制；已提请审计人员关注。",
}


def _read_page(session: Session, request: Request, user: User) -> dict[str, Any]:
    every, fund = funds_and_current(session, request)
    if fund is None:
        return {"funds": every, "fund": None}
    code = fund.code
    shown = {
        "funds": every,
        "fund": fund,
        "controls": changing.read_controls(session, fund_code=code, actor=user),
        "sources": funds.balances(session, code=code, actor=user)["sources"],
        "budget": budgets.read_budgets(
            session, fund_code=code, year=clock.today().year, actor=user
        ),
        "waiting": [],
    }
    if may(user, Action.manage_funds):
        waiting = disbursements.list_disbursements(
            session,
            actor=user,
            fund_code=code,
            status="submitted",
            limit=OVERRIDABLE_LISTED_MAX,
        )
        shown["waiting"] = [(str(d["id"]), _waiting_label(d)) for d in waiting]
    return shown


def _waiting_label(d: dict[str, Any]) -> str:
    """A submitted disbursement as the override form offers it: #12 生活帮扶 8000.00 元 · 用途."""
    aspect = ASPECT_NAMES_ZH.get(d["aspect"], d["aspect"])
    purpose = f" · {d['purpose']}" if d["purpose"] else ""
    return f"#{d['id']} {aspect} {d['amount']} 元{purpose}（{d['submitted_by']} 提交）"


def _page(
    request: Request,
    user: User,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    shown = get_database(request).read(lambda session: _read_page(session, request, user))
    return render(
        request,
        "books/controls.html",
        status=status,
        title="资金管控",
        errors=errors or {},
        values=values or {"year": clock.today().year},
        control_names=list(CONTROL_NAMES_ZH.items()),
        done=MESSAGES.get(request.query_params.get("done", "")),
        **shown,
    )


@router.get("/books/controls")
def controls_page(request: Request, user: PageUser) -> HTMLResponse:
    return _page(request, user)


def _amount(value: str | None) -> str | None:
    return amount_text(value) if value and value.strip() else value


def _set_budget(user: User, code: str, values: dict[str, Any]) -> Callable[[Session], Any]:
    values = values | {"amount": _amount(values["amount"])}
    return lambda session: budgets.set_budget(session, fund_code=code, values=values, actor=user)


def _set_thresholds(user: User, code: str, values: dict[str, Any]) -> Callable[[Session], Any]:
    """The thresholds changed and every other control kept as it is (the domain replaces
    the whole settings at once)."""
    amounts = {k: _amount(values[k]) for k in ("approval_threshold", "review_threshold")}

    def write(session: Session) -> Any:
        now = changing.read_controls(session, fund_code=code, actor=user)
        kept = {k: now[k] for k in ("restrictions", "caps", "standards")}
        return changing.set_controls(
            session,
            fund_code=code,
            values=kept | amounts | {"reason": values["reason"]},
            actor=user,
        )

    return write


def _record_override(user: User, _code: str, values: dict[str, Any]) -> Callable[[Session], Any]:
    number = values.pop("disbursement_id") or ""
    chosen = int(number) if number.isdigit() and len(number) <= 10 else number
    return lambda session: overrides.record_override(
        session, disbursement_id=chosen, values=values, actor=user
    )


WRITES = {"budget": _set_budget, "thresholds": _set_thresholds, "override": _record_override}


@router.post("/books/controls/{which}")
def change_controls(which: str, request: Request, user: PageUser, form: Posted) -> Response:
    """One of the page's three forms, through the domain's use case (admin only: the
    domain refuses anyone else)."""
    names = FORMS.get(which)
    if names is None:
        return _page(request, user, errors={"_form": "没有这张表单"}, status=404)
    code = request.query_params.get("fund") or ""
    posted = {name: form.get(name) for name in names.values()}
    values = {field: posted[name] for field, name in names.items()}
    return post_form(
        request,
        WRITES[which](user, code, values),
        fields=set(names.values()),
        aliases=names,
        again=lambda errors, status: _page(
            request,
            user,
            errors=errors | {"_which": which},
            values=posted | {"year": posted.get("year") or clock.today().year},
            status=status,
        ),
        then=lambda _done: with_query("/books/controls", fund=code, done=which),
    )
