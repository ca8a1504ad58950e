"""Early warning (廉情预警): the alerts the rules raise, and the rules' settings."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from carefund.models.base import timestamp_field


class Alert(SQLModel, table=True):
    """One warning a rule raised: open until an auditor acknowledges and resolves it."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("fund.id"), nullable=True)
    )
    """The fund it concerns; none for what concerns the whole district (the roll, staff)."""
    rule_code: str = Field(sa_column=Column(String(48), nullable=False))
    """The rule that raised it, e.g. `split_payment`."""
    grade: str = Field(sa_column=Column(String(1), nullable=False))
    """A (most serious), B or C, as the rule's setting said when it was raised."""
    subject_key: str = Field(sa_column=Column(String(200), nullable=False))
    """What it is about, e.g. `HC-CARE:recipient:12:from:40`: with the rule code, unique, so
    a rescan never raises the same alert twice."""
    message: str = Field(sa_column=Column(Text, nullable=False))
    """What was found, in Chinese, with the figures; personal data masked."""
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The figures and the records it names, for a program (ids, amounts as yuan strings)."""
    status: str = Field(default="open", sa_column=Column(String(16), nullable=False))
    """One of `AlertStatus`: open, acknowledged, resolved."""
    created_at: datetime = timestamp_field()
    """When it was raised."""
    acknowledged_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who acknowledged it (took it up)."""
    acknowledged_at: datetime | None = timestamp_field(nullable=True)
    """When."""
    acknowledge_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """What they wrote, if anything."""
    resolved_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who resolved it."""
    resolved_at: datetime | None = timestamp_field(nullable=True)
    """When."""
    resolve_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """How it was resolved: required."""

    __table_args__ = (
        UniqueConstraint("rule_code", "subject_key", name="alert_rule_subject"),
        Index("alert_status_grade", "status", "grade"),
        Index("alert_fund", "fund_id"),
    )


class AlertRuleSetting(SQLModel, table=True):
    """An administrator's setting of one rule, for every fund (`fund_code` empty) or one."""

    __tablename__ = "alert_rule_setting"
    id: int | None = Field(default=None, primary_key=True)
    rule_code: str = Field(sa_column=Column(String(48), nullable=False))
    """The rule."""
    fund_code: str = Field(default="", sa_column=Column(String(32), nullable=False, default=""))
    """The fund it applies to; empty for the district-wide setting that funds inherit."""
    enabled: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    """Whether the rule runs at all."""
    grade: str = Field(sa_column=Column(String(1), nullable=False))
    """The grade its alerts get."""
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The rule's parameters that differ from its defaults (as text, e.g. `"5000.00"`)."""
    updated_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who set it last."""
    updated_at: datetime = timestamp_field()
    """When."""

    __table_args__ = (UniqueConstraint("rule_code", "fund_code", name="alert_rule_setting_scope"),)
