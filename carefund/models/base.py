"""What every table module shares: the chain's genesis hash, timestamps in UTC, and the
column helpers for money (BigInteger fen) and timestamps (with their zone)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime
from sqlmodel import Field, SQLModel

from carefund import clock

GENESIS_HASH = "0" * 64
"""The `prev_hash` of a fund's first entry."""


def row_id(row: SQLModel) -> int:
    """The id of a row that is in the database (so it has one)."""
    value = getattr(row, "id", None)
    assert isinstance(value, int), row
    return value


def utcnow() -> datetime:
    """The present instant, to store (in UTC)."""
    return clock.utc_now()


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def money_field(*, nullable: bool = False, default: int | None = None) -> Any:
    return Field(
        default=default,
        sa_column=Column(BigInteger, nullable=nullable, default=default),
    )


def timestamp_field(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
