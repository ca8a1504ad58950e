"""Statements as data: a fund's figures for a month, quarter or year, and their reconciliation.

Everything here is computed with aggregate SQL over the postings' (fund, account, date)
index, so a year's statement costs the same whatever the journal's length. The JSON, CSV,
XLSX and PDF forms are all built from one `Statement`, so they always agree.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.errors import InvalidInput
from carefund.ledger.accounts import (
    BANK_FEE_ACCOUNT,
    BANK_INTEREST_ACCOUNT,
    CASH_ACCOUNT,
    EXPENSE_PREFIX,
    INCOME_PREFIX,
    expense_cell,
)
from carefund.ledger.seals import Seal, fund_seals
from carefund.ledger.verify import verify
from carefund.models import Fund, JournalEntry, Posting
from carefund.money import format_fen
from carefund.reports.control_figures import (
    ControlFigures,
    control_figures,
    control_figures_json,
)
from carefund.validation import DATE_MAX, DATE_MIN
from carefund.vocabulary import Aspect, IncomeSource, MemberCategory

_PERIOD_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})|-Q([1-4]))?")


@dataclass(frozen=True)
class PeriodRange:
    """A statement's period: its label as asked (`2026-Q4`) and its first and last day."""

    label: str
    start: date
    end: date

    @property
    def label_zh(self) -> str:
        """2026年11月, 2026年第4季度, 2026年度."""
        if "-Q" in self.label:
            return f"{self.start.year}年第{self.label[-1]}季度"
        if "-" in self.label:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年度"


def parse_period(value: object) -> PeriodRange:
    """`2026-11`, `2026-Q4` or `2026` → the period's first and last day."""
    match = _PERIOD_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput("期间格式应为 2026-11、2026-Q4 或 2026", field="period")
    year, month, quarter = int(match.group(1)), match.group(2), match.group(3)
    # Before any date is built: `date` itself refuses year 0 with a ValueError.
    if not DATE_MIN.year <= year <= DATE_MAX.year:
        raise InvalidInput("期间应在 2000 年到 2099 年之间", field="period")
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise InvalidInput("月份应在 01 到 12 之间", field="period")
        start, length = date(year, int(month), 1), relativedelta(months=1)
    elif quarter is not None:
        start, length = date(year, 3 * int(quarter) - 2, 1), relativedelta(months=3)
    else:
        start, length = date(year, 1, 1), relativedelta(years=1)
    if not DATE_MIN <= start <= DATE_MAX:
        raise InvalidInput("期间应在 2000 年到 2099 年之间", field="period")
    assert isinstance(value, str)
    return PeriodRange(value, start, start + length - relativedelta(days=1))


@dataclass(frozen=True)
class Check:
    """One reconciliation check and whether it passed."""

    name: str
    """What is compared, in Chinese, e.g. 期初余额＋收入－支出＝期末余额."""
    left_fen: int
    right_fen: int

    @property
    def passed(self) -> bool:
        return self.left_fen == self.right_fen


@dataclass(frozen=True)
class ChainCheck:
    """Whether the fund's books agree with their hash chain (`verify`, cross-checks
    included) when the statement was made: the figures are sums of postings, which are only
    as good as the chain that covers them."""

    ok: bool
    entries: int
    problem: str | None

    @property
    def text(self) -> str:
        if self.ok:
            return f"通过（{self.entries} 笔凭证哈希链重算一致，收入、支出、分录记录逐笔相符）"
        return f"不通过：{self.problem}"


@dataclass(frozen=True)
class Statement:
    """A fund's figures for one period."""

    fund_code: str
    fund_name: str
    org: str
    period: PeriodRange
    opening_fen: int
    income_fen: dict[str, int]
    """Net income per source (reversals subtract in the period of their date)."""
    matrix_fen: dict[str, dict[str, int]]
    """Net disbursed per category, then per aspect: the 6×3 matrix."""
    expense_accounts_fen: int
    """Net disbursed by the expense accounts, reconciled with the matrix."""
    recipients_total_fen: int
    """Net disbursed summed per recipient, reconciled with the matrix."""
    closing_fen: int
    """Cash at the period's end, from the cash account."""
    debits_fen: int
    credits_fen: int
    entry_count: int
    recipients_paid: int
    head_hash: str
    """Hash of the last entry (by seq) dated within or before the period."""
    checks: list[Check] = field(default_factory=list)
    bank_fen: dict[str, int] = field(default_factory=dict)
    """Net bank fees (`bank:fee`, money out) and interest (`bank:interest`, money in): the
    bank's own lines, booked from its statement, outside the sources and the matrix."""
    seal: Seal | None = None
    """The seal of the period's last month, when it is closed (the latest, if reopened and
    closed again)."""
    chain: ChainCheck | None = None
    """The chain's check, for a statement that is printed or answered (`checked_statement`);
    None for figures only (a dashboard's)."""
    controls: ControlFigures | None = None
    """Per-source balances, source × cell and budget against actual (`checked_statement`)."""

    @property
    def income_total_fen(self) -> int:
        return sum(self.income_fen.values())

    @property
    def disbursed_total_fen(self) -> int:
        return sum(sum(row.values()) for row in self.matrix_fen.values())

    @property
    def reconciled(self) -> bool:
        """Every check passed, the chain's included: only then may it say 对账全部通过."""
        chain_ok = self.chain is None or self.chain.ok
        return chain_ok and all(check.passed for check in self.checks)

    def aspect_totals_fen(self) -> dict[str, int]:
        return {
            a.value: sum(self.matrix_fen[c.value][a.value] for c in MemberCategory) for a in Aspect
        }

    def category_totals_fen(self) -> dict[str, int]:
        return {c: sum(row.values()) for c, row in self.matrix_fen.items()}


def build_statement(session: Session, fund: Fund, period: PeriodRange) -> Statement:
    """Compute a fund's statement for a period, with its reconciliation checks."""
    opening = _cash_before(session, fund, period.start)
    income = {source.value: 0 for source in IncomeSource}
    bank = {BANK_FEE_ACCOUNT: 0, BANK_INTEREST_ACCOUNT: 0}
    cash_change = debits = credits = expense_accounts = 0
    for account, debit, credit in session.exec(
        select(Posting.account, func.sum(Posting.debit_fen), func.sum(Posting.credit_fen))
        .where(*in_period(fund, period))
        .group_by(col(Posting.account))
    ):
        debit, credit = int(debit or 0), int(credit or 0)
        debits += debit
        credits += credit
        if account == CASH_ACCOUNT:
            cash_change = debit - credit
        elif account.startswith(INCOME_PREFIX):
            income[account.removeprefix(INCOME_PREFIX)] += credit - debit
        elif account.startswith(EXPENSE_PREFIX):
            expense_accounts += debit - credit
        elif account in bank:
            bank[account] += debit - credit if account == BANK_FEE_ACCOUNT else credit - debit
    matrix, agreeing_tags = _matrix_by_accounts(session, fund, period)
    recipients_total, recipients_paid = _recipient_totals(session, fund, period)
    closing = opening + cash_change
    disbursed = sum(sum(row.values()) for row in matrix.values())
    checks = [
        Check(
            "期初余额＋本期收入－本期支出＝期末余额"
            + ("（含利息收入、银行手续费）" if any(bank.values()) else ""),
            opening
            + sum(income.values())
            + bank[BANK_INTEREST_ACCOUNT]
            - disbursed
            - bank[BANK_FEE_ACCOUNT],
            closing,
        ),
        Check("6×3 矩阵合计＝支出科目合计", disbursed, expense_accounts),
        Check("支出科目合计＝其中类别、方面标记与科目相符者", expense_accounts, agreeing_tags),
        Check("按关爱对象合计＝6×3 矩阵合计", recipients_total, disbursed),
        Check("借方合计＝贷方合计", debits, credits),
    ]
    return Statement(
        fund_code=fund.code,
        fund_name=fund.name,
        org=fund.org,
        period=period,
        opening_fen=opening,
        income_fen=income,
        matrix_fen=matrix,
        expense_accounts_fen=expense_accounts,
        recipients_total_fen=recipients_total,
        closing_fen=closing,
        debits_fen=debits,
        credits_fen=credits,
        entry_count=_entry_count(session, fund, period),
        recipients_paid=recipients_paid,
        head_hash=_head_hash(session, fund, period.end),
        checks=checks,
        bank_fen={"fee": bank[BANK_FEE_ACCOUNT], "interest": bank[BANK_INTEREST_ACCOUNT]},
        seal=period_seal(session, fund, period),
    )


def _matrix_by_accounts(
    session: Session, fund: Fund, period: PeriodRange
) -> tuple[dict[str, dict[str, int]], int]:
    """The 6×3 matrix from the expense accounts, which the hash covers, and how much of it
    the postings' category and aspect tags (copies, not hashed) agree with."""
    matrix = {c.value: {a.value: 0 for a in Aspect} for c in MemberCategory}
    agreeing_tags = 0
    for account, category, aspect, debit, credit in session.exec(
        select(  # type: ignore[call-overload]
            Posting.account,
            Posting.category,
            Posting.aspect,
            func.sum(Posting.debit_fen),
            func.sum(Posting.credit_fen),
        )
        .where(*in_period(fund, period), col(Posting.account).startswith(EXPENSE_PREFIX))
        .group_by(col(Posting.account), col(Posting.category), col(Posting.aspect))
    ):
        net = int(debit or 0) - int(credit or 0)
        account_aspect, account_category = expense_cell(account)
        matrix[account_category][account_aspect] += net
        if (category, aspect) == (account_category, account_aspect):
            agreeing_tags += net
    return matrix, agreeing_tags


def checked_statement(session: Session, fund: Fund, period: PeriodRange) -> Statement:
    """`build_statement` with the chain's check: what statements print and answer.

    Recomputing the chain reads every entry of the fund (the figures alone read only the
    period's aggregates), so only a statement someone asks for pays it.
    """
    result = verify(session, fund)
    chain = ChainCheck(result.ok, result.entries, result.problem)
    statement = build_statement(session, fund, period)
    figures = control_figures(session, fund, start=period.start, end=period.end)
    # The bank's own lines (interest in, fees out) belong to no source: they are added
    # to the sources' balances to meet the cash.
    bank_net = _bank_net_through(session, fund, period.end)
    checks = [
        *statement.checks,
        Check(
            "各资金来源余额合计＋银行利息−手续费＝期末余额",
            figures.sources_total_fen + bank_net,
            statement.closing_fen,
        ),
    ]
    return replace(statement, chain=chain, controls=figures, checks=checks)


def period_seal(session: Session, fund: Fund, period: PeriodRange) -> Seal | None:
    """The (latest) seal of the period's last month, if that month is closed."""
    seals = fund_seals(session, fund_id=fund.id or 0, fund_code=fund.code, month_end=period.end)
    return seals[-1] if seals else None


def in_period(fund: Fund, period: PeriodRange) -> tuple[Any, ...]:
    return (
        Posting.fund_id == fund.id,
        col(Posting.entry_date) >= period.start,
        col(Posting.entry_date) <= period.end,
    )


def _cash_before(session: Session, fund: Fund, day: date) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(Posting.debit_fen - Posting.credit_fen), 0)).where(
            Posting.fund_id == fund.id,
            Posting.account == CASH_ACCOUNT,
            col(Posting.entry_date) < day,
        )
    ).one()
    return int(total)


def _bank_net_through(session: Session, fund: Fund, day: date) -> int:
    """Interest less fees booked from the bank's statement, from the start through `day`."""
    total = session.exec(
        select(func.coalesce(func.sum(Posting.debit_fen - Posting.credit_fen), 0)).where(
            Posting.fund_id == fund.id,
            col(Posting.account).in_([BANK_FEE_ACCOUNT, BANK_INTEREST_ACCOUNT]),
            col(Posting.entry_date) <= day,
        )
    ).one()
    return -int(total)  # interest is credited, fees debited


def _recipient_totals(session: Session, fund: Fund, period: PeriodRange) -> tuple[int, int]:
    """Net aid summed per recipient, and how many recipients received a net positive amount."""
    total = paid = 0
    for _recipient_id, net in session.exec(
        select(Posting.recipient_id, func.sum(Posting.debit_fen - Posting.credit_fen))
        .where(*in_period(fund, period), col(Posting.account).startswith(EXPENSE_PREFIX))
        .group_by(col(Posting.recipient_id))
    ):
        total += int(net or 0)
        paid += 1 if int(net or 0) > 0 else 0
    return total, paid


def _entry_count(session: Session, fund: Fund, period: PeriodRange) -> int:
    return int(
        session.exec(
            select(func.count()).where(
                JournalEntry.fund_id == fund.id,
                col(JournalEntry.entry_date) >= period.start,
                col(JournalEntry.entry_date) <= period.end,
            )
        ).one()
    )


def _head_hash(session: Session, fund: Fund, end: date) -> str:
    found = session.exec(
        select(JournalEntry.hash)
        .where(JournalEntry.fund_id == fund.id, col(JournalEntry.entry_date) <= end)
        .order_by(col(JournalEntry.seq).desc())
        .limit(1)
    ).first()
    return found or "0" * 64


def statement_json(statement: Statement) -> dict[str, Any]:
    """The statement in the shape of API.md (`statements/{period}.json`), plus the checks."""
    return {
        "fund": statement.fund_code,
        "period": {
            "label": statement.period.label,
            "start": statement.period.start.isoformat(),
            "end": statement.period.end.isoformat(),
        },
        "opening_balance": format_fen(statement.opening_fen),
        "income": {
            **{source: format_fen(amount) for source, amount in statement.income_fen.items()},
            "total": format_fen(statement.income_total_fen),
        },
        "disbursed": {
            "by_category_aspect": {
                category: {aspect: format_fen(amount) for aspect, amount in row.items()}
                for category, row in statement.matrix_fen.items()
            },
            "by_aspect": {a: format_fen(v) for a, v in statement.aspect_totals_fen().items()},
            "by_category": {c: format_fen(v) for c, v in statement.category_totals_fen().items()},
            "total": format_fen(statement.disbursed_total_fen),
        },
        "bank": {name: format_fen(amount) for name, amount in statement.bank_fen.items()},
        "closing_balance": format_fen(statement.closing_fen),
        "entry_count": statement.entry_count,
        "recipients_paid": statement.recipients_paid,
        "head_hash": statement.head_hash,
        "checks": [
            {
                "name": check.name,
                "left": format_fen(check.left_fen),
                "right": format_fen(check.right_fen),
                "passed": check.passed,
            }
            for check in statement.checks
        ],
        "chain": (
            None
            if statement.chain is None
            else {
                "ok": statement.chain.ok,
                "entries": statement.chain.entries,
                "problem": statement.chain.problem,
            }
        ),
        "seal": None if statement.seal is None else statement.seal.printed(),
        "reconciled": statement.reconciled,
        **(control_figures_json(statement.controls) if statement.controls else {}),
    }
