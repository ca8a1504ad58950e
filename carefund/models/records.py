"""What happened, kept for people (the audit log) and for other systems (the event feed)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, text
from sqlmodel import Field, SQLModel

from carefund.models.base import timestamp_field


class AuditLog(SQLModel, table=True):
    """Who changed what and when, for records that may change (recipients, periods, users)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field()
    """When."""
    actor: str = Field(sa_column=Column(String(64), nullable=False))
    """Who."""
    action: str = Field(sa_column=Column(String(64), nullable=False))
    """What, e.g. `recipient.updated`."""
    object_type: str = Field(sa_column=Column(String(32), nullable=False))
    """The kind of record, e.g. `recipient`."""
    object_id: str = Field(sa_column=Column(String(64), nullable=False))
    """Its id."""
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The change: field → [old, new], personal data masked."""

    __table_args__ = (Index("audit_log_object", "object_type", "object_id"),)


class Event(SQLModel, table=True):
    """A change that other systems may mirror, written in the same transaction as the change.

    Readers page by its position (`tx`, `id`); `carefund.events` says why that order
    never skips one.
    """

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    """Its order among the events of one transaction (and of all, on SQLite)."""
    type: str = Field(sa_column=Column(String(48), nullable=False))
    """e.g. `income.recorded`."""
    at: datetime = timestamp_field()
    """When it happened."""
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The changed record as the API shows it."""
    unit_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    """The unit of the fund or recipient it is about: who may read it in the feed."""
    tx: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    """The id of the transaction that wrote it on PostgreSQL (0 on SQLite, and for events
    written before the feed ordered by it)."""

    __table_args__ = (Index("event_position", "tx", "id"),)
