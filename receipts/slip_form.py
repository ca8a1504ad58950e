"""The printed form that receipts and vouchers share: an A5 landscape page, a title with a
red number, a grid of labelled boxes, the circle for the fund's seal, and the QR code.
`receipts.slips` fills it in for each document."""

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from receipts.fonts import DocumentFont
from receipts.layout import INK, RED, RULE, SHADE, CompressingCanvas, draw_text, fit_lines, fit_text
from receipts.qr import qr_modules

PAGE = landscape(A5)
WIDTH, HEIGHT = PAGE
MARGIN = 12 * mm
QR_SIZE = 27 * mm
QR_QUIET_MODULES = 1
"""Light modules around the code inside its square; the page margin adds the rest."""
LABEL_WIDTH = 92.0
GRID_TOP = HEIGHT - 100


@dataclass(frozen=True)
class Cell:
    """One box of a slip's grid: a label (shaded) or a value."""

    text: str
    width: float
    label: bool = False
    size: float = 10.5
    lines_max: int = 1
    color: object = INK


def draw_grid(canvas: Canvas, font: str, rows: list[tuple[float, list[Cell]]]) -> float:
    """Draw rows of cells from GRID_TOP down; return the y of the grid's bottom edge."""
    y = GRID_TOP
    canvas.setStrokeColor(RULE)
    for height, cells in rows:
        x = MARGIN
        y -= height
        for cell in cells:
            if cell.label:
                canvas.setFillColor(SHADE)
                canvas.rect(x, y, cell.width, height, stroke=0, fill=1)
            lines = fit_lines(cell.text, font, cell.size, cell.width - 12, cell.lines_max)
            leading = cell.size * 1.3
            first_baseline = y + height / 2 + (len(lines) - 1) * leading / 2 - cell.size * 0.35
            for number, line in enumerate(lines):
                draw_text(
                    canvas,
                    x + (cell.width / 2 if cell.label else 7),
                    first_baseline - number * leading,
                    line,
                    font=font,
                    size=cell.size,
                    align="center" if cell.label else "left",
                    color=cell.color,  # type: ignore[arg-type]
                )
            x += cell.width
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, y, WIDTH - MARGIN, y)
    # Vertical rules per row, and the outer frame heavier, as on printed forms.
    y = GRID_TOP
    canvas.setLineWidth(0.6)
    for height, cells in rows:
        x = MARGIN
        for cell in cells[:-1]:
            x += cell.width
            canvas.line(x, y - height, x, y)
        y -= height
    canvas.setLineWidth(1.4)
    canvas.rect(MARGIN, y, WIDTH - 2 * MARGIN, GRID_TOP - y, stroke=1, fill=0)
    return y


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

    reportlab's encoder with a fast choice of mask (`receipts.qr`), but not its widget:
    the widget encodes twice and draws every module as a validated shape, which made a
    receipt ten times slower. Here each run of dark modules in a row is one rectangle of
    a single path.
    """
    modules = qr_modules(payload)
    count = len(modules)
    module = QR_SIZE / (count + 2 * QR_QUIET_MODULES)
    left = x + QR_QUIET_MODULES * module
    top = y + QR_SIZE - QR_QUIET_MODULES * module
    path = canvas.beginPath()
    for row in range(count):
        column = 0
        while column < count:
            if not modules[row][column]:
                column += 1
                continue
            start = column
            while column < count and modules[row][column]:
                column += 1
            path.rect(
                left + start * module, top - (row + 1) * module, (column - start) * module, module
            )
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def new_canvas(buffer: BytesIO, title: str, font: DocumentFont) -> Canvas:
    """A slip-sized canvas writing into `buffer`, its metadata naming the font used."""
    canvas = CompressingCanvas(buffer, pagesize=PAGE)
    canvas.setTitle(title)
    canvas.setAuthor("carefund")
    canvas.setSubject(font.description)
    return canvas
