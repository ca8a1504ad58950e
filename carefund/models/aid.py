"""Money out: the recipients of aid, their disbursements and the plans that repeat them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlmodel import Field, SQLModel

from carefund.models.base import money_field, timestamp_field
from carefund.models.sealed import Sealed, keyring


class Recipient(SQLModel, table=True):
    """A member who may receive aid (关爱对象). ID number and phone never leave unmasked."""

    id: int | None = Field(default=None, primary_key=True)
    member_no: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    """The member's number, unique across the district."""
    name: str = Field(sa_column=Column(String(64), nullable=False))
    """Full name."""
    category: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `MemberCategory`."""
    branch: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    """The party branch (支部) the member belongs to."""
    id_number: str | None = Field(
        default=None, sa_column=Column(Sealed("recipient.id_number"), nullable=True)
    )
    """Resident ID number; stored sealed, shown only masked."""
    id_number_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """The keyed hash of the ID number (`recipient_lookup_hash`), for exact lookups."""
    phone: str | None = Field(
        default=None, sa_column=Column(Sealed("recipient.phone"), nullable=True)
    )
    """Phone number; stored sealed, shown only masked."""
    phone_hash: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """The keyed hash of the phone number, for exact lookups."""
    address: str = Field(
        default="", sa_column=Column(Sealed("recipient.address"), nullable=False, default="")
    )
    """Postal address; stored sealed."""
    account_kind: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    """One of `AccountKind`: where the money goes (bank card, relief card, passbook)."""
    account_no: str | None = Field(
        default=None, sa_column=Column(Sealed("recipient.account_no"), nullable=True)
    )
    """The card or passbook number; stored sealed, shown only masked, written whole only
    into a bank file."""
    account_bank: str = Field(default="", sa_column=Column(String(64), nullable=False, default=""))
    """The bank that keeps the account (开户行)."""
    active: bool = True
    """Inactive members receive no new disbursements."""
    unit_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("unit.id"), nullable=True, index=True)
    )
    """The unit (street, community) whose roll the member is on; who may see them follows."""
    created_at: datetime = timestamp_field()
    """When the member was added to the roll."""
    updated_at: datetime = timestamp_field()
    """When the record last changed."""

    __table_args__ = (
        Index("recipient_name", "name"),
        Index("recipient_branch", "branch"),
        Index("recipient_id_number_hash", "id_number_hash"),
        Index("recipient_phone_hash", "phone_hash"),
    )


LOOKUP_FIELDS = ("id_number", "phone")
"""The recipient's sealed fields that have a keyed hash beside them."""


def lookup_form(field: str, value: str) -> str:
    """What the keyed hash is taken of: a landline with or without its dash is one number."""
    return value.replace("-", "") if field == "phone" else value


def recipient_lookup_hashes(field: str, value: str) -> list[str]:
    """The keyed hashes (under every key known) a stored `field` equal to `value` has."""
    return keyring().lookup_hashes(lookup_form(field, value), purpose=f"recipient.{field}")


@event.listens_for(Recipient, "before_insert")
@event.listens_for(Recipient, "before_update")
def _hash_lookup_fields(mapper: Any, connection: Any, recipient: Recipient) -> None:
    # The keyed hashes follow the sealed values in every write through the model.
    for name in LOOKUP_FIELDS:
        value = getattr(recipient, name)
        hashed = None
        if value:
            purpose = f"recipient.{name}"
            hashed = keyring().lookup_hash(lookup_form(name, value), purpose=purpose)
        setattr(recipient, f"{name}_hash", hashed)


class Disbursement(SQLModel, table=True):
    """Money out to one recipient, through submit → approve → pay."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund that pays."""
    recipient_id: int = Field(sa_column=Column(ForeignKey("recipient.id"), nullable=False))
    """Who receives it."""
    amount_fen: int = money_field()
    """How much, in fen."""
    aspect: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `Aspect`."""
    purpose: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    """What it is for (春节慰问, 医疗救助, …)."""
    memo: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    """Free note."""
    status: str = Field(sa_column=Column(String(16), nullable=False))
    """One of `DisbursementStatus`."""
    submitted_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who submitted it; may not approve it."""
    approved_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who approved it."""
    approved_at: datetime | None = timestamp_field(nullable=True)
    """When it was approved."""
    rejected_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who rejected it."""
    reject_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """Why it was rejected."""
    cancelled_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who withdrew it."""
    paid_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """The cashier who paid it."""
    paid_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    """The payment date; the entry's date."""
    method: str = Field(default="", sa_column=Column(String(32), nullable=False, default=""))
    """How it was paid (救助卡, 转账, 现金, …)."""
    entry_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("journal_entry.id"), nullable=True)
    )
    """The entry that posted the payment."""
    reversal_entry_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("journal_entry.id"), nullable=True)
    )
    """The entry that reversed the payment, if any."""
    reversed_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who reversed it."""
    reverse_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """Why it was reversed."""
    plan_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("plan.id"), nullable=True)
    )
    """The plan that generated it, if any."""
    due_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    """For plan-generated ones, the due date they were made for."""
    source: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    """The `IncomeSource` it draws from, fixed when approved (专款专用)."""
    earmark_income_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    """The earmarked (定向) income it draws from, if any, fixed when approved."""
    first_approved_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Above the fund's approval threshold: the first of its two approvers."""
    first_approved_at: datetime | None = timestamp_field(nullable=True)
    """When the first of two approvers approved it."""
    meeting_no: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """The minutes number of the meeting that decided it (三重一大 集体决策)."""
    meeting_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    """The date of that meeting."""
    created_at: datetime = timestamp_field()
    """When it was submitted."""
    updated_at: datetime = timestamp_field()
    """When its status last changed."""

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="disbursement_amount_positive"),
        UniqueConstraint("plan_id", "recipient_id", "due_on", name="disbursement_plan_due"),
        Index("disbursement_fund_status", "fund_id", "status"),
        Index("disbursement_recipient", "recipient_id"),
        # Postings are joined to their disbursement by entry (migration 0012).
        Index("disbursement_entry", "entry_id"),
        Index("disbursement_reversal_entry", "reversal_entry_id"),
    )


class Plan(SQLModel, table=True):
    """A recurring disbursement (定期发放计划) to a list of recipients, by an RRULE."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund that pays."""
    name: str = Field(sa_column=Column(String(200), nullable=False))
    """e.g. 特困党员救助卡月度发放."""
    rule: str = Field(sa_column=Column(String(500), nullable=False))
    """RFC 5545 RRULE body, e.g. `FREQ=MONTHLY;BYMONTHDAY=5`."""
    start: date = Field(sa_column=Column(Date, nullable=False))
    """First possible due date."""
    until: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    """Last possible due date, if any."""
    amount_fen: int = money_field()
    """Amount per recipient per due date."""
    aspect: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `Aspect`."""
    purpose: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    """What it is for."""
    status: str = Field(default="active", sa_column=Column(String(16), nullable=False))
    """`active`, `paused` or `ended`."""
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who made it."""
    created_at: datetime = timestamp_field()
    """When it was made."""

    __table_args__ = (CheckConstraint("amount_fen > 0", name="plan_amount_positive"),)


class PlanRecipient(SQLModel, table=True):
    """A recipient on a plan's list."""

    __tablename__ = "plan_recipient"
    plan_id: int = Field(sa_column=Column(ForeignKey("plan.id"), primary_key=True))
    """The plan."""
    recipient_id: int = Field(sa_column=Column(ForeignKey("recipient.id"), primary_key=True))
    """Who is on it."""
