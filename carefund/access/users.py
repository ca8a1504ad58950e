"""Users, roles, API tokens and passwords; who may do what.

Every use case asks `require(actor, Action.X)` first, so the API, the pages and the
command line enforce one role matrix (DESIGN.md, Roles).
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as core_select
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.attributes import manager_of_class
from sqlmodel import Session, col, select

from carefund.audit import write_audit
from carefund.errors import Duplicate, Forbidden, InvalidInput, NotFound, Unauthenticated
from carefund.limits import DISPLAY_NAME_LENGTH_MAX
from carefund.models import ApiToken, Grant, Unit, User, as_utc, row_id, utcnow
from carefund.storage.database import Database
from carefund.storage.direct import DirectStatement
from carefund.validation import clean_text
from carefund.vocabulary import Role

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
RESERVED_USERNAMES = {"me"}
"""Names the API's paths use for the caller (`/users/me/password`)."""
PASSWORD_LENGTH_MIN = 8
LOGIN_ATTEMPTS_MAX = 5
"""Failed logins in a row before the account is locked for a while."""
LOGIN_LOCK = timedelta(minutes=15)
TOKEN_PREFIX = "cf_"

_hasher = PasswordHasher()


class Action(StrEnum):
    """Things a role may be allowed to do."""

    read = "read"
    """See funds, incomes, recipients, disbursements, the journal, events."""
    manage_funds = "manage_funds"
    """Open funds."""
    manage_units = "manage_units"
    """Add units to the organisation tree; grant and revoke roles on them."""
    manage_users = "manage_users"
    """Add, deactivate and unlock users; reset passwords; issue and revoke tokens."""
    change_own_password = "change_own_password"
    """Change one's own web password."""
    read_audit = "read_audit"
    """Read the audit trail of any record."""
    record_income = "record_income"
    """Record money received."""
    reverse_income = "reverse_income"
    """Reverse an income and void its receipt."""
    review_income = "review_income"
    """Review (复核) an income someone else recorded."""
    manage_recipients = "manage_recipients"
    """Add, edit and import recipients."""
    submit_disbursement = "submit_disbursement"
    """Submit a disbursement."""
    cancel_disbursement = "cancel_disbursement"
    """Withdraw a submitted disbursement."""
    approve_disbursement = "approve_disbursement"
    """Approve or reject a disbursement."""
    pay_disbursement = "pay_disbursement"
    """Mark an approved disbursement paid."""
    reverse_disbursement = "reverse_disbursement"
    """Reverse a paid disbursement."""
    manage_plans = "manage_plans"
    """Create, pause, end and run recurring plans."""
    close_period = "close_period"
    """Close a month."""
    reopen_period = "reopen_period"
    """Reopen a closed month, with a reason."""
    read_statements = "read_statements"
    """Download statements and exports."""
    verify = "verify"
    """Recompute the hash chain."""
    read_alerts = "read_alerts"
    """See the early-warning alerts (廉情预警) and the rules' settings."""
    handle_alerts = "handle_alerts"
    """Acknowledge and resolve alerts, with a note."""
    scan_alerts = "scan_alerts"
    """Run every rule over the books (the nightly scan) and import other districts' lists."""
    manage_alert_rules = "manage_alert_rules"
    """Enable, grade and tune the rules."""
    prepare_batch = "prepare_batch"
    """Make a batch of disbursements (a plan run, a filter)."""
    bank_transfer = "bank_transfer"
    """Write a batch's bank file (account numbers in full), import the bank's return files
    and statements, match statement lines."""
    confirm_reconciliation = "confirm_reconciliation"
    """Book bank-only lines (fees, interest), confirm a month's reconciliation, set the
    fund's bank rules."""


_EVERYONE = set(Role)
PERMISSIONS: dict[Action, set[Role]] = {
    Action.read: _EVERYONE,
    Action.manage_funds: {Role.admin},
    Action.manage_units: {Role.admin},
    Action.manage_users: {Role.admin},
    Action.change_own_password: _EVERYONE,
    Action.read_audit: {Role.admin, Role.auditor},
    Action.record_income: {Role.admin, Role.clerk, Role.integration},
    Action.reverse_income: {Role.admin, Role.approver},
    Action.review_income: {Role.admin, Role.clerk, Role.approver},
    Action.manage_recipients: {Role.admin, Role.clerk, Role.integration},
    Action.submit_disbursement: {Role.admin, Role.clerk, Role.integration},
    Action.cancel_disbursement: {Role.admin, Role.clerk},
    Action.approve_disbursement: {Role.admin, Role.approver},
    Action.pay_disbursement: {Role.admin, Role.cashier},
    Action.reverse_disbursement: {Role.admin, Role.approver},
    Action.manage_plans: {Role.admin, Role.clerk},
    Action.close_period: {Role.admin, Role.approver},
    Action.reopen_period: {Role.admin},
    Action.read_statements: {Role.admin, Role.approver, Role.auditor},
    Action.verify: {Role.admin, Role.auditor},
    Action.read_alerts: {Role.admin, Role.auditor},
    Action.handle_alerts: {Role.admin, Role.auditor},
    Action.scan_alerts: {Role.admin, Role.auditor},
    Action.manage_alert_rules: {Role.admin},
    Action.prepare_batch: {Role.admin, Role.clerk},
    Action.bank_transfer: {Role.admin, Role.cashier},
    Action.confirm_reconciliation: {Role.admin, Role.approver},
}


def may(actor: User, action: Action) -> bool:
    """Whether one of the actor's roles allows the action somewhere: the roles of their
    grants once loaded (`carefund.access.scope`), else their role. Where it is allowed is
    asked of the record's unit (`check_in_scope`) or of the rows listed (`within_scope`)."""
    scope = getattr(actor, "_scope", None)
    roles = scope.roles() if scope is not None else {actor.role}
    return actor.active and any(Role(role) in PERMISSIONS[action] for role in roles)


def require(actor: User, action: Action) -> None:
    """Refuse with `Forbidden` unless the actor's role allows the action."""
    if not may(actor, action):
        raise Forbidden(f"角色 {actor.role} 无权执行此操作（{action.value}）")


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str | None = None,
    display_name: str | None = None,
    unit: Unit | None = None,
    actor: str,
) -> User:
    """Add a user holding `role` on `unit` (the root district when none) and below;
    `password` enables the web pages (API tokens are issued separately)."""
    # The scope module builds on this one's role matrix, so it is imported here, not above.
    from carefund.access.scope import add_grant, root_unit

    if not USERNAME_PATTERN.fullmatch(username or ""):
        raise InvalidInput(
            "用户名只能由字母、数字、下划线、点和连字符组成，最长 64 位", field="username"
        )
    try:
        role = Role(role).value
    except ValueError:
        raise InvalidInput(
            f"未知角色：{role}（可选：{', '.join(r.value for r in Role)}）", field="role"
        ) from None
    if username in RESERVED_USERNAMES:
        raise InvalidInput(f"用户名 {username} 为保留名称，请换一个", field="username")
    if session.exec(select(User).where(User.username == username)).first():
        raise Duplicate(f"用户名已存在：{username}", field="username")
    display_name = clean_text(
        display_name, field="display_name", length_max=DISPLAY_NAME_LENGTH_MAX
    )
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        display_name=display_name or None,
    )
    session.add(user)
    session.flush()
    unit = unit or root_unit(session)
    add_grant(session, user_id=row_id(user), role=role, unit=unit)
    write_audit(
        session,
        actor=actor,
        action="user.created",
        obj=("user", user.id),
        detail={"role": role, "display_name": user.display_name, "unit": unit.code},
    )
    return user


def hash_password(password: str | None) -> str | None:
    """The argon2 hash of a new password, refused when too short; None for none."""
    if password is None:
        return None
    if len(password) < PASSWORD_LENGTH_MIN:
        raise InvalidInput(f"密码至少 {PASSWORD_LENGTH_MIN} 位", field="password")
    return _hasher.hash(password)


def issue_token(session: Session, user: User) -> str:
    """A new API token for the user; only its hash is stored, so show it now or never."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=row_id(user), token_hash=token_hash(token)))
    session.flush()
    return token


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough to make a stolen table useless.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_USERS = User.__table__  # type: ignore[attr-defined]
_TOKENS = ApiToken.__table__  # type: ignore[attr-defined]
_GRANTS = Grant.__table__  # type: ignore[attr-defined]
_UNITS = Unit.__table__  # type: ignore[attr-defined]


def _token_user(aggregate: Any) -> Any:
    """The token's user with their grants as one text column (`role path,role path`): the
    lookup stays one statement through the token hash's unique index."""
    grants = (
        core_select(aggregate(_GRANTS.c.role + " " + _UNITS.c.path, ","))
        .select_from(_GRANTS.join(_UNITS, _GRANTS.c.unit_id == _UNITS.c.id))
        .where(_GRANTS.c.user_id == _USERS.c.id)
        .scalar_subquery()
    )
    return (
        core_select(
            _USERS.c.id,
            _USERS.c.username,
            _USERS.c.role,
            _USERS.c.active,
            _USERS.c.display_name,
            _USERS.c.must_change_password,
            grants,
        )
        .select_from(_TOKENS.join(_USERS, _TOKENS.c.user_id == _USERS.c.id))
        .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None))
    )


_TOKEN_USER = DirectStatement(
    {
        "sqlite": _token_user(func.group_concat),
        "postgresql": _token_user(func.string_agg),
    }
)


def user_for_token(database: Database, token: str) -> User:
    """The active user a bearer token belongs to, with their grants, or `Unauthenticated`.

    Asked of the database on every call (one query through the token hash's unique index),
    never from a cache: a revoked token or a deactivated user is refused on the very next
    request, by every worker.
    """
    row = database.look_up(_TOKEN_USER, {"token_hash": token_hash(token)})
    if row is None or not row[3]:
        raise Unauthenticated("令牌无效或已停用")
    # The scope module builds on this one's role matrix, so it is imported here, not above.
    from carefund.access.scope import remember_scope, scope_from_text

    user_id, username, role, _active, display_name, must_change_password, grants = row
    # The caller as the use cases see it (who and what role): a new instance, in no session.
    user = _transient_user(
        id=user_id,
        username=username,
        role=role,
        active=True,
        display_name=display_name,
        must_change_password=bool(must_change_password),
    )
    return remember_scope(user, scope_from_text(grants))


def _transient_user(**values: Any) -> User:
    """`User(**values)`, the other fields at their defaults, at a fifth of its cost (every
    API request makes one): pydantic's and the ORM's per-attribute bookkeeping is skipped,
    as when the ORM loads a row. Trusted values only (from the database)."""
    if not sa_inspect(User).configured:  # as the constructor would (the first request)
        configure_mappers()
    user = manager_of_class(User).new_instance()
    fields = user.__dict__
    for name, default, factory in _USER_DEFAULTS:
        fields[name] = values[name] if name in values else factory() if factory else default
    object.__setattr__(user, "__pydantic_fields_set__", set(values))
    return user


_USER_DEFAULTS = [
    (
        name,
        field.default,
        partial(field.get_default, call_default_factory=True) if field.default_factory else None,
    )
    for name, field in User.model_fields.items()
]
"""Each field of a user: its default value, or the factory that makes one (`created_at`)."""


def shown_name(user: User) -> str:
    """What documents print for a user: the display name, else the login name."""
    return user.display_name or user.username


def names_on_documents(session: Session, *usernames: str | None) -> dict[str, str]:
    """What documents print for each login name (its display name, else itself), in one
    query; a name that is no user's (the command line's `cli`) prints as itself."""
    wanted = {name for name in usernames if name}
    names = {name: name for name in wanted}
    if wanted:
        rows = session.exec(
            select(User.username, User.display_name).where(col(User.username).in_(wanted))
        )
        names |= {username: shown or username for username, shown in rows}
    return names


def get_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"用户不存在：{username}")
    return user


def check_password(
    session: Session, *, username: str, password: str, now: datetime | None = None
) -> User:
    """Log in with a password: the user, or `Unauthenticated`; locks after repeated failures.

    The caller commits either way, so that failed attempts are counted.
    """
    now = now or utcnow()
    user = session.exec(select(User).where(User.username == username).with_for_update()).first()
    if user is None or user.password_hash is None or not user.active:
        # As slow as a wrong password: the time of the answer must not tell which names exist.
        _hasher.hash(password)
        raise Unauthenticated("用户名或密码错误")
    locked = user.locked_until is not None and as_utc(user.locked_until) > now
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        if not locked:  # attempts during a lock neither count nor prolong it
            user.failed_logins += 1
            if user.failed_logins >= LOGIN_ATTEMPTS_MAX:
                user.locked_until = now + LOGIN_LOCK
                user.failed_logins = 0
            session.add(user)
        raise Unauthenticated("用户名或密码错误") from None
    if locked:
        # Said only to whoever knows the password, so that it tells no one else the name exists.
        raise Unauthenticated("登录失败次数过多，账户已暂时锁定，请 15 分钟后再试")
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    return user
