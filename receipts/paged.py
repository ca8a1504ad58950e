"""Long documents: a platypus story consumed lazily, numbered 第 N 页 共 M 页 in one pass.

Long statements stay linear in time and flat in memory: the story is a generator of
page-sized tables that platypus pulls from as it lays out pages, so at most a few tables
exist at once, and one reportlab table never grows past a page (a huge table's layout is
super-linear).
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import cache
from io import BytesIO
from itertools import islice
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Table, TableStyle
from reportlab.platypus.tables import CellStyle

from carefund import clock
from receipts.fonts import DocumentFont
from receipts.layout import (
    INK,
    RULE,
    SHADE,
    SUBTOTAL_SHADE,
    CompressingCanvas,
    draw_text,
    finish_page_numbers,
)

LOOKAHEAD = 3
"""Flowables kept ahead of the one being laid out (keep-with-next looks one ahead)."""
DEFAULT_MARGINS = (15 * mm, 18 * mm, 15 * mm, 16 * mm)
"""Left, top, right, bottom: room above and below the body for the running header and footer."""


def local_time(moment: datetime) -> str:
    """2026-11-28 15:04（北京时间）: in the business time zone, which it names."""
    return f"{clock.local(moment):%Y-%m-%d %H:%M}（{clock.zone_label()}）"


class LazyStory(list):  # type: ignore[type-arg]
    """A story platypus consumes from the front while a generator refills it.

    `BaseDocTemplate.build` loops `while len(flowables)`, reads `flowables[0]`, deletes
    it, and pushes split remainders back to the front; topping the list up in `__len__`
    keeps all of that working with only LOOKAHEAD flowables in memory.
    """

    def __init__(self, source: Iterable[Flowable]):
        super().__init__()
        self._source: Iterator[Flowable] | None = iter(source)

    def __len__(self) -> int:
        if self._source is not None and super().__len__() < LOOKAHEAD:
            more = list(islice(self._source, LOOKAHEAD))
            if not more:
                self._source = None
            self.extend(more)
        return super().__len__()


class Heading(Flowable):
    """A heading in the document's font, stroked to look bold (the CJK fonts have no bold)."""

    def __init__(
        self,
        text: str,
        font: str,
        size: float,
        *,
        align: str = "left",
        space_before: float = 8,
        space_after: float = 5,
        keep_with_next: bool = True,
    ):
        super().__init__()
        self.text, self.font, self.size, self.align = text, font, size, align
        self.keep_with_next = keep_with_next
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self._width = 0.0

    def wrap(self, available_width: float, _available_height: float) -> tuple[float, float]:
        self._width = available_width
        return available_width, self.size * 1.35

    def draw(self) -> None:
        x = {"left": 0.0, "center": self._width / 2, "right": self._width}[self.align]
        draw_text(
            self.canv,
            x,
            self.size * 0.3,
            self.text,
            font=self.font,
            size=self.size,
            align=self.align,
            bold=True,
        )

    def getKeepWithNext(self) -> bool:
        # A heading never ends a page alone (unless the caller sees to that itself).
        return self.keep_with_next


def table_style(
    font: str,
    size: float,
    *,
    header_rows: int = 1,
    numeric_from: int | None = None,
    total_rows: int = 0,
    extra: list[tuple[Any, ...]] | None = None,
    valign: str = "MIDDLE",
) -> TableStyle:
    """The house table: ruled grid, shaded header, numbers right-aligned, totals shaded.
    Every cell's font, colour, vertical alignment (`valign`: TOP for listings whose rows
    wrap) and padding come from `house_cell` (`make_table`)."""
    commands: list[tuple[Any, ...]] = [
        ("INNERGRID", (0, 0), (-1, -1), 0.3, RULE),
        ("BOX", (0, 0), (-1, -1), 0.9, RULE),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
            ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.9, RULE),
        ]
    if numeric_from is not None:
        commands.append(("ALIGN", (numeric_from, header_rows), (-1, -1), "RIGHT"))
    if total_rows:
        commands += [
            ("BACKGROUND", (0, -total_rows), (-1, -1), SUBTOTAL_SHADE),
            ("LINEABOVE", (0, -total_rows), (-1, -total_rows), 0.9, RULE),
        ]
    return HouseTableStyle(commands + (extra or []), cell=house_cell(font, size, valign))


@cache
def house_cell(font: str, size: float, valign: str = "MIDDLE") -> type[CellStyle]:
    """The house table's cell (font, ink, middle alignment, padding) as a `CellStyle` class
    whose defaults they are. Applied as style commands instead, they would be set cell by
    cell on every table: seven passes over each of a long statement's 130,000 cells, a
    tenth of its drawing time."""
    defaults = {
        "fontname": font,
        "fontsize": size,
        "leading": size * 1.25,
        "color": INK,
        "valign": valign,
        "topPadding": 2,
        "bottomPadding": 2.5,
        "leftPadding": 4,
        "rightPadding": 4,
    }
    return type("HouseCell", (CellStyle,), defaults)


class HouseTableStyle(TableStyle):
    """A `table_style`: its commands and the cell class its tables start from."""

    def __init__(self, commands: list[tuple[Any, ...]], *, cell: type[CellStyle]):
        super().__init__(commands)
        self.cell = cell


def make_table(
    rows: list[list[Any]], widths: list[float], style: TableStyle, *, repeat_rows: int = 1
) -> Table:
    cell = getattr(style, "cell", None)
    cells = (
        None
        if cell is None
        else [[cell(f"({i}, {j})") for j in range(len(widths))] for i in range(len(rows))]
    )
    table = Table(rows, colWidths=widths, repeatRows=repeat_rows, hAlign="LEFT", cellStyles=cells)
    table.setStyle(style)
    return table


PageDecorator = Callable[[Canvas, BaseDocTemplate], None]


def render_paged(
    story: Iterable[Flowable],
    *,
    pagesize: tuple[float, float],
    font: DocumentFont,
    title: str,
    decorate: PageDecorator,
    footer_y: float,
    margins: tuple[float, float, float, float] = DEFAULT_MARGINS,
) -> bytes:
    """Lay `story` out on pages; `decorate` draws each page's header and footer (calling
    `layout.draw_page_number` at (page width / 2, footer_y)), and the page total is
    filled in once the last page is known. Margins: left, top, right, bottom."""
    buffer = BytesIO()
    left, top, right, bottom = margins
    width, height = pagesize
    document = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author="carefund",
        subject=font.description,
        pageCompression=1,
        # The document's font from the start: else every page names Helvetica, not embedded.
        initialFontName=font.name,
    )
    frame = Frame(
        left,
        bottom,
        width - left - right,
        height - top - bottom,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    # Keep the canvas open after the build, to define the page total before saving.
    document._doSave = 0  # type: ignore[attr-defined]
    document.build(LazyStory(story), canvasmaker=CompressingCanvas)
    canvas = document.canv
    finish_page_numbers(canvas, x=width / 2, y=footer_y, font=font.name, size=8)
    canvas.save()
    return buffer.getvalue()


def frame_size(
    pagesize: tuple[float, float], margins: tuple[float, float, float, float] = DEFAULT_MARGINS
) -> tuple[float, float]:
    """The body's width and height for a page size and margins (as `render_paged` uses)."""
    left, top, right, bottom = margins
    return pagesize[0] - left - right, pagesize[1] - top - bottom


ROW_PADDING = 2 + 2.5
"""A table row's top and bottom padding (`table_style`)."""


class PagedTable(Flowable):
    """A table laid out a page at a time: each piece takes the rows that fit in the room
    left on the page, so the header row stands only at the top of a page (or where the
    table starts), never mid-page, and a row is never split. Cells are strings, wrapped
    beforehand with newlines, so a row may be several lines tall; the last row may be a
    total row (`style(True)` shades it).

    `rows` may be a list or any iterable: an iterator is read only a page ahead, so a
    year's journal streams through without being held in memory. (Never keep such a table
    with a heading — KeepTogether or keepWithNext — which would read it all, and loops
    reportlab's layout when the two are about a page tall: see `statement_controls`.)
    With `page_height` (the frame's height), a row taller than a page is cut into rows
    that fit, and rows for which `continues(row)` is true stay on the page of the row
    before them, unless their group is taller than a page.
    """

    def __init__(
        self,
        header: list[str],
        rows: Iterable[list[str]],
        widths: list[float],
        style: Callable[[bool], TableStyle],
        *,
        leading: float,
        has_total: bool = False,
        page_height: float | None = None,
        continues: Callable[[list[str]], bool] | None = None,
    ):
        super().__init__()
        self.header, self.widths, self.style = header, widths, style
        self.leading, self.has_total = leading, has_total
        self.page_height, self.continues = page_height, continues
        self.rows: list[list[str]] = []
        self.heights: list[float] = []
        self._source: Iterator[list[str]] | None = iter(rows)
        if isinstance(rows, list):
            self._fill(float("inf"))

    def _row_height(self, row: list[str]) -> float:
        return (max(cell.count("\n") for cell in row) + 1) * self.leading + ROW_PADDING

    def _fill(self, height: float) -> None:
        """Read rows from the source until they are taller than `height` or run out."""
        total = self._row_height(self.header) + sum(self.heights)
        while self._source is not None and total <= height:
            row = next(self._source, None)
            if row is None:
                self._source = None
                break
            for piece in self._cut(row):
                self.rows.append(piece)
                self.heights.append(self._row_height(piece))
                total += self.heights[-1]

    def _cut(self, row: list[str]) -> list[list[str]]:
        """The row, or the rows it is cut into when it is taller than a page."""
        if self.page_height is None:
            return [row]
        room = self.page_height - self._row_height(self.header) - PAGE_ROOM_SLACK
        most = max(int((room - ROW_PADDING) // self.leading), 1)
        cells = [cell.split("\n") for cell in row]
        if max(len(lines) for lines in cells) <= most:
            return [row]
        pieces = []
        for start in range(0, max(len(lines) for lines in cells), most):
            pieces.append(["\n".join(lines[start : start + most]) for lines in cells])
        return pieces

    def wrap(self, _available_width: float, available_height: float) -> tuple[float, float]:
        self._fill(available_height)
        return sum(self.widths), self._row_height(self.header) + sum(self.heights)

    def split(self, _available_width: float, available_height: float) -> list[Flowable]:
        self._fill(available_height)
        used = self._row_height(self.header) + PAGE_ROOM_SLACK
        count = 0
        for height in self.heights:
            if used + height > available_height:
                break
            used += height
            count += 1
        count = self._group_start(count, available_height)
        if count == 0:
            return []
        if count == len(self.rows) and self._source is None:
            return [self._table(self.rows, self.has_total)]
        return [self._table(self.rows[:count], False), self._rest(count)]

    def _group_start(self, count: int, available_height: float) -> int:
        """Where to cut so that a row that continues the one before stays with it: before
        the group, or inside it when it is at the top of a page and taller than the page."""
        if self.continues is None or count == 0 or count >= len(self.rows):
            return count
        start = count
        while start > 0 and self.continues(self.rows[start]):
            start -= 1
        if start > 0:
            return start
        fresh_page = self.page_height is not None and (
            available_height >= self.page_height - PAGE_ROOM_SLACK
        )
        return count if fresh_page else 0

    def _rest(self, count: int) -> "PagedTable":
        rest = PagedTable(
            self.header,
            self.rows[count:],
            self.widths,
            self.style,
            leading=self.leading,
            has_total=self.has_total,
            page_height=self.page_height,
            continues=self.continues,
        )
        rest._source = self._source
        return rest

    def _table(self, rows: list[list[str]], with_total: bool) -> Table:
        return make_table([self.header, *rows], self.widths, self.style(with_total), repeat_rows=0)

    def draw(self) -> None:
        table = self._table(self.rows, self.has_total)
        table.wrapOn(self.canv, sum(self.widths), 1e9)
        table.drawOn(self.canv, 0, 0)


PAGE_ROOM_SLACK = 2.0
"""Points kept free below a piece of a PagedTable, against rounding."""
