"""Receipts (收款收据) and disbursement vouchers (领款签收单): one A5 landscape page each,
drawn directly on the canvas, the way a printed receipt book lays them out."""

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from carefund.reports.slips import ReceiptBatchView, ReceiptView, VoucherView
from receipts.fonts import DocumentFont, document_font
from receipts.layout import (
    INK,
    RED,
    RULE,
    SHADE,
    CompressingCanvas,
    draw_page_number,
    draw_stamp,
    draw_text,
    finish_page_numbers,
    fit_lines,
    fit_text,
)

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


def _draw_grid(canvas: Canvas, font: str, rows: list[tuple[float, list[Cell]]]) -> float:
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


def _heading(canvas: Canvas, font: str, title: str, left: str, right: str, number: str) -> None:
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


def _date_zh(day: date | None) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日" if day else "____年__月__日"


def _fund_line(view: ReceiptView | VoucherView) -> str:
    org = f"{view.fund.org}　" if view.fund.org else ""
    return f"{org}{view.fund.name}（{view.fund.code}）"


def draw_receipt(canvas: Canvas, view: ReceiptView, font: DocumentFont) -> None:
    """One receipt on the current page."""
    name = font.name
    inner = WIDTH - 2 * MARGIN
    _heading(
        canvas,
        name,
        "收 款 收 据",
        _fund_line(view),
        f"收款日期：{_date_zh(view.received_on)}",
        f"No. {view.receipt_no}",
    )
    half = (inner - 2 * LABEL_WIDTH) / 2
    bottom = _draw_grid(
        canvas,
        name,
        [
            (
                28,
                [
                    Cell("交款单位（人）", LABEL_WIDTH, True),
                    Cell(view.payer, inner - LABEL_WIDTH, size=12),
                ],
            ),
            (
                28,
                [
                    Cell("收入来源", LABEL_WIDTH, True),
                    Cell(view.source_zh, half),
                    Cell("收款方式", LABEL_WIDTH, True),
                    Cell(view.method or "—", half),
                ],
            ),
            (
                30,
                [
                    Cell("人民币（大写）", LABEL_WIDTH, True),
                    Cell(view.amount.capitals, inner - LABEL_WIDTH, size=13.5),
                ],
            ),
            (
                30,
                [
                    Cell("人民币（小写）", LABEL_WIDTH, True),
                    Cell(view.amount.figures, half, size=13.5),
                    Cell("记账凭证", LABEL_WIDTH, True),
                    Cell(view.voucher_no, half),
                ],
            ),
            (
                34,
                [
                    Cell("事由及备注", LABEL_WIDTH, True),
                    Cell(view.memo or "—", inner - LABEL_WIDTH, size=9.5, lines_max=2),
                ],
            ),
        ],
    )
    if view.void:
        reason = (
            f"本收据已作废：{view.void_reason or ''}（{_date_zh(view.void_on)}"
            f"红字冲销，凭证 {view.void_voucher_no or '—'}；收据号不再使用）"
        )
        draw_text(
            canvas,
            MARGIN,
            bottom - 13,
            fit_text(reason, name, 9, inner),
            font=name,
            size=9,
            color=RED,
        )
    _seal_box(canvas, name, x=MARGIN + 58, y=bottom - 80, label="收款单位（盖章）")
    column = MARGIN + 150
    for number, (label, value) in enumerate(
        (("经办人", view.clerk), ("复核人", ""), ("交款人", ""))
    ):
        y = bottom - 42 - number * 28
        draw_text(canvas, column, y, f"{label}：", font=name, size=10.5)
        draw_text(
            canvas, column + 50, y + 1.5, fit_text(value, name, 10.5, 120), font=name, size=10.5
        )
        canvas.setLineWidth(0.5)
        canvas.line(column + 46, y - 3, column + 176, y - 3)
    _qr(canvas, view.qr_payload, x=WIDTH - MARGIN - QR_SIZE, y=bottom - 20 - QR_SIZE)
    draw_text(
        canvas,
        WIDTH - MARGIN - QR_SIZE / 2,
        bottom - 28 - QR_SIZE,
        "扫码核验收据与账目",
        font=name,
        size=7.5,
        align="center",
    )
    draw_text(canvas, MARGIN, 24, f"账目哈希 SHA-256：{view.entry_hash}", font=name, size=6.5)
    draw_text(
        canvas,
        MARGIN,
        14,
        "收据号按基金、年度连续编号；作废收据保留原号，不再使用。"
        "可凭收据号与哈希在公开日记账中核对。",
        font=name,
        size=6.5,
    )
    if view.void:
        draw_stamp(canvas, "作 废", x=WIDTH / 2, y=HEIGHT / 2 + 10, font=name, size=92)


def draw_voucher(canvas: Canvas, view: VoucherView, font: DocumentFont) -> None:
    """One disbursement voucher on the current page."""
    name = font.name
    inner = WIDTH - 2 * MARGIN
    half = (inner - 2 * LABEL_WIDTH) / 2
    purpose = view.purpose + (f"（{view.memo}）" if view.memo else "")

    def pair(label: str, value: str, label2: str, value2: str) -> list[Cell]:
        return [
            Cell(label, LABEL_WIDTH, True),
            Cell(value or "—", half),
            Cell(label2, LABEL_WIDTH, True),
            Cell(value2 or "—", half),
        ]

    _heading(
        canvas,
        name,
        "关爱资金领款签收单",
        _fund_line(view),
        f"申请日期：{_date_zh(view.created_on)}",
        f"No. 支出-{view.disbursement_id:06d}",
    )
    bottom = _draw_grid(
        canvas,
        name,
        [
            (26, pair("领款人", view.recipient_name, "党员编号", view.member_no)),
            (26, pair("身份证号", view.id_number_masked or "", "所在支部", view.branch)),
            (26, pair("党员类别", view.category_zh, "关爱方面", view.aspect_zh)),
            (
                30,
                [
                    Cell("发放用途", LABEL_WIDTH, True),
                    Cell(purpose or "—", inner - LABEL_WIDTH, size=9.5, lines_max=2),
                ],
            ),
            (
                28,
                [
                    Cell("金额（大写）", LABEL_WIDTH, True),
                    Cell(view.amount.capitals, inner - LABEL_WIDTH, size=13),
                ],
            ),
            (
                28,
                [
                    Cell("金额（小写）", LABEL_WIDTH, True),
                    Cell(view.amount.figures, half, size=13),
                    Cell("发放方式", LABEL_WIDTH, True),
                    Cell(view.method or "—", half),
                ],
            ),
            (
                26,
                pair(
                    "发放状态",
                    view.status_zh,
                    "发放日期",
                    _date_zh(view.paid_on) if view.paid_on else "未发放",
                ),
            ),
        ],
    )
    people = (
        ("经办人", view.submitter),
        ("审批人", view.approver or ""),
        ("出纳", view.cashier or ""),
    )
    column_width = inner / 3
    for number, (label, value) in enumerate(people):
        x = MARGIN + number * column_width
        draw_text(canvas, x, bottom - 24, f"{label}：", font=name, size=10.5)
        draw_text(
            canvas,
            x + 50,
            bottom - 22.5,
            fit_text(value, name, 10.5, column_width - 64),
            font=name,
            size=10.5,
        )
        canvas.setLineWidth(0.5)
        canvas.line(x + 46, bottom - 27, x + column_width - 14, bottom - 27)
    draw_text(canvas, MARGIN, bottom - 62, "领款人签字：", font=name, size=12, bold=True)
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN + 78, bottom - 65, MARGIN + 250, bottom - 65)
    draw_text(canvas, MARGIN + 280, bottom - 62, "签收日期：____年____月____日", font=name, size=12)
    voucher = f"记账凭证 {view.voucher_no}" if view.voucher_no else "尚未记账"
    draw_text(
        canvas, MARGIN, 24, f"{voucher}。领款人签字即确认已足额收到上述款项。", font=name, size=7
    )
    draw_text(
        canvas, MARGIN, 14, "身份证号已作隐去处理；完整信息仅存于账本系统。", font=name, size=7
    )
    if view.stamp:
        detail = f"：{view.reverse_reason}" if view.reverse_reason else ""
        draw_text(
            canvas,
            WIDTH - MARGIN,
            24,
            fit_text(f"{view.stamp}{detail}", name, 8, 250),
            font=name,
            size=8,
            align="right",
            color=RED,
        )
        draw_stamp(
            canvas,
            view.stamp,
            x=WIDTH / 2,
            y=HEIGHT / 2 + 10,
            font=name,
            size=80 if len(view.stamp) <= 2 else 64,
        )


def _seal_box(canvas: Canvas, font: str, *, x: float, y: float, label: str) -> None:
    """A dashed circle where the fund's financial seal goes."""
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setDash(3, 2)
    canvas.setLineWidth(0.6)
    canvas.circle(x, y + 34, 34)
    canvas.restoreState()
    draw_text(canvas, x, y + 31, label, font=font, size=8, align="center", color=RULE)


def _qr(canvas: Canvas, payload: str, *, x: float, y: float) -> None:
    """The payload as a QR code QR_SIZE square, a quiet zone of one module inside it.

    reportlab's encoder, but not its widget: the widget encodes twice and draws every
    module as a validated shape, which made a receipt ten times slower. Here each run of
    dark modules in a row is one rectangle of a single path.
    """
    # Byte mode explicitly: reportlab would otherwise try Kanji mode on non-ASCII text.
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(qrencoder.QR8bitByte(payload))
    code.make()
    count = code.getModuleCount()
    module = QR_SIZE / (count + 2 * QR_QUIET_MODULES)
    left = x + QR_QUIET_MODULES * module
    top = y + QR_SIZE - QR_QUIET_MODULES * module
    path = canvas.beginPath()
    for row in range(count):
        column = 0
        while column < count:
            if not code.isDark(row, column):
                column += 1
                continue
            start = column
            while column < count and code.isDark(row, column):
                column += 1
            path.rect(
                left + start * module, top - (row + 1) * module, (column - start) * module, module
            )
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _new_canvas(buffer: BytesIO, title: str, font: DocumentFont) -> Canvas:
    canvas = CompressingCanvas(buffer, pagesize=PAGE)
    canvas.setTitle(title)
    canvas.setAuthor("carefund")
    canvas.setSubject(font.description)
    return canvas


def render_receipt(view: ReceiptView, font: DocumentFont | None = None) -> bytes:
    """The receipt of one income as PDF."""
    font = font or document_font()
    buffer = BytesIO()
    canvas = _new_canvas(buffer, f"收款收据 {view.receipt_no}", font)
    draw_receipt(canvas, view, font)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_receipt_batch(batch: ReceiptBatchView, font: DocumentFont | None = None) -> bytes:
    """Every receipt of a range, one per page, numbered; a cover line when there are none."""
    font = font or document_font()
    buffer = BytesIO()
    canvas = _new_canvas(
        buffer,
        f"收款收据 {batch.fund.code} {batch.start.isoformat()}至{batch.end.isoformat()}",
        font,
    )
    if not batch.receipts:
        draw_text(
            canvas,
            WIDTH / 2,
            HEIGHT / 2,
            f"{batch.fund.name}（{batch.fund.code}）",
            font=font.name,
            size=14,
            align="center",
        )
        draw_text(
            canvas,
            WIDTH / 2,
            HEIGHT / 2 - 24,
            f"{_date_zh(batch.start)}至{_date_zh(batch.end)}没有收款收据",
            font=font.name,
            size=12,
            align="center",
        )
        draw_page_number(canvas, x=WIDTH - MARGIN - 40, y=14, font=font.name, size=7)
        canvas.showPage()
    for receipt in batch.receipts:
        draw_receipt(canvas, receipt, font)
        draw_page_number(canvas, x=WIDTH - MARGIN - 40, y=14, font=font.name, size=7)
        canvas.showPage()
    finish_page_numbers(canvas, x=WIDTH - MARGIN - 40, y=14, font=font.name, size=7)
    canvas.save()
    return buffer.getvalue()


def render_voucher(view: VoucherView, font: DocumentFont | None = None) -> bytes:
    """The voucher of one disbursement as PDF."""
    font = font or document_font()
    buffer = BytesIO()
    canvas = _new_canvas(buffer, f"领款签收单 支出-{view.disbursement_id:06d}", font)
    draw_voucher(canvas, view, font)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
