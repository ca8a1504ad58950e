"""Recurring plans: the list, a readable rule editor (every month on day N, every week on
weekday N, or a raw RRULE) with a preview of the due dates, running through a date, and
pause / resume / end."""

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages import rule_editor
from api.pages.errors import error_status, page_router
from api.pages.form_posts import field_messages, post_form
from api.pages.forms import amount_text, record_id
from api.pages.rendering import render, templates
from api.pages.sessions import PageUser, Posted
from carefund import clock, funds, plans, recipients
from carefund.errors import CarefundError, NotFound
from carefund.models import User

router = page_router()
templates.env.filters["rule_zh"] = rule_editor.describe_rule

PLAN_FIELDS = {
    "fund",
    "name",
    "kind",
    "month_day",
    "weekday",
    "raw",
    "rule",
    "start",
    "until",
    "amount",
    "aspect",
    "purpose",
    "member_nos",
    "category",
    "recipient_ids",
}
ROLL_SHOWN_MAX = 100
"""Members listed on a plan's page; the count is always shown."""
PLANS_SHOWN_MAX = 200
MESSAGES = {
    "created": "计划已创建。",
    "paused": "计划已暂停。",
    "active": "计划已恢复。",
    "ended": "计划已终止。",
}


@router.get("/plans")
def plan_list(request: Request, user: PageUser) -> HTMLResponse:
    code = request.query_params.get("fund")

    def read(session: Session) -> Any:
        every = funds.list_funds(session, actor=user)
        # Every fund's plans unless one is asked for: a district has a handful.
        fund = funds.get_fund(session, code, actor=user) if code else None
        rows = plans.list_plans(session, actor=user, fund_code=code or None, limit=PLANS_SHOWN_MAX)
        return every, fund, rows

    every, fund, rows = get_database(request).read(read)
    return render(request, "plans/list.html", title="定期计划", funds=every, fund=fund, rows=rows)


def _form_page(
    request: Request,
    user: User,
    *,
    values: dict,
    errors: dict,
    preview: list | None = None,
    rule_zh: str = "",
    status: int = 200,
) -> HTMLResponse:
    every = get_database(request).read(partial(plans.plan_form, actor=user))
    weekdays = [(str(i + 1), f"星期{name}") for i, name in enumerate(rule_editor.WEEKDAY_NAMES_ZH)]
    month_days = [(str(day), f"{day} 日") for day in range(1, 29)] + [("-1", "月末")]
    return render(
        request,
        "plans/new.html",
        status=status,
        title="新建定期计划",
        funds=every,
        values=values,
        errors=errors,
        preview=preview,
        rule_zh=rule_zh,
        weekdays=weekdays,
        month_days=month_days,
    )


@router.get("/plans/new")
def new_form(request: Request, user: PageUser) -> HTMLResponse:
    values = {
        "fund": request.query_params.get("fund", ""),
        "kind": "monthly",
        "month_day": "5",
        "weekday": "1",
        "start": clock.today().isoformat(),
    }
    return _form_page(request, user, values=values, errors={})


@router.post("/plans/new")
def create(request: Request, user: PageUser, form: Posted) -> Response:
    values = {name: form.get(name) for name in PLAN_FIELDS}
    aliases = {"rule": "raw" if values["kind"] == "raw" else "kind", "recipient_ids": "member_nos"}

    def again(errors: dict[str, str], status: int) -> Response:
        return _form_page(request, user, values=values, errors=errors, status=status)

    try:
        rule = rule_editor.rule_from_parts(
            kind=values["kind"],
            month_day=values["month_day"],
            weekday=values["weekday"],
            raw=values["raw"],
        )
        if form.get("action") == "preview":
            preview = rule_editor.preview_rule(rule, start=values["start"], until=values["until"])
            return _form_page(
                request,
                user,
                values=values | {"rule": rule},
                errors={},
                preview=preview,
                rule_zh=rule_editor.describe_rule(rule),
            )
    except CarefundError as exc:
        return again(field_messages(exc, PLAN_FIELDS, aliases), error_status(exc))
    return post_form(
        request,
        lambda session: plans.create_plan(
            session,
            fund_code=values["fund"],
            name=values["name"],
            rule=rule,
            start=values["start"],
            until=values["until"],
            amount=amount_text(values["amount"]),
            aspect=values["aspect"],
            purpose=values["purpose"],
            member_nos=values["member_nos"],
            category=values["category"],
            actor=user,
        ),
        fields=PLAN_FIELDS,
        aliases=aliases,
        again=again,
        then=lambda plan: f"/plans/{plan.id}?done=created",
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
    query = request.query_params

    def read(session: Session) -> Any:
        plan = plans.get_plan(session, plan_id=number, actor=user)
        shown = plan["recipient_ids"][:ROLL_SHOWN_MAX]
        roll = recipients.recipients_public_by_id(session, recipient_ids=shown, actor=user)
        return plan, [roll[i] for i in shown if i in roll]

    plan, roll = get_database(request).read(read)
    done = MESSAGES.get(query.get("done", ""))
    if query.get("done") == "run":
        created = query.get("created", "0")
        skipped = query.get("skipped", "0")
        if created.isdigit() and skipped.isdigit():
            done = (
                f"已生成 {created} 笔待审批支出"
                + (f"；{skipped} 名已停用的对象被跳过" if skipped != "0" else "")
                + "。"
            )
            if query.get("complete") == "0":
                done += "本次已达单次上限，请再运行一次以继续。"
    return render(
        request,
        "plans/detail.html",
        status=status,
        title=plan["name"],
        plan=plan,
        rule_zh=rule_editor.describe_rule(plan["rule"]),
        roll=roll,
        done=done,
        errors=errors or {},
        values=values or {"through": clock.today().isoformat()},
    )


@router.get("/plans/{plan_id}")
def detail(plan_id: str, request: Request, user: PageUser) -> HTMLResponse:
    return _detail_page(request, user, record_id(plan_id))


@router.post("/plans/{plan_id}/run")
def run(plan_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    number = record_id(plan_id)
    values = {"through": form.get("through")}
    return post_form(
        request,
        partial(plans.run_plan, plan_id=number, through=values["through"], actor=user),
        fields={"through"},
        again=lambda errors, status: _detail_page(
            request, user, number, values=values, status=status, errors=errors
        ),
        then=lambda result: (
            f"/plans/{number}?done=run&created={result.created}"
            f"&skipped={len(result.skipped)}&complete={int(result.complete)}"
        ),
    )


@router.post("/plans/{plan_id}/{change}")
def change(plan_id: str, change: str, request: Request, user: PageUser, _form: Posted) -> Response:
    """Pause, resume or end."""
    number = record_id(plan_id)
    if change not in plans.STATUS_CHANGES:
        raise NotFound(f"没有这一操作：{change[:20]}")
    return post_form(
        request,
        partial(plans.change_plan, plan_id=number, change=change, actor=user),
        fields=(),
        again=lambda errors, status: _detail_page(
            request, user, number, status=status, errors=errors
        ),
        then=lambda plan: f"/plans/{number}?done={plan.status}",
    )
