"""User administration: list, add, deactivate and reactivate users, reset and change
passwords, unlock accounts, list, revoke and rotate API tokens.

Every act is the admin's (`Action.manage_users`) but changing one's own password, and
every act is written to the audit log in the same transaction. A deactivated user or a
revoked token is refused at once, by every worker: tokens are looked up in the database
on every request (`users.user_for_token`), and web sessions check `active` and the
password's fingerprint on every page.
"""

from typing import Any

from sqlmodel import Session, col, select

from carefund.access import users
from carefund.access.scope import scope_of
from carefund.access.users import Action, require
from carefund.alerts.registry import Touched, Trigger
from carefund.alerts.watch import watch
from carefund.audit import write_audit
from carefund.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from carefund.models import ApiToken, User, as_utc, utcnow
from carefund.privacy import mask_id_number, mask_phone
from carefund.recipients import IDENTITY_CHECKS
from carefund.units import get_unit
from carefund.validation import FieldCheck, check_fields


def user_public(user: User) -> dict[str, Any]:
    """A user's public form (no hashes), as the API and the pages show it."""
    locked_until = as_utc(user.locked_until) if user.locked_until is not None else None
    return {
        "id": user.id,
        "username": user.username,
        "display_name": users.shown_name(user),
        "role": user.role,
        "active": user.active,
        "locked": locked_until is not None and locked_until > utcnow(),
        "must_change_password": user.must_change_password,
        "created_at": as_utc(user.created_at),
        "id_number_masked": mask_id_number(user.id_number),
        "phone_masked": mask_phone(user.phone),
    }


def token_public(token: ApiToken) -> dict[str, Any]:
    """A token's public form: never the token itself, which is shown once when issued."""
    return {
        "id": token.id,
        "user_id": token.user_id,
        "created_at": as_utc(token.created_at),
        "revoked_at": as_utc(token.revoked_at) if token.revoked_at is not None else None,
    }


def _password(value: object) -> str:
    if not isinstance(value, str) or len(value) < users.PASSWORD_LENGTH_MIN:
        raise InvalidInput(f"密码至少 {users.PASSWORD_LENGTH_MIN} 位", field="password")
    return value


PASSWORD_CHECKS: dict[str, FieldCheck] = {"password": _password}


def _audit(session: Session, actor: User, action: str, user: User, **detail: Any) -> None:
    write_audit(session, actor=actor.username, action=action, obj=("user", user.id), detail=detail)


def require_user_admin(session: Session, actor: User) -> None:
    """Users are the whole district's: only an administrator whose grant covers it (the
    root's) manages them; a street's administrator manages that street's units and roles."""
    require(actor, Action.manage_users)
    if not scope_of(session, actor).everywhere(Action.manage_users):
        raise Forbidden("只有全区的管理员可以管理用户")


def list_users(session: Session, *, actor: User) -> list[dict[str, Any]]:
    """Every user, by login name."""
    require_user_admin(session, actor)
    return [user_public(user) for user in session.exec(select(User).order_by(col(User.username)))]


def read_user(session: Session, *, actor: User, username: str) -> dict[str, Any]:
    """One user with its tokens."""
    require_user_admin(session, actor)
    user = users.get_user(session, username)
    return user_public(user) | {"tokens": _tokens(session, user)}


def add_user(
    session: Session,
    *,
    actor: User,
    username: str,
    role: str,
    display_name: str | None = None,
    password: str | None = None,
    with_token: bool = True,
    unit: str | None = None,
) -> dict[str, Any]:
    """Add a user holding `role` on `unit` (the root district when none) and below;
    `with_token` issues a first API token: the user's public form plus `token` (shown
    once)."""
    require_user_admin(session, actor)
    place = (
        None
        if unit in (None, "")
        else get_unit(session, unit, actor=actor, action=Action.manage_units)
    )
    user = users.create_user(
        session,
        username=username,
        role=role,
        password=password,
        display_name=display_name,
        unit=place,
        actor=actor.username,
    )
    if not with_token:
        return user_public(user)
    return user_public(user) | {"token": users.issue_token(session, user)}


def set_active(session: Session, *, actor: User, username: str, active: bool) -> dict[str, Any]:
    """Deactivate (no login, no token works, at once) or reactivate a user."""
    require_user_admin(session, actor)
    user = users.get_user(session, username)
    if user.id == actor.id and not active:
        raise Conflict("不能停用自己的账户")
    if user.active != active:
        user.active = active
        session.add(user)
        _audit(session, actor, "user.reactivated" if active else "user.deactivated", user)
    return user_public(user)


def reset_password(
    session: Session, *, actor: User, username: str, password: str
) -> dict[str, Any]:
    """Give a user a new password that must be changed at the next login; unlocks too."""
    require_user_admin(session, actor)
    clean = check_fields(PASSWORD_CHECKS, {"password": password})
    user = users.get_user(session, username)
    user.failed_logins = 0
    user.locked_until = None
    return _set_password(session, actor, user, clean["password"], reset=True)


def _set_password(
    session: Session, actor: User, user: User, password: str, *, reset: bool
) -> dict[str, Any]:
    user.password_hash = users.hash_password(password)
    user.must_change_password = reset
    session.add(user)
    _audit(session, actor, "user.password_reset" if reset else "user.password_changed", user)
    return user_public(user)


def change_own_password(
    session: Session, *, actor: User, current_password: str, new_password: str
) -> dict[str, Any]:
    """Change one's own password, knowing the current one; ends the other web sessions."""
    require(actor, Action.change_own_password)
    clean = check_fields(PASSWORD_CHECKS, {"password": new_password})
    try:
        user = users.check_password(session, username=actor.username, password=current_password)
    except Unauthenticated:
        raise InvalidInput("当前密码不正确", field="current_password") from None
    if current_password == clean["password"]:
        raise InvalidInput("新密码不能与当前密码相同", field="password")
    return _set_password(session, actor, user, clean["password"], reset=False)


def unlock(session: Session, *, actor: User, username: str) -> dict[str, Any]:
    """Lift a lock that repeated failed logins put on an account."""
    require_user_admin(session, actor)
    user = users.get_user(session, username)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    _audit(session, actor, "user.unlocked", user)
    return user_public(user)


def _tokens(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id))
    )
    return [token_public(token) for token in rows]


def list_tokens(session: Session, *, actor: User, username: str) -> list[dict[str, Any]]:
    """A user's tokens, revoked ones included, oldest first."""
    require_user_admin(session, actor)
    return _tokens(session, users.get_user(session, username))


def _live_token(session: Session, *, username: str, token_id: object) -> tuple[User, ApiToken]:
    user = users.get_user(session, username)
    token = session.get(ApiToken, token_id) if isinstance(token_id, int) else None
    if token is None or token.user_id != user.id:
        raise NotFound(f"令牌不存在：{token_id}")
    if token.revoked_at is not None:
        raise Conflict(f"令牌已吊销：{token_id}")
    return user, token


def revoke_token(session: Session, *, actor: User, username: str, token_id: int) -> dict[str, Any]:
    """Revoke a token: refused from the next request on, by every worker."""
    require_user_admin(session, actor)
    user, token = _live_token(session, username=username, token_id=token_id)
    token.revoked_at = utcnow()
    session.add(token)
    _audit(session, actor, "token.revoked", user, token_id=token.id)
    return token_public(token)


def issue_token(session: Session, *, actor: User, username: str) -> dict[str, Any]:
    """Another token for a user: its public form plus `token` (shown once)."""
    require_user_admin(session, actor)
    user = users.get_user(session, username)
    return _issue(session, actor, user)


def _issue(session: Session, actor: User, user: User) -> dict[str, Any]:
    token = users.issue_token(session, user)
    issued = session.exec(
        select(ApiToken).where(ApiToken.token_hash == users.token_hash(token))
    ).one()
    _audit(session, actor, "token.issued", user, token_id=issued.id)
    return token_public(issued) | {"token": token}


def rotate_token(session: Session, *, actor: User, username: str, token_id: int) -> dict[str, Any]:
    """Revoke a token and issue its successor in one transaction (`token` shown once)."""
    revoke_token(session, actor=actor, username=username, token_id=token_id)
    return _issue(session, actor, users.get_user(session, username))


def set_identity(
    session: Session, *, actor: User, username: str, id_number: object, phone: object
) -> dict[str, Any]:
    """Set (or clear, with empty text) a staff member's ID number and phone, kept sealed,
    for the conflict-of-interest rule (利益关联): a recipient sharing one is an alert."""
    require(actor, Action.manage_users)
    clean = check_fields(IDENTITY_CHECKS, {"id_number": id_number, "phone": phone})
    user = users.get_user(session, username)
    changes = {
        name: [mask(getattr(user, name)), mask(clean[name])]
        for name, mask in (("id_number", mask_id_number), ("phone", mask_phone))
        if getattr(user, name) != clean[name]
    }
    if changes:
        user.id_number, user.phone = clean["id_number"], clean["phone"]
        session.add(user)
        session.flush()
        _audit(session, actor, "user.identity_set", user, changes=changes)
        watch(session, Touched(Trigger.staff, username=user.username))
    return user_public(user)
