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

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.disbursements import submit_disbursement
from carefund.errors import CarefundError, Conflict, InvalidInput, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.funds import get_fund
from carefund.limits import NAME_LENGTH_MAX, PLAN_RECIPIENTS_MAX
from carefund.models import Disbursement, Fund, Plan, PlanRecipient, Recipient, User, as_utc
from carefund.money import format_fen, parse_amount
from carefund.recipients import recipients_by_id
from carefund.rrule import normalized_rule, occurrences, parse_rule, upcoming
from carefund.storage.database import Database
from carefund.validation import choose, clean_text, parse_date
from carefund.vocabulary import Aspect

PLAN_OCCURRENCES_MAX = 10_000
"""The most due dates one run looks at (a daily plan of 27 years); past it, refuse."""
PLAN_RUN_DISBURSEMENTS_MAX = 50_000
"""The most disbursements one run creates, so one transaction stays a sensible size. A run
that reaches it stops after a whole due date and says so; the next run goes on from there."""

PLAN_STATUSES = ("active", "paused", "ended")

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
    name = clean_text(name, field="name", length_max=NAME_LENGTH_MAX, required=True)
    start = parse_date(start, field="start")
    until = parse_date(until, field="until") if until is not None else None
    if until is not None and until < start:
        raise InvalidInput("截止日期不能早于开始日期", field="until")
    parse_rule(rule, start=start, until=until)
    assert isinstance(rule, str)
    amount_fen = parse_amount(amount)
    aspect = choose(Aspect, aspect, field="aspect")
    purpose = clean_text(purpose, field="purpose", length_max=NAME_LENGTH_MAX)
    fund = get_fund(session, fund_code)
    roll = _check_recipients(session, recipient_ids)
    assert fund.id is not None
    plan = Plan(
        fund_id=fund.id,
        name=name,
        rule=normalized_rule(rule),
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
    found = recipients_by_id(session, list(recipient_ids))
    missing = [i for i in recipient_ids if i not in found]
    if missing:
        raise InvalidInput(f"关爱对象不存在：{_few(missing)}", field="recipient_ids")
    inactive = [found[i].member_no for i in recipient_ids if not found[i].active]
    if inactive:
        raise Conflict(f"关爱对象已停用：{_few(inactive)}", field="recipient_ids")
    return [found[i] for i in recipient_ids]


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


def _event_data(public: dict[str, Any]) -> dict[str, Any]:
    # The feed carries the plan without its (possibly long) list of recipient ids.
    return {k: v for k, v in public.items() if k != "recipient_ids"}
