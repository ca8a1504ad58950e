"""Early warning for auditors: the alerts with filters, one alert with its acknowledge and
resolve forms, and the rules with the admin's settings."""

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import page_router
from api.pages.form_posts import post_form
from api.pages.forms import record_id
from api.pages.rendering import render, templates
from api.pages.sessions import PageUser, Posted
from carefund import alerts, funds
from carefund.alerts import GRADE_NAMES_ZH, STATUS_NAMES_ZH, AlertStatus
from carefund.errors import NotFound
from carefund.models import User

router = page_router()
templates.env.globals.update(
    ALERT_GRADES=[(grade.value, name) for grade, name in GRADE_NAMES_ZH.items()],
    ALERT_STATUSES=[(status.value, name) for status, name in STATUS_NAMES_ZH.items()],
)
templates.env.filters["alert_status_zh"] = lambda value: STATUS_NAMES_ZH.get(
    AlertStatus(value), value
)
ALERTS_SHOWN_MAX = 200
"""Alerts one page lists, newest first; the filters narrow it."""
MESSAGES = {
    "acknowledged": "已确认该预警。",
    "resolved": "该预警已办结。",
    "rule": "规则设置已保存。",
}


@router.get("/alerts")
def alert_list(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    chosen = {name: query.get(name, "") for name in ("status", "grade", "fund")}

    def read(session: Session) -> Any:
        rows = alerts.list_alerts(
            session,
            actor=user,
            status=chosen["status"] or None,
            grade=chosen["grade"] or None,
            fund_code=chosen["fund"] or None,
            limit=ALERTS_SHOWN_MAX,
            newest_first=True,
        )
        return rows, alerts.open_counts(session, actor=user), funds.list_funds(session, actor=user)

    rows, counts, every = get_database(request).read(read)
    return render(
        request,
        "alerts/list.html",
        title="预警",
        rows=rows,
        counts=counts,
        funds=every,
        chosen=chosen,
        shown_max=ALERTS_SHOWN_MAX,
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
        alert = alerts.read_alert(session, alert_id=number, actor=user)
        return alert, alerts.alert_history(session, alert_id=number, actor=user)

    alert, trail = get_database(request).read(read)
    return render(
        request,
        "alerts/detail.html",
        status=status,
        title=f"预警 #{alert['id']}",
        alert=alert,
        trail=trail,
        errors=errors or {},
        values=values or {},
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


@router.get("/alerts/rules")
def rule_list(request: Request, user: PageUser) -> HTMLResponse:
    return _rules_page(request, user)


def _rules_page(
    request: Request,
    user: User,
    *,
    errors: dict | None = None,
    failed: str = "",
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    code = request.query_params.get("fund", "")

    def read(session: Session) -> Any:
        every = funds.list_funds(session, actor=user)
        fund = funds.get_fund(session, code, actor=user) if code else None
        return every, fund, alerts.read_rules(session, actor=user, fund_code=code or None)

    every, fund, rules = get_database(request).read(read)
    return render(
        request,
        "alerts/rules.html",
        status=status,
        title="预警规则",
        rules=rules,
        funds=every,
        fund=fund,
        errors=errors or {},
        failed=failed,
        values=values or {},
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


@router.post("/alerts/rules/{code}")
def set_rule(code: str, request: Request, user: PageUser, form: Posted) -> Response:
    fund = form.get("fund") or None
    params = {
        name.removeprefix("param_"): value
        for name, value in form.fields.items()
        if name.startswith("param_")
    }
    values = {"enabled": form.get("enabled") == "on", "grade": form.get("grade"), **params}
    return post_form(
        request,
        partial(
            alerts.set_rule,
            code=code,
            actor=user,
            fund_code=fund,
            enabled=values["enabled"],
            grade=values["grade"],
            params=params,
        ),
        fields={"grade", "enabled", *params},
        again=lambda errors, status: _rules_page(
            request, user, errors=errors, failed=code, values=values, status=status
        ),
        then=lambda _rule: f"/alerts/rules?done=rule{'&fund=' + fund if fund else ''}",
    )


@router.get("/alerts/{alert_id}")
def detail(alert_id: str, request: Request, user: PageUser) -> HTMLResponse:
    return _detail_page(request, user, record_id(alert_id))


@router.post("/alerts/{alert_id}/{act}")
def act(alert_id: str, act: str, request: Request, user: PageUser, form: Posted) -> Response:
    """Acknowledge or resolve, with the note written on the form."""
    number = record_id(alert_id)
    use_cases = {"acknowledge": alerts.acknowledge_alert, "resolve": alerts.resolve_alert}
    if act not in use_cases:
        raise NotFound(f"没有这一操作：{act[:20]}")
    values = {"note": form.get("note", ""), "act": act}
    return post_form(
        request,
        partial(use_cases[act], alert_id=number, note=values["note"], actor=user),
        fields={"note"},
        again=lambda errors, status: _detail_page(
            request, user, number, errors=errors, values=values, status=status
        ),
        then=lambda alert: f"/alerts/{number}?done={alert['status']}",
    )
