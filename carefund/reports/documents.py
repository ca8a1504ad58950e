"""Documents as data: what a receipt, a voucher, a statement and a public list show.

`receipts/` turns these frozen views into PDF, CSV and XLSX and never touches the database,
so everything a document prints is decided here: amounts already in figures and in
Chinese capitals, names of enums already in Chinese, personal data already masked. This
module builds the period documents, the audit statement and the public list;
`carefund.reports.slips` builds receipts and vouchers, and `carefund.reports.printing`
holds what they all print the same way.

A statement's journal is the one part that is not materialised: it is a lazy iterable that
reads the period's postings in batches while the renderer consumes it, so a year's
statement stays flat in memory. The session it reads through must stay open until the
document is rendered.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from carefund.access.users import Action, require, shown_name
from carefund.errors import CarefundError, InvalidInput
from carefund.funds import find_fund, fund_choices, get_fund
from carefund.ledger.accounts import account_name_zh
from carefund.ledger.seals import Seal
from carefund.models import (
    Fund,
    User,
    utcnow,
)
from carefund.privacy import mask_name
from carefund.reports.charts import FundCharts, fund_charts
from carefund.reports.listings import RecipientTotal, period_journal, recipient_totals
from carefund.reports.printing import Amount, FundHeading, amount_of, fund_heading
from carefund.reports.slips import ReceiptBatchView, ReceiptView, VoucherView
from carefund.reports.statements import (
    PeriodRange,
    Statement,
    checked_statement,
    parse_period,
    period_seal,
    statement_json,
)
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    SOURCE_NAMES_ZH,
    Aspect,
    IncomeSource,
    MemberCategory,
)

STATEMENT_ENTRIES_MAX = 100_000
"""Most journal entries a statement document lists (about 6,000 PDF pages)."""
DISCLOSURE_ROWS_MAX = 20_000
"""Most lines on one public list."""


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
    charts: FundCharts | None = None
    """The period's charts (income by month, paid by month, the 6×3 heat map), which the PDF
    draws on a page of its own; None for a view made without them."""

    @property
    def period(self) -> PeriodRange:
        return self.statement.period


def report_choices(
    session: Session, *, actor: User, fund_code: str | None = None
) -> tuple[list[Fund], Fund | None]:
    """The funds a reports page offers, and the one chosen (else the first)."""
    require(actor, Action.read_statements)
    return fund_choices(session, actor=actor, code=fund_code)


def statement_figures(
    session: Session, *, fund_code: str, period: object, actor: User
) -> Statement:
    """A fund's reconciled figures for a month, quarter or year (the reports page's)."""
    require(actor, Action.read_statements)
    return checked_statement(
        session,
        get_fund(session, fund_code, actor=actor, action=Action.read_statements),
        parse_period(period),
    )


def period_is_final(session: Session, *, fund_code: str, period: object) -> bool:
    """Whether a fund's period is closed (结账) in what `session` sees, so that nothing
    in it can change any more: a read replica may then answer it as it is
    (`database.read(..., replica=True, settled=...)`). Not a use case: it returns no
    data, only where to read; an unknown fund or a bad period says False, and the read
    that follows gives the error."""
    try:
        period_range = parse_period(period)
        fund = find_fund(session, fund_code)
    except CarefundError:
        return False
    return fund.closed_through is not None and fund.closed_through >= period_range.end


def statement_public(
    session: Session, *, fund_code: str, period: object, actor: User
) -> dict[str, Any]:
    """`statement_figures` as the API shows them (a statement's JSON format)."""
    return statement_json(
        statement_figures(session, fund_code=fund_code, period=period, actor=actor)
    )


def statement_view(
    session: Session, *, fund_code: str, period: object, actor: User
) -> StatementView:
    """Everything an audit statement shows, for every format (PDF, CSV, XLSX)."""
    require(actor, Action.read_statements)
    period_range = parse_period(period)
    fund = get_fund(session, fund_code, actor=actor, action=Action.read_statements)
    statement = checked_statement(session, fund, period_range)
    if statement.entry_count > STATEMENT_ENTRIES_MAX:
        raise InvalidInput(
            f"该期间有 {statement.entry_count} 笔凭证，超过报表上限 {STATEMENT_ENTRIES_MAX} 笔，"
            "请按季度或月份导出",
            field="period",
        )
    closed = fund.closed_through is not None and fund.closed_through >= period_range.end
    return StatementView(
        fund=fund_heading(fund),
        statement=statement,
        generated_at=utcnow(),
        generated_by=shown_name(actor),
        closed=closed,
        recipients=tuple(recipient_totals(session, fund, period_range)),
        journal=_JournalRows(session, fund, period_range),
        charts=fund_charts(session, fund, period_range),
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
    """One person on the public list: a masked name, the branch that tells two 王*明 apart,
    what for, how much (net, all aspects). Nothing else."""

    masked_name: str
    branch: str
    aspects_zh: str
    """The aspects paid, e.g. 生活帮扶、精神关怀."""
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
    seal: Seal | None
    """The seal of the period's last month, printed (text and QR) under the list."""


def disclosure_view(
    session: Session, *, fund_code: str, period: object, actor: User
) -> DisclosureView:
    """Net aid per recipient and aspect in the period, names masked; no ID numbers or phones."""
    require(actor, Action.read)
    period_range = parse_period(period)
    fund = get_fund(session, fund_code, actor=actor)
    totals = recipient_totals(session, fund, period_range)
    by_category: dict[str, list[RecipientTotal]] = {c.value: [] for c in MemberCategory}
    for item in totals:
        by_category[item.category].append(item)
    groups = []
    for category in MemberCategory:
        rows = [
            _disclosure_row(item)
            for item in by_category[category.value]
            if any(item.aspects_fen.values())
        ]
        if rows:
            groups.append(
                DisclosureGroup(
                    category.value,
                    CATEGORY_NAMES_ZH[category],
                    tuple(rows),
                    amount_of(sum(row.amount.fen for row in rows)),
                    len(rows),
                )
            )
    if len(totals) > DISCLOSURE_ROWS_MAX:
        raise InvalidInput(
            f"公示名单有 {len(totals)} 人，超过上限 {DISCLOSURE_ROWS_MAX} 行，请按月份公示",
            field="period",
        )
    return DisclosureView(
        fund=fund_heading(fund),
        period=period_range,
        groups=tuple(groups),
        total=amount_of(sum(group.total.fen for group in groups)),
        recipients=sum(group.recipients for group in groups),
        generated_at=utcnow(),
        seal=period_seal(session, fund, period_range),
    )


def _disclosure_row(item: RecipientTotal) -> DisclosureRow:
    aspects = [ASPECT_NAMES_ZH[aspect] for aspect in Aspect if item.aspects_fen[aspect.value]]
    return DisclosureRow(
        mask_name(item.name), item.branch or "—", "、".join(aspects), amount_of(item.total_fen)
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
