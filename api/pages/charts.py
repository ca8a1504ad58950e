"""Charts as inline SVG, drawn on the server: no script, no CDN, readable by screen readers.

Each function takes a frozen chart view of `carefund.reports.charts` (integer fen) and
returns markup for a `<figure>`: a caption, then an `<svg role="img">` with its `<title>` and
`<desc>`, and a `<title>` on every bar and cell (what a pointer shows). Amounts become
floats only here, and only for geometry; every number printed comes from the integers.
Every piece of text passes through `escape`.
"""

from itertools import count

from markupsafe import Markup, escape

from carefund.reports.chart_scales import (
    NEGATIVE_FILL,
    SERIES_COLOURS,
    axis_label,
    heat_colour,
    short_amount,
    yuan_text,
)
from carefund.reports.charts import NO_DATA_ZH, BudgetChart, HeatMap, MonthBar, StackedChart

INK, MUTED, GRID = "#1f2328", "#5b6470", "#d8dde3"

WIDTH = 720
STACK_HEIGHT = 300
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 64, WIDTH - 12, 50, STACK_HEIGHT - 44

_ids = count(1)


def _figure(caption: str, svg: str) -> Markup:
    return Markup(f'<figure class="chart"><figcaption>{escape(caption)}</figcaption>{svg}</figure>')


def _empty(title: str) -> Markup:
    """A chart without figures says so, instead of drawing empty axes."""
    return Markup(
        f'<figure class="chart chart-empty"><figcaption>{escape(title)}</figcaption>'
        f'<p class="empty" role="note">{escape(NO_DATA_ZH)}</p></figure>'
    )


def _svg_open(width: int, height: int, title: str, description: str) -> str:
    """The `<svg>` element with its accessible name and description."""
    number = next(_ids)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="chart-{number}-t chart-{number}-d" font-size="14">'
        f'<title id="chart-{number}-t">{escape(title)}</title>'
        f'<desc id="chart-{number}-d">{escape(description)}</desc>'
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", **attributes: str) -> str:
    extra = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for name, value in attributes.items()
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _legend(items: list[tuple[str, str]], y: float, x: float = PLOT_LEFT) -> str:
    """Swatches with names in one row: (colour, name)."""
    parts = []
    for colour, name in items:
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, y, name, fill=INK))
        x += 16 + 14 * len(name) + 20
    return "".join(parts)


# ---------------------------------------------------------------------------------------
# Stacked bars by month


def stacked_bars(chart: StackedChart) -> Markup:
    """Months of stacked bars: positive parts upward from zero, negative parts (reversals
    exceeding the month's bookings) downward, each month's net printed at its end."""
    caption = f"{chart.title} · 单位：元"
    if chart.empty:
        return _empty(caption)
    ticks = chart.ticks_fen
    scale = (PLOT_BOTTOM - PLOT_TOP) / (ticks[-1] - ticks[0])
    zero_y = PLOT_TOP + ticks[-1] * scale
    parts = [_svg_open(WIDTH, STACK_HEIGHT, chart.title, chart.description())]
    parts.append(_legend([(SERIES_COLOURS[key], name) for key, name in chart.series], 16))
    parts.extend(_grid(ticks, scale))
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(chart.months)
    for index, bar in enumerate(chart.months):
        parts.extend(_month_bar(bar, PLOT_LEFT + index * slot, slot, zero_y, scale))
    parts.append(
        f'<line x1="{PLOT_LEFT}" y1="{zero_y:.1f}" x2="{PLOT_RIGHT}" y2="{zero_y:.1f}" '
        f'stroke="{INK}" stroke-width="1.2" class="zero"/>'
    )
    if any(bar.negative_fen for bar in chart.months):
        parts.append(
            _text(PLOT_RIGHT, 40, "零线以下：冲销多于当月发生额（负数）", anchor="end", fill=MUTED)
        )
    parts.append("</svg>")
    return _figure(caption, "".join(parts))


def _grid(ticks: list[int], scale: float) -> list[str]:
    parts = []
    for tick in ticks:
        y = PLOT_TOP + (ticks[-1] - tick) * scale
        parts.append(
            f'<line x1="{PLOT_LEFT}" y1="{y:.1f}" x2="{PLOT_RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(PLOT_LEFT - 6, y + 4, axis_label(tick), anchor="end", fill=MUTED))
    return parts


def _month_bar(bar: MonthBar, left: float, slot: float, zero_y: float, scale: float) -> list[str]:
    width = min(slot * 0.62, 46.0)
    x = left + (slot - width) / 2
    parts = [f'<g class="bar" data-month="{bar.month:%Y-%m}" data-net-fen="{bar.net_fen}">']
    up = down = 0
    for segment in bar.segments:
        if segment.fen == 0:
            continue
        height = abs(segment.fen) * scale
        if segment.fen > 0:
            up += segment.fen
            y, style = zero_y - up * scale, ""
        else:
            y, style = zero_y + abs(down) * scale, ' fill-opacity="0.55" stroke-dasharray="3 2"'
            down += segment.fen
        tip = f"{bar.label_zh} · {segment.name_zh}：{yuan_text(segment.fen)} 元"
        parts.append(
            f'<rect class="segment" data-series="{escape(segment.key)}" data-fen="{segment.fen}" '
            f'x="{x:.2f}" y="{y:.3f}" width="{width:.2f}" height="{height:.3f}" '
            f'fill="{SERIES_COLOURS[segment.key]}" stroke="{SERIES_COLOURS[segment.key]}"{style}>'
            f"<title>{escape(tip)}</title></rect>"
        )
    if bar.net_fen:
        label_y = zero_y - up * scale - 4 if bar.net_fen > 0 else zero_y - down * scale + 13
        parts.append(
            _text(
                x + width / 2,
                label_y,
                short_amount(bar.net_fen),
                anchor="middle",
                fill=INK,
                font_size="11",
                class_="net",
            )
        )
    year, _, month = bar.label_zh.rpartition("年")
    parts.append(_text(x + width / 2, PLOT_BOTTOM + 19, month, anchor="middle", fill=INK))
    if year:
        parts.append(
            _text(x + width / 2, PLOT_BOTTOM + 37, f"{year}年", anchor="middle", fill=MUTED)
        )
    parts.append("</g>")
    return parts


# ---------------------------------------------------------------------------------------
# The 6×3 heat map


HEAT_LABEL_WIDTH, HEAT_CELL_WIDTH, HEAT_CELL_HEIGHT, HEAT_TOP = 170, 178, 36, 32


def heat_map(chart: HeatMap) -> Markup:
    """Member categories down, aspects across: each cell's amount printed, shaded by its
    share of the largest cell; negative cells in red, never shaded as if they were small."""
    caption = f"{chart.title} · 单位：元"
    if chart.empty:
        return _empty(caption)
    width = HEAT_LABEL_WIDTH + HEAT_CELL_WIDTH * len(chart.columns) + 12
    height = HEAT_TOP + HEAT_CELL_HEIGHT * len(chart.rows) + 60
    parts = [_svg_open(width, height, chart.title, chart.description())]
    for column, (_key, name) in enumerate(chart.columns):
        x = HEAT_LABEL_WIDTH + (column + 0.5) * HEAT_CELL_WIDTH
        parts.append(_text(x, HEAT_TOP - 10, name, anchor="middle", fill=INK, font_weight="600"))
    for row, (_category, name, cells) in enumerate(chart.rows):
        y = HEAT_TOP + row * HEAT_CELL_HEIGHT
        parts.append(_text(HEAT_LABEL_WIDTH - 8, y + 23, name, anchor="end", fill=INK))
        for column, fen in enumerate(cells):
            aspect_name = chart.columns[column][1]
            parts.append(
                _heat_cell(
                    HEAT_LABEL_WIDTH + column * HEAT_CELL_WIDTH,
                    y,
                    fen,
                    chart.max_fen,
                    f"{name} · {aspect_name}",
                )
            )
    parts.append(_heat_legend(chart, HEAT_TOP + HEAT_CELL_HEIGHT * len(chart.rows) + 22))
    parts.append("</svg>")
    return _figure(caption, "".join(parts))


def _heat_cell(x: float, y: float, fen: int, max_fen: int, name: str) -> str:
    fill = heat_colour(fen, max_fen)
    dark = fen > 0 and max_fen > 0 and fen * 100 > max_fen * 55
    colour = "#b3261e" if fen < 0 else ("#ffffff" if dark else INK)
    return (
        f'<g class="cell" data-fen="{fen}"><rect x="{x:.1f}" y="{y:.1f}" '
        f'width="{HEAT_CELL_WIDTH - 2}" height="{HEAT_CELL_HEIGHT - 2}" fill="{fill}" '
        f'stroke="{GRID}"><title>{escape(name)}：{escape(yuan_text(fen))} 元</title></rect>'
        + _text(x + HEAT_CELL_WIDTH / 2, y + 23, yuan_text(fen), anchor="middle", fill=colour)
        + "</g>"
    )


def _heat_legend(chart: HeatMap, y: float) -> str:
    parts = [_text(HEAT_LABEL_WIDTH - 8, y + 4, "图例（元）", anchor="end", fill=MUTED)]
    x = float(HEAT_LABEL_WIDTH)
    for fen in chart.legend_fen():
        parts.append(
            f'<rect class="legend" x="{x:.1f}" y="{y - 8:.1f}" width="22" height="14" '
            f'fill="{heat_colour(fen, chart.max_fen)}" stroke="{GRID}"/>'
        )
        parts.append(
            _text(
                x + 26, y + 4, axis_label(fen) if fen % 100 == 0 else short_amount(fen), fill=MUTED
            )
        )
        x += 104
    if any(fen < 0 for _key, _name, cells in chart.rows for fen in cells):
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="22" height="14" '
            f'fill="{NEGATIVE_FILL}" stroke="{GRID}"/>'
        )
        parts.append(_text(x + 26, y + 4, "负数（冲销多于支出）", fill=MUTED))
    return "".join(parts)


# ---------------------------------------------------------------------------------------
# Budget against actual


BUDGET_LABEL_WIDTH, BUDGET_ROW_HEIGHT, BUDGET_TOP, BUDGET_NOTE_WIDTH = 170, 30, 40, 210


def budget_bars(chart: BudgetChart) -> Markup:
    """Per line, the budget as a grey frame and the actual as a bar inside it (red when it
    is over budget), with 实际 / 预算 and 执行率 printed beside it."""
    caption = f"{chart.title} · 单位：元"
    if chart.empty:
        return _empty(caption)
    ticks = chart.ticks_fen
    left, right = BUDGET_LABEL_WIDTH, WIDTH - BUDGET_NOTE_WIDTH
    scale = (right - left) / (ticks[-1] - ticks[0])
    zero_x = left - ticks[0] * scale
    height = BUDGET_TOP + BUDGET_ROW_HEIGHT * len(chart.rows) + 12
    parts = [_svg_open(WIDTH, height, chart.title, chart.description())]
    parts.append(
        _legend([("#e9edf2", "预算"), ("#3a7dbf", "实际"), ("#b8322a", "超预算")], 14, x=left)
    )
    for tick in ticks:
        x = zero_x + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{BUDGET_TOP - 6}" x2="{x:.1f}" y2="{height - 10}" '
            f'stroke="{GRID}"/>'
        )
        parts.append(_text(x, BUDGET_TOP - 10, axis_label(tick), anchor="middle", fill=MUTED))
    for index, row in enumerate(chart.rows):
        y = BUDGET_TOP + index * BUDGET_ROW_HEIGHT
        parts.append(_text(left - 8, y + 19, row.label, anchor="end", fill=INK))
        frame = _hbar("budget", row.budget_fen, zero_x, scale, y + 4, BUDGET_ROW_HEIGHT - 8)
        parts.append(
            frame.format(fill='fill="#e9edf2" stroke="#8a94a0"', tip=escape(f"{row.label} 预算"))
        )
        bar = _hbar("actual", row.actual_fen, zero_x, scale, y + 9, BUDGET_ROW_HEIGHT - 18)
        colour = "#b8322a" if row.over else "#3a7dbf"
        parts.append(bar.format(fill=f'fill="{colour}"', tip=escape(f"{row.label} 实际")))
        note = f"{yuan_text(row.actual_fen)} / {yuan_text(row.budget_fen)}（{row.executed_text}）"
        parts.append(_text(right + 8, y + 19, note, fill="#b3261e" if row.over else INK))
    parts.append("</svg>")
    return _figure(caption, "".join(parts))


def _hbar(kind: str, fen: int, zero_x: float, scale: float, y: float, height: float) -> str:
    """A horizontal bar from the zero line (leftward when negative), with `{fill}` and
    `{tip}` left to fill in (escaped there)."""
    x = min(zero_x, zero_x + fen * scale)
    return (
        f'<rect class="{kind}" data-fen="{fen}" x="{x:.2f}" y="{y:.1f}" '
        f'width="{abs(fen) * scale:.3f}" height="{height:.1f}" {{fill}}>'
        f"<title>{{tip}}：{yuan_text(fen)} 元</title></rect>"
    )
