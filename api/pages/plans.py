"""Recurring plans: the list, a readable rule editor (every month on day N, every week on
weekday N, or a raw RRULE) with a preview of the due dates, running through a date, and
pause / resume / end."""

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages import rule_editor
from api.pages.errors import error_status, page_router
from api.pages.forms import amount_text, form_errors, record_id
from api.pages.rendering import redirect, render
from api.pages.sessions import PageUser, Posted
from carefund import funds, plans, recipients
from carefund.access.users import Action, require
from carefund.errors import CarefundError, InvalidInput, NotFound
from carefund.models import Plan

router = page_router()

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
    def read(session: Session) -> Any:
        every = funds.list_funds(session)
        # Every fund's plans unless one is asked for: a district has a handful.
        code = request.query_params.get("fund")
        fund = funds.get_fund(session, code) if code else None
        rows = [
            plans.plan_public(session, plan)
            | {"rule_zh": rule_editor.describe_rule(plan.rule), "amount_fen": plan.amount_fen}
            for plan in plans.list_plans(session, fund=fund, limit=PLANS_SHOWN_MAX)
        ]
        return every, fund, rows

    every, fund, rows = get_database(request).read(read)
    return render(request, "plans/list.html", title="定期计划", funds=every, fund=fund, rows=rows)


def _form_page(
    request: Request,
    *,
    values: dict,
    errors: dict,
    preview: list | None = None,
    rule_zh: str = "",
    status: int = 200,
) -> HTMLResponse:
    every = get_database(request).read(lambda session: funds.list_funds(session))
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
    require(user, Action.manage_plans)
    values = {
        "fund": request.query_params.get("fund", ""),
        "kind": "monthly",
        "month_day": "5",
        "weekday": "1",
        "start": date.today().isoformat(),
    }
    return _form_page(request, values=values, errors={})


@router.post("/plans/new")
def create(request: Request, user: PageUser, form: Posted) -> Response:
    require(user, Action.manage_plans)
    values = {name: form.get(name) for name in PLAN_FIELDS}
    try:
        rule = rule_editor.rule_from_parts(
            kind=values["kind"],
            month_day=values["month_day"],
            weekday=values["weekday"],
            raw=values["raw"],
        )
        until = values["until"] or None
        if form.get("action") == "preview":
            preview = rule_editor.preview_rule(rule, start=values["start"], until=until)
            return _form_page(
                request,
                values=values | {"rule": rule},
                errors={},
                preview=preview,
                rule_zh=rule_editor.describe_rule(rule),
            )

        def create(session: Session) -> Plan:
            if values["member_nos"].strip():
                ids = recipients.ids_for_member_nos(
                    session, values["member_nos"], field="member_nos"
                )
            elif values["category"]:
                ids = recipients.active_ids_in_category(
                    session, values["category"], field="category"
                )
                if not ids:
                    raise InvalidInput("该类别没有在册的关爱对象", field="category")
            else:
                raise InvalidInput("请填写党员编号，或选择一个类别", field="member_nos")
            return plans.create_plan(
                session,
                fund_code=values["fund"],
                name=values["name"],
                rule=rule,
                start=values["start"],
                until=until,
                amount=amount_text(values["amount"]),
                aspect=values["aspect"],
                purpose=values["purpose"],
                recipient_ids=ids,
                actor=user,
            )

        plan = get_database(request).write(create)
    except CarefundError as exc:
        errors = form_errors(
            exc,
            PLAN_FIELDS,
            {"rule": "raw" if values["kind"] == "raw" else "kind", "recipient_ids": "member_nos"},
        )
        if isinstance(exc, NotFound) and exc.field == "fund":
            errors = {"fund": "请选择基金"}
        return _form_page(request, values=values, errors=errors, status=error_status(exc))
    return redirect(f"/plans/{plan.id}?done=created")


def _detail_page(
    request: Request,
    number: int,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    query = request.query_params

    def read(session: Session) -> Any:
        plan = plans.get_plan(session, number)
        public = plans.plan_public(session, plan)
        roll = recipients.recipients_by_id(session, public["recipient_ids"][:ROLL_SHOWN_MAX])
        return plan, public, roll

    plan, public, roll = get_database(request).read(read)
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
        title=plan.name,
        plan=plan,
        public=public,
        rule_zh=rule_editor.describe_rule(plan.rule),
        roll=[roll[i] for i in public["recipient_ids"][:ROLL_SHOWN_MAX] if i in roll],
        done=done,
        errors=errors or {},
        values=values or {"through": date.today().isoformat()},
    )


@router.get("/plans/{plan_id}")
def detail(plan_id: str, request: Request, user: PageUser) -> HTMLResponse:
    return _detail_page(request, record_id(plan_id))


@router.post("/plans/{plan_id}/run")
def run(plan_id: str, request: Request, user: PageUser, form: Posted) -> Response:
    number = record_id(plan_id)
    values = {"through": form.get("through")}
    try:
        result = get_database(request).write(
            lambda session: plans.run_plan(
                session, plan_id=number, through=values["through"], actor=user
            )
        )
    except CarefundError as exc:
        return _detail_page(
            request,
            number,
            values=values,
            status=error_status(exc),
            errors=form_errors(exc, {"through"}),
        )
    return redirect(
        f"/plans/{number}?done=run&created={result.created}"
        f"&skipped={len(result.skipped)}&complete={int(result.complete)}"
    )


def _change(request: Request, user: object, plan_id: str, change: str) -> Response:
    number = record_id(plan_id)
    steps = {"pause": plans.pause_plan, "resume": plans.resume_plan, "end": plans.end_plan}
    try:
        plan = get_database(request).write(
            lambda session: steps[change](session, plan_id=number, actor=user)
        )
    except CarefundError as exc:
        return _detail_page(
            request, number, status=error_status(exc), errors={"_form": exc.message}
        )
    return redirect(f"/plans/{number}?done={plan.status}")


@router.post("/plans/{plan_id}/pause")
def pause(plan_id: str, request: Request, user: PageUser, _form: Posted) -> Response:
    return _change(request, user, plan_id, "pause")


@router.post("/plans/{plan_id}/resume")
def resume(plan_id: str, request: Request, user: PageUser, _form: Posted) -> Response:
    return _change(request, user, plan_id, "resume")


@router.post("/plans/{plan_id}/end")
def end(plan_id: str, request: Request, user: PageUser, _form: Posted) -> Response:
    return _change(request, user, plan_id, "end")
