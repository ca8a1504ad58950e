"""The books: funds, their numbering, the hash-chained journal and its postings, and
month closings.

Journal entries and postings are append-only: the service never updates or deletes them,
and the database refuses it too (triggers, see the first migration)."""

from datetime import date, datetime

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
)
from sqlmodel import Field, SQLModel

from carefund.models.base import GENESIS_HASH, money_field, timestamp_field


class Fund(SQLModel, table=True):
    """One pot of money with its own books. Its row is also the fund's chain head and write lock."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    """Short code such as `HC-CARE`, used in receipt numbers and URLs."""
    name: str = Field(sa_column=Column(String(200), nullable=False))
    """Full name, e.g. 某区党内关爱基金."""
    org: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    """The organisation that runs it, printed on receipts."""
    created_at: datetime = timestamp_field()
    """When the fund was opened."""
    head_seq: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    """`seq` of the last journal entry; 0 before the first."""
    head_hash: str = Field(
        default=GENESIS_HASH, sa_column=Column(String(64), nullable=False, default=GENESIS_HASH)
    )
    """`hash` of the last journal entry; 64 zeros before the first."""
    cash_fen: int = money_field(default=0)
    """Posted cash, kept equal to the sum of the cash account's postings (verify checks)."""
    closed_through: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    """Last day of the last closed month: nothing may be posted on or before it."""
    approval_threshold_fen: int | None = money_field(nullable=True)
    """Disbursements above it need two approvers and a meeting (分级审批); None: one suffices."""
    review_threshold_fen: int | None = money_field(nullable=True)
    """Incomes above it need a second person's review (复核); None: none do. On the fund's
    row so that recording an income reads it with the head, at no cost."""
    unit_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("unit.id"), nullable=True, index=True)
    )
    """The unit (district, street, community) whose fund it is; who may see it follows."""

    __table_args__ = (CheckConstraint("cash_fen >= 0", name="fund_cash_not_negative"),)


class Counter(SQLModel, table=True):
    """Gap-free numbering (receipts per fund and year, vouchers per fund and month)."""

    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), primary_key=True))
    """The fund whose numbers these are."""
    name: str = Field(sa_column=Column(String(32), primary_key=True))
    """What is numbered and its scope, e.g. `receipt:2026` or `voucher:202611`."""
    last_value: int = 0
    """The last number handed out."""


class JournalEntry(SQLModel, table=True):
    """One balanced voucher (记账凭证), a link in its fund's hash chain. Never updated."""

    __tablename__ = "journal_entry"
    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund whose books it is in."""
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    """Position in the fund's chain, from 1, without gaps."""
    voucher_no: str = Field(sa_column=Column(String(32), nullable=False))
    """`记-YYYYMM-NNNN`, consecutive per fund and month of `entry_date`."""
    entry_date: date = Field(sa_column=Column(Date, nullable=False))
    """The accounting date; decides the period."""
    memo: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    """What happened, in words."""
    reverses_seq: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    """For a reversal, the `seq` of the entry it negates."""
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    """`hash` of the previous entry of the fund (64 zeros for the first)."""
    hash: str = Field(sa_column=Column(String(64), nullable=False))
    """SHA-256 of the canonical form and `prev_hash` (API.md, Books)."""
    chain_version: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, server_default="1")
    )
    """Which hashed object `hash` covers: 1 for entries posted before migration 0003
    (without `document` and postings' `recipient`), 2 since (API.md, Books, as it is now)."""
    document: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """What the entry records (API.md, Books: `document`), as canonical JSON text: exactly
    the object that is hashed. Null for version 1."""
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who posted it."""
    created_at: datetime = timestamp_field()
    """When it was posted."""

    __table_args__ = (
        UniqueConstraint("fund_id", "seq", name="journal_entry_fund_seq"),
        UniqueConstraint("fund_id", "voucher_no", name="journal_entry_fund_voucher"),
        Index("journal_entry_fund_date", "fund_id", "entry_date"),
    )


class Posting(SQLModel, table=True):
    """One debit or credit line of an entry (分录). Never updated."""

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(sa_column=Column(ForeignKey("journal_entry.id"), nullable=False))
    """The entry it belongs to."""
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """Copied from the entry so statements aggregate over one index."""
    entry_date: date = Field(sa_column=Column(Date, nullable=False))
    """Copied from the entry so statements aggregate over one index (verify checks it)."""
    line_no: int = Field(sa_column=Column(Integer, nullable=False))
    """Order within the entry, from 1; the hash covers postings in this order."""
    account: str = Field(sa_column=Column(String(64), nullable=False))
    """Account code from the chart in `carefund.ledger.journal`, e.g. `assets:cash`."""
    debit_fen: int = money_field(default=0)
    """Debit amount, or 0 when this is a credit."""
    credit_fen: int = money_field(default=0)
    """Credit amount, or 0 when this is a debit."""
    recipient_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("recipient.id"), nullable=True)
    )
    """For aid postings, who received it."""
    category: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    """For aid postings, the recipient's category at the time of payment."""
    aspect: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    """For aid postings, the aspect of care."""

    __table_args__ = (
        CheckConstraint(
            "(debit_fen > 0 AND credit_fen = 0) OR (credit_fen > 0 AND debit_fen = 0)",
            name="posting_one_side_positive",
        ),
        UniqueConstraint("entry_id", "line_no", name="posting_entry_line"),
        Index("posting_fund_account_date", "fund_id", "account", "entry_date"),
        Index("posting_recipient", "recipient_id"),
    )


class Period(SQLModel, table=True):
    """A month's closing (结账) of one fund; reopening is recorded on the same row."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund."""
    month: str = Field(sa_column=Column(String(7), nullable=False))
    """`YYYY-MM`."""
    closing_balance_fen: int = money_field()
    """Cash at the end of the month, as closed."""
    head_seq: int = Field(sa_column=Column(Integer, nullable=False))
    """The chain head's `seq` when it was closed."""
    head_hash: str = Field(sa_column=Column(String(64), nullable=False))
    """The chain head's `hash` when it was closed."""
    closed_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who closed it."""
    closed_at: datetime = timestamp_field()
    """When it was closed."""
    reopened_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who reopened it, if someone did."""
    reopened_at: datetime | None = timestamp_field(nullable=True)
    """When it was reopened."""
    reopen_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The written reason for reopening."""

    __table_args__ = (Index("period_fund_month", "fund_id", "month"),)
