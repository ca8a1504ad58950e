"""The statement's layout: long memos, payers and branches wrap in full in the listings,
rows split over pages keep their order and totals, the listings' and the controls' long
tables never loop reportlab's layout, and the budget chart's labels never overlap."""

import multiprocessing
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Spacer
from sqlmodel import Session

import receipts
from carefund import incomes
from carefund.reports import documents
from carefund.reports.charts import FundCharts, HeatMap, StackedChart, budget_chart
from carefund.reports.control_figures import ControlFigures, SourceRow
from carefund.vocabulary import ASPECT_NAMES_ZH, CATEGORY_NAMES_ZH, Aspect, MemberCategory
from receipts import charts as paper
from receipts.fonts import document_font
from receipts.paged import render_paged
from receipts.statement_controls import control_sections
from receipts.statement_listings import BODY_HEIGHT, PAGE
from tests.builders import disburse, make_fund, make_recipient, make_staff
from tests.document_fixtures import compact, pdf_pages

RENDER_SECONDS = 60.0
"""A small document takes well under a second; a layout loop never ends."""


def long_memo(number: int) -> str:
    """About 300 characters, its number at both ends to tell where each one starts and ends."""
    body = "街道党工委决定拨付社区困难党员春节慰问专项资金，用于走访慰问和生活补助，" * 8
    return f"【第{number}笔起】{body}【第{number}笔止】"


def book_long_memos(database, count: int) -> dict[str, Any]:
    staff = make_staff(database)
    make_fund(database, staff["admin"])

    def write(session: Session) -> Any:
        for number in range(1, count + 1):
            incomes.record_income(
                session,
                fund_code="HC-CARE",
                source="member_donation",
                payer=f"第{number}党支部",
                amount=f"{100 + number}.{number:02d}",
                received_on=f"2026-05-{1 + number % 28:02d}",
                memo=long_memo(number),
                actor=staff["clerk"],
            )

    database.write(write)
    return staff


def statement_pages(database, staff, period: str = "2026-05") -> list[str]:
    def read(session: Session) -> Any:
        view = documents.statement_view(
            session, fund_code="HC-CARE", period=period, actor=staff["auditor"]
        )
        return pdf_pages(receipts.render_statement(view))

    return database.read(read)


def test_a_300_character_memo_is_printed_in_full(database) -> None:
    staff = book_long_memos(database, 3)
    pages = statement_pages(database, staff)
    text = compact("".join(pages))
    for number in range(1, 4):
        memo = long_memo(number)
        assert len(memo) >= 300
        assert compact(memo) in text, number
    assert "…" not in text


def test_long_memos_split_over_pages_keep_order_and_totals(database) -> None:
    count = 30
    staff = book_long_memos(database, count)
    pages = [compact(page) for page in statement_pages(database, staff)]
    journal = [page for page in pages if "记-202605-" in page]
    assert len(journal) >= count // 5  # about four entries of ten lines a page
    vouchers = [int(v) for page in journal for v in re.findall(r"记-202605-(\d{4})", page)]
    assert vouchers == sorted(vouchers) and sorted(set(vouchers)) == list(range(1, count + 1))
    for page in journal:
        # The header only at the top: no voucher before it, and once a page.
        assert page.count("链序凭证号日期摘要科目") == 1
        assert page.index("链序凭证号") < page.index("记-202605-")
        # An entry's two postings (debit and credit, the same amount) stay on one page.
        for number in set(re.findall(r"记-202605-(\d{4})", page)):
            amount = f"{100 + int(number)}.{int(number) % 100:02d}"
            assert page.count(amount) == 2, (number, amount)
    text = "".join(pages)
    for number in range(1, count + 1):
        assert compact(long_memo(number)) in text, number
    total = sum(10_000 + number * 100 + number for number in range(1, count + 1))
    amount = f"{total // 100:,}.{total % 100:02d}"
    assert f"本期合计（{count}笔凭证）{amount}{amount}" in text
    assert "…" not in text


def test_a_long_branch_wraps_in_the_recipients_listing(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    database.write(
        lambda session: incomes.record_income(
            session,
            fund_code="HC-CARE",
            source="fiscal_support",
            payer="区财政局",
            amount="10000.00",
            received_on="2026-05-01",
            actor=staff["clerk"],
        )
    )
    branch = "机关党委第三联合党支部（含离退休干部党员和流动党员）" * 3
    member = make_recipient(database, staff["clerk"], name="欧阳小华", branch=branch)
    disburse(database, staff, member, "300.00", on="2026-05-10")
    text = compact("".join(statement_pages(database, staff)))
    assert compact(branch) in text
    assert "…" not in text


# ---------------------------------------------------------------------------------------
# No layout loop


def _render_controls(rows: int, offset: float, earmarks: int = 0) -> bytes:
    """The controls' sections after `offset` points of a page, with `rows` source × cell
    rows (about a page of them is the size that once looped reportlab's layout) and
    `earmarks` earmarked incomes in the sources' table."""
    font = document_font()
    sources = ["party_dues_subsidy", "fiscal_support", "member_donation", "sponsorship", "unknown"]
    cells: dict[str, dict[str, dict[str, int]]] = {}
    for index in range(rows):
        source = sources[index // 18 % len(sources)]
        category = list(MemberCategory)[index // 3 % 6].value
        aspect = list(Aspect)[index % 3].value
        cells.setdefault(source, {}).setdefault(category, {})[aspect] = 1000 + index
    earmarked = tuple(
        SourceRow("sponsorship", f"HC-CARE-2026-{n:06d}", EARMARK_CELL, True, 50_000, 1_000)
        for n in range(earmarks)
    )
    figures = ControlFigures(
        sources=(SourceRow("fiscal_support", None, None, False, 10_000_000, 1_000_000), *earmarked),
        source_cells_fen=cells,
        budget_year=2026,
        budget=(),
    )
    view: Any = SimpleNamespace(statement=SimpleNamespace(controls=figures))

    def story() -> list[Flowable]:
        return [Spacer(1, offset), *control_sections(view, font.name, "七")]

    return render_paged(
        story(),
        pagesize=PAGE,
        font=font,
        title="t",
        decorate=lambda _canvas, _document: None,
        footer_y=12,
    )


EARMARK_CELL = "老党员及离退休职工党员·精神关怀"


def _render_all(cases: list[tuple[int, float, int]]) -> None:
    for rows, offset, earmarks in cases:
        _render_controls(rows, offset, earmarks)


def finishes_in_time(action: Callable[..., None], *arguments: Any) -> bool:
    """Whether `action` finishes within RENDER_SECONDS in a child process (killed if not)."""
    child = multiprocessing.get_context("fork").Process(target=action, args=arguments)
    child.start()
    child.join(RENDER_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        return False
    return child.exitcode == 0


def test_a_page_tall_table_and_its_heading_never_loop_the_layout() -> None:
    # Tables from a little under to a little over a page, their heading anywhere on it.
    row = 9 * 1.25 + 4.5
    about_a_page = int(BODY_HEIGHT // row)
    offsets = (0.0, 40.0, BODY_HEIGHT / 3, BODY_HEIGHT - 120, BODY_HEIGHT - 60)
    cases = [
        (rows, offset, 0)
        for rows in range(about_a_page - 4, about_a_page + 3)
        for offset in offsets
    ]
    # The sources' table too: its earmarks wrap to two lines a row; with one line a row,
    # 28 of them looped when the table was kept with its heading.
    cases += [(4, offset, earmarks) for earmarks in (14, 16, 18, 28, 34) for offset in offsets]
    assert finishes_in_time(_render_all, cases), "the layout did not finish: it loops"


def test_an_earmark_wraps_in_its_column() -> None:
    text = compact("".join(pdf_pages(_render_controls(3, 0.0, earmarks=2))))
    assert compact(f"HC-CARE-2026-000001／{EARMARK_CELL.replace('·', '／')}") in text
    assert "…" not in text


# ---------------------------------------------------------------------------------------
# The budget chart


def eighteen_rows() -> list[tuple[str, int, int]]:
    rows = []
    for index, (category, aspect) in enumerate((c, a) for c in MemberCategory for a in Aspect):
        label = f"{CATEGORY_NAMES_ZH[category]}·{ASPECT_NAMES_ZH[aspect]}"
        budget = 2_000_000 + index * 150_000
        rows.append((label, budget, budget * (40 + index * 7) // 100))
    return rows


def text_boxes(group: Group) -> list[tuple[str, float, float, float, float]]:
    """(text, left, bottom, right, top) of every string in the drawing."""
    boxes = []
    for item in group.contents:
        if isinstance(item, Group):
            boxes += text_boxes(item)
        elif isinstance(item, String):
            width = stringWidth(item.text, item.fontName, item.fontSize)
            left = item.x - {"start": 0, "middle": width / 2, "end": width}[item.textAnchor]
            bottom, top = item.y - 0.2 * item.fontSize, item.y + 0.85 * item.fontSize
            boxes.append((item.text, left, bottom, left + width, top))
    return boxes


def overlaps(one: tuple[str, float, float, float, float], other: tuple) -> bool:
    _a, left, bottom, right, top = one
    _b, left2, bottom2, right2, top2 = other
    return left < right2 and left2 < right and bottom < top2 and bottom2 < top


def test_eighteen_budget_lines_each_have_a_label_of_their_own() -> None:
    font = document_font().name
    chart = budget_chart(eighteen_rows(), "2026 年预算执行（截至 2026-12-31）")
    width = 756.0
    height = paper.budget_height(chart)
    group = paper.budget_bars(chart, font, 0, 0, width, height)
    boxes = text_boxes(group)
    labels = [box for box in boxes if box[0] in {label for label, _b, _a in eighteen_rows()}]
    assert len(labels) == 18  # every label whole, none cut
    for index, box in enumerate(boxes):
        _text, left, bottom, right, top = box
        assert left >= -0.5 and right <= width + 0.5, box
        assert top <= height + 0.5, box
        for other in boxes[index + 1 :]:
            assert not overlaps(box, other), (box, other)
    # Lines at least a label's height apart, from top to bottom in the chart's order.
    bottoms = [box[2] for box in labels]
    assert all(upper - lower >= 8.0 for upper, lower in zip(bottoms, bottoms[1:], strict=False))


def test_many_budget_lines_get_a_drawing_of_their_own_few_stay_beside_the_heat_map() -> None:
    font = document_font().name
    empty_months = StackedChart("各月收入（按来源）", (("fiscal_support", "财政支持"),), ())
    heat = HeatMap("支出分布", tuple((a.value, ASPECT_NAMES_ZH[a]) for a in Aspect), ())

    def drawings(rows: list[tuple[str, int, int]]) -> list[Drawing]:
        charts = FundCharts(
            "HC", "基金", "2026年", empty_months, empty_months, heat, budget_chart(rows)
        )
        return [
            item for item in paper.chart_drawings(charts, font, 756.0) if isinstance(item, Drawing)
        ]

    many = drawings(eighteen_rows())
    assert len(many) == 3 and many[-1].height == paper.budget_height(budget_chart(eighteen_rows()))
    assert len(drawings(eighteen_rows()[:4])) == 2
