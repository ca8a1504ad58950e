"""The statement's pages on the money controls: the money of each source at the period's
end (专款专用), what each source paid per cell in the period, and the budget against actual."""

from collections.abc import Iterator

from reportlab.platypus import CondPageBreak, Flowable, Spacer, TableStyle

from carefund.reports.control_figures import ControlFigures
from carefund.reports.documents import StatementView, category_zh
from carefund.vocabulary import ASPECT_NAMES_ZH, SOURCE_NAMES_ZH, Aspect, IncomeSource
from receipts.layout import ledger_amount, wrap_lines
from receipts.paged import Heading, PagedTable, table_style
from receipts.statement_listings import BODY_HEIGHT, BODY_WIDTH

SIZE = 9.0
KEEP_ROOM = 90.0
"""Points a section needs left on the page to start there: its heading and a few rows."""
SOURCE_HEADER: list[object] = [
    "资金来源",
    "定向（收据号／用途）",
    "限定用途",
    "累计收入",
    "累计支出",
    "期末余额",
]
BUDGET_HEADER: list[object] = ["党员类别", "关爱方面", "年度预算", "已支出", "已审批未支付", "剩余"]


def _source_zh(source: str) -> str:
    return SOURCE_NAMES_ZH[IncomeSource(source)] if source != "unknown" else "未记来源（旧支出）"


class Fen(int):
    """An amount in a row: the PDF prints it grouped, the workbook as a number."""


def _fen(value: int | None) -> "Fen | None":
    return None if value is None else Fen(value)


def _text(value: object) -> str:
    # The PDF's CJK font has no middle dot (·): the earmark's cell prints with a slash.
    return str(value).replace("·", "／")


def printed(rows: list[list[object]]) -> list[list[str]]:
    """Rows as the PDF prints them: amounts grouped, a missing amount as —."""
    return [
        [ledger_amount(v) if isinstance(v, Fen) else "—" if v is None else _text(v) for v in row]
        for row in rows
    ]


def source_rows(figures: ControlFigures) -> list[list[object]]:
    """资金来源 rows: source, earmark, restricted, income, paid, balance (with a total)."""
    rows: list[list[object]] = [
        ["资金来源", "定向（收据号／用途）", "限定用途", "累计收入", "累计支出", "期末余额"]
    ]
    for row in figures.sources:
        earmark = f"{row.earmark}／{row.earmark_cell}" if row.earmark else ""
        rows.append(
            [
                _source_zh(row.source),
                earmark,
                "是" if row.restricted else "否",
                Fen(row.income_fen),
                Fen(row.paid_fen),
                Fen(row.balance_fen),
            ]
        )
    rows.append(["合计", "", "", "", "", Fen(figures.sources_total_fen)])
    return rows


def source_cell_rows(figures: ControlFigures) -> list[list[object]]:
    """来源 × 格 rows of the period: source, category, aspect, amount (non-zero cells)."""
    rows: list[list[object]] = [["资金来源", "党员类别", "关爱方面", "本期支出"]]
    for source, categories in figures.source_cells_fen.items():
        for category, aspects in categories.items():
            for aspect, fen in aspects.items():
                if fen:
                    aspect_zh = ASPECT_NAMES_ZH[Aspect(aspect)]
                    rows.append([_source_zh(source), category_zh(category), aspect_zh, Fen(fen)])
    return rows


def budget_rows(figures: ControlFigures) -> list[list[object]]:
    """预算执行 rows: category, aspect, budget, spent, committed, remaining."""
    rows: list[list[object]] = [
        ["党员类别", "关爱方面", "年度预算", "已支出", "已审批未支付", "剩余"]
    ]
    for row in figures.budget:
        rows.append(
            [
                category_zh(row.category),
                ASPECT_NAMES_ZH[Aspect(row.aspect)],
                _fen(row.budget_fen),
                Fen(row.spent_fen),
                Fen(row.committed_fen),
                _fen(row.remaining_fen),
            ]
        )
    return rows


def control_sections(view: StatementView, font: str, number: str) -> Iterator[Flowable]:
    """The statement's controls pages, headed from section `number` (e.g. 六) on."""
    figures = view.statement.controls
    if figures is None:
        return
    first, second, third = _numbers(number)
    width = BODY_WIDTH / 6
    # Headings of long tables are not kept with them (a heading kept with a table about a
    # page tall sends reportlab's layout round in circles); a conditional break instead
    # keeps a heading from standing alone at the foot of a page.
    yield CondPageBreak(KEEP_ROOM)
    yield Heading(
        f"{first}、资金来源与专款专用（期末）", font, 12, space_before=9, keep_with_next=False
    )
    yield _paged(
        printed(source_rows(figures)),
        [width * 0.9, width * 1.8, width * 0.6, width * 0.9, width * 0.9, width * 0.9],
        font,
        numeric_from=3,
        has_total=True,
    )
    cells = source_cell_rows(figures)
    yield CondPageBreak(KEEP_ROOM)
    yield Heading(
        f"{second}、本期支出：资金来源 × 党员类别 × 关爱方面",
        font,
        12,
        space_before=9,
        keep_with_next=False,
    )
    if len(cells) > 1:
        yield _paged(printed(cells), [BODY_WIDTH / 4] * 4, font, numeric_from=3)
    else:
        yield Heading("本期无支出。", font, 9, space_before=2)
    yield CondPageBreak(KEEP_ROOM)
    yield Heading(
        f"{third}、{figures.budget_year} 年预算执行", font, 12, space_before=9, keep_with_next=False
    )
    budget = budget_rows(figures)
    if len(budget) > 1:
        yield _paged(printed(budget), [width] * 6, font, numeric_from=2)
    else:
        yield Heading("本年未设预算。", font, 9, space_before=2)
    yield Spacer(1, 6)


def _paged(
    rows: list[list[str]],
    widths: list[float],
    font: str,
    numeric_from: int,
    *,
    has_total: bool = False,
) -> Flowable:
    """A table a page at a time, its text wrapped to its columns (an earmark's receipt
    number and cell are longer than their column): a plain Table kept with its heading
    loops in reportlab's layout when the two together are a little taller than a page."""

    def style(with_total: bool) -> TableStyle:
        return table_style(font, SIZE, numeric_from=numeric_from, total_rows=int(with_total))

    wrapped = [
        [
            "\n".join(wrap_lines(cell, font, SIZE, width - 8))
            for cell, width in zip(row, widths, strict=True)
        ]
        for row in rows
    ]
    return PagedTable(
        wrapped[0],
        wrapped[1:],
        widths,
        style,
        leading=SIZE * 1.25,
        has_total=has_total,
        page_height=BODY_HEIGHT,
    )


_NUMERALS = "一二三四五六七八九十"


def _numbers(first: str) -> tuple[str, str, str]:
    start = _NUMERALS.index(first)
    return _NUMERALS[start], _NUMERALS[start + 1], _NUMERALS[start + 2]


def controls_sheet_rows(view: StatementView) -> list[list[object]]:
    """The workbook's 资金来源与预算 sheet: the three tables one under another."""
    figures = view.statement.controls
    if figures is None:
        return []
    rows: list[list[object]] = [["资金来源与专款专用（期末）"], *source_rows(figures), []]
    rows += [["本期支出：资金来源 × 党员类别 × 关爱方面"], *source_cell_rows(figures), []]
    rows += [[f"{figures.budget_year} 年预算执行"], *budget_rows(figures)]
    return rows
