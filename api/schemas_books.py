"""Books: the journal, balances, verification, periods and statements."""

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from api.schemas import MoneyOut, RequestBody
from api.schemas_controls import SourcePublic
from carefund.limits import TEXT_LENGTH_MAX

Hash = str


class PostingPublic(BaseModel):
    account: str = Field(examples=["assets:cash"])
    debit: MoneyOut
    credit: MoneyOut
    recipient: str | None = Field(
        default=None,
        description=(
            "member_no of the recipient the line pays, else null; absent from the postings "
            "of a `chain_version` 1 entry, whose hash did not cover it"
        ),
    )


class JournalEntryPublic(BaseModel):
    """One entry; `hash` = SHA-256 of the JCS form of its hashed object (API.md, Books),
    by `chain_version`."""

    fund: str
    seq: int
    voucher_no: str
    date: dt.date
    memo: str
    postings: list[PostingPublic]
    document: dict[str, Any] | None = Field(
        description=(
            "what the entry records (API.md, Books: income, disbursement, reversal, seal); "
            "null for a `chain_version` 1 entry. Beyond API.md, since migration 0007: an "
            "income's document has `earmark` ({category, aspect} of a 定向 income, else "
            "null); a payment's has `source` (the income source it draws from) and "
            "`earmark` (the receipt_no of the earmarked income it draws from, else null), "
            "and `approved_by` names both of two approvers joined with 、; a new kind "
            "`review` {kind, of_seq, receipt_no, reviewed_by} (no postings) records an "
            "income's 复核. Entries posted before keep their documents."
        )
    )
    reverses_seq: int | None
    prev_hash: Hash
    hash: Hash
    chain_version: int = Field(
        description=(
            "Beyond API.md: which hashed object `hash` covers. 2 (every entry posted since "
            "the upgrade): the object of API.md, with `document` and postings' `recipient`. "
            "1 (entries posted before it, kept as they were hashed): the keys `fund, seq, "
            "voucher_no, date, memo, postings, reverses_seq, prev_hash`, postings "
            "`{account, debit, credit}`, without `document`."
        ),
        examples=[2],
    )


class BalancesPublic(BaseModel):
    fund: str
    as_of: dt.date | None
    balance: MoneyOut
    available: MoneyOut
    income: dict[str, MoneyOut] = Field(description="per source")
    disbursed: dict[str, MoneyOut] = Field(description="per aspect")
    sources: list[SourcePublic] = Field(
        description=(
            "Beyond API.md: the money of each source and earmarked income (专款专用), in the "
            "order payments draw from them (earmarked first, oldest first; then the most "
            "restricted sources)"
        )
    )


class BadRowPublic(BaseModel):
    table: str = Field(examples=["disbursement"])
    id: int | None
    field: str = Field(examples=["recipient_id"])


class VerifyPublic(BaseModel):
    fund: str
    ok: bool
    entries: int
    head_hash: Hash
    first_bad_seq: int | None
    first_bad_row: BadRowPublic | None = Field(
        description="Beyond API.md: the first income, disbursement or posting row that "
        "disagrees with its entry's hashed data (table, id, field); id null when missing"
    )
    problem: str | None


class SealPublic(BaseModel):
    period: str = Field(examples=["2026-11"])
    seq: int
    hash: Hash = Field(description="the seal entry's own hash")
    sealed_head: Hash = Field(description="hash of the month's last entry before the seal")
    closing_balance: MoneyOut


class SealsPublic(BaseModel):
    items: list[SealPublic]


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
    warnings: list[str] = Field(
        default_factory=list,
        description="Beyond API.md: what the closing found amiss but did not refuse (a month "
        "whose bank reconciliation is not confirmed)",
    )


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


class StatementSeal(SealPublic):
    text: str = Field(examples=["carefund:seal?fund=HC-CARE&period=2026-11&seq=42&..."])


class StatementChain(BaseModel):
    ok: bool
    entries: int
    problem: str | None


class StatementPublic(BaseModel):
    fund: str
    period: StatementPeriod
    opening_balance: MoneyOut
    income: dict[str, MoneyOut] = Field(description="per source, and `total`")
    disbursed: StatementDisbursed
    bank: dict[str, MoneyOut] = Field(
        description="Beyond API.md: the bank's own lines booked from its statement, `fee` "
        "(银行手续费, money out) and `interest` (利息收入, money in), outside the sources and "
        "the matrix; the first check counts them"
    )
    closing_balance: MoneyOut
    entry_count: int
    recipients_paid: int
    head_hash: Hash
    checks: list[StatementCheck]
    seal: StatementSeal | None = Field(
        description="the seal of the period's last month once closed (API.md: seals), with "
        "`text`, what the statement prints and its QR code holds"
    )
    chain: StatementChain | None = Field(
        description="Beyond API.md: whether the fund's hash chain and the rows it covers "
        "verified when the statement was made; `reconciled` is false unless it did"
    )
    reconciled: bool
