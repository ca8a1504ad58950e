"""Recurring plans (定期发放计划): an RFC 5545 RRULE, a list of recipients, an amount.

Running a plan through a day submits one disbursement per recipient per due date up to that
day; the generated disbursements then go through the normal approval and payment. A
(plan, recipient, due date) is never generated twice, whatever is run again or at the same
time: runs of one plan queue on the plan's row, skip what exists, and the database's unique
constraint `disbursement_plan_due` stands behind them.

Recipients who are inactive when a run reaches a due date are skipped and reported. Nothing
records the skip, so if the member is made active again, the next run also generates the
due dates that were skipped (the clerk may cancel those that should not be paid).
"""

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from typing import Any

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.disbursements import submit_disbursement
from carefund.errors import CarefundError, Conflict, InvalidInput, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.funds import get_fund
from carefund.models import Disbursement, Fund, Plan, PlanRecipient, Recipient, User, as_utc
from carefund.money import format_fen, parse_amount
from carefund.storage.database import Database
from carefund.validation import choose, clean_text, parse_date
from carefund.vocabulary import Aspect

PLAN_RULE_LENGTH_MAX = 500
"""The longest RRULE body accepted (the column's width)."""
PLAN_RULE_HORIZON_YEARS = 5
"""A rule must yield a due date within this many years of the plan's start (leap days do)."""
PLAN_RECIPIENTS_MAX = 5_000
"""The most recipients one plan pays."""
PLAN_PREVIEW_LENGTH = 6
"""How many upcoming due dates a plan shows."""
PLAN_OCCURRENCES_MAX = 10_000
"""The most due dates one run looks at (a daily plan of 27 years); past it, refuse."""
PLAN_RUN_DISBURSEMENTS_MAX = 50_000
"""The most disbursements one run creates, so one transaction stays a sensible size. A run
that reaches it stops after a whole due date and says so; the next run goes on from there."""

PLAN_STATUSES = ("active", "paused", "ended")

_RULE_PARTS = {
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
"""The parts RFC 5545 allows in an RRULE."""
_REFUSED_PARTS = {
    "UNTIL": "不要在规则中写 UNTIL，请用计划的 until（截止日期）",
    "BYHOUR": "计划按日发放，规则中不能有 BYHOUR",
    "BYMINUTE": "计划按日发放，规则中不能有 BYMINUTE",
    "BYSECOND": "计划按日发放，规则中不能有 BYSECOND",
}
_FREQUENCIES = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
_INTERVAL_MAX = 1_000
_PART_PATTERN = re.compile(r"[A-Z]+=[A-Z0-9,+\-]+")


# ---------------------------------------------------------------------------------------
# Rules


def parse_rule(body: object, *, start: date, until: date | None = None) -> rrule:
    """The recurrence of an RRULE body from `start`, or `InvalidInput` naming the problem.

    The body is the part after `RRULE:`, e.g. `FREQ=MONTHLY;BYMONTHDAY=5`. The start and
    the end come from the plan's own fields, so DTSTART and UNTIL may not be in the body.
    The rule must yield a date within `PLAN_RULE_HORIZON_YEARS` of the start (and by
    `until`, when given).
    """
    text = clean_text(body, field="rule", length_max=PLAN_RULE_LENGTH_MAX, required=True).upper()
    if text.startswith("RRULE:"):
        text = text.removeprefix("RRULE:")
    if "DTSTART" in text or "\n" in text or ":" in text:
        raise InvalidInput(
            "规则只写 RRULE 的内容（如 FREQ=MONTHLY;BYMONTHDAY=5），开始日期用计划的 start",
            field="rule",
        )
    parts: dict[str, str] = {}
    for part in text.rstrip(";").split(";"):
        if not _PART_PATTERN.fullmatch(part):
            raise InvalidInput(f"规则无法解析：{part!r} 应为 名称=取值", field="rule")
        name, value = part.split("=", 1)
        if name not in _RULE_PARTS:
            raise InvalidInput(f"规则中有未知的部分：{name}", field="rule")
        if name in parts:
            raise InvalidInput(f"规则中 {name} 重复", field="rule")
        if name in _REFUSED_PARTS:
            raise InvalidInput(_REFUSED_PARTS[name], field="rule")
        parts[name] = value
    if parts.get("FREQ") not in _FREQUENCIES:
        raise InvalidInput("规则需要 FREQ=DAILY、WEEKLY、MONTHLY 或 YEARLY", field="rule")
    if "INTERVAL" in parts and not (
        parts["INTERVAL"].isdigit() and 1 <= int(parts["INTERVAL"]) <= _INTERVAL_MAX
    ):
        raise InvalidInput(f"INTERVAL 应为 1 到 {_INTERVAL_MAX} 的整数", field="rule")
    if "COUNT" in parts and not (parts["COUNT"].isdigit() and int(parts["COUNT"]) >= 1):
        raise InvalidInput("COUNT 应为正整数", field="rule")
    _check_month_days(parts)
    try:
        rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=_midnight(start))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise InvalidInput(f"规则无法解析：{exc}", field="rule") from None
    assert isinstance(rule, rrule)
    horizon = _add_years(start, PLAN_RULE_HORIZON_YEARS)
    first = next(iter(rule.replace(until=_midnight(min(horizon, until or horizon)))), None)
    if first is None:
        where = (
            f"到截止日期 {until.isoformat()} 为止"
            if until and until < horizon
            else (f"自 {start.isoformat()} 起 {PLAN_RULE_HORIZON_YEARS} 年内")
        )
        raise InvalidInput(f"规则{where}不产生任何发放日期", field="rule")
    return rule


def _check_month_days(parts: dict[str, str]) -> None:
    """Refuse a day of the month that none of the rule's months has (2 月 30 日).

    dateutil would search such a rule up to the year 9999 before finding it empty, which
    takes seconds for a daily rule; this is the usual way a rule ends up empty.
    """
    if "BYMONTHDAY" not in parts:
        return
    try:
        days = [int(day) for day in parts["BYMONTHDAY"].split(",")]
        months = (
            [int(month) for month in parts["BYMONTH"].split(",")]
            if "BYMONTH" in parts
            else (list(range(1, 13)))
        )
    except ValueError:
        raise InvalidInput("BYMONTHDAY 与 BYMONTH 应为整数", field="rule") from None
    if any(not 1 <= month <= 12 for month in months) or any(
        not 1 <= abs(day) <= 31 for day in days
    ):
        raise InvalidInput("BYMONTH 应在 1–12，BYMONTHDAY 应在 ±1–31", field="rule")
    longest = max(calendar.monthrange(2024, month)[1] for month in months)  # 2024 is leap
    if all(abs(day) > longest for day in days):
        raise InvalidInput(
            f"规则的月份中没有第 {parts['BYMONTHDAY']} 日，不会产生任何发放日期", field="rule"
        )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def occurrences(
    plan: Plan, *, after: date | None = None, through: date | None = None
) -> Iterator[date]:
    """The plan's due dates, oldest first: after `after` (exclusive), up to `through`."""
    ends = [day for day in (plan.until, through) if day is not None]
    end = min(ends) if ends else None
    rule = parse_rule(plan.rule, start=plan.start, until=plan.until)
    if end is not None:
        # With an end, dateutil stops at the first candidate past it instead of searching on.
        rule = rule.replace(until=_midnight(end))
    source = rule.xafter(_midnight(after), inc=False) if after else iter(rule)
    for moment in source:
        yield moment.date()


# ---------------------------------------------------------------------------------------
# Making and changing plans


def create_plan(
    session: Session,
    *,
    fund_code: str,
    name: object,
    rule: object,
    start: object,
    until: object = None,
    amount: object,
    aspect: object,
    purpose: object = "",
    recipient_ids: object,
    actor: User,
) -> Plan:
    """Make a recurring plan paying `amount` to each of `recipient_ids` on every due date."""
    require(actor, Action.manage_plans)
    name = clean_text(name, field="name", length_max=200, required=True)
    start = parse_date(start, field="start")
    until = parse_date(until, field="until") if until is not None else None
    if until is not None and until < start:
        raise InvalidInput("截止日期不能早于开始日期", field="until")
    parse_rule(rule, start=start, until=until)
    assert isinstance(rule, str)
    amount_fen = parse_amount(amount)
    aspect = choose(Aspect, aspect, field="aspect")
    purpose = clean_text(purpose, field="purpose", length_max=200)
    fund = get_fund(session, fund_code)
    roll = _check_recipients(session, recipient_ids)
    assert fund.id is not None
    plan = Plan(
        fund_id=fund.id,
        name=name,
        rule=_normalized_rule(rule),
        start=start,
        until=until,
        amount_fen=amount_fen,
        aspect=aspect.value,
        purpose=purpose,
        status="active",
        created_by=actor.username,
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    session.add_all([PlanRecipient(plan_id=plan.id, recipient_id=r.id or 0) for r in roll])
    session.flush()
    public = plan_public(session, plan)
    write_audit(
        session,
        actor=actor.username,
        action="plan.created",
        obj=("plan", plan.id),
        detail={k: public[k] for k in _AUDITED} | {"recipient_count": len(roll)},
    )
    record_event(session, "plan.created", _event_data(public))
    return plan


_AUDITED = ("fund", "name", "rule", "start", "until", "amount", "aspect")


def _normalized_rule(rule: str) -> str:
    text = rule.strip().upper()
    return text.removeprefix("RRULE:").rstrip(";")


def _check_recipients(session: Session, recipient_ids: object) -> list[Recipient]:
    """The recipients of a new plan: a non-empty list of distinct ids of active members."""
    if not isinstance(recipient_ids, list | tuple) or not recipient_ids:
        raise InvalidInput("应为关爱对象 id 的非空列表", field="recipient_ids")
    if len(recipient_ids) > PLAN_RECIPIENTS_MAX:
        raise InvalidInput(f"一个计划最多 {PLAN_RECIPIENTS_MAX} 名关爱对象", field="recipient_ids")
    if any(isinstance(i, bool) or not isinstance(i, int) for i in recipient_ids):
        raise InvalidInput("关爱对象 id 应为整数", field="recipient_ids")
    if len(set(recipient_ids)) != len(recipient_ids):
        raise InvalidInput("关爱对象 id 有重复", field="recipient_ids")
    found: dict[int, Recipient] = {}
    for chunk in _chunks(list(recipient_ids), 900):
        for recipient in session.exec(select(Recipient).where(col(Recipient.id).in_(chunk))):
            found[recipient.id or 0] = recipient
    missing = [i for i in recipient_ids if i not in found]
    if missing:
        raise InvalidInput(f"关爱对象不存在：{_few(missing)}", field="recipient_ids")
    inactive = [found[i].member_no for i in recipient_ids if not found[i].active]
    if inactive:
        raise Conflict(f"关爱对象已停用：{_few(inactive)}", field="recipient_ids")
    return [found[i] for i in recipient_ids]


def _chunks(items: list, size: int) -> Iterator[list]:
    # SQLite allows a limited number of bound parameters per statement.
    for index in range(0, len(items), size):
        yield items[index : index + size]


def _few(items: list, shown: int = 10) -> str:
    text = ", ".join(str(item) for item in items[:shown])
    return text + (f" 等 {len(items)} 个" if len(items) > shown else "")


def pause_plan(session: Session, *, plan_id: object, actor: User) -> Plan:
    """Stop generating until resumed; due dates passed meanwhile are generated on resume."""
    return _change_status(session, plan_id, actor, {"active"}, "paused")


def resume_plan(session: Session, *, plan_id: object, actor: User) -> Plan:
    """Generate again after a pause."""
    return _change_status(session, plan_id, actor, {"paused"}, "active")


def end_plan(session: Session, *, plan_id: object, actor: User) -> Plan:
    """End a plan for good: it generates nothing more. Submitted ones stay as they are."""
    return _change_status(session, plan_id, actor, {"active", "paused"}, "ended")


def _change_status(
    session: Session, plan_id: object, actor: User, allowed_from: set[str], to: str
) -> Plan:
    require(actor, Action.manage_plans)
    plan = _lock_plan(session, plan_id)
    if plan.status not in allowed_from:
        raise InvalidTransition(f"计划 #{plan.id} 当前状态为 {plan.status}，不能改为 {to}")
    old = plan.status
    plan.status = to
    session.add(plan)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="plan.updated",
        obj=("plan", plan.id),
        detail={"changes": {"status": [old, to]}},
    )
    record_event(session, "plan.updated", _event_data(plan_public(session, plan)))
    return plan


def _lock_plan(session: Session, plan_id: object) -> Plan:
    """Load a plan and hold its row until the transaction ends, so that runs and status
    changes of one plan queue (`FOR UPDATE` on PostgreSQL; SQLite's writer lock)."""
    if isinstance(plan_id, bool) or not isinstance(plan_id, int):
        raise NotFound(f"计划不存在：{plan_id}")
    plan = session.exec(
        select(Plan)
        .where(Plan.id == plan_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if plan is None:
        raise NotFound(f"计划不存在：{plan_id}")
    return plan


def get_plan(session: Session, plan_id: object) -> Plan:
    valid = isinstance(plan_id, int) and not isinstance(plan_id, bool)
    plan = session.get(Plan, plan_id) if valid else None
    if plan is None:
        raise NotFound(f"计划不存在：{plan_id}")
    return plan


def list_plans(
    session: Session,
    *,
    fund: Fund | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[Plan]:
    """A page of plans by id."""
    query = select(Plan).where(col(Plan.id) > after_id)
    if fund is not None:
        query = query.where(Plan.fund_id == fund.id)
    if status is not None:
        if status not in PLAN_STATUSES:
            choices = ", ".join(PLAN_STATUSES)
            raise InvalidInput(f"无效的状态 {status!r}，可选：{choices}", field="status")
        query = query.where(Plan.status == status)
    return list(session.exec(query.order_by(col(Plan.id)).limit(limit)))


# ---------------------------------------------------------------------------------------
# Running


@dataclass
class PlanRun:
    """What one run of a plan did."""

    plan_id: int
    through: date
    created: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    """Recipients not paid because they are inactive, with the due dates they missed."""
    complete: bool = True
    """False when the run stopped at `PLAN_RUN_DISBURSEMENTS_MAX`; run again to go on."""
    last_due: date | None = None
    """The last due date this run handled."""

    def public(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "through": self.through.isoformat(),
            "created": self.created,
            "skipped": self.skipped,
            "complete": self.complete,
            "last_due": self.last_due.isoformat() if self.last_due else None,
        }


def run_plan(session: Session, *, plan_id: object, through: object, actor: User) -> PlanRun:
    """Submit one disbursement per recipient per due date up to `through`, none twice.

    `through` before the plan's start (or before its first due date) creates nothing and is
    not an error: a nightly job runs every plan, including those that start later.
    """
    require(actor, Action.manage_plans)
    through = parse_date(through, field="through")
    plan = _lock_plan(session, plan_id)
    if plan.status != "active":
        raise InvalidTransition(f"计划 #{plan.id} 当前状态为 {plan.status}，不能运行")
    result = PlanRun(plan_id=plan.id or 0, through=through)
    dates = _due_dates_through(plan, through)
    if not dates:
        return result
    fund = session.get(Fund, plan.fund_id)
    assert fund is not None
    roll = _plan_roll(session, plan)
    existing = set(
        session.exec(
            select(Disbursement.recipient_id, col(Disbursement.due_on)).where(
                Disbursement.plan_id == plan.id
            )
        ).all()
    )
    missed: dict[int, list[str]] = {}
    for due in dates:
        wanted = [r for r in roll if (r.id, due) not in existing]
        active = [r for r in wanted if r.active]
        if result.created and result.created + len(active) > PLAN_RUN_DISBURSEMENTS_MAX:
            result.complete = False
            break
        for recipient in wanted:
            if not recipient.active:
                missed.setdefault(recipient.id or 0, []).append(due.isoformat())
                continue
            submit_disbursement(
                session,
                fund_code=fund.code,
                recipient_id=recipient.id,
                amount=format_fen(plan.amount_fen),
                aspect=plan.aspect,
                purpose=plan.purpose or plan.name,
                memo=f"{plan.name}（计划 #{plan.id}，{due.isoformat()} 到期）",
                actor=actor,
                plan_id=plan.id,
                due_on=due,
            )
            result.created += 1
        result.last_due = due
    members = {r.id: r.member_no for r in roll}
    result.skipped = [
        {"recipient_id": rid, "member_no": members[rid], "reason": "inactive", "due_dates": days}
        for rid, days in missed.items()
    ]
    return result


def _due_dates_through(plan: Plan, through: date) -> list[date]:
    dates: list[date] = []
    for due in occurrences(plan, through=through):
        if len(dates) == PLAN_OCCURRENCES_MAX:
            raise InvalidInput(
                f"到 {through.isoformat()} 共有超过 {PLAN_OCCURRENCES_MAX} 个到期日，"
                "请分段运行（through 取较早的日期）",
                field="through",
            )
        dates.append(due)
    return dates


def _plan_roll(session: Session, plan: Plan) -> list[Recipient]:
    return list(
        session.exec(
            select(Recipient)
            .join(PlanRecipient, PlanRecipient.recipient_id == Recipient.id)  # type: ignore
            .where(PlanRecipient.plan_id == plan.id)
            .order_by(col(Recipient.id))
        )
    )


def active_plan_ids(session: Session) -> list[int]:
    return [
        plan_id
        for plan_id in session.exec(
            select(Plan.id).where(Plan.status == "active").order_by(col(Plan.id))
        )
        if plan_id is not None
    ]


def run_all_plans(database: Database, *, through: object, actor: User) -> list[dict[str, Any]]:
    """Run every active plan through `through`, as a nightly job does.

    Each plan is its own unit of work, so one plan's refusal does not hold back the others;
    the answer lists each plan's result or its error.
    """
    require(actor, Action.manage_plans)
    through = parse_date(through, field="through")
    plan_ids = database.read(active_plan_ids)
    results: list[dict[str, Any]] = []
    for plan_id in plan_ids:
        try:
            result = database.write(
                partial(run_plan, plan_id=plan_id, through=through, actor=actor)
            )
            results.append(result.public())
        except CarefundError as exc:
            results.append({"plan_id": plan_id, "error": exc.message})
    return results


# ---------------------------------------------------------------------------------------
# Showing


def plan_public(session: Session, plan: Plan) -> dict[str, Any]:
    """A plan as the API shows it, with its next due date and a preview of the next few."""
    fund = session.get(Fund, plan.fund_id)
    assert fund is not None
    recipient_ids = list(
        session.exec(
            select(PlanRecipient.recipient_id)
            .where(PlanRecipient.plan_id == plan.id)
            .order_by(col(PlanRecipient.recipient_id))
        )
    )
    last_generated = session.exec(
        select(func.max(Disbursement.due_on)).where(Disbursement.plan_id == plan.id)
    ).one()
    preview = upcoming(plan, after=last_generated) if plan.status != "ended" else []
    return {
        "id": plan.id,
        "fund": fund.code,
        "name": plan.name,
        "rule": plan.rule,
        "start": plan.start.isoformat(),
        "until": plan.until.isoformat() if plan.until else None,
        "amount": format_fen(plan.amount_fen),
        "aspect": plan.aspect,
        "purpose": plan.purpose,
        "status": plan.status,
        "recipient_ids": recipient_ids,
        "recipient_count": len(recipient_ids),
        "last_generated_due": last_generated.isoformat() if last_generated else None,
        "next_due": preview[0].isoformat() if preview else None,
        "preview": [day.isoformat() for day in preview],
        "created_by": plan.created_by,
        "created_at": as_utc(plan.created_at).isoformat(),
    }


def upcoming(plan: Plan, *, after: date | None, count: int = PLAN_PREVIEW_LENGTH) -> list[date]:
    """The next `count` due dates after the last one generated (from the start if none)."""
    days: list[date] = []
    for day in occurrences(plan, after=after):
        days.append(day)
        if len(days) == count:
            break
    return days


def _event_data(public: dict[str, Any]) -> dict[str, Any]:
    # The feed carries the plan without its (possibly long) list of recipient ids.
    return {k: v for k, v in public.items() if k != "recipient_ids"}


# ---------------------------------------------------------------------------------------
# Rules for people: the pages' rule editor and how a rule reads in Chinese

RULE_KINDS = ("monthly", "weekly", "raw")
"""How the rule editor builds a rule: every month on day N, every week on weekday N, or a
raw RRULE body."""
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES_ZH = ("一", "二", "三", "四", "五", "六", "日")


def rule_from_parts(
    *, kind: object, month_day: object = "", weekday: object = "", raw: object = ""
) -> str:
    """The RRULE body the rule editor describes; `InvalidInput` on the field at fault.

    `month_day` is 1–31 (or -1 for the last day of the month), `weekday` 1–7 (Monday = 1).
    """
    if kind == "monthly":
        text = str(month_day or "").strip()
        if text not in {str(day) for day in range(1, 32)} | {"-1"}:
            raise InvalidInput("请选择每月的第几日（1–31，或月末）", field="month_day")
        return f"FREQ=MONTHLY;BYMONTHDAY={text}"
    if kind == "weekly":
        text = str(weekday or "").strip()
        if text not in {str(day) for day in range(1, 8)}:
            raise InvalidInput("请选择每周的星期几", field="weekday")
        return f"FREQ=WEEKLY;BYDAY={WEEKDAYS[int(text) - 1]}"
    if kind == "raw":
        return _normalized_rule(
            clean_text(raw, field="rule", length_max=PLAN_RULE_LENGTH_MAX, required=True)
        )
    raise InvalidInput("请选择规则类型", field="kind")


def rule_parts(rule: str) -> dict[str, str]:
    """The editor's fields for a stored rule (the inverse of `rule_from_parts`)."""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    if (
        set(parts) == {"FREQ", "BYMONTHDAY"}
        and parts["FREQ"] == "MONTHLY"
        and (parts["BYMONTHDAY"] in {str(day) for day in range(1, 32)} | {"-1"})
    ):
        return {"kind": "monthly", "month_day": parts["BYMONTHDAY"]}
    if set(parts) == {"FREQ", "BYDAY"} and parts["FREQ"] == "WEEKLY" and parts["BYDAY"] in WEEKDAYS:
        return {"kind": "weekly", "weekday": str(WEEKDAYS.index(parts["BYDAY"]) + 1)}
    return {"kind": "raw", "raw": rule}


def describe_rule(rule: str) -> str:
    """A rule in words, for the editor's two simple forms: 每月 5 日, 每周星期一, 每月月末;
    anything else is shown as its RRULE."""
    parts = rule_parts(rule)
    if parts["kind"] == "monthly":
        day = parts["month_day"]
        return "每月月末" if day == "-1" else f"每月 {day} 日"
    if parts["kind"] == "weekly":
        return f"每周星期{WEEKDAY_NAMES_ZH[int(parts['weekday']) - 1]}"
    return f"规则 {rule}"


def preview_rule(
    rule: object, *, start: object, until: object = None, count: int = PLAN_PREVIEW_LENGTH
) -> list[date]:
    """The first `count` due dates a new plan with this rule would have, without saving it."""
    start_day = parse_date(start, field="start")
    until_day = parse_date(until, field="until") if until else None
    if until_day is not None and until_day < start_day:
        raise InvalidInput("截止日期不能早于开始日期", field="until")
    recurrence = parse_rule(rule, start=start_day, until=until_day)
    if until_day is not None:
        recurrence = recurrence.replace(until=_midnight(until_day))
    days: list[date] = []
    for moment in recurrence:
        days.append(moment.date())
        if len(days) == count:
            break
    return days
