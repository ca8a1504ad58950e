"""The charts' figures, as a worksheet: the Q1 quarter of `care_quarter`, month by month.

January brings in 50,000.00 + 120,000.00 + 8,765.43 + 30,000.00; March reverses the
30,000.00 sponsorship, so March's income is −30,000.00 and is drawn below the zero line.
February pays six members 500.00 + 300.00 + 1,200.50 each; March reverses one 500.00.
"""

from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from carefund.errors import Forbidden
from carefund.reports import charts
from carefund.reports.chart_scales import AXIS_TICKS_TARGET, axis_label, axis_ticks_fen
from carefund.reports.charts import budget_chart
from tests.builders import make_fund, make_staff
from tests.document_fixtures import QUARTER_DISBURSED_FEN, QUARTER_INCOME_FEN, care_quarter


def quarter_charts(database, actor_role: str = "auditor") -> tuple[Any, Any]:
    quarter = care_quarter(database)
    made = database.read(
        lambda session: charts.statement_charts(
            session, fund_code="HC-CARE", period="2026-Q1", actor=quarter.staff[actor_role]
        )
    )
    return quarter, made


def segments(bar) -> dict[str, int]:
    return {segment.key: segment.fen for segment in bar.segments}


def test_income_by_month_by_source_with_a_negative_march(database) -> None:
    _quarter, made = quarter_charts(database)
    january, february, march = made.income.months
    assert [bar.label_zh for bar in made.income.months] == ["2026年1月", "2月", "3月"]
    assert segments(january) == {
        "party_dues_subsidy": 5_000_000,
        "fiscal_support": 12_000_000,
        "member_donation": 876_543,
        "sponsorship": 3_000_000,
    }
    assert february.net_fen == 0 and not any(segments(february).values())
    assert segments(march)["sponsorship"] == -3_000_000
    assert (march.net_fen, march.positive_fen, march.negative_fen) == (-3_000_000, 0, -3_000_000)
    assert made.income.total_fen == QUARTER_INCOME_FEN
    assert made.income.ticks_fen[0] < 0 < made.income.ticks_fen[-1]
    assert "3月社会赞助 -30,000.00 元为负（冲销多于当月发生额）" in made.income.description()
    assert made.span_zh == "2026年1月至2026年3月"


def test_paid_by_month_by_aspect_and_the_heat_map(database) -> None:
    _quarter, made = quarter_charts(database)
    january, february, march = made.paid.months
    assert january.net_fen == 0
    assert segments(february) == {
        "work_incentive": 300_000,
        "spiritual_care": 180_000,
        "life_assistance": 720_300,
    }
    assert segments(march) == {"work_incentive": -50_000, "spiritual_care": 0, "life_assistance": 0}
    assert made.paid.total_fen == QUARTER_DISBURSED_FEN
    rows = {key: cells for key, _name, cells in made.matrix.rows}
    assert rows["hardship"] == (0, 30_000, 120_050)
    assert rows["cadre"] == (50_000, 30_000, 120_050)
    assert made.matrix.total_fen == QUARTER_DISBURSED_FEN
    assert made.matrix.max_fen == 120_050
    assert made.matrix.legend_fen() == [0, 30_012, 60_025, 90_037, 120_050]
    assert made.budget is None


def test_the_statement_view_carries_the_same_charts(database) -> None:
    from carefund.reports import documents

    quarter = care_quarter(database)

    def read(session: Session) -> Any:
        view = documents.statement_view(
            session, fund_code="HC-CARE", period="2026-Q1", actor=quarter.staff["auditor"]
        )
        return view.charts, view.statement

    made, statement = database.read(read)
    assert made.income.total_fen == statement.income_total_fen
    assert made.paid.total_fen == statement.disbursed_total_fen
    assert {key: list(cells) for key, _name, cells in made.matrix.rows} == {
        category: list(row.values()) for category, row in statement.matrix_fen.items()
    }


def test_a_new_fund_has_empty_charts_that_say_so(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    made = database.read(
        lambda session: charts.dashboard_charts(
            session, fund_code="HC-CARE", actor=staff["clerk"], today=date(2026, 12, 31)
        )
    )
    assert len(made.income.months) == 12
    assert made.income.months[0].label_zh == "2026年1月"
    assert made.span_zh == "2026年1月至2026年12月"
    assert made.income.empty and made.paid.empty and made.matrix.empty
    assert made.income.ticks_fen == [0]
    assert made.income.description() == "各月收入（按来源）：本期无数据"
    assert made.matrix.description().endswith("本期无数据")


def test_the_dashboard_reads_need_read_and_the_statement_charts_need_statements(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    # A clerk sees the dashboard's charts but may not read statements.
    database.read(
        lambda session: charts.dashboard_charts(
            session, fund_code="HC-CARE", actor=staff["clerk"], today=date(2026, 12, 31)
        )
    )
    with pytest.raises(Forbidden):
        database.read(
            lambda session: charts.statement_charts(
                session, fund_code="HC-CARE", period="2026", actor=staff["clerk"]
            )
        )


def test_axis_ticks_are_round_integer_fen() -> None:
    assert axis_ticks_fen(0, 0) == [0]
    assert axis_ticks_fen(0, 17_876_543) == [0, 5_000_000, 10_000_000, 15_000_000, 20_000_000]
    assert axis_ticks_fen(-3_000_000, 17_876_543) == list(range(-5_000_000, 20_000_001, 5_000_000))
    assert axis_ticks_fen(0, 1) == [0, 100]
    assert axis_ticks_fen(-250, 0) == [-300, -200, -100, 0]
    for low, high in [(0, 99_999_999), (-1, 1), (-123_456, 7_890_123)]:
        ticks = axis_ticks_fen(low, high)
        assert ticks[0] <= low and ticks[-1] >= high and 0 in ticks
        assert len(ticks) <= 2 * AXIS_TICKS_TARGET + 1
        assert all(isinstance(tick, int) for tick in ticks)
    assert [axis_label(fen) for fen in (0, 500_000, 1_000_000, 1_500_000, -3_000_000, 150)] == [
        "0",
        "5,000",
        "1万",
        "1.5万",
        "-3万",
        "1.50",
    ]


def test_budget_rows_execution_rate_from_integers() -> None:
    made = budget_chart(
        [("生活帮扶", 200_000, 123_400), ("精神关怀", 100_000, 150_000), ("工作激励", 0, 5)]
    )
    assert [row.executed_text for row in made.rows] == ["61.7%", "150.0%", "无预算"]
    assert [row.over for row in made.rows] == [False, True, True]
    assert "超预算：精神关怀、工作激励" in made.description()
    assert budget_chart([]).empty
