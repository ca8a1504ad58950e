"""Receipts (收款收据) and disbursement vouchers (领款签收单): one A5 landscape page each,
drawn directly on the canvas, the way a printed receipt book lays them out."""

from collections.abc import Callable
from io import BytesIO

from reportlab.pdfgen.canvas import Canvas

from carefund.reports.slips import ReceiptBatchView, ReceiptView, VoucherView
from receipts.fonts import DocumentFont, document_font
from receipts.layout import (
    RED,
    draw_page_number,
    draw_stamp,
    draw_text,
    finish_page_numbers,
    fit_text,
)
from receipts.slip_form import (
    HEIGHT,
    LABEL_WIDTH,
    MARGIN,
    QR_SIZE,
    WIDTH,
    Cell,
    Continued,
    date_zh,
    draw_continuation,
    draw_grid,
    draw_heading,
    draw_qr,
    draw_seal_box,
    new_canvas,
)


def _fund_line(view: ReceiptView | VoucherView) -> str:
    org = f"{view.fund.org}　" if view.fund.org else ""
    return f"{org}{view.fund.name}（{view.fund.code}）"


PAYER_SIZES = (12.0, 10.5, 9.0, 8.0)
"""A payer wraps, shrinking to these sizes: 200 characters fit in 4 lines at 8 points."""
PAIR_SIZES = (10.5, 9.0, 8.0)
"""A name or branch beside another wraps at these sizes."""
MEMO_SIZES = (9.5, 8.5, 7.5)
"""A memo or purpose wraps at these sizes; what 3 lines cannot hold goes on the 附页."""


def draw_receipt(canvas: Canvas, view: ReceiptView, font: DocumentFont) -> list[Continued]:
    """One receipt on the current page; returns what continues on its 附页."""
    name = font.name
    inner = WIDTH - 2 * MARGIN
    draw_heading(
        canvas,
        name,
        "收 款 收 据",
        _fund_line(view),
        f"收款日期：{date_zh(view.received_on)}",
        f"No. {view.receipt_no}",
    )
    half = (inner - 2 * LABEL_WIDTH) / 2
    continued: list[Continued] = []
    bottom = draw_grid(
        canvas,
        name,
        [
            (
                28,
                [
                    Cell("交款单位（人）", LABEL_WIDTH, True),
                    Cell(view.payer, inner - LABEL_WIDTH, lines_max=4, sizes=PAYER_SIZES),
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
                    Cell(view.memo or "—", inner - LABEL_WIDTH, lines_max=3, sizes=MEMO_SIZES),
                ],
            ),
        ],
        continued,
    )
    if view.void:
        reason = (
            f"本收据已作废：{view.void_reason or ''}（{date_zh(view.void_on)}"
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
    draw_seal_box(canvas, name, x=MARGIN + 58, y=bottom - 80, label="收款单位（盖章）")
    column = MARGIN + 150
    for number, (label, value) in enumerate(
        (("经办人", view.clerk), ("复核人", view.reviewer), ("交款人", ""))
    ):
        y = bottom - 42 - number * 28
        draw_text(canvas, column, y, f"{label}：", font=name, size=10.5)
        draw_text(
            canvas, column + 50, y + 1.5, fit_text(value, name, 10.5, 120), font=name, size=10.5
        )
        canvas.setLineWidth(0.5)
        canvas.line(column + 46, y - 3, column + 176, y - 3)
    draw_qr(canvas, view.qr_payload, x=WIDTH - MARGIN - QR_SIZE, y=bottom - 20 - QR_SIZE)
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
    return continued


def draw_voucher(canvas: Canvas, view: VoucherView, font: DocumentFont) -> list[Continued]:
    """One disbursement voucher on the current page; returns what continues on its 附页."""
    name = font.name
    inner = WIDTH - 2 * MARGIN
    half = (inner - 2 * LABEL_WIDTH) / 2
    purpose = view.purpose + (f"（{view.memo}）" if view.memo else "")

    def pair(label: str, value: str, label2: str, value2: str) -> list[Cell]:
        return [
            Cell(label, LABEL_WIDTH, True),
            Cell(value or "—", half, lines_max=2, sizes=PAIR_SIZES),
            Cell(label2, LABEL_WIDTH, True),
            Cell(value2 or "—", half, lines_max=2, sizes=PAIR_SIZES),
        ]

    draw_heading(
        canvas,
        name,
        "关爱资金领款签收单",
        _fund_line(view),
        f"申请日期：{date_zh(view.created_on)}",
        f"No. 支出-{view.disbursement_id:06d}",
    )
    continued: list[Continued] = []
    bottom = draw_grid(
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
                    Cell(purpose or "—", inner - LABEL_WIDTH, lines_max=3, sizes=MEMO_SIZES),
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
                    date_zh(view.paid_on) if view.paid_on else "未发放",
                ),
            ),
        ],
        continued,
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
    if view.meeting:
        meeting = fit_text(f"集体决策：{view.meeting}", name, 9, inner)
        draw_text(canvas, MARGIN, bottom - 42, meeting, font=name, size=9)
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
    return continued


def render_receipt(view: ReceiptView, font: DocumentFont | None = None) -> bytes:
    """The receipt of one income as PDF."""
    font = font or document_font()
    buffer = BytesIO()
    canvas = new_canvas(buffer, f"收款收据 {view.receipt_no}", font)
    _with_continuation(canvas, font, draw_receipt(canvas, view, font), view)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_receipt_batch(batch: ReceiptBatchView, font: DocumentFont | None = None) -> bytes:
    """Every receipt of a range, one per page, numbered; a cover line when there are none."""
    font = font or document_font()
    buffer = BytesIO()
    canvas = new_canvas(
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
            f"{date_zh(batch.start)}至{date_zh(batch.end)}没有收款收据",
            font=font.name,
            size=12,
            align="center",
        )
        draw_page_number(canvas, x=WIDTH - MARGIN - 40, y=14, font=font.name, size=7)
        canvas.showPage()
    for receipt in batch.receipts:

        def number_page() -> None:
            draw_page_number(canvas, x=WIDTH - MARGIN - 40, y=14, font=font.name, size=7)

        continued = draw_receipt(canvas, receipt, font)
        _with_continuation(canvas, font, continued, receipt, number_page)
        number_page()
        canvas.showPage()
    finish_page_numbers(canvas, x=WIDTH - MARGIN - 40, y=14, font=font.name, size=7)
    canvas.save()
    return buffer.getvalue()


def render_voucher(view: VoucherView, font: DocumentFont | None = None) -> bytes:
    """The voucher of one disbursement as PDF."""
    font = font or document_font()
    buffer = BytesIO()
    canvas = new_canvas(buffer, f"领款签收单 支出-{view.disbursement_id:06d}", font)
    _with_continuation(canvas, font, draw_voucher(canvas, view, font), view)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _with_continuation(
    canvas: Canvas,
    font: DocumentFont,
    continued: list[Continued],
    view: ReceiptView | VoucherView,
    finish_page: Callable[[], None] = lambda: None,
) -> None:
    """The slip's 附页 after it, when some value did not fit (the caller shows the page)."""
    if not continued:
        return
    finish_page()
    canvas.showPage()
    if isinstance(view, ReceiptView):
        title, number = "收款收据", f"No. {view.receipt_no}"
    else:
        title, number = "关爱资金领款签收单", f"No. 支出-{view.disbursement_id:06d}"
    draw_continuation(canvas, font.name, title, number, continued, finish_page)
