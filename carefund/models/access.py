"""Who may use carefund: users, their API tokens, idempotency keys, used form tokens, and the
service's own settings."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from carefund.models.aid import LOOKUP_FIELDS, lookup_form
from carefund.models.base import timestamp_field
from carefund.models.sealed import Sealed, keyring


class User(SQLModel, table=True):
    """A person or a district system that uses carefund."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    """Login name, also what `created_by` and `approved_by` record."""
    display_name: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """The person's real name, printed on documents; the login name when none."""
    role: str = Field(sa_column=Column(String(16), nullable=False))
    """One of `Role`."""
    password_hash: str | None = Field(default=None, sa_column=Column(String(255)))
    """argon2 hash of the web password; none for API-only users."""
    active: bool = True
    """Inactive users can neither log in nor use their tokens."""
    failed_logins: int = 0
    """Consecutive failed password attempts, reset on success."""
    locked_until: datetime | None = timestamp_field(nullable=True)
    """After too many failed attempts, logins are refused until then."""
    must_change_password: bool = False
    """Set when an administrator resets the password: the pages ask for a new one first."""
    created_at: datetime = timestamp_field()
    """When the user was added."""
    id_number: str | None = Field(
        default=None, sa_column=Column(Sealed("app_user.id_number"), nullable=True)
    )
    """The staff member's resident ID number, set by an administrator for the conflict-of-
    interest check (利益关联); stored sealed, shown only masked."""
    id_number_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Its keyed hash, taken as a recipient's is (`recipient.id_number`), so the two compare."""
    phone: str | None = Field(
        default=None, sa_column=Column(Sealed("app_user.phone"), nullable=True)
    )
    """The staff member's phone; stored sealed, shown only masked."""
    phone_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Its keyed hash, taken as a recipient's is (`recipient.phone`)."""

    __table_args__ = (
        Index("app_user_id_number_hash", "id_number_hash"),
        Index("app_user_phone_hash", "phone_hash"),
    )


class ApiToken(SQLModel, table=True):
    """A bearer token for the API, stored only as its SHA-256 hash."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(ForeignKey("app_user.id"), nullable=False, index=True))
    """Whose token it is."""
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    """Lowercase hex SHA-256 of the token; the token itself is shown once and never stored."""
    created_at: datetime = timestamp_field()
    """When it was issued."""
    revoked_at: datetime | None = timestamp_field(nullable=True)
    """When it stopped working, if it has."""


class IdempotencyKey(SQLModel, table=True):
    """A POST's `Idempotency-Key` with the first answer, replayed for retries."""

    __tablename__ = "idempotency_key"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(ForeignKey("app_user.id"), nullable=False))
    """Keys are scoped per caller."""
    key: str = Field(sa_column=Column(String(255), nullable=False))
    """The header's value."""
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    """SHA-256 of method, path and body: another body with the same key is refused."""
    status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    """The first answer's status; none while the first request is still running."""
    response_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The first answer's body."""
    response_type: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    """The first answer's content type."""
    committed_result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The use case's result as JSON, written in the use case's own transaction: should the
    process die before the answer is stored, a retry is answered from it."""
    created_at: datetime = timestamp_field()
    """When the key was first seen; kept at least 24 hours from then."""

    __table_args__ = (UniqueConstraint("user_id", "key", name="idempotency_user_key"),)


class Setting(SQLModel, table=True):
    """Values the service keeps for itself, such as the cookie-signing secret."""

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    """The setting's name."""
    value: str = Field(sa_column=Column(Text, nullable=False))
    """Its value."""


class FormToken(SQLModel, table=True):
    """A web form's one-time token, once the form was posted: a second post of the same form
    (a double click, a browser's resubmit) is answered with the first one's outcome."""

    __tablename__ = "form_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(ForeignKey("app_user.id"), nullable=False))
    """Whose form it was: tokens are scoped per user."""
    token: str = Field(sa_column=Column(String(64), nullable=False))
    """The random token the form carried."""
    outcome: str | None = Field(default=None, sa_column=Column(String(1000), nullable=True))
    """What the first post answered (the page it led to); set in the same transaction."""
    created_at: datetime = timestamp_field()
    """When the form was first posted; kept at least 24 hours from then."""

    __table_args__ = (
        UniqueConstraint("user_id", "token", name="form_token_user_token"),
        Index("form_token_created_at", "created_at"),
    )


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _hash_staff_identity(mapper: Any, connection: Any, user: User) -> None:
    # Hashed under the recipients' purposes: a staff member's ID number or phone must find
    # a recipient's equal one without either being opened.
    for name in LOOKUP_FIELDS:
        value = getattr(user, name, None)
        hashed = None
        if value:
            hashed = keyring().lookup_hash(lookup_form(name, value), purpose=f"recipient.{name}")
        setattr(user, f"{name}_hash", hashed)
