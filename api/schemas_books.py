"""Books: the journal, balances, verification, periods and statements."""

import datetime as dt

from pydantic import BaseModel, Field

from api.schemas import MoneyOut, RequestBody
from carefund.limits import TEXT_LENGTH_MAX

Hash = str


class PostingPublic(BaseModel):
    account: str = Field(examples=["assets:cash"])
    debit: MoneyOut
    credit: MoneyOut


class JournalEntryPublic(BaseModel):
    """One entry; `hash` = SHA-256 of the JCS form of the other fields (API.md, Books)."""

    fund: str
    seq: int
    voucher_no: str
    date: dt.date
    memo: str
    postings: list[PostingPublic]
    reverses_seq: int | None
    prev_hash: Hash
    hash: Hash


class BalancesPublic(BaseModel):
    fund: str
    as_of: dt.date | None
    balance: MoneyOut
    available: MoneyOut
    income: dict[str, MoneyOut] = Field(description="per source")
    disbursed: dict[str, MoneyOut] = Field(description="per aspect")


class VerifyPublic(BaseModel):
    fund: str
    ok: bool
    entries: int
    head_hash: Hash
    first_bad_seq: int | None
    problem: str | None


class PeriodReopen(RequestBody):
    reason: str = Field(max_length=TEXT_LENGTH_MAX, examples=["补记漏账"])


class PeriodPublic(BaseModel):
    fund: str
    period: str = Field(examples=["2026-11"])
    closing_balance: MoneyOut
    head_seq: int
    head_hash: Hash
    closed_by: str
    closed_at: dt.datetime
    reopened_by: str | None
    reopened_at: dt.datetime | None
    reopen_reason: str | None


class StatementPeriod(BaseModel):
    label: str = Field(examples=["2026-Q4"])
    start: dt.date
    end: dt.date


class StatementDisbursed(BaseModel):
    by_category_aspect: dict[str, dict[str, MoneyOut]]
    by_aspect: dict[str, MoneyOut]
    by_category: dict[str, MoneyOut]
    total: MoneyOut


class StatementCheck(BaseModel):
    name: str
    left: MoneyOut
    right: MoneyOut
    passed: bool


class StatementPublic(BaseModel):
    fund: str
    period: StatementPeriod
    opening_balance: MoneyOut
    income: dict[str, MoneyOut] = Field(description="per source, and `total`")
    disbursed: StatementDisbursed
    closing_balance: MoneyOut
    entry_count: int
    recipients_paid: int
    head_hash: Hash
    checks: list[StatementCheck]
    reconciled: bool
