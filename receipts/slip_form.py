"""The printed form that receipts and vouchers share: an A5 landscape page, a title with a
red number, a grid of labelled boxes, the circle for the fund's seal, and the QR code.
`receipts.slips` fills it in for each document."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from receipts.fonts import DocumentFont
from receipts.layout import (
    INK,
    RED,
    RULE,
    SHADE,
    CompressingCanvas,
    draw_text,
    fit_lines,
    fit_text,
    wrap_lines,
)
from receipts.qr import qr_rows

PAGE = landscape(A5)
WIDTH, HEIGHT = PAGE
MARGIN = 12 * mm
QR_SIZE = 27 * mm
QR_QUIET_MODULES = 1
"""Light modules around the code inside its square; the page margin adds the rest."""
LABEL_WIDTH = 92.0
GRID_TOP = HEIGHT - 100


CONTINUED = "（全文见附页）"
"""Ends a wrapping cell whose text is longer than the slip has room for."""
CELL_PADDING = 8.0
"""Room above and below a cell's lines."""


@dataclass(frozen=True)
class Cell:
    """One box of a slip's grid: a label (shaded) or a value.

    A value with `sizes` wraps and is never cut: it takes the largest of `sizes` at which
    it fits in `lines_max` lines (its row grows to hold them); text longer than that at
    the smallest size shows its first lines and continues in full on an 附页.
    Without `sizes`, the text is cut with … after `lines_max` lines."""

    text: str
    width: float
    label: bool = False
    size: float = 10.5
    lines_max: int = 1
    color: object = INK
    sizes: tuple[float, ...] = ()


@dataclass(frozen=True)
class Continued:
    """A value the slip could not hold whole, printed in full on the 附页."""

    label: str
    text: str


def _cell_lines(cell: Cell, font: str) -> tuple[float, list[str], bool]:
    """(size, lines, continued) of a cell's text."""
    width = cell.width - 12
    if not cell.sizes:
        return cell.size, fit_lines(cell.text, font, cell.size, width, cell.lines_max), False
    for size in cell.sizes:
        lines = wrap_lines(cell.text, font, size, width)
        if len(lines) <= cell.lines_max:
            return size, lines, False
    size = cell.sizes[-1]
    shown = wrap_lines(cell.text, font, size, width)[: cell.lines_max - 1]
    room = width - stringWidth(CONTINUED, font, size)
    rest = " ".join(cell.text.split())[len("".join(shown)) :]
    shown.append(fit_lines(rest, font, size, room, 1)[0] + CONTINUED)
    return size, shown, True


def draw_grid(
    canvas: Canvas,
    font: str,
    rows: list[tuple[float, list[Cell]]],
    continued: list[Continued] | None = None,
) -> float:
    """Draw rows of cells from GRID_TOP down; return the y of the grid's bottom edge. Values
    too long for the slip are appended to `continued`, under their row's label."""
    laid_out = []
    for height, cells in rows:
        texts = [_cell_lines(cell, font) for cell in cells]
        needed = max(len(lines) * size * 1.3 + CELL_PADDING for size, lines, _ in texts)
        laid_out.append((max(height, needed), cells, texts))
    y = GRID_TOP
    canvas.setStrokeColor(RULE)
    for height, cells, texts in laid_out:
        x = MARGIN
        y -= height
        label = ""
        for cell, (size, lines, cut) in zip(cells, texts, strict=True):
            if cell.label:
                label = cell.text
                canvas.setFillColor(SHADE)
                canvas.rect(x, y, cell.width, height, stroke=0, fill=1)
            elif cut and continued is not None:
                continued.append(Continued(label, cell.text))
            _draw_cell_lines(canvas, font, cell, x, y + height / 2, size, lines)
            x += cell.width
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, y, WIDTH - MARGIN, y)
    # Vertical rules per row, and the outer frame heavier, as on printed forms.
    y = GRID_TOP
    canvas.setLineWidth(0.6)
    for height, cells, _texts in laid_out:
        x = MARGIN
        for cell in cells[:-1]:
            x += cell.width
            canvas.line(x, y - height, x, y)
        y -= height
    canvas.setLineWidth(1.4)
    canvas.rect(MARGIN, y, WIDTH - 2 * MARGIN, GRID_TOP - y, stroke=1, fill=0)
    return y


def _draw_cell_lines(
    canvas: Canvas, font: str, cell: Cell, x: float, middle: float, size: float, lines: list[str]
) -> None:
    leading = size * 1.3
    first_baseline = middle + (len(lines) - 1) * leading / 2 - size * 0.35
    for number, line in enumerate(lines):
        draw_text(
            canvas,
            x + (cell.width / 2 if cell.label else 7),
            first_baseline - number * leading,
            line,
            font=font,
            size=size,
            align="center" if cell.label else "left",
            color=cell.color,  # type: ignore[arg-type]
        )


def draw_continuation(
    canvas: Canvas,
    font: str,
    title: str,
    number: str,
    items: list[Continued],
    finish_page: Callable[[], None] = lambda: None,
) -> None:
    """附页: each value the slip could not hold, in full, wrapped, on as many pages as it
    takes (`finish_page` runs before each page break; the caller shows the last page)."""
    size, leading = 10.0, 13.5
    y = HEIGHT - MARGIN - 10
    draw_text(canvas, MARGIN, y, f"{title}（附页）", font=font, size=14, bold=True)
    draw_text(canvas, WIDTH - MARGIN, y, number, font=font, size=11.5, align="right", color=RED)
    y -= 28
    for item in items:
        draw_text(canvas, MARGIN, y, f"{item.label}：", font=font, size=size, bold=True)
        y -= leading
        for line in wrap_lines(item.text, font, size, WIDTH - 2 * MARGIN):
            if y < MARGIN + 20:
                finish_page()
                canvas.showPage()
                y = HEIGHT - MARGIN - 10
            draw_text(canvas, MARGIN, y, line, font=font, size=size)
            y -= leading
        y -= leading / 2


def draw_heading(canvas: Canvas, font: str, title: str, left: str, right: str, number: str) -> None:
    """The title, double-underlined, the red number top right, and a line of `left` and
    `right` text above the grid."""
    draw_text(canvas, WIDTH / 2, HEIGHT - 44, title, font=font, size=21, align="center", bold=True)
    title_width = canvas.stringWidth(title, font, 21) + 24
    canvas.setStrokeColor(INK)
    for offset, weight in ((-52, 1.2), (-55, 0.5)):
        canvas.setLineWidth(weight)
        canvas.line(
            WIDTH / 2 - title_width / 2,
            HEIGHT + offset,
            WIDTH / 2 + title_width / 2,
            HEIGHT + offset,
        )
    draw_text(
        canvas, WIDTH - MARGIN, HEIGHT - 36, number, font=font, size=11.5, align="right", color=RED
    )
    draw_text(canvas, MARGIN, HEIGHT - 86, fit_text(left, font, 9.5, 330), font=font, size=9.5)
    draw_text(canvas, WIDTH - MARGIN, HEIGHT - 86, right, font=font, size=9.5, align="right")


def date_zh(day: date | None) -> str:
    """`2026年01月05日`, or blanks to fill in by hand."""
    return f"{day.year}年{day.month:02d}月{day.day:02d}日" if day else "____年__月__日"


def draw_seal_box(canvas: Canvas, font: str, *, x: float, y: float, label: str) -> None:
    """A dashed circle where the fund's financial seal goes."""
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setDash(3, 2)
    canvas.setLineWidth(0.6)
    canvas.circle(x, y + 34, 34)
    canvas.restoreState()
    draw_text(canvas, x, y + 31, label, font=font, size=8, align="center", color=RULE)


def draw_qr(canvas: Canvas, payload: str, *, x: float, y: float) -> None:
    """The payload as a QR code QR_SIZE square, a quiet zone of one module inside it.

    The symbol of reportlab's encoder, built fast (`receipts.qr`), but not its widget:
    the widget encodes twice and draws every module as a validated shape, which made a
    receipt ten times slower. Here each run of dark modules in a row is one rectangle of
    a single path, in module units (whole numbers) under one scaling.
    """
    size, modules = qr_rows(payload)
    module = QR_SIZE / (size + 2 * QR_QUIET_MODULES)
    text = format(modules, f"0{size * size}b")[::-1]  # row by row, column 0 first
    rectangles = [
        f"{run.start() - row * size} {-row - 1} {run.end() - run.start()} 1 re"
        for row in range(size)
        for run in _DARK_RUNS.finditer(text, row * size, (row + 1) * size)
    ]
    canvas.saveState()
    canvas.translate(x + QR_QUIET_MODULES * module, y + QR_SIZE - QR_QUIET_MODULES * module)
    canvas.scale(module, module)
    canvas.setFillColor(INK)
    # The path's operators written out: whole numbers need none of reportlab's formatting
    # of each coordinate, which was most of drawing the code.
    canvas.addLiteral("\n".join(rectangles) + "\nf")
    canvas.restoreState()


_DARK_RUNS = re.compile("1+")


def new_canvas(buffer: BytesIO, title: str, font: DocumentFont) -> Canvas:
    """A slip-sized canvas writing into `buffer`, its metadata naming the font used."""
    # The document's font from the start: else every page names Helvetica, not embedded.
    canvas = CompressingCanvas(buffer, pagesize=PAGE, initialFontName=font.name)
    canvas.setTitle(title)
    canvas.setAuthor("carefund")
    canvas.setSubject(font.description)
    return canvas
