"""Reading plans: the one public form (also every `plan.*` event's data), its loader for
many plans, and the reads the API and the pages use."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.scope import within_scope
from carefund.access.users import Action, require
from carefund.errors import InvalidInput, NotFound
from carefund.funds import check_row_scope, get_fund, list_funds
from carefund.models import Disbursement, Fund, Plan, PlanRecipient, User, as_utc
from carefund.money import format_fen
from carefund.rrule import upcoming

PLAN_STATUSES = ("active", "paused", "ended")


@dataclass(frozen=True)
class PlanRefs:
    """What a plan's public form shows that its row does not hold."""

    fund_code: str
    recipient_ids: list[int]
    last_generated_due: date | None
    """The latest due date a run has generated."""


def plan_public(plan: Plan, refs: PlanRefs) -> dict[str, Any]:
    """A plan as the API, the pages and the events feed show it, with its next due date
    and a preview of the next few."""
    last = refs.last_generated_due
    preview = upcoming(plan, after=last) if plan.status != "ended" else []
    return {
        "id": plan.id,
        "fund": refs.fund_code,
        "name": plan.name,
        "rule": plan.rule,
        "start": plan.start.isoformat(),
        "until": plan.until.isoformat() if plan.until else None,
        "amount": format_fen(plan.amount_fen),
        "aspect": plan.aspect,
        "purpose": plan.purpose,
        "status": plan.status,
        "recipient_ids": refs.recipient_ids,
        "recipient_count": len(refs.recipient_ids),
        "last_generated_due": last.isoformat() if last else None,
        "next_due": preview[0].isoformat() if preview else None,
        "preview": [day.isoformat() for day in preview],
        "created_by": plan.created_by,
        "created_at": as_utc(plan.created_at).isoformat(),
    }


def plans_public(session: Session, rows: list[Plan]) -> list[dict[str, Any]]:
    """The public form of stored plans, their refs loaded in three queries however many."""
    plan_ids = [plan.id for plan in rows]
    fund_ids = {plan.fund_id for plan in rows}
    codes = dict(session.exec(select(Fund.id, Fund.code).where(col(Fund.id).in_(fund_ids))).all())
    rolls: dict[int, list[int]] = defaultdict(list)
    for plan_id, recipient_id in session.exec(
        select(PlanRecipient.plan_id, PlanRecipient.recipient_id)
        .where(col(PlanRecipient.plan_id).in_(plan_ids))
        .order_by(col(PlanRecipient.recipient_id))
    ):
        rolls[plan_id].append(recipient_id)
    last_due = dict(
        session.exec(
            select(Disbursement.plan_id, func.max(Disbursement.due_on))
            .where(col(Disbursement.plan_id).in_(plan_ids))
            .group_by(col(Disbursement.plan_id))
        ).all()
    )
    return [
        plan_public(
            plan,
            PlanRefs(
                fund_code=codes[plan.fund_id],
                recipient_ids=rolls[plan.id or 0],
                last_generated_due=last_due.get(plan.id),
            ),
        )
        for plan in rows
    ]


def get_plan(session: Session, *, plan_id: object, actor: User) -> dict[str, Any]:
    """One plan's public form."""
    require(actor, Action.read)
    valid = isinstance(plan_id, int) and not isinstance(plan_id, bool)
    plan = session.get(Plan, plan_id) if valid else None
    missing = NotFound(f"计划不存在：{plan_id}")
    if plan is None:
        raise missing
    check_row_scope(session, actor, Action.read, fund_id=plan.fund_id, missing=missing)
    return plans_public(session, [plan])[0]


def list_plans(
    session: Session,
    *,
    actor: User,
    fund_code: str | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """A page of plans by id, in public form."""
    require(actor, Action.read)
    visible = select(Fund.id).where(within_scope(session, actor, col(Fund.unit_id)))
    query = select(Plan).where(col(Plan.id) > after_id, col(Plan.fund_id).in_(visible))
    if fund_code is not None:
        query = query.where(Plan.fund_id == get_fund(session, fund_code, actor=actor).id)
    if status is not None:
        if status not in PLAN_STATUSES:
            choices = ", ".join(PLAN_STATUSES)
            raise InvalidInput(f"无效的状态 {status!r}，可选：{choices}", field="status")
        query = query.where(Plan.status == status)
    return plans_public(session, list(session.exec(query.order_by(col(Plan.id)).limit(limit))))


def plan_form(session: Session, *, actor: User) -> list[Fund]:
    """The funds a new plan may pay from, for who may make plans."""
    require(actor, Action.manage_plans)
    return list_funds(session, actor=actor, action=Action.manage_plans)
