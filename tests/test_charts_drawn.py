"""The charts as drawn: the SVG of the pages (well-formed, bars in proportion to their
figures, every label escaped, an empty chart that says so), the page of charts in the
statement PDF, and the dashboard and reports pages carrying them.

The drawings take plain views, so most of these build them by hand: March's income is
−30,000.00 (a reversed sponsorship) and must hang below the zero line.
"""

import re
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from sqlmodel import Session

import receipts
from api.pages import charts as svg
from carefund.reports import documents
from carefund.reports.chart_scales import HEAT_HIGH_RGB, NEGATIVE_FILL
from carefund.reports.charts import HeatMap, MonthBar, Segment, StackedChart, budget_chart
from receipts import charts as paper
from receipts.fonts import document_font
from tests.builders import make_fund, record
from tests.document_fixtures import care_quarter, compact, pdf_pages
from tests.pages_support import cheap_password_hashing, make_pages

NS = {"svg": "http://www.w3.org/2000/svg"}
SERIES = (("fiscal_support", "财政支持"), ("sponsorship", "社会赞助"))


def months_chart(series=SERIES) -> StackedChart:
    figures = {
        (1, "fiscal_support"): 12_000_000,
        (1, "sponsorship"): 3_000_000,
        (2, "fiscal_support"): 4_500_050,
        (3, "sponsorship"): -3_000_000,
    }
    bars = tuple(
        MonthBar(
            date(2026, month, 1),
            "2026年1月" if month == 1 else f"{month}月",
            tuple(Segment(key, name, figures.get((month, key), 0)) for key, name in series),
        )
        for month in (1, 2, 3)
    )
    return StackedChart("各月收入（按来源）", series, bars)


def parse(markup: str) -> ET.Element:
    """The figure as XML: fails on anything not well-formed (an unescaped < or &)."""
    return ET.fromstring(str(markup))


def test_stacked_bars_are_well_formed_and_in_proportion() -> None:
    figure = parse(svg.stacked_bars(months_chart()))
    assert figure.tag == "figure"
    drawing = figure.find("svg:svg", NS)
    assert drawing is not None and drawing.get("role") == "img"
    assert drawing.find("svg:title", NS).text == "各月收入（按来源）"
    assert "3月社会赞助 -30,000.00 元为负" in drawing.find("svg:desc", NS).text
    segments = drawing.findall(".//svg:rect[@class='segment']", NS)
    assert sorted(int(s.get("data-fen")) for s in segments) == [
        -3_000_000,
        3_000_000,
        4_500_050,
        12_000_000,
    ]
    per_fen = {float(s.get("height")) / abs(int(s.get("data-fen"))) for s in segments}
    assert max(per_fen) - min(per_fen) < 1e-6, per_fen
    zero = float(drawing.find(".//svg:line[@class='zero']", NS).get("y1"))
    for segment in segments:
        top, height = float(segment.get("y")), float(segment.get("height"))
        if int(segment.get("data-fen")) > 0:
            assert top + height <= zero + 0.01  # above the zero line
        else:
            assert top >= zero - 0.01  # below it
    tips = [s.find("svg:title", NS).text for s in segments]
    assert "3月 · 社会赞助：-30,000.00 元" in tips
    nets = [t.text for t in drawing.findall(".//svg:text[@class='net']", NS)]
    assert nets == ["15万", "4.5万", "-3万"]
    # January stacks: its two parts meet, one on the other.
    january = drawing.find(".//svg:g[@data-month='2026-01']", NS)
    lower, upper = sorted(january.findall("svg:rect", NS), key=lambda r: -float(r.get("y")))
    assert abs(float(upper.get("y")) + float(upper.get("height")) - float(lower.get("y"))) < 0.01


def test_every_label_is_escaped() -> None:
    hostile = (("fiscal_support", "<script>alert(1)</script>&"), ("sponsorship", '"引号"'))
    figure = parse(svg.stacked_bars(months_chart(hostile)))
    text = ET.tostring(figure, encoding="unicode")
    assert "<script>" not in text
    assert "<script>alert(1)</script>&" in "".join(figure.itertext())
    budget = parse(svg.budget_bars(budget_chart([("<b>生活帮扶</b> & 其他", 100, 50)])))
    assert "<b>生活帮扶</b> & 其他" in "".join(budget.itertext())
    assert budget.find(".//svg:b", NS) is None and budget.find(".//b") is None


def test_an_empty_chart_says_so() -> None:
    empty = months_chart((("member_donation", "党员募捐"),))
    figure = parse(svg.stacked_bars(empty))
    assert figure.find("svg:svg", NS) is None
    assert figure.find("p").text == "本期无数据"
    assert parse(svg.budget_bars(budget_chart([]))).find("p").text == "本期无数据"


def heat(cells: dict[str, tuple[int, ...]]) -> HeatMap:
    columns = (("work_incentive", "工作激励"), ("spiritual_care", "精神关怀"))
    rows = tuple(
        (key, name, cells[key]) for key, name in (("cadre", "党员干部"), ("mobile", "流动党员"))
    )
    return HeatMap("支出分布", columns, rows)


def test_the_heat_map_prints_each_cell_shaded_by_its_share() -> None:
    figure = parse(svg.heat_map(heat({"cadre": (120_050, 0), "mobile": (30_000, -5_000)})))
    cells = figure.findall(".//svg:g[@class='cell']", NS)
    assert [int(cell.get("data-fen")) for cell in cells] == [120_050, 0, 30_000, -5_000]
    fills = [cell.find("svg:rect", NS).get("fill") for cell in cells]
    assert fills[0] == "#{:02x}{:02x}{:02x}".format(*HEAT_HIGH_RGB)
    assert fills[1] == "#ffffff"
    assert fills[3] == NEGATIVE_FILL
    assert [cell.find("svg:text", NS).text for cell in cells] == [
        "1,200.50",
        "0.00",
        "300.00",
        "-50.00",
    ]
    legend = "".join(figure.itertext())
    assert "图例（元）" in legend and "负数（冲销多于支出）" in legend
    assert len(figure.findall(".//svg:rect[@class='legend']", NS)) == 5


def test_budget_bars_are_in_proportion_and_red_when_over() -> None:
    chart = budget_chart([("生活帮扶", 200_000, 123_400), ("精神关怀", 100_000, 150_000)])
    figure = parse(svg.budget_bars(chart))
    budgets = figure.findall(".//svg:rect[@class='budget']", NS)
    actuals = figure.findall(".//svg:rect[@class='actual']", NS)
    widths = [float(r.get("width")) / int(r.get("data-fen")) for r in budgets + actuals]
    assert max(widths) - min(widths) < 1e-6
    assert [r.get("fill") for r in actuals] == ["#3a7dbf", "#b8322a"]
    text = "".join(figure.itertext())
    assert "1,234.00 / 2,000.00（61.7%）" in text and "1,500.00 / 1,000.00（150.0%）" in text


def test_the_budget_chart_on_paper() -> None:
    font = document_font().name
    chart = budget_chart([("生活帮扶", 200_000, 123_400), ("精神关怀", 100_000, 150_000)])
    drawing = Drawing(380, 200)
    drawing.add(paper.budget_bars(chart, font, 0, 0, 380, 200))
    text = compact("".join(pdf_pages(renderPDF.drawToString(drawing))))
    for expected in ("预算执行（元）", "生活帮扶", "61.7%", "150.0%", "超预算：精神关怀"):
        assert expected in text, expected


def statement_pdf(database, quarter, code: str, period: str) -> list[str]:
    def read(session: Session) -> Any:
        view = documents.statement_view(
            session, fund_code=code, period=period, actor=quarter.staff["auditor"]
        )
        return pdf_pages(receipts.render_statement(view))

    return database.read(read)


def test_the_statement_pdf_has_a_page_of_charts(database) -> None:
    quarter = care_quarter(database)
    pages = [compact(page) for page in statement_pdf(database, quarter, "HC-CARE", "2026-Q1")]
    charts_page = next(page for page in pages if "四、收支图表" in page)
    for expected in (
        "2026年1月至2026年3月",
        "各月收入（按来源）（元）",
        "各月支出（按关爱方面）（元）",
        "支出分布（党员类别×关爱方面）（元）",
        "党费补贴财政支持党员募捐社会赞助",
        "20.9万",  # January's net income
        "-3万",  # March's reversed sponsorship, below the line
        "-500",  # March's reversed payment
        "1,200.50",  # a heat map cell
        "合计178,765.43元",
        "3月社会赞助-30,000.00元为负",
        "3月工作激励-500.00元为负",
    ):
        assert expected in charts_page, expected
    assert "本期无数据" not in charts_page
    text = "".join(pages)
    assert text.index("三、对账核对") < text.index("四、收支图表") < text.index("五、本期记账凭证")
    assert "六、按关爱对象汇总" in text and "十、审核签字" in text


def test_a_new_funds_statement_says_no_data_instead_of_drawing(database) -> None:
    quarter = care_quarter(database)
    make_fund(database, quarter.staff["admin"], code="NEW", name="新基金")
    pages = [compact(page) for page in statement_pdf(database, quarter, "NEW", "2026")]
    charts_page = next(page for page in pages if "四、收支图表" in page)
    assert charts_page.count("本期无数据") >= 3 * 2  # each chart's box and its caption


@pytest.fixture
def pages(database, monkeypatch):
    cheap_password_hashing(monkeypatch)
    return make_pages(database)


def test_the_dashboard_and_the_reports_page_carry_the_charts(pages) -> None:
    record(
        pages.database, pages.staff["clerk"], "1234.56", source="fiscal_support", on="2026-11-05"
    )
    dashboard = pages.desk("clerk").page("/")
    assert "近 12 个月收支图" in dashboard
    assert len(re.findall(r'<svg [^>]*role="img"', dashboard)) == 1  # income; nothing paid yet
    assert 'data-fen="123456"' in dashboard
    assert dashboard.count("本期无数据") == 2  # paid by month, the heat map
    assert "预算执行" not in dashboard  # no budgets, no budget chart
    assert "<script" not in dashboard.split("<main", 1)[-1].split("</main>")[0]
    reports = pages.desk("auditor").page("/books/reports?period=2026-Q4")
    assert "收支图表" in reports and "2026年10月至2026年12月" in reports
    assert 'data-month="2026-11"' in reports and 'data-fen="123456"' in reports
    # A clerk may not read statements, and the reports page's charts are a statement's.
    assert pages.desk("clerk").get("/books/reports").status_code == 403


def test_a_new_funds_dashboard_says_no_data(pages) -> None:
    dashboard = pages.desk("clerk").page("/")
    assert dashboard.count("本期无数据") == 3
    assert "<svg" not in dashboard


def test_the_dashboard_switches_between_funds_charts(pages) -> None:
    make_fund(pages.database, pages.staff["admin"], code="HC-RELIEF", name="特困党员救助基金")
    record(
        pages.database,
        pages.staff["clerk"],
        "500.00",
        source="member_donation",
        on="2026-10-08",
        fund="HC-RELIEF",
    )
    desk = pages.desk("auditor")
    # Without ?fund= the charts are the busiest fund's (HC-CARE has no entries here).
    first = desk.page("/")
    assert "特困党员救助基金（HC-RELIEF）· 2026年1月至2026年12月" in first
    assert 'data-month="2026-10"' in first and 'data-fen="50000"' in first
    assert 'href="/?fund=HC-CARE"' in first
    care = desk.page("/?fund=HC-CARE")
    assert "某区党内关爱基金（HC-CARE）" in care and care.count("本期无数据") == 3
    # A code that is not a fund shows the busiest fund's, not an error.
    assert "（HC-RELIEF）· 2026年1月至2026年12月" in desk.page("/?fund=NOPE")
