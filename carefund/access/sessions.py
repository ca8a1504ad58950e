"""Web sessions: the signing secret and the signed session ticket the pages keep in a cookie.

A ticket names the user, when it was issued, the session's CSRF token and a fingerprint of
the user's password hash, and is signed with HMAC-SHA256. Nothing is stored per session on
the server, so any worker can check any ticket; changing a password (or deactivating the
user) ends every session of that user, because the fingerprint (or the check for `active`)
no longer matches. Logging out ends every session of the user issued until then (one
`setting` row per user records when), so a copied cookie is useless after logout.

The secret comes from CAREFUND_SECRET_KEY when set, otherwise it is generated once and kept
in the `setting` table, so that every worker and every restart signs with the same one.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from carefund.errors import Unauthenticated
from carefund.models import Setting, User

SECRET_SETTING = "session_secret"
"""The `setting` row that holds the generated signing secret."""
SECRET_BYTES = 32
SESSION_LIFETIME_SECONDS = 10 * 60 * 60
"""A session lasts a working day; then the clerk logs in again."""
TICKET_LENGTH_MAX = 1_000
"""Tickets made here are about 250 characters; anything much longer is not one of ours."""
CSRF_TOKEN_BYTES = 24
CLOCK_SKEW_SECONDS = 60
"""Workers' clocks may differ this much: a ticket from slightly in the future is accepted."""
ENDED_SETTING_PREFIX = "sessions_ended:"
"""`setting` rows `sessions_ended:<user id>` hold when the user last logged out (ms)."""


def signing_secret(session: Session, configured: str = "") -> bytes:
    """The secret that signs tickets: the configured one, else the stored one (made once)."""
    if configured:
        return configured.encode("utf-8")
    stored = session.get(Setting, SECRET_SETTING)
    if stored is not None:
        return stored.value.encode("ascii")
    value = secrets.token_hex(SECRET_BYTES)
    try:
        # A savepoint, so that losing the race to another worker leaves the transaction usable.
        with session.begin_nested():
            session.add(Setting(name=SECRET_SETTING, value=value))
    except IntegrityError:
        stored = session.get(Setting, SECRET_SETTING, populate_existing=True)
        assert stored is not None
        return stored.value.encode("ascii")
    return value.encode("ascii")


@dataclass(frozen=True)
class Ticket:
    """What a session cookie says, once its signature is checked."""

    user_id: int
    username: str
    issued_at: int
    """Unix time in milliseconds."""
    csrf_token: str
    """Every form of this session carries it; a POST without it is refused."""
    password_fingerprint: str


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode("utf-8")).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def issue_ticket(secret: bytes, user: User, *, now: float | None = None) -> tuple[str, Ticket]:
    """A new session for `user`: the cookie value and what it says."""
    assert user.id is not None
    ticket = Ticket(
        user_id=user.id,
        username=user.username,
        issued_at=int((now if now is not None else time.time()) * 1000),
        csrf_token=secrets.token_urlsafe(CSRF_TOKEN_BYTES),
        password_fingerprint=_fingerprint(user),
    )
    body = {
        "u": ticket.user_id,
        "n": ticket.username,
        "t": ticket.issued_at,
        "c": ticket.csrf_token,
        "p": ticket.password_fingerprint,
    }
    payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_signature(secret, payload)}", ticket


def read_ticket(secret: bytes, value: str | None, *, now: float | None = None) -> Ticket:
    """The ticket in a cookie value, or `Unauthenticated` if it is missing, forged or old."""
    if not value or len(value) > TICKET_LENGTH_MAX or value.count(".") != 1:
        raise Unauthenticated("请先登录")
    payload, signature = value.split(".")
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise Unauthenticated("登录状态无效，请重新登录")
    try:
        body = json.loads(_unb64(payload))
        ticket = Ticket(
            user_id=int(body["u"]),
            username=str(body["n"]),
            issued_at=int(body["t"]),
            csrf_token=str(body["c"]),
            password_fingerprint=str(body["p"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise Unauthenticated("登录状态无效，请重新登录") from None
    age = (now if now is not None else time.time()) - ticket.issued_at / 1000
    if not -CLOCK_SKEW_SECONDS <= age <= SESSION_LIFETIME_SECONDS:
        raise Unauthenticated("登录已过期，请重新登录")
    return ticket


def user_for_ticket(session: Session, ticket: Ticket) -> User:
    """The ticket's user, if still active, with the same password and not logged out since;
    else `Unauthenticated`."""
    user = session.get(User, ticket.user_id)
    ended = session.get(Setting, f"{ENDED_SETTING_PREFIX}{ticket.user_id}")
    if (
        user is None
        or not user.active
        or user.username != ticket.username
        or not hmac.compare_digest(_fingerprint(user), ticket.password_fingerprint)
        or (ended is not None and ticket.issued_at <= int(ended.value))
    ):
        raise Unauthenticated("登录状态已失效，请重新登录")
    return user


def end_sessions(session: Session, *, user_id: int, now: float | None = None) -> None:
    """Log the user out everywhere: every ticket issued until now stops working."""
    moment = str(int((now if now is not None else time.time()) * 1000))
    name = f"{ENDED_SETTING_PREFIX}{user_id}"
    stored = session.get(Setting, name)
    if stored is None:
        try:
            with session.begin_nested():
                session.add(Setting(name=name, value=moment))
            return
        except IntegrityError:  # the same user logging out in another tab meanwhile
            stored = session.get(Setting, name, populate_existing=True)
            assert stored is not None
    stored.value = moment
    session.add(stored)
    session.flush()


def sign(secret: bytes, value: str) -> str:
    """`value` with its signature, for small cookies such as the login form's token."""
    return f"{value}.{_signature(secret, value)}"


def unsign(secret: bytes, signed: str | None) -> str | None:
    """The value of a `sign`ed string, or None when missing or forged."""
    if not signed or len(signed) > TICKET_LENGTH_MAX or "." not in signed:
        return None
    value, _, signature = signed.rpartition(".")
    return value if hmac.compare_digest(signature, _signature(secret, value)) else None
