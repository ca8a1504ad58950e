"""Running plans: one submitted disbursement per recipient per due date, none twice."""

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.scope import within_scope
from carefund.access.users import Action, require
from carefund.disbursements import submit_disbursement
from carefund.errors import CarefundError, InvalidInput, InvalidTransition, NotFound
from carefund.funds import check_row_scope
from carefund.models import Disbursement, Fund, Plan, PlanRecipient, Recipient, User
from carefund.money import format_fen
from carefund.plans.making import lock_plan
from carefund.rrule import occurrences
from carefund.storage.database import Database
from carefund.validation import parse_date

PLAN_OCCURRENCES_MAX = 10_000
"""The most due dates one run looks at (a daily plan of 27 years); past it, refuse."""
PLAN_RUN_DISBURSEMENTS_MAX = 50_000
"""The most disbursements one run creates, so one transaction stays a sensible size. A run
that reaches it stops after a whole due date and says so; the next run goes on from there."""


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
    Without `through`, the run goes through today.
    """
    require(actor, Action.manage_plans)
    through = _through(through)
    plan = lock_plan(session, plan_id)
    missing = NotFound(f"计划不存在：{plan_id}")
    check_row_scope(session, actor, Action.manage_plans, fund_id=plan.fund_id, missing=missing)
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


def _through(value: object) -> date:
    """The last due date a run reaches: today (in the business time zone) unless given."""
    return clock.today() if value in (None, "") else parse_date(value, field="through")


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


def active_plan_ids(session: Session, *, actor: User) -> list[int]:
    """The active plans the actor may run."""
    funds = select(Fund.id).where(
        within_scope(session, actor, col(Fund.unit_id), Action.manage_plans)
    )
    return [
        plan_id
        for plan_id in session.exec(
            select(Plan.id)
            .where(Plan.status == "active", col(Plan.fund_id).in_(funds))
            .order_by(col(Plan.id))
        )
        if plan_id is not None
    ]


def run_all_plans(
    database: Database, *, through: object = None, actor: User
) -> list[dict[str, Any]]:
    """Run every active plan through `through`, as a nightly job does.

    Each plan is its own unit of work, so one plan's refusal does not hold back the others;
    the answer lists each plan's result or its error. Without `through`, through today.
    """
    require(actor, Action.manage_plans)
    through = _through(through)
    plan_ids = database.read(partial(active_plan_ids, actor=actor))
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
