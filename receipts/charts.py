"""The statement's charts on paper, drawn with reportlab's graphics from the same frozen views
as the pages' SVG (`carefund.reports.charts`): income by month by source, paid by month by
aspect (stacked bars, reversals below the zero line), the 6×3 heat map with its legend, and
budget against actual when budgets exist.

Amounts become floats only for geometry; every number printed comes from integer fen.
A chart without figures is a dashed box saying 本期无数据.
"""

from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Spacer

from carefund.reports.chart_scales import (
    SERIES_COLOURS,
    axis_label,
    heat_colour,
    short_amount,
    yuan_text,
)
from carefund.reports.charts import (
    NO_DATA_ZH,
    BudgetChart,
    BudgetRow,
    FundCharts,
    HeatMap,
    MonthBar,
    StackedChart,
)
from receipts.layout import fit_lines

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5b6470")
GRID = colors.HexColor("#d8dde3")
TITLE_SIZE, TEXT_SIZE, SMALL_SIZE = 10.5, 8.0, 7.0
ROW_GAP = 14.0
"""Between the two charts of a row."""
MONTHS_HEIGHT, MATRIX_HEIGHT = 220.0, 200.0
"""The two rows: with the section's headings they fill one landscape A4 body (499 pt)."""


def chart_drawings(charts: FundCharts, font: str, width: float) -> list[Flowable]:
    """Two rows of charts as wide as the page's body: the months, then the matrix, with the
    budget beside it when its lines fit there, else as a drawing of its own below, as wide
    as the body and as tall as its lines need (overleaf: it is the next flowable)."""
    half = (width - ROW_GAP) / 2
    # The renderer starts each drawing in its default font (Helvetica, never embedded)
    # unless the drawing names one: the archive wants every font embedded.
    months = Drawing(width, MONTHS_HEIGHT, initialFontName=font)
    months.add(stacked_bars(charts.income, font, 0, 0, half, MONTHS_HEIGHT))
    months.add(stacked_bars(charts.paid, font, half + ROW_GAP, 0, half, MONTHS_HEIGHT))
    matrix = Drawing(width, MATRIX_HEIGHT, initialFontName=font)
    matrix.add(heat_map(charts.matrix, font, 0, 0, half, MATRIX_HEIGHT))
    drawings: list[Flowable] = [months, Spacer(1, 8), matrix]
    budget = charts.budget
    if budget is not None and not budget.empty:
        if budget_height(budget) <= MATRIX_HEIGHT:
            matrix.add(budget_bars(budget, font, half + ROW_GAP, 0, half, MATRIX_HEIGHT))
        else:
            own = Drawing(width, budget_height(budget), initialFontName=font)
            own.add(budget_bars(budget, font, 0, 0, width, own.height))
            drawings += [Spacer(1, 8), own]
    return drawings


def _string(x: float, y: float, text: str, font: str, size: float, **options: object) -> String:
    return String(x, y, text, fontName=font, fontSize=size, **({"fillColor": INK} | options))


def _frame(title: str, caption: str, font: str, x: float, y: float, w: float, h: float) -> Group:
    """A chart's title at the top and its description in small print at the bottom."""
    group = Group()
    group.add(_string(x, y + h - TITLE_SIZE, title, font, TITLE_SIZE))
    for number, line in enumerate(fit_lines(caption, font, SMALL_SIZE, w, 2)):
        group.add(_string(x, y + 10 - number * 9, line, font, SMALL_SIZE, fillColor=MUTED))
    return group


def _empty(group: Group, font: str, x: float, y: float, w: float, h: float) -> Group:
    group.add(Rect(x, y + 26, w, h - 48, fillColor=None, strokeColor=GRID, strokeDashArray=[3, 2]))
    group.add(_string(x + w / 2, y + h / 2 - 4, NO_DATA_ZH, font, 12, textAnchor="middle"))
    return group


def _legend(group: Group, items: list[tuple[str, str]], font: str, x: float, y: float) -> None:
    for colour, name in items:
        group.add(Rect(x, y, 8, 8, fillColor=colors.HexColor(colour), strokeColor=None))
        group.add(_string(x + 11, y + 1, name, font, TEXT_SIZE))
        x += 11 + stringWidth(name, font, TEXT_SIZE) + 12


# ---------------------------------------------------------------------------------------
# Stacked bars by month


def stacked_bars(chart: StackedChart, font: str, x: float, y: float, w: float, h: float) -> Group:
    """Months of stacked bars in the box (x, y, w, h): positive parts up from zero, negative
    parts down, each month's net printed at the end of its bar."""
    group = _frame(f"{chart.title}（元）", chart.description(), font, x, y, w, h)
    if chart.empty:
        return _empty(group, font, x, y, w, h)
    _legend(group, [(SERIES_COLOURS[k], name) for k, name in chart.series], font, x, y + h - 28)
    left, right, top, bottom = x + 40, x + w - 4, y + h - 42, y + 52
    ticks = chart.ticks_fen
    scale = (top - bottom) / (ticks[-1] - ticks[0])
    zero_y = bottom - ticks[0] * scale
    for tick in ticks:
        tick_y = zero_y + tick * scale
        group.add(Line(left, tick_y, right, tick_y, strokeColor=GRID, strokeWidth=0.5))
        group.add(
            _string(
                left - 4,
                tick_y - 2.5,
                axis_label(tick),
                font,
                SMALL_SIZE,
                textAnchor="end",
                fillColor=MUTED,
            )
        )
    slot = (right - left) / len(chart.months)
    for index, bar in enumerate(chart.months):
        _month_bar(group, bar, font, left + index * slot, slot, zero_y, scale, bottom)
    group.add(Line(left, zero_y, right, zero_y, strokeColor=INK, strokeWidth=0.9))
    return group


def _month_bar(
    group: Group,
    bar: MonthBar,
    font: str,
    left: float,
    slot: float,
    zero_y: float,
    scale: float,
    bottom: float,
) -> None:
    width = min(slot * 0.62, 30.0)
    x = left + (slot - width) / 2
    up = down = 0
    for segment in bar.segments:
        if segment.fen == 0:
            continue
        colour = colors.HexColor(SERIES_COLOURS[segment.key])
        if segment.fen > 0:
            group.add(
                Rect(
                    x,
                    zero_y + up * scale,
                    width,
                    segment.fen * scale,
                    fillColor=colour,
                    strokeColor=None,
                )
            )
            up += segment.fen
        else:
            down += segment.fen
            group.add(
                Rect(
                    x,
                    zero_y + down * scale,
                    width,
                    -segment.fen * scale,
                    fillColor=colour,
                    fillOpacity=0.55,
                    strokeColor=colour,
                    strokeWidth=0.6,
                    strokeDashArray=[2, 1.5],
                )
            )
    if bar.net_fen:
        label_y = zero_y + up * scale + 2 if bar.net_fen > 0 else zero_y + down * scale - 8
        group.add(
            _string(
                x + width / 2,
                label_y,
                short_amount(bar.net_fen),
                font,
                SMALL_SIZE,
                textAnchor="middle",
            )
        )
    year, _, month = bar.label_zh.rpartition("年")
    group.add(_string(x + width / 2, bottom - 10, month, font, SMALL_SIZE, textAnchor="middle"))
    if year:
        group.add(
            _string(
                x + width / 2,
                bottom - 19,
                f"{year}年",
                font,
                SMALL_SIZE,
                textAnchor="middle",
                fillColor=MUTED,
            )
        )


# ---------------------------------------------------------------------------------------
# The 6×3 heat map


def heat_map(chart: HeatMap, font: str, x: float, y: float, w: float, h: float) -> Group:
    """Categories down, aspects across, each cell's amount printed on its shade."""
    group = _frame(f"{chart.title}（元）", chart.description(), font, x, y, w, h)
    if chart.empty:
        return _empty(group, font, x, y, w, h)
    label_width, row_height = 104.0, 19.0
    cell_width = (w - label_width) / len(chart.columns)
    top = y + h - 30
    for column, (_key, name) in enumerate(chart.columns):
        group.add(
            _string(
                x + label_width + (column + 0.5) * cell_width,
                top,
                name,
                font,
                TEXT_SIZE,
                textAnchor="middle",
            )
        )
    for row, (_category, name, cells) in enumerate(chart.rows):
        cell_y = top - 6 - (row + 1) * row_height
        group.add(_string(x + label_width - 5, cell_y + 6, name, font, TEXT_SIZE, textAnchor="end"))
        for column, fen in enumerate(cells):
            _heat_cell(
                group,
                font,
                x + label_width + column * cell_width,
                cell_y,
                cell_width,
                row_height,
                fen,
                chart.max_fen,
            )
    _heat_legend(group, chart, font, x + label_width, top - 6 - 7 * row_height - 4)
    return group


def _heat_cell(
    group: Group, font: str, x: float, y: float, w: float, h: float, fen: int, max_fen: int
) -> None:
    group.add(
        Rect(
            x,
            y,
            w - 1.5,
            h - 1.5,
            fillColor=colors.HexColor(heat_colour(fen, max_fen)),
            strokeColor=GRID,
            strokeWidth=0.5,
        )
    )
    dark = fen > 0 and fen * 100 > max_fen * 55
    colour = colors.HexColor("#b3261e") if fen < 0 else (colors.white if dark else INK)
    group.add(
        _string(
            x + w / 2,
            y + 5.5,
            yuan_text(fen),
            font,
            TEXT_SIZE,
            textAnchor="middle",
            fillColor=colour,
        )
    )


def _heat_legend(group: Group, chart: HeatMap, font: str, x: float, y: float) -> None:
    group.add(_string(x - 5, y + 1, "图例", font, SMALL_SIZE, textAnchor="end", fillColor=MUTED))
    for fen in chart.legend_fen():
        group.add(
            Rect(
                x,
                y,
                12,
                8,
                fillColor=colors.HexColor(heat_colour(fen, chart.max_fen)),
                strokeColor=GRID,
                strokeWidth=0.5,
            )
        )
        group.add(_string(x + 15, y + 1, short_amount(fen), font, SMALL_SIZE, fillColor=MUTED))
        x += 58
    if any(fen < 0 for _key, _name, cells in chart.rows for fen in cells):
        group.add(
            Rect(
                x,
                y,
                12,
                8,
                fillColor=colors.HexColor(heat_colour(-1, 1)),
                strokeColor=GRID,
                strokeWidth=0.5,
            )
        )
        group.add(_string(x + 15, y + 1, "负数", font, SMALL_SIZE, fillColor=MUTED))


# ---------------------------------------------------------------------------------------
# Budget against actual


BUDGET_ROW = 15.0
"""Points per budget line: its 8-point label and bar with room between lines."""
BUDGET_CHROME = 30.0 + 26.0
"""Above the lines, the title and the axis; below them, the two lines of the caption."""


def budget_height(chart: BudgetChart) -> float:
    """How tall the budget chart must be for each of its lines to be readable."""
    return BUDGET_CHROME + BUDGET_ROW * len(chart.rows)


def budget_bars(chart: BudgetChart, font: str, x: float, y: float, w: float, h: float) -> Group:
    """Per line, the budget as a grey frame and the actual as a bar inside it (red when over),
    with 执行率 (and, when the box is wide, 实际 / 预算) printed at the right. Labels get
    the width of the longest; a box lower than `budget_height` squeezes the lines."""
    group = _frame(f"{chart.title}（元）", chart.description(), font, x, y, w, h)
    if chart.empty:
        return _empty(group, font, x, y, w, h)
    label_width = max(stringWidth(row.label, font, TEXT_SIZE) for row in chart.rows)
    label_width = min(label_width, w * 0.4)
    notes = [_budget_note(row, w >= WIDE_BUDGET) for row in chart.rows]
    note_width = max(stringWidth(note, font, TEXT_SIZE) for note in notes)
    left, right = x + label_width + 6, x + w - note_width - 6
    ticks = chart.ticks_fen
    scale = (right - left) / (ticks[-1] - ticks[0])
    zero_x = left - ticks[0] * scale
    top = y + h - 30
    row_height = min(BUDGET_ROW, (h - BUDGET_CHROME) / len(chart.rows))
    _budget_axis(group, ticks, font, zero_x, scale, top, top - row_height * len(chart.rows))
    for index, row in enumerate(chart.rows):
        bar_y = top - (index + 1) * row_height
        text_y = bar_y + (row_height - TEXT_SIZE) / 2 + 1
        for line in fit_lines(row.label, font, TEXT_SIZE, label_width, 1):
            group.add(_string(left - 6, text_y, line, font, TEXT_SIZE, textAnchor="end"))
        group.add(
            Rect(
                min(zero_x, zero_x + row.budget_fen * scale),
                bar_y + 2,
                abs(row.budget_fen) * scale,
                row_height - 4,
                fillColor=colors.HexColor("#e9edf2"),
                strokeColor=MUTED,
                strokeWidth=0.5,
            )
        )
        colour = "#b8322a" if row.over else "#3a7dbf"
        group.add(
            Rect(
                min(zero_x, zero_x + row.actual_fen * scale),
                bar_y + row_height * 0.3,
                abs(row.actual_fen) * scale,
                row_height * 0.4,
                fillColor=colors.HexColor(colour),
                strokeColor=None,
            )
        )
        group.add(
            _string(
                right + 6,
                text_y,
                notes[index],
                font,
                TEXT_SIZE,
                fillColor=colors.HexColor("#b3261e") if row.over else INK,
            )
        )
    return group


WIDE_BUDGET = 500.0
"""A budget chart at least this wide prints 实际 / 预算 beside 执行率."""


def _budget_note(row: BudgetRow, wide: bool) -> str:
    if not wide:
        return row.executed_text
    return f"{yuan_text(row.actual_fen)} / {yuan_text(row.budget_fen)}（{row.executed_text}）"


def _budget_axis(
    group: Group,
    ticks: list[int],
    font: str,
    zero_x: float,
    scale: float,
    top: float,
    bottom: float,
) -> None:
    """The amounts across the top, each with its grid line down through the lines."""
    for tick in ticks:
        tick_x = zero_x + tick * scale
        group.add(Line(tick_x, top + 2, tick_x, bottom, strokeColor=GRID, strokeWidth=0.5))
        group.add(
            _string(
                tick_x,
                top + 5,
                axis_label(tick),
                font,
                SMALL_SIZE,
                textAnchor="middle",
                fillColor=MUTED,
            )
        )
