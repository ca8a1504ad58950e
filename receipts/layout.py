"""Drawing helpers shared by every document: text that fits, stamps, page numbers."""

import zlib

from reportlab.lib import colors
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

INK = colors.HexColor("#1a1a1a")
"""Body text: near-black prints crisper than grey on office printers."""
RULE = colors.HexColor("#444444")
"""Table and box lines."""
SHADE = colors.HexColor("#eef1f5")
"""Header rows and label cells."""
SUBTOTAL_SHADE = colors.HexColor("#f6f6f6")
RED = colors.HexColor("#c8161d")
"""China red: receipt numbers, the 作废 stamp, failed checks."""
GREEN = colors.HexColor("#1e7b34")
"""Passed checks."""
ELLIPSIS = "…"
PAGE_TOTAL_FORM = "carefundPageTotal"
"""A form XObject drawn on every page and defined once the page count is known, so pages
say 共 M 页 in one pass (a second pass would double the time of a long statement)."""


class CompressingCanvas(Canvas):
    """A canvas that compresses each page's content when the page is done.

    reportlab keeps every page's content uncompressed until the document is saved, so a
    long statement's memory would grow with its length (about 25 KiB a page). Compressing
    at `showPage` keeps only the compressed bytes (a tenth of that); plain Flate, without
    reportlab's default ASCII85 layer, which only makes files bigger and slower to write.
    """

    def showPage(self) -> None:
        super().showPage()
        page = self._doc.Pages.pages[-1]
        if page.stream and page.Contents is None:
            # The same encoding as reportlab's own Flate filter uses.
            content = page.stream.encode("utf-8") if isinstance(page.stream, str) else page.stream
            page.Contents = PDFStream(
                PDFDictionary({"Filter": PDFName("FlateDecode")}), zlib.compress(content, 6), []
            )
            page.Contents.__Comment__ = "page stream"
            page.stream = None


def ledger_amount(fen: int) -> str:
    """Grouped figures without the currency sign, as in a ledger column: 12,345.67."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Break `text` into lines of at most `width` points, character by character (Chinese
    has no spaces to break at); nothing is cut."""
    text = " ".join(text.split())
    if not text:
        return [""]
    if stringWidth(text, font, size) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    current_width = 0.0
    for char in text:
        char_width = stringWidth(char, font, size)
        if current_width + char_width > width and current:
            lines.append(current)
            current, current_width = "", 0.0
        current += char
        current_width += char_width
    lines.append(current)
    return lines


def fit_lines(text: str, font: str, size: float, width: float, lines_max: int) -> list[str]:
    """`wrap_lines`, at most `lines_max` of them; the last line ends with … if cut."""
    lines = wrap_lines(text, font, size, width)
    if len(lines) <= lines_max:
        return lines
    lines = lines[:lines_max]
    last = lines[-1]
    while last and stringWidth(last + ELLIPSIS, font, size) > width:
        last = last[:-1]
    lines[-1] = last + ELLIPSIS
    return lines


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """`text` on one line, cut with … when wider than `width`."""
    return fit_lines(text, font, size, width, 1)[0]


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    *,
    font: str,
    size: float,
    align: str = "left",
    bold: bool = False,
    color: colors.Color = INK,
) -> None:
    """One line of text; `bold` strokes the outline too, since CJK fonts here have no bold face."""
    canvas.saveState()
    canvas.setFillColor(color)
    canvas.setStrokeColor(color)
    text_object = canvas.beginText()
    text_object.setFont(font, size)
    if bold:
        text_object.setTextRenderMode(2)
        canvas.setLineWidth(size / 30)
    width = stringWidth(text, font, size)
    start = {"left": x, "center": x - width / 2, "right": x - width}[align]
    text_object.setTextOrigin(start, y)
    text_object.textLine(text)
    canvas.drawText(text_object)
    canvas.restoreState()


def draw_stamp(
    canvas: Canvas, text: str, *, x: float, y: float, font: str, size: float, angle: float = 28
) -> None:
    """A large translucent red word across the page, in a ruled frame, like a rubber stamp."""
    canvas.saveState()
    canvas.translate(x, y)
    canvas.rotate(angle)
    canvas.setFillColor(RED)
    canvas.setStrokeColor(RED)
    canvas.setFillAlpha(0.32)
    canvas.setStrokeAlpha(0.45)
    canvas.setFont(font, size)
    width = stringWidth(text, font, size)
    canvas.drawCentredString(0, -size * 0.35, text)
    canvas.setLineWidth(size / 18)
    pad = size * 0.25
    canvas.roundRect(-width / 2 - pad, -size * 0.6, width + 2 * pad, size * 1.2, size * 0.12)
    canvas.restoreState()


def draw_page_number(
    canvas: Canvas, *, x: float, y: float, font: str, size: float, color: colors.Color = INK
) -> None:
    """第 N 页 共 M 页 centred on x; M comes from the form `finish_page_numbers` defines."""
    canvas.saveState()
    canvas.setFillColor(color)
    canvas.setFont(font, size)
    canvas.drawRightString(x - 2, y, f"第 {canvas.getPageNumber()} 页")
    canvas.doForm(PAGE_TOTAL_FORM)
    canvas.restoreState()


def finish_page_numbers(
    canvas: Canvas, *, x: float, y: float, font: str, size: float, color: colors.Color = INK
) -> None:
    """Define the 共 M 页 form, after the last page was shown and before the canvas is saved."""
    pages = canvas.getPageNumber() - 1
    canvas.beginForm(PAGE_TOTAL_FORM)
    canvas.setFillColor(color)
    canvas.setFont(font, size)
    canvas.drawString(x + 2, y, f"共 {pages} 页")
    canvas.endForm()
