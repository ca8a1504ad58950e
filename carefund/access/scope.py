"""Where a user may do what: roles granted on units (区 → 街道 → 社区/村), inherited downward.

A user's scope is their grants, each a role and the path of a unit (`/DISTRICT/LX-JFL/`);
a grant covers its unit and every unit whose path starts with it. The role matrix stays
`carefund.access.users.PERMISSIONS`: a grant allows what its role allows, where it covers.
What lies outside every grant the caller holds is not theirs to see: the checks here answer
`NotFound`, never `Forbidden`, so that nobody learns what exists in another street.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session, col, select

from carefund.access.users import PERMISSIONS, Action
from carefund.errors import Forbidden, NotFound
from carefund.models import Grant, Unit, User
from carefund.vocabulary import Role

EVERYWHERE = "/"
"""The path that covers every unit: the command line's own operator holds its role there."""
GRANT_SEPARATOR = ","
"""Between grants in the token lookup's one-column list of them (`role path,role path`)."""
_CACHE = "_scope"


@dataclass(frozen=True)
class Scope:
    """The roles a user holds and the unit paths each holds on."""

    grants: tuple[tuple[str, str], ...]
    """(role, unit path) pairs."""

    def roles(self) -> set[str]:
        return {role for role, _path in self.grants}

    def paths(self, action: Action) -> list[str]:
        """The paths of the grants that allow the action, none under another."""
        allowed = sorted({path for role, path in self.grants if _allows(role, action)})
        return [path for path in allowed if not any(_under(path, top) for top in allowed)]

    def covers(self, action: Action, unit_path: str | None) -> bool:
        """Whether some grant whose role allows the action covers the unit."""
        path = unit_path or ""
        return any(path.startswith(top) for top in self.paths(action))

    def everywhere(self, action: Action) -> bool:
        """Whether a grant that allows the action covers the whole tree (a root's grant)."""
        return any(top.count("/") <= 2 for top in self.paths(action))


def _allows(role: str, action: Action) -> bool:
    try:
        return Role(role) in PERMISSIONS[action]
    except ValueError:
        return False


def _under(path: str, top: str) -> bool:
    return path != top and path.startswith(top)


def scope_from_text(text: str | None) -> Scope:
    """A scope from the token lookup's list of grants (`role path,role path`)."""
    pairs = [item.split(" ", 1) for item in (text or "").split(GRANT_SEPARATOR) if " " in item]
    return Scope(tuple((role, path) for role, path in pairs))


def remember_scope(actor: User, scope: Scope) -> User:
    """Keep the scope on the actor, for the checks of this request."""
    setattr(actor, _CACHE, scope)
    return actor


def known_scope(actor: User) -> Scope | None:
    """The scope kept on the actor, if one was loaded."""
    return getattr(actor, _CACHE, None)


def scope_of(session: Session, actor: User) -> Scope:
    """The actor's scope: kept on it, else read once from their grants and kept.

    A user with no row (the command line's operator) holds its role everywhere."""
    scope = known_scope(actor)
    if scope is None:
        scope = load_scope(session, actor)
        remember_scope(actor, scope)
    return scope


def load_scope(session: Session, actor: User) -> Scope:
    if actor.id is None:
        return Scope(((actor.role, EVERYWHERE),))
    rows = session.exec(
        select(Grant.role, Unit.path)
        .join(Unit, col(Unit.id) == col(Grant.unit_id))
        .where(Grant.user_id == actor.id)
    )
    return Scope(tuple((role, path) for role, path in rows))


def check_in_scope(
    session: Session,
    actor: User,
    action: Action,
    unit_path: str | None | Callable[[], str | None],
    missing: NotFound,
) -> None:
    """Refuse with `missing` what the actor may not see, and with `Forbidden` what they
    may see but not do the action on (call `require(actor, action)` first). `unit_path`
    may be a function that finds it: not called when the actor's grant covers everything."""
    scope = scope_of(session, actor)
    if scope.everywhere(action):
        return
    if callable(unit_path):
        unit_path = unit_path()
    if not scope.covers(Action.read, unit_path):
        raise missing
    if not scope.covers(action, unit_path):
        raise Forbidden(f"在该单位无权执行此操作（{action.value}）")


def within_scope(
    session: Session, actor: User, unit_id: Any, action: Action = Action.read
) -> ColumnElement[bool]:
    """A condition on a `unit_id` column: the rows the actor may do the action on."""
    scope = scope_of(session, actor)
    if scope.everywhere(action):
        return true()
    paths = scope.paths(action)
    if not paths:
        return false()
    units = select(Unit.id).where(or_(*[col(Unit.path).startswith(path) for path in paths]))
    return unit_id.in_(units)


def unit_path_of(session: Session, unit_id: int | None) -> str | None:
    """The path of a unit by id, asked once per transaction per unit."""
    if unit_id is None:
        return None
    known: dict[int, str] = session.info.setdefault("unit_paths", {})
    if unit_id not in known:
        path = session.exec(select(Unit.path).where(Unit.id == unit_id)).first()
        if path is None:
            return None
        known[unit_id] = path
    return known[unit_id]


ROOT_CODE = "DISTRICT"
"""The root district's code when carefund makes it (the migration makes the same)."""
ROOT_NAME = "本区"


def root_unit(session: Session) -> Unit:
    """The district at the root of the tree, made when missing (a database emptied by hand)."""
    root = session.exec(select(Unit).where(col(Unit.parent_id).is_(None))).first()
    if root is None:
        root = Unit(code=ROOT_CODE, name=ROOT_NAME, kind="district", path=f"/{ROOT_CODE}/")
        session.add(root)
        session.flush()
    return root


def add_grant(session: Session, *, user_id: int, role: str, unit: Unit) -> bool:
    """Grant a role on a unit (and below); False when the user already holds it there."""
    held = session.exec(
        select(Grant.id).where(
            Grant.user_id == user_id, Grant.unit_id == unit.id, Grant.role == role
        )
    ).first()
    if held is not None:
        return False
    session.add(Grant(user_id=user_id, unit_id=unit.id or 0, role=role))
    session.flush()
    return True
