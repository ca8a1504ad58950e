"""The tables. Money columns are BigInteger fen; enums are stored as their string values.

Journal entries and postings are append-only: the service never updates or deletes them,
and the database refuses it too (triggers, see the first migration).
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

GENESIS_HASH = "0" * 64
"""The `prev_hash` of a fund's first entry."""


def row_id(row: SQLModel) -> int:
    """The id of a row that is in the database (so it has one)."""
    value = getattr(row, "id", None)
    assert isinstance(value, int), row
    return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _money(*, nullable: bool = False, default: int | None = None) -> Any:
    return Field(
        default=default,
        sa_column=Column(BigInteger, nullable=nullable, default=default),
    )


def _timestamp(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class User(SQLModel, table=True):
    """A person or a district system that uses carefund."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    """Login name, also what `created_by` and `approved_by` record."""
    role: str = Field(sa_column=Column(String(16), nullable=False))
    """One of `Role`."""
    password_hash: str | None = Field(default=None, sa_column=Column(String(255)))
    """argon2 hash of the web password; none for API-only users."""
    active: bool = True
    """Inactive users can neither log in nor use their tokens."""
    failed_logins: int = 0
    """Consecutive failed password attempts, reset on success."""
    locked_until: datetime | None = _timestamp(nullable=True)
    """After too many failed attempts, logins are refused until then."""
    created_at: datetime = _timestamp()
    """When the user was added."""


class ApiToken(SQLModel, table=True):
    """A bearer token for the API, stored only as its SHA-256 hash."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(ForeignKey("app_user.id"), nullable=False, index=True))
    """Whose token it is."""
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    """Lowercase hex SHA-256 of the token; the token itself is shown once and never stored."""
    created_at: datetime = _timestamp()
    """When it was issued."""
    revoked_at: datetime | None = _timestamp(nullable=True)
    """When it stopped working, if it has."""


class Fund(SQLModel, table=True):
    """One pot of money with its own books. Its row is also the fund's chain head and write lock."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    """Short code such as `HC-CARE`, used in receipt numbers and URLs."""
    name: str = Field(sa_column=Column(String(200), nullable=False))
    """Full name, e.g. 某区党内关爱基金."""
    org: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    """The organisation that runs it, printed on receipts."""
    created_at: datetime = _timestamp()
    """When the fund was opened."""
    head_seq: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    """`seq` of the last journal entry; 0 before the first."""
    head_hash: str = Field(
        default=GENESIS_HASH, sa_column=Column(String(64), nullable=False, default=GENESIS_HASH)
    )
    """`hash` of the last journal entry; 64 zeros before the first."""
    cash_fen: int = _money(default=0)
    """Posted cash, kept equal to the sum of the cash account's postings (verify checks)."""
    closed_through: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    """Last day of the last closed month: nothing may be posted on or before it."""

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
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who posted it."""
    created_at: datetime = _timestamp()
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
    debit_fen: int = _money(default=0)
    """Debit amount, or 0 when this is a credit."""
    credit_fen: int = _money(default=0)
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


class Income(SQLModel, table=True):
    """Money received, with its numbered receipt (收据)."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund it was paid into."""
    source: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `IncomeSource`."""
    payer: str = Field(sa_column=Column(String(200), nullable=False))
    """Who paid (a person, a branch, an enterprise)."""
    amount_fen: int = _money()
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
    reversed_at: datetime | None = _timestamp(nullable=True)
    """When it was reversed."""
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who recorded it."""
    created_at: datetime = _timestamp()
    """When it was recorded."""

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="income_amount_positive"),
        Index("income_fund_received", "fund_id", "received_on"),
    )


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
    id_number: str | None = Field(default=None, sa_column=Column(String(18), nullable=True))
    """Resident ID number; stored, shown only masked."""
    phone: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    """Phone number; stored, shown only masked."""
    address: str = Field(default="", sa_column=Column(String(300), nullable=False, default=""))
    """Postal address."""
    active: bool = True
    """Inactive members receive no new disbursements."""
    created_at: datetime = _timestamp()
    """When the member was added to the roll."""
    updated_at: datetime = _timestamp()
    """When the record last changed."""

    __table_args__ = (Index("recipient_name", "name"), Index("recipient_branch", "branch"))


class Disbursement(SQLModel, table=True):
    """Money out to one recipient, through submit → approve → pay."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund that pays."""
    recipient_id: int = Field(sa_column=Column(ForeignKey("recipient.id"), nullable=False))
    """Who receives it."""
    amount_fen: int = _money()
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
    approved_at: datetime | None = _timestamp(nullable=True)
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
    created_at: datetime = _timestamp()
    """When it was submitted."""
    updated_at: datetime = _timestamp()
    """When its status last changed."""

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="disbursement_amount_positive"),
        UniqueConstraint("plan_id", "recipient_id", "due_on", name="disbursement_plan_due"),
        Index("disbursement_fund_status", "fund_id", "status"),
        Index("disbursement_recipient", "recipient_id"),
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
    amount_fen: int = _money()
    """Amount per recipient per due date."""
    aspect: str = Field(sa_column=Column(String(32), nullable=False))
    """One of `Aspect`."""
    purpose: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    """What it is for."""
    status: str = Field(default="active", sa_column=Column(String(16), nullable=False))
    """`active`, `paused` or `ended`."""
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who made it."""
    created_at: datetime = _timestamp()
    """When it was made."""

    __table_args__ = (CheckConstraint("amount_fen > 0", name="plan_amount_positive"),)


class PlanRecipient(SQLModel, table=True):
    """A recipient on a plan's list."""

    __tablename__ = "plan_recipient"
    plan_id: int = Field(sa_column=Column(ForeignKey("plan.id"), primary_key=True))
    """The plan."""
    recipient_id: int = Field(sa_column=Column(ForeignKey("recipient.id"), primary_key=True))
    """Who is on it."""


class Period(SQLModel, table=True):
    """A month's closing (结账) of one fund; reopening is recorded on the same row."""

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(sa_column=Column(ForeignKey("fund.id"), nullable=False))
    """The fund."""
    month: str = Field(sa_column=Column(String(7), nullable=False))
    """`YYYY-MM`."""
    closing_balance_fen: int = _money()
    """Cash at the end of the month, as closed."""
    head_seq: int = Field(sa_column=Column(Integer, nullable=False))
    """The chain head's `seq` when it was closed."""
    head_hash: str = Field(sa_column=Column(String(64), nullable=False))
    """The chain head's `hash` when it was closed."""
    closed_by: str = Field(sa_column=Column(String(64), nullable=False))
    """Who closed it."""
    closed_at: datetime = _timestamp()
    """When it was closed."""
    reopened_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    """Who reopened it, if someone did."""
    reopened_at: datetime | None = _timestamp(nullable=True)
    """When it was reopened."""
    reopen_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The written reason for reopening."""

    __table_args__ = (Index("period_fund_month", "fund_id", "month"),)


class AuditLog(SQLModel, table=True):
    """Who changed what and when, for records that may change (recipients, periods, users)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _timestamp()
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

    Readers page by `id`; `carefund.events` makes ids commit in order.
    """

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    """Position in the feed."""
    type: str = Field(sa_column=Column(String(48), nullable=False))
    """e.g. `income.recorded`."""
    at: datetime = _timestamp()
    """When it happened."""
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The changed record as the API shows it."""


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
    created_at: datetime = _timestamp()
    """When the key was first seen; kept at least 24 hours from then."""

    __table_args__ = (UniqueConstraint("user_id", "key", name="idempotency_user_key"),)


class Setting(SQLModel, table=True):
    """Values the service keeps for itself, such as the cookie-signing secret."""

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    """The setting's name."""
    value: str = Field(sa_column=Column(Text, nullable=False))
    """Its value."""
