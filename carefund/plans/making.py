"""Making and changing plans: create one, pause, resume, end."""

from functools import partial

from sqlmodel import Session, select

from carefund.access.scope import scope_of, unit_path_of
from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.funds import check_row_scope, get_fund
from carefund.limits import NAME_LENGTH_MAX, PLAN_RECIPIENTS_MAX
from carefund.models import Fund, Plan, PlanRecipient, Recipient, User
from carefund.money import parse_amount
from carefund.plans.views import plans_public
from carefund.recipients import active_ids_in_category, ids_for_member_nos, recipients_by_id
from carefund.rrule import normalized_rule, parse_rule
from carefund.validation import FieldCheck, check_fields, choose, clean_text, parse_date
from carefund.vocabulary import Aspect


def _day_or_none(value: object) -> object:
    return None if value in (None, "") else parse_date(value, field="until")


PLAN_CHECKS: dict[str, FieldCheck] = {
    "name": partial(clean_text, field="name", length_max=NAME_LENGTH_MAX, required=True),
    "start": partial(parse_date, field="start"),
    "until": _day_or_none,
    "amount": parse_amount,
    "aspect": partial(choose, Aspect, field="aspect"),
    "purpose": partial(clean_text, field="purpose", length_max=NAME_LENGTH_MAX),
}
"""The fields of a new plan that need neither each other nor the database to check."""


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
    recipient_ids: object = None,
    member_nos: object = None,
    category: object = None,
    actor: User,
) -> Plan:
    """Make a recurring plan paying `amount` to each of its recipients on every due date.

    The recipients are `recipient_ids`; a person instead names them by member number
    (`member_nos`, separated by spaces, commas or new lines) or takes every active member
    of a `category`.
    """
    require(actor, Action.manage_plans)
    values = {"name": name, "start": start, "until": until, "amount": amount}
    fields = check_fields(PLAN_CHECKS, values | {"aspect": aspect, "purpose": purpose})
    if fields["until"] is not None and fields["until"] < fields["start"]:
        raise InvalidInput("截止日期不能早于开始日期", field="until")
    parse_rule(rule, start=fields["start"], until=fields["until"])
    assert isinstance(rule, str)
    fund = get_fund(session, fund_code, actor=actor, action=Action.manage_plans)
    by_category = recipient_ids is None and not (isinstance(member_nos, str) and member_nos.strip())
    if recipient_ids is None:
        recipient_ids = _ids_named(session, member_nos=member_nos, category=category)
    roll = _within_scope(session, actor, _check_recipients(session, recipient_ids), by_category)
    assert fund.id is not None
    plan = Plan(
        fund_id=fund.id,
        name=fields["name"],
        rule=normalized_rule(rule),
        start=fields["start"],
        until=fields["until"],
        amount_fen=fields["amount"],
        aspect=fields["aspect"].value,
        purpose=fields["purpose"],
        status="active",
        created_by=actor.username,
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    session.add_all([PlanRecipient(plan_id=plan.id, recipient_id=r.id or 0) for r in roll])
    session.flush()
    public = plans_public(session, [plan])[0]
    write_audit(
        session,
        actor=actor.username,
        action="plan.created",
        obj=("plan", plan.id),
        detail={k: public[k] for k in _AUDITED} | {"recipient_count": len(roll)},
    )
    record_event(session, "plan.created", public, unit_id=fund.unit_id)
    return plan


_AUDITED = ("fund", "name", "rule", "start", "until", "amount", "aspect")


def _ids_named(session: Session, *, member_nos: object, category: object) -> list[int]:
    """The recipients a person names: by member number, else every active one of a category."""
    if isinstance(member_nos, str) and member_nos.strip():
        return ids_for_member_nos(session, member_nos, field="member_nos")
    if category:
        ids = active_ids_in_category(session, category, field="category")
        if not ids:
            raise InvalidInput("该类别没有在册的关爱对象", field="category")
        return ids
    raise InvalidInput("请填写党员编号，或选择一个类别", field="member_nos")


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


def _within_scope(
    session: Session, actor: User, roll: list[Recipient], by_category: bool
) -> list[Recipient]:
    """The roll as far as the actor may see it: a category's members outside it are left
    out; members named outside it do not exist for them."""
    scope = scope_of(session, actor)
    if scope.everywhere(Action.read):
        return roll
    seen = [r for r in roll if scope.covers(Action.read, unit_path_of(session, r.unit_id))]
    if by_category and not seen:
        raise InvalidInput("该类别没有在册的关爱对象", field="category")
    hidden = [r for r in roll if r not in seen]
    if hidden and not by_category:
        # Said as for members who do not exist, by what the person named them with.
        raise InvalidInput(
            f"关爱对象不存在：{_few([r.id for r in hidden])}"
            f"（党员编号不在名册中：{_few([r.member_no for r in hidden])}）",
            field="recipient_ids",
        )
    return seen


def _few(items: list, shown: int = 10) -> str:
    text = ", ".join(str(item) for item in items[:shown])
    return text + (f" 等 {len(items)} 个" if len(items) > shown else "")


STATUS_CHANGES = {
    "pause": ({"active"}, "paused"),
    "resume": ({"paused"}, "active"),
    "end": ({"active", "paused"}, "ended"),
}
"""Each change: the statuses it may start from, and where it leads. Pausing stops
generating until resumed (due dates passed meanwhile are generated on resume); ending is for
good (submitted disbursements stay as they are)."""


def change_plan(session: Session, *, plan_id: object, change: str, actor: User) -> Plan:
    """Pause, resume or end a plan (`change` names which)."""
    require(actor, Action.manage_plans)
    allowed_from, to = STATUS_CHANGES[change]
    plan = lock_plan(session, plan_id)
    missing = NotFound(f"计划不存在：{plan_id}")
    check_row_scope(session, actor, Action.manage_plans, fund_id=plan.fund_id, missing=missing)
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
    unit_id = session.exec(select(Fund.unit_id).where(Fund.id == plan.fund_id)).first()
    record_event(session, "plan.updated", plans_public(session, [plan])[0], unit_id=unit_id)
    return plan


def pause_plan(session: Session, *, plan_id: object, actor: User) -> Plan:
    return change_plan(session, plan_id=plan_id, change="pause", actor=actor)


def resume_plan(session: Session, *, plan_id: object, actor: User) -> Plan:
    return change_plan(session, plan_id=plan_id, change="resume", actor=actor)


def end_plan(session: Session, *, plan_id: object, actor: User) -> Plan:
    return change_plan(session, plan_id=plan_id, change="end", actor=actor)


def lock_plan(session: Session, plan_id: object) -> Plan:
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
