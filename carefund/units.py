"""The organisation tree (区 → 街道 → 社区/村): units, and the roles users hold on them.

Funds and recipients belong to a unit; a role granted on a unit holds there and below
(`carefund.access.scope`). Units are added under a parent and never move, so a unit's
path of codes is fixed and its subtree is a prefix match.
"""

from typing import Any

from sqlmodel import Session, col, select

from carefund.access.scope import (
    add_grant,
    check_in_scope,
    root_unit,
    scope_of,
    within_scope,
)
from carefund.access.users import Action, get_user, require
from carefund.audit import write_audit
from carefund.errors import Conflict, Duplicate, InvalidInput, NotFound
from carefund.limits import NAME_LENGTH_MAX
from carefund.models import Grant, Unit, User, row_id
from carefund.validation import FieldCheck, check_fields, choose, clean_text, code_check, is_code
from carefund.vocabulary import UNIT_KIND_BELOW, UNIT_KIND_NAMES, Role

UNITS_MAX = 1000
"""The most units one read answers (a district has a few streets and their communities)."""


UNIT_CHECKS: dict[str, FieldCheck] = {
    "code": code_check("单位", "LX-JFL"),
    "name": lambda value: clean_text(
        value, field="name", length_max=NAME_LENGTH_MAX, required=True
    ),
    "parent": lambda value: clean_text(value, field="parent", length_max=32, required=True),
}
"""The rules of a new unit's fields, for `create_unit` and the form that adds one."""


def unit_public(unit: Unit, parent_code: str | None) -> dict[str, Any]:
    """A unit as the API shows it."""
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "kind_name": UNIT_KIND_NAMES[unit.kind],
        "parent": parent_code,
        "path": unit.path,
    }


def units_public(session: Session, rows: list[Unit]) -> list[dict[str, Any]]:
    """`unit_public` of several units, their parents' codes loaded in one query."""
    parent_ids = {unit.parent_id for unit in rows if unit.parent_id is not None}
    codes = (
        dict(session.exec(select(Unit.id, Unit.code).where(col(Unit.id).in_(parent_ids))).all())
        if parent_ids
        else {}
    )
    return [unit_public(unit, codes.get(unit.parent_id)) for unit in rows]


def find_unit(session: Session, code: object) -> Unit:
    """The unit with this code, whoever asks (`get_unit` asks who)."""
    unit = session.exec(select(Unit).where(Unit.code == code)).first() if is_code(code) else None
    if unit is None:
        raise NotFound(f"单位不存在：{str(code)[:40]}", field="unit")
    return unit


def get_unit(session: Session, code: object, *, actor: User, action: Action = Action.read) -> Unit:
    """The unit with this code, when the actor may do the action there; `NotFound` when it
    is outside what they may see, as if it did not exist."""
    unit = find_unit(session, code)
    check_in_scope(session, actor, action, unit.path, NotFound(f"单位不存在：{code}", field="unit"))
    return unit


def create_unit(
    session: Session, *, code: object, name: object, parent: object, actor: User
) -> dict[str, Any]:
    """Add a street under the district or a community under a street; its public form."""
    require(actor, Action.manage_units)
    clean = check_fields(UNIT_CHECKS, {"code": code, "name": name, "parent": parent})
    above = get_unit(session, clean["parent"], actor=actor, action=Action.manage_units)
    kind = UNIT_KIND_BELOW.get(above.kind)
    if kind is None:
        raise InvalidInput("社区/村之下不能再设单位", field="parent")
    if session.exec(select(Unit).where(Unit.code == clean["code"])).first():
        raise Duplicate(f"单位代码已存在：{clean['code']}", field="code")
    unit = Unit(
        code=clean["code"],
        name=clean["name"],
        kind=kind,
        parent_id=above.id,
        path=f"{above.path}{clean['code']}/",
    )
    session.add(unit)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="unit.created",
        obj=("unit", unit.id),
        detail={"code": unit.code, "name": unit.name, "kind": kind, "parent": above.code},
    )
    return unit_public(unit, above.code)


def rename_unit(session: Session, *, code: str, name: object, actor: User) -> dict[str, Any]:
    """Give a unit a new name (a street renamed, a typo mended); its code and place in the
    tree stay, so paths, grants and receipts are untouched. Audited with old and new."""
    require(actor, Action.manage_units)
    unit = get_unit(session, code, actor=actor, action=Action.manage_units)
    new_name = UNIT_CHECKS["name"](name)
    if new_name != unit.name:
        write_audit(
            session,
            actor=actor.username,
            action="unit.renamed",
            obj=("unit", unit.id),
            detail={"code": unit.code, "name": [unit.name, new_name]},
        )
        unit.name = new_name
        session.add(unit)
        session.flush()
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    return unit_public(unit, parent.code if parent else None)


def read_units(session: Session, *, actor: User) -> list[dict[str, Any]]:
    """The units the actor may see, in tree order (each after its parent)."""
    require(actor, Action.read)
    rows = list(
        session.exec(
            select(Unit)
            .where(within_scope(session, actor, col(Unit.id)))
            .order_by(col(Unit.path))
            .limit(UNITS_MAX)
        )
    )
    return units_public(session, rows)


def read_unit(session: Session, *, code: str, actor: User) -> dict[str, Any]:
    """One unit's public form, with the codes of the units directly below it."""
    require(actor, Action.read)
    unit = get_unit(session, code, actor=actor)
    below = session.exec(
        select(Unit.code).where(Unit.parent_id == unit.id).order_by(col(Unit.code))
    )
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    return unit_public(unit, parent.code if parent else None) | {"units": list(below)}


def unit_for_new(session: Session, code: object, *, actor: User, action: Action) -> Unit:
    """The unit a new fund or recipient goes to: `code`, else the actor's own (the highest
    unit where they may do the action), else the root district."""
    if code not in (None, ""):
        return get_unit(session, code, actor=actor, action=action)
    paths = scope_of(session, actor).paths(action)
    if paths and paths[0] != "/":
        found = session.exec(select(Unit).where(Unit.path == paths[0])).first()
        if found is not None:
            return found
    return root_unit(session)


def unit_choices(session: Session, *, actor: User, action: Action) -> list[Unit]:
    """The units where the actor may do the action, in tree order, for a form's choice."""
    return list(
        session.exec(
            select(Unit)
            .where(within_scope(session, actor, col(Unit.id), action))
            .order_by(col(Unit.path))
            .limit(UNITS_MAX)
        )
    )


def _grant_parts(
    session: Session, username: str, role: object, unit: object, *, actor: User
) -> tuple[Role, Unit, User]:
    """What granting or revoking names, checked: the role, the unit (where the actor
    administers) and the user."""
    require(actor, Action.manage_units)
    chosen = choose(Role, role, field="role")
    place = get_unit(session, unit, actor=actor, action=Action.manage_units)
    return chosen, place, get_user(session, username)


def grant_role(
    session: Session, *, username: str, role: object, unit: object, actor: User
) -> list[dict[str, Any]]:
    """Grant a user a role on a unit and below; the user's grants after it."""
    chosen, place, user = _grant_parts(session, username, role, unit, actor=actor)
    if add_grant(session, user_id=row_id(user), role=chosen.value, unit=place):
        write_audit(
            session,
            actor=actor.username,
            action="user.granted",
            obj=("user", user.id),
            detail={"role": chosen.value, "unit": place.code},
        )
    return grants_of(session, user)


def revoke_role(
    session: Session, *, username: str, role: object, unit: object, actor: User
) -> list[dict[str, Any]]:
    """Take back a role a user holds on a unit; the user's grants after it."""
    chosen, place, user = _grant_parts(session, username, role, unit, actor=actor)
    grant = session.exec(
        select(Grant).where(
            Grant.user_id == user.id, Grant.unit_id == place.id, Grant.role == chosen.value
        )
    ).first()
    if grant is None:
        raise NotFound(f"{username} 在 {place.code} 没有角色 {chosen.value}", field="role")
    if user.id == actor.id and chosen is Role.admin:
        # Else an admin could lock the district out of its own administration by one click.
        raise Conflict("不能收回自己的管理员角色，请由另一位管理员收回", field="role")
    session.delete(grant)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="user.revoked",
        obj=("user", user.id),
        detail={"role": chosen.value, "unit": place.code},
    )
    return grants_of(session, user)


def read_grants(session: Session, *, username: str, actor: User) -> list[dict[str, Any]]:
    """The roles a user holds and where."""
    require(actor, Action.manage_units)
    return grants_of(session, get_user(session, username))


GRANTS_MAX = 2000
"""The most grants one read answers (a district has some dozens of staff)."""


def read_all_grants(session: Session, *, actor: User) -> list[dict[str, Any]]:
    """Every grant on the units the actor administers, in tree order, for the page that
    shows who holds what where and takes a role back."""
    require(actor, Action.manage_units)
    rows = session.exec(
        select(User.username, Grant.role, Unit.code, Unit.name)
        .join(Unit, col(Unit.id) == col(Grant.unit_id))
        .join(User, col(User.id) == col(Grant.user_id))
        .where(within_scope(session, actor, col(Grant.unit_id), Action.manage_units))
        .order_by(col(Unit.path), col(User.username), col(Grant.role))
        .limit(GRANTS_MAX)
    )
    return [
        {"username": username, "role": role, "unit": code, "unit_name": name}
        for username, role, code, name in rows
    ]


def grants_of(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Grant.role, Unit.code, Unit.name)
        .join(Unit, col(Unit.id) == col(Grant.unit_id))
        .where(Grant.user_id == user.id)
        .order_by(col(Unit.path), col(Grant.role))
    )
    return [{"role": role, "unit": code, "unit_name": name} for role, code, name in rows]
