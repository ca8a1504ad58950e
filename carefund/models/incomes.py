"""Money in: incomes and their numbered receipts."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlmodel import Field, SQLModel

from carefund.models.base import money_field, timestamp_field


class Income(SQLModel, table=True):
    """Money received, with its numbered receipt (收据)."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund it was paid into."""
    source: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `IncomeSource`."""
    payer: str = Field(sa_column=Column(String(200), nullable=False))
    """Who paid (a person, a branch, an enterprise)."""
    amount_fen: int = money_field()
    """How much, in fen."""
    received_on: date = Field(sa_column=Column(Date, nullable=False))
    """When it was received; the entry's date."""
    method: str = Field(default="", sa_column=Column(String(32), nullable=False, default=""))
    """How it was paid (转账, 现金, …)."""
    memo: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    """Free note printed on the receipt."""
    receipt_no: str = Field(sa_column=Column(String(48), unique=True, nullable=False))
    """`{FUND}-{YYYY}-{NNNNNN}`; never reused, also when void."""
    entry_id: int = Field(sa_column=Column(ForeignKey("journal_entry.id"), nullable=False))
    """The entry that posted it."""
    status: str = Field(sa_column=Column(String(16), nullable=False))
    """One of `IncomeStatus`."""
    reversal_entry_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("journal_entry.id"), nullable=True)
    )
    """The entry that reversed it, if any."""
    reverse_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """Why it was reversed."""
    reversed_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who reversed it."""
    reversed_at: datetime | None = timestamp_field(nullable=True)
    """When it was reversed."""
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who recorded it."""
    earmark_category: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    """定向: the only `MemberCategory` this money may pay (None: any the fund allows)."""
    earmark_aspect: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    """定向: the only `Aspect` this money may pay (None: any the fund allows)."""
    review_required: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, default=False)
    )
    """Above the fund's review threshold when recorded: a second person must review it (复核)."""
    reviewed_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who reviewed it (复核人), never its recorder."""
    reviewed_at: datetime | None = timestamp_field(nullable=True)
    """When it was reviewed."""
    review_entry_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    """The `review` entry that records the review under the chain."""
    created_at: datetime = timestamp_field()
    """When it was recorded."""

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="income_amount_positive"),
        Index("income_fund_received", "fund_id", "received_on"),
        # Postings are joined to their income by entry (migration 0012).
        Index("income_entry", "entry_id"),
        Index("income_reversal_entry", "reversal_entry_id"),
    )
