"""Money through the bank: batches of disbursements, the bank's return files and statements,
the matches of statement lines to journal entries, and confirmed monthly reconciliations."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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

from carefund.models.base import money_field, timestamp_field


class BankBatch(SQLModel, table=True):
    """A selection of disbursements handled together (一批): approved, paid or sent to the
    bank in one action, each item still through its own use case."""

    __tablename__ = "bank_batch"
    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund that pays."""
    number: str = Field(sa_column=Column(String(48), unique=True, nullable=False))
    """`HC-RELIEF-PF-202612-01`: the fund, the month made and a count within it."""
    selection: str = Field(sa_column=Column(Text, nullable=False))
    """How the items were chosen, as words (a plan run, a filter)."""
    status: str = Field(sa_column=Column(String(16), nullable=False))
    """One of `BatchStatus`."""
    item_count: int = Field(sa_column=Column(Integer, nullable=False))
    """How many disbursements it holds."""
    total_fen: int = money_field()
    """Their total, in fen."""
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who made it."""
    created_at: datetime = timestamp_field()
    """When it was made."""
    exported_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who last wrote its bank file."""
    exported_at: datetime | None = timestamp_field(nullable=True)
    """When its bank file was last written."""
    updated_at: datetime = timestamp_field()
    """When it last changed."""


class BankBatchItem(SQLModel, table=True):
    """One disbursement in a batch, and what the bank said of it."""

    __tablename__ = "bank_batch_item"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(sa_column=Column(ForeignKey("bank_batch.id"), nullable=False))
    """The batch."""
    disbursement_id: int = Field(sa_column=Column(ForeignKey("disbursement.id"), nullable=False))
    """The disbursement."""
    line_no: int = Field(sa_column=Column(Integer, nullable=False))
    """Its line in the batch and in the bank file, from 1."""
    reference: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    """What the bank file writes and the return file gives back: `<batch number>-<line>`."""
    bank_status: str = Field(sa_column=Column(String(16), nullable=False))
    """One of `BankStatus`: pending until the bank's return says."""
    bank_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """Why the bank failed it."""
    bank_reference: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """The bank's own reference (流水号) for it."""
    bank_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    """The day the bank booked (or refused) it."""

    __table_args__ = (
        UniqueConstraint("batch_id", "disbursement_id", name="bank_batch_item_once"),
        Index("bank_batch_item_disbursement", "disbursement_id"),
        Index("bank_batch_item_status", "bank_status"),
    )


class BankFile(SQLModel, table=True):
    """A file the bank gave back (a return file or a statement), kept by its hash so that
    importing it again changes nothing."""

    __tablename__ = "bank_file"
    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund whose bank account it is about."""
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    """`return` or `statement`."""
    file_hash: str = Field(sa_column=Column(String(64), nullable=False))
    """SHA-256 of the file's bytes."""
    filename: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    """The name it was uploaded under."""
    summary: str = Field(sa_column=Column(Text, nullable=False))
    """The import's answer (JSON), given again when the same file comes again."""
    imported_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who imported it."""
    imported_at: datetime = timestamp_field()
    """When."""

    __table_args__ = (UniqueConstraint("fund_id", "kind", "file_hash", name="bank_file_once"),)


class BankStatementLine(SQLModel, table=True):
    """One line of the fund's bank statement (银行对账单)."""

    __tablename__ = "bank_statement_line"
    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund."""
    file_id: int = Field(sa_column=Column(ForeignKey("bank_file.id"), nullable=False))
    """The statement file it came in."""
    line_key: str = Field(sa_column=Column(String(64), nullable=False))
    """A hash of its date, amount, balance, reference, counterparty and text: a line that
    comes again in an overlapping statement is not added twice."""
    booked_on: date = Field(sa_column=Column(Date, nullable=False))
    """The bank's booking date."""
    amount_fen: int = money_field()
    """Signed: money in is positive, money out negative."""
    balance_fen: int = money_field()
    """The account's balance after the line, as the bank prints it."""
    counterparty: str = Field(default="", sa_column=Column(String(200), nullable=False))
    """对方户名."""
    reference: str = Field(default="", sa_column=Column(String(64), nullable=False))
    """The bank's reference or the payer's note that names ours (a batch number)."""
    description: str = Field(default="", sa_column=Column(String(200), nullable=False))
    """摘要."""
    match_kind: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    """`auto`, `manual` or `booked` (an entry made from it); None while unmatched."""
    matched_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who matched it (`auto` runs name their caller)."""
    matched_at: datetime | None = timestamp_field(nullable=True)
    """When."""

    __table_args__ = (
        UniqueConstraint("fund_id", "line_key", name="bank_statement_line_once"),
        Index("bank_statement_line_fund_day", "fund_id", "booked_on"),
    )


class BankMatch(SQLModel, table=True):
    """A journal entry a statement line accounts for; a line may account for many (a batch
    paid as one debit), an entry for one line at most."""

    __tablename__ = "bank_match"
    entry_id: int = Field(sa_column=Column(ForeignKey("journal_entry.id"), primary_key=True))
    """The entry (its cash posting)."""
    line_id: int = Field(
        sa_column=Column(ForeignKey("bank_statement_line.id"), nullable=False, index=True)
    )
    """The statement line."""


class BankReconciliation(SQLModel, table=True):
    """A month's 银行存款余额调节表 confirmed by an approver, balanced to the fen."""

    __tablename__ = "bank_reconciliation"
    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund."""
    month: str = Field(sa_column=Column(String(7), nullable=False))
    """`2026-12`."""
    book_balance_fen: int = money_field()
    """银行存款日记账余额 at the month's end."""
    bank_balance_fen: int = money_field()
    """银行对账单余额 at the month's end."""
    adjusted_fen: int = money_field()
    """Both sides' adjusted balance (equal, or it is not confirmed)."""
    confirmed_by: str = Field(sa_column=Column(String(64), nullable=False))
    """The approver who confirmed it."""
    confirmed_at: datetime = timestamp_field()
    """When."""

    __table_args__ = (UniqueConstraint("fund_id", "month", name="bank_reconciliation_once"),)


class BankSetting(SQLModel, table=True):
    """A fund's rules for its bank account."""

    __tablename__ = "bank_setting"
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), primary_key=True))
    """The fund."""
    require_reconciliation: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, default=False)
    )
    """Refuse to close a month whose reconciliation is not confirmed (else only warn)."""
