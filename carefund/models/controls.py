"""The money controls of a fund (廉政风险防控): its settings, its budgets with their
history, and the overrides an administrator records."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from carefund.models.base import money_field, timestamp_field


class FundControl(SQLModel, table=True):
    """A fund's restriction matrix, caps and standards (one row per fund; none: no limits)."""

    __tablename__ = "fund_control"
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), primary_key=True))
    """The fund they govern."""
    settings: str = Field(sa_column=Column(Text, nullable=False))
    """JSON: `restrictions`, `caps`, `standards` as `carefund.controls.settings` reads them."""
    updated_by: str = Field(sa_column=Column(String(64), nullable=False))
    """The administrator who last changed them."""
    updated_at: datetime = timestamp_field()
    """When they last changed."""


class Budget(SQLModel, table=True):
    """A fund's annual budget (预算) for one cell of the 6×3 matrix."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund."""
    year: int = Field(sa_column=Column(Integer, nullable=False))
    """The calendar year it covers."""
    category: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `MemberCategory`."""
    aspect: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `Aspect`."""
    amount_fen: int = money_field()
    """The budget, in fen."""
    updated_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who set it last."""
    updated_at: datetime = timestamp_field()
    """When it was set last."""

    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="budget_amount_not_negative"),
        UniqueConstraint("fund_id", "year", "category", "aspect", name="budget_cell"),
    )


class BudgetChange(SQLModel, table=True):
    """One setting or change of a budget cell, with its reason: the budget's history."""

    __tablename__ = "budget_change"
    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund."""
    year: int = Field(sa_column=Column(Integer, nullable=False))
    """The budget's year."""
    category: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `MemberCategory`."""
    aspect: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `Aspect`."""
    previous_fen: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    """The budget before the change (None: there was none)."""
    amount_fen: int = money_field()
    """The budget after the change."""
    reason: str = Field(sa_column=Column(Text, nullable=False))
    """Why it was set or changed."""
    changed_by: str = Field(sa_column=Column(String(64), nullable=False))
    """The administrator who changed it."""
    changed_at: datetime = timestamp_field()
    """When."""

    __table_args__ = (Index("budget_change_fund_year", "fund_id", "year"),)


class ControlOverride(SQLModel, table=True):
    """An administrator's recorded decision to approve one disbursement beyond a budget, a
    cap or a standard, with the figures at the time and the reason (超标准审批)."""

    __tablename__ = "control_override"
    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund."""
    disbursement_id: int = Field(sa_column=Column(ForeignKey("disbursement.id"), nullable=False))
    """The disbursement it lets through."""
    control: str = Field(sa_column=Column(String(16), nullable=False))
    """`budget`, `cap` or `standard`."""
    figures: str = Field(sa_column=Column(Text, nullable=False))
    """JSON: the figures the control refused with (limit, used, amount, message)."""
    reason: str = Field(sa_column=Column(Text, nullable=False))
    """Why it is let through."""
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    """The administrator who recorded it."""
    created_at: datetime = timestamp_field()
    """When."""

    __table_args__ = (
        UniqueConstraint("disbursement_id", "control", name="control_override_once"),
        Index("control_override_fund", "fund_id"),
    )
