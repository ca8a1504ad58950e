"""Charts as data: the figures behind the pictures of the dashboard, the reports page and the
statement PDF, and the axis an amount is read against.

Both drawings — SVG in `api/pages/charts.py`, reportlab in `receipts/charts.py` — take these
frozen views and only turn them into geometry, so the page and the paper show the same
figures. Everything here is integer fen: the month bars, the 6×3 cells, the axis ticks and
their labels. A month whose reversals exceed what it booked is negative, and stays negative
here; the drawings show it below the zero line.

Each chart costs one aggregate query over the postings' (fund, account, date) index; the
heat map is the paid-by-month query summed over its months (the same rows, so the two can
never disagree).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import extract, func
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.controls.budgets import budget_figures
from carefund.funds import get_fund
from carefund.ledger.accounts import EXPENSE_PREFIX, INCOME_PREFIX, expense_cell
from carefund.models import Fund, Posting, User
from carefund.reports.chart_scales import axis_ticks_fen, yuan_text
from carefund.reports.statements import PeriodRange, in_period, parse_period
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    SOURCE_NAMES_ZH,
    Aspect,
    IncomeSource,
    MemberCategory,
)

DASHBOARD_MONTHS = 12
"""Months the dashboard's charts cover: this month and the eleven before it."""
NEGATIVES_NAMED = 4
"""How many negative parts a chart's description names before it says 等 N 项."""
NO_DATA_ZH = "本期无数据"
"""What a chart says instead of drawing nothing (a new fund, a quiet period)."""


@dataclass(frozen=True)
class Segment:
    """One series' part of one month's bar."""

    key: str
    """The series' code name (`fiscal_support`, `life_assistance`)."""
    name_zh: str
    fen: int
    """Net: negative when that month's reversals exceed what it booked."""


@dataclass(frozen=True)
class MonthBar:
    """One month's stacked bar."""

    month: date
    """The month's first day."""
    label_zh: str
    """`1月`, or `2026年1月` on the first bar and on every January."""
    segments: tuple[Segment, ...]
    """One per series, in the vocabulary's order, zeros included."""

    @property
    def net_fen(self) -> int:
        return sum(segment.fen for segment in self.segments)

    @property
    def positive_fen(self) -> int:
        return sum(segment.fen for segment in self.segments if segment.fen > 0)

    @property
    def negative_fen(self) -> int:
        return sum(segment.fen for segment in self.segments if segment.fen < 0)


@dataclass(frozen=True)
class StackedChart:
    """Months of stacked bars: income by source, or paid by aspect."""

    title: str
    series: tuple[tuple[str, str], ...]
    """(code name, 中文) of each series, in stacking order."""
    months: tuple[MonthBar, ...]

    @property
    def empty(self) -> bool:
        return all(segment.fen == 0 for bar in self.months for segment in bar.segments)

    @property
    def total_fen(self) -> int:
        return sum(bar.net_fen for bar in self.months)

    @property
    def ticks_fen(self) -> list[int]:
        low = min([0] + [bar.negative_fen for bar in self.months])
        high = max([0] + [bar.positive_fen for bar in self.months])
        return axis_ticks_fen(low, high)

    def description(self) -> str:
        """What the chart shows, in words: for screen readers and for the PDF's caption."""
        if self.empty:
            return f"{self.title}：{NO_DATA_ZH}"
        negative = [
            f"{bar.label_zh}{segment.name_zh} {yuan_text(segment.fen)} 元"
            for bar in self.months
            for segment in bar.segments
            if segment.fen < 0
        ]
        parts = [
            f"{self.title}，共 {len(self.months)} 个月，按"
            + "、".join(name for _key, name in self.series)
            + f"堆叠，合计 {yuan_text(self.total_fen)} 元"
        ]
        if negative:
            shown = "、".join(negative[:NEGATIVES_NAMED]) + (
                f" 等 {len(negative)} 项" if len(negative) > NEGATIVES_NAMED else ""
            )
            parts.append(f"{shown}为负（冲销多于当月发生额），画在零线以下")
        return "；".join(parts) + "。"


@dataclass(frozen=True)
class HeatMap:
    """The 6×3 matrix as a heat map: member categories down, aspects across."""

    title: str
    columns: tuple[tuple[str, str], ...]
    """(aspect, 中文) across."""
    rows: tuple[tuple[str, str, tuple[int, ...]], ...]
    """(category, 中文, fen per aspect) down."""

    @property
    def empty(self) -> bool:
        return all(fen == 0 for _key, _name, cells in self.rows for fen in cells)

    @property
    def max_fen(self) -> int:
        return max([0] + [fen for _key, _name, cells in self.rows for fen in cells])

    @property
    def total_fen(self) -> int:
        return sum(fen for _key, _name, cells in self.rows for fen in cells)

    def legend_fen(self, steps: int = 4) -> list[int]:
        """The amounts the legend's shades stand for: 0, ¼, ½, ¾ and all of the largest cell."""
        return [self.max_fen * step // steps for step in range(steps + 1)]

    def description(self) -> str:
        if self.empty:
            return f"{self.title}：{NO_DATA_ZH}"
        top_category, top_aspect, top_fen = max(
            (
                (name, self.columns[index][1], fen)
                for _k, name, cells in self.rows
                for index, fen in enumerate(cells)
            ),
            key=lambda cell: cell[2],
        )
        return (
            f"{self.title}，6 类党员 × 3 个方面，颜色越深金额越大；合计 {yuan_text(self.total_fen)}"
            f" 元，最大一格为{top_category}的{top_aspect} {yuan_text(top_fen)} 元。"
        )


@dataclass(frozen=True)
class BudgetRow:
    """One budget line against what was actually paid: the plain rows the budget chart draws."""

    label: str
    budget_fen: int
    actual_fen: int

    @property
    def over(self) -> bool:
        return self.actual_fen > self.budget_fen

    @property
    def executed_text(self) -> str:
        """执行率 to one decimal, from integers: 1234 of 2000 → 61.7%."""
        if self.budget_fen <= 0:
            return "无预算"
        per_mille = (self.actual_fen * 1000 + self.budget_fen // 2) // self.budget_fen
        sign = "-" if per_mille < 0 else ""
        whole, tenth = divmod(abs(per_mille), 10)
        return f"{sign}{whole}.{tenth}%"


@dataclass(frozen=True)
class BudgetChart:
    """Budget against actual per line (per cell of the 6×3 matrix, or per aspect)."""

    title: str
    rows: tuple[BudgetRow, ...]

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def ticks_fen(self) -> list[int]:
        high = max([0] + [max(row.budget_fen, row.actual_fen) for row in self.rows])
        low = min([0] + [row.actual_fen for row in self.rows])
        return axis_ticks_fen(low, high)

    def description(self) -> str:
        if self.empty:
            return f"{self.title}：{NO_DATA_ZH}"
        over = [row.label for row in self.rows if row.over]
        text = f"{self.title}，共 {len(self.rows)} 项，灰框为预算，实心条为实际支出"
        return text + ("；超预算：" + "、".join(over) if over else "；均未超预算") + "。"


@dataclass(frozen=True)
class FundCharts:
    """A fund's charts for a span of months."""

    fund_code: str
    fund_name: str
    span_zh: str
    """The months covered, e.g. 2026年1月至2026年12月."""
    income: StackedChart
    paid: StackedChart
    matrix: HeatMap
    budget: BudgetChart | None = None
    """Budget against actual, when budgets exist (None: the chart is not shown)."""


def budget_chart(rows: list[tuple[str, int, int]], title: str = "预算执行") -> BudgetChart:
    """A budget chart from plain rows `(label, budget_fen, actual_fen)`."""
    return BudgetChart(
        title, tuple(BudgetRow(label, budget, actual) for label, budget, actual in rows)
    )


# ---------------------------------------------------------------------------------------
# Use cases


def dashboard_charts(session: Session, *, fund_code: str, actor: User, today: date) -> FundCharts:
    """The fund's last twelve months (this one included), as the dashboard shows them."""
    require(actor, Action.read)
    last = today.replace(day=1)
    first = last - relativedelta(months=DASHBOARD_MONTHS - 1)
    span = PeriodRange(
        f"{first:%Y-%m}..{last:%Y-%m}", first, last + relativedelta(months=1, days=-1)
    )
    return fund_charts(session, get_fund(session, fund_code, actor=actor), span)


def statement_charts(
    session: Session, *, fund_code: str, period: object, actor: User
) -> FundCharts:
    """The charts of a statement's period (the reports page's; the PDF's come with its view)."""
    require(actor, Action.read_statements)
    return fund_charts(
        session,
        get_fund(session, fund_code, actor=actor, action=Action.read_statements),
        parse_period(period),
    )


def fund_charts(session: Session, fund: Fund, period: PeriodRange) -> FundCharts:
    """Build a fund's charts for a period (callers have asked `require`)."""
    months = _months(period)
    income = _by_month(session, fund, period, INCOME_PREFIX)
    paid = _by_month(session, fund, period, EXPENSE_PREFIX)
    sources = tuple((s.value, SOURCE_NAMES_ZH[s]) for s in IncomeSource)
    aspects = tuple((a.value, ASPECT_NAMES_ZH[a]) for a in Aspect)
    income_by_source = {
        (month, account.removeprefix(INCOME_PREFIX)): -net
        for (month, account), net in income.items()
    }
    paid_by_aspect: dict[tuple[date, str], int] = {}
    matrix = {(c.value, a.value): 0 for c in MemberCategory for a in Aspect}
    for (month, account), net in paid.items():
        aspect, category = expense_cell(account)
        paid_by_aspect[month, aspect] = paid_by_aspect.get((month, aspect), 0) + net
        matrix[category, aspect] += net
    return FundCharts(
        fund_code=fund.code,
        fund_name=fund.name,
        span_zh=_span_zh(months),
        income=_stacked("各月收入（按来源）", sources, months, income_by_source),
        paid=_stacked("各月支出（按关爱方面）", aspects, months, paid_by_aspect),
        matrix=HeatMap(
            "支出分布（党员类别 × 关爱方面）",
            aspects,
            tuple(
                (c.value, CATEGORY_NAMES_ZH[c], tuple(matrix[c.value, a.value] for a in Aspect))
                for c in MemberCategory
            ),
        ),
        budget=_budget(session, fund, period),
    )


def _budget(session: Session, fund: Fund, period: PeriodRange) -> BudgetChart | None:
    """The year's budget per cell against what was paid through the period's end, for the
    cells that have a budget; None when the fund has no budget that year."""
    cells = budget_figures(session, fund_id=fund.id or 0, year=period.end.year, through=period.end)
    rows = [
        (
            f"{CATEGORY_NAMES_ZH[MemberCategory(cell['category'])]}·"
            f"{ASPECT_NAMES_ZH[Aspect(cell['aspect'])]}",
            cell["budget_fen"],
            cell["spent_fen"],
        )
        for cell in cells
        if cell["budget_fen"] is not None
    ]
    return (
        budget_chart(rows, f"{period.end.year} 年预算执行（截至 {period.end.isoformat()}）")
        if rows
        else None
    )


def _by_month(
    session: Session, fund: Fund, period: PeriodRange, prefix: str
) -> dict[tuple[date, str], int]:
    """Net debit (debit − credit) per (month, account) of the accounts under `prefix`: one
    query. Income accounts come out negative (credits), expenses positive."""
    year = extract("year", col(Posting.entry_date))
    month = extract("month", col(Posting.entry_date))
    rows: Any = session.exec(
        select(  # type: ignore[call-overload]
            year, month, Posting.account, func.sum(Posting.debit_fen - Posting.credit_fen)
        )
        .where(*in_period(fund, period), col(Posting.account).startswith(prefix))
        .group_by(year, month, col(Posting.account))
    )
    return {(date(int(y), int(m), 1), account): int(net or 0) for y, m, account, net in rows}


def _stacked(
    title: str,
    series: tuple[tuple[str, str], ...],
    months: list[date],
    figures: dict[tuple[date, str], int],
) -> StackedChart:
    bars = tuple(
        MonthBar(
            month,
            _month_label(month, first=index == 0),
            tuple(Segment(key, name, figures.get((month, key), 0)) for key, name in series),
        )
        for index, month in enumerate(months)
    )
    return StackedChart(title, series, bars)


def _months(period: PeriodRange) -> list[date]:
    months, month = [], period.start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month += relativedelta(months=1)
    return months


def _month_label(month: date, *, first: bool) -> str:
    return f"{month.year}年{month.month}月" if first or month.month == 1 else f"{month.month}月"


def _span_zh(months: list[date]) -> str:
    first, last = months[0], months[-1]
    if first == last:
        return f"{first.year}年{first.month}月"
    return f"{first.year}年{first.month}月至{last.year}年{last.month}月"
