"""Documents as data: what a receipt, a voucher, a statement and a public list show.

`receipts/` turns these frozen views into PDF, CSV and XLSX and never touches the database,
so everything a document prints is decided here: amounts already in figures and in
Chinese capitals, names of enums already in Chinese, personal data already masked.

A statement's journal is the one part that is not materialised: it is a lazy iterable that
reads the period's postings in batches while the renderer consumes it, so a year's
statement stays flat in memory. The session it reads through must stay open until the
document is rendered.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.disbursements import get_disbursement
from carefund.errors import InvalidInput
from carefund.funds import get_fund
from carefund.incomes import get_income
from carefund.ledger.accounts import account_name_zh
from carefund.models import (
    Disbursement,
    Fund,
    Income,
    JournalEntry,
    Recipient,
    User,
    as_utc,
    utcnow,
)
from carefund.money import capital_amount, format_fen, format_fen_grouped
from carefund.privacy import mask_id_number, mask_name
from carefund.reports.statements import (
    PeriodRange,
    RecipientTotal,
    Statement,
    build_statement,
    parse_period,
    period_journal,
    recipient_totals,
)
from carefund.validation import parse_date
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    SOURCE_NAMES_ZH,
    STATUS_NAMES_ZH,
    Aspect,
    DisbursementStatus,
    IncomeSource,
    IncomeStatus,
    MemberCategory,
)

BATCH_RECEIPTS_MAX = 2_000
"""Most receipts in one batch PDF; a longer range is refused so one request stays bounded."""
STATEMENT_ENTRIES_MAX = 100_000
"""Most journal entries a statement document lists (about 6,000 PDF pages)."""
DISCLOSURE_ROWS_MAX = 20_000
"""Most lines on one public list."""
LOCAL_TIMEZONE = timezone(timedelta(hours=8), "北京时间")
"""Timestamps are stored in UTC; documents print dates and times in the district's time."""
QR_PAYLOAD_PREFIX = "carefund:receipt"
"""The start of a receipt's QR code, so a scanner app knows what it holds."""


@dataclass(frozen=True)
class Amount:
    """An amount as documents print it: fen, figures and Chinese capitals."""

    fen: int
    plain: str
    """`1234.56`, as the API and the exports write it."""
    figures: str
    """`¥1,234.56`."""
    capitals: str
    """`壹仟贰佰叁拾肆元伍角陆分`."""


def amount_of(fen: int) -> Amount:
    """Net amounts can be negative (a reversal in a later period); capitals then say 负."""
    capitals = capital_amount(fen) if fen >= 0 else "负" + capital_amount(-fen)
    return Amount(fen, format_fen(fen), format_fen_grouped(fen), capitals)


@dataclass(frozen=True)
class FundHeading:
    """The fund as a document's heading names it."""

    code: str
    name: str
    org: str


def _heading(fund: Fund) -> FundHeading:
    return FundHeading(fund.code, fund.name, fund.org)


# ---------------------------------------------------------------------------------------
# Receipts (收款收据)


@dataclass(frozen=True)
class ReceiptView:
    """One income's receipt."""

    fund: FundHeading
    income_id: int
    receipt_no: str
    received_on: date
    payer: str
    source: str
    source_zh: str
    amount: Amount
    method: str
    memo: str
    clerk: str
    voucher_no: str
    """The entry that posted it, `记-YYYYMM-NNNN`."""
    entry_seq: int
    """That entry's place in the fund's chain."""
    entry_hash: str
    """The posted entry's chain hash, printed and in the QR code, to check against the books."""
    void: bool
    """Reversed: the receipt is shown 作废; its number stays used."""
    void_reason: str | None
    void_on: date | None
    void_voucher_no: str | None

    @property
    def qr_payload(self) -> str:
        """What the QR code holds: enough to find the entry in the public journal and check it.

        A URI with a percent-encoded query, so it is plain ASCII: QR byte mode has no agreed
        charset without an ECI header (which reportlab cannot write), and scanners read raw
        UTF-8 bytes of 记 as Shift-JIS.
        """
        query = urlencode(
            {
                "fund": self.fund.code,
                "no": self.receipt_no,
                "seq": self.entry_seq,
                "voucher": self.voucher_no,
                "amount": self.amount.plain,
                "sha256": self.entry_hash,
            }
        )
        return f"{QR_PAYLOAD_PREFIX}?{query}"


def receipt_view(session: Session, *, income_id: int, actor: User) -> ReceiptView:
    """The receipt of one income, void when the income was reversed."""
    require(actor, Action.read)
    income = get_income(session, income_id)
    fund = session.get(Fund, income.fund_id)
    assert fund is not None
    return _receipt_of(session, income, _heading(fund))


def _receipt_of(session: Session, income: Income, fund: FundHeading) -> ReceiptView:
    entry = session.get(JournalEntry, income.entry_id)
    assert entry is not None
    reversal = (
        session.get(JournalEntry, income.reversal_entry_id) if income.reversal_entry_id else None
    )
    assert income.id is not None
    return ReceiptView(
        fund=fund,
        income_id=income.id,
        receipt_no=income.receipt_no,
        received_on=income.received_on,
        payer=income.payer,
        source=income.source,
        source_zh=SOURCE_NAMES_ZH[IncomeSource(income.source)],
        amount=amount_of(income.amount_fen),
        method=income.method,
        memo=income.memo,
        clerk=income.created_by,
        voucher_no=entry.voucher_no,
        entry_seq=entry.seq,
        entry_hash=entry.hash,
        void=income.status == IncomeStatus.reversed.value,
        void_reason=income.reverse_reason,
        void_on=reversal.entry_date if reversal else None,
        void_voucher_no=reversal.voucher_no if reversal else None,
    )


@dataclass(frozen=True)
class ReceiptBatchView:
    """Every receipt of a fund whose income was received within a date range."""

    fund: FundHeading
    start: date
    end: date
    receipts: tuple[ReceiptView, ...]


def receipt_batch_view(
    session: Session, *, fund_code: str, start: object, end: object, actor: User
) -> ReceiptBatchView:
    """The receipts of `fund_code` received from `start` to `end` inclusive, by number."""
    require(actor, Action.read)
    first = parse_date(start, field="from")
    last = parse_date(end, field="to")
    if last < first:
        raise InvalidInput("结束日期不能早于开始日期", field="to")
    fund = get_fund(session, fund_code)
    in_range = (
        Income.fund_id == fund.id,
        col(Income.received_on) >= first,
        col(Income.received_on) <= last,
    )
    count = session.exec(select(func.count()).select_from(Income).where(*in_range)).one()
    if count > BATCH_RECEIPTS_MAX:
        raise InvalidInput(
            f"该范围内有 {count} 张收据，超过单次上限 {BATCH_RECEIPTS_MAX} 张，请缩短日期范围",
            field="from",
        )
    heading = _heading(fund)
    incomes = session.exec(
        select(Income).where(*in_range).order_by(col(Income.received_on), col(Income.id))
    )
    receipts = tuple(_receipt_of(session, income, heading) for income in incomes)
    return ReceiptBatchView(heading, first, last, receipts)


# ---------------------------------------------------------------------------------------
# Disbursement vouchers (领款签收单)


@dataclass(frozen=True)
class VoucherView:
    """One disbursement's voucher, for the recipient to sign."""

    fund: FundHeading
    disbursement_id: int
    recipient_name: str
    id_number_masked: str | None
    member_no: str
    branch: str
    category_zh: str
    aspect_zh: str
    purpose: str
    memo: str
    amount: Amount
    submitter: str
    approver: str | None
    cashier: str | None
    paid_on: date | None
    method: str
    status: str
    status_zh: str
    voucher_no: str | None
    """The payment's entry, once paid."""
    created_on: date
    reverse_reason: str | None

    @property
    def stamp(self) -> str | None:
        """What is stamped across a voucher that no longer stands (or never did)."""
        if self.status in (
            DisbursementStatus.reversed.value,
            DisbursementStatus.rejected.value,
            DisbursementStatus.cancelled.value,
        ):
            return self.status_zh
        return None


def voucher_view(session: Session, *, disbursement_id: int, actor: User) -> VoucherView:
    """The voucher of one disbursement; the ID number masked, the phone left out."""
    require(actor, Action.read)
    disbursement: Disbursement = get_disbursement(session, disbursement_id)
    fund = session.get(Fund, disbursement.fund_id)
    recipient = session.get(Recipient, disbursement.recipient_id)
    assert fund is not None and recipient is not None and disbursement.id is not None
    entry = session.get(JournalEntry, disbursement.entry_id) if disbursement.entry_id else None
    status = DisbursementStatus(disbursement.status)
    return VoucherView(
        fund=_heading(fund),
        disbursement_id=disbursement.id,
        recipient_name=recipient.name,
        id_number_masked=mask_id_number(recipient.id_number),
        member_no=recipient.member_no,
        branch=recipient.branch,
        category_zh=CATEGORY_NAMES_ZH[MemberCategory(recipient.category)],
        aspect_zh=ASPECT_NAMES_ZH[Aspect(disbursement.aspect)],
        purpose=disbursement.purpose,
        memo=disbursement.memo,
        amount=amount_of(disbursement.amount_fen),
        submitter=disbursement.submitted_by,
        approver=disbursement.approved_by,
        cashier=disbursement.paid_by,
        paid_on=disbursement.paid_on,
        method=disbursement.method,
        status=status.value,
        status_zh=STATUS_NAMES_ZH[status],
        voucher_no=entry.voucher_no if entry else None,
        created_on=as_utc(disbursement.created_at).astimezone(LOCAL_TIMEZONE).date(),
        reverse_reason=disbursement.reverse_reason,
    )


# ---------------------------------------------------------------------------------------
# Audit statements (审计报表)


@dataclass(frozen=True)
class JournalRow:
    """One posting line of a statement's journal, ready to print."""

    seq: int
    voucher_no: str
    entry_date: date
    memo: str
    """The entry's memo on its first line; empty on the lines after it."""
    account: str
    account_zh: str
    debit_fen: int
    credit_fen: int
    first_of_entry: bool


@dataclass(frozen=True)
class StatementView:
    """A fund's statement for a period, with who made it and when, and its journal."""

    fund: FundHeading
    statement: Statement
    generated_at: datetime
    generated_by: str
    closed: bool
    """Whether every month of the period is closed (结账), so its figures are final."""
    recipients: tuple[RecipientTotal, ...]
    journal: Iterable[JournalRow]
    """The period's postings by seq, read lazily; iterate it once, while the session is open."""

    @property
    def period(self) -> PeriodRange:
        return self.statement.period


def statement_view(
    session: Session, *, fund_code: str, period: object, actor: User
) -> StatementView:
    """Everything an audit statement shows, for every format (PDF, CSV, XLSX)."""
    require(actor, Action.read_statements)
    period_range = parse_period(period)
    fund = get_fund(session, fund_code)
    statement = build_statement(session, fund, period_range)
    if statement.entry_count > STATEMENT_ENTRIES_MAX:
        raise InvalidInput(
            f"该期间有 {statement.entry_count} 笔凭证，超过报表上限 {STATEMENT_ENTRIES_MAX} 笔，"
            "请按季度或月份导出",
            field="period",
        )
    closed = fund.closed_through is not None and fund.closed_through >= period_range.end
    return StatementView(
        fund=_heading(fund),
        statement=statement,
        generated_at=utcnow(),
        generated_by=actor.username,
        closed=closed,
        recipients=tuple(recipient_totals(session, fund, period_range)),
        journal=_JournalRows(session, fund, period_range),
    )


class _JournalRows:
    """The period's journal as an iterable that reads the database only when iterated."""

    def __init__(self, session: Session, fund: Fund, period: PeriodRange):
        self._session, self._fund, self._period = session, fund, period

    def __iter__(self) -> Iterator[JournalRow]:
        previous_seq = None
        for line in period_journal(self._session, self._fund, self._period):
            first = line.seq != previous_seq
            previous_seq = line.seq
            yield JournalRow(
                seq=line.seq,
                voucher_no=line.voucher_no,
                entry_date=line.entry_date,
                memo=line.memo if first else "",
                account=line.account,
                account_zh=account_name_zh(line.account),
                debit_fen=line.debit_fen,
                credit_fen=line.credit_fen,
                first_of_entry=first,
            )


def income_rows(statement: Statement) -> list[tuple[str, str, int]]:
    """(source, 中文, net fen) for the four sources, in the vocabulary's order."""
    return [(s.value, SOURCE_NAMES_ZH[s], statement.income_fen[s.value]) for s in IncomeSource]


def matrix_rows(statement: Statement) -> list[tuple[str, str, list[int], int]]:
    """(category, 中文, fen per aspect in the vocabulary's order, row total) for six rows."""
    rows = []
    for category in MemberCategory:
        cells = [statement.matrix_fen[category.value][aspect.value] for aspect in Aspect]
        rows.append((category.value, CATEGORY_NAMES_ZH[category], cells, sum(cells)))
    return rows


def aspect_headings() -> list[tuple[str, str]]:
    """(aspect, 中文) in the vocabulary's order: the matrix's columns."""
    return [(aspect.value, ASPECT_NAMES_ZH[aspect]) for aspect in Aspect]


def category_zh(category: str) -> str:
    return CATEGORY_NAMES_ZH[MemberCategory(category)]


# ---------------------------------------------------------------------------------------
# Public disclosure lists (公示)


@dataclass(frozen=True)
class DisclosureRow:
    """One line of the public list: a masked name, what for, how much. Nothing else."""

    masked_name: str
    category_zh: str
    aspect_zh: str
    amount: Amount


@dataclass(frozen=True)
class DisclosureGroup:
    """The lines of one member category, with their subtotal."""

    category: str
    category_zh: str
    rows: tuple[DisclosureRow, ...]
    total: Amount
    recipients: int


@dataclass(frozen=True)
class DisclosureView:
    """The public list (公示) of the aid paid in a period, grouped by category."""

    fund: FundHeading
    period: PeriodRange
    groups: tuple[DisclosureGroup, ...]
    total: Amount
    recipients: int
    generated_at: datetime


def disclosure_view(
    session: Session, *, fund_code: str, period: object, actor: User
) -> DisclosureView:
    """Net aid per recipient and aspect in the period, names masked; no ID numbers or phones."""
    require(actor, Action.read)
    period_range = parse_period(period)
    fund = get_fund(session, fund_code)
    totals = recipient_totals(session, fund, period_range)
    by_category: dict[str, list[RecipientTotal]] = {c.value: [] for c in MemberCategory}
    for item in totals:
        by_category[item.category].append(item)
    groups = []
    line_count = 0
    for category in MemberCategory:
        rows = []
        for item in by_category[category.value]:
            for aspect in Aspect:
                fen = item.aspects_fen[aspect.value]
                if fen:
                    rows.append(
                        DisclosureRow(
                            mask_name(item.name),
                            CATEGORY_NAMES_ZH[category],
                            ASPECT_NAMES_ZH[aspect],
                            amount_of(fen),
                        )
                    )
        line_count += len(rows)
        if rows:
            groups.append(
                DisclosureGroup(
                    category.value,
                    CATEGORY_NAMES_ZH[category],
                    tuple(rows),
                    amount_of(sum(row.amount.fen for row in rows)),
                    len(by_category[category.value]),
                )
            )
    if line_count > DISCLOSURE_ROWS_MAX:
        raise InvalidInput(
            f"公示名单有 {line_count} 行，超过上限 {DISCLOSURE_ROWS_MAX} 行，请按月份公示",
            field="period",
        )
    return DisclosureView(
        fund=_heading(fund),
        period=period_range,
        groups=tuple(groups),
        total=amount_of(sum(group.total.fen for group in groups)),
        recipients=len(totals),
        generated_at=utcnow(),
    )


def describe(view: Any) -> str:
    """A short name for a document, for file names and logs."""
    if isinstance(view, ReceiptView):
        return f"receipt-{view.receipt_no}"
    if isinstance(view, VoucherView):
        return f"voucher-{view.fund.code}-{view.disbursement_id}"
    if isinstance(view, StatementView):
        return f"statement-{view.fund.code}-{view.period.label}"
    if isinstance(view, DisclosureView):
        return f"disclosure-{view.fund.code}-{view.period.label}"
    if isinstance(view, ReceiptBatchView):
        return f"receipts-{view.fund.code}-{view.start.isoformat()}-{view.end.isoformat()}"
    raise AssertionError(f"not a document view: {view!r}")
