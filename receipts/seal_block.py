"""A month's seal as statements and the public list print it: its text and a QR of it, so
anyone who keeps the page can later check that the books still contain the seal."""

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from carefund.ledger.seals import Seal
from receipts.layout import INK

SEAL_QR_SIZE = 26 * mm


def seal_block(seal: Seal | None, *, font: str, width: float) -> Flowable:
    """The seal's QR beside its text; a line saying the month is not sealed yet when None."""
    style = ParagraphStyle(
        "seal", fontName=font, fontSize=7.5, leading=10, textColor=INK, wordWrap="CJK"
    )
    if seal is None:
        return Paragraph("结账封存：本期最后一个月尚未结账，无封存凭证。", style)
    caption = Paragraph(
        f"结账封存：{seal.period} 月结封存凭证（链序 {seal.seq}），期末余额 "
        f"{seal.closing_balance} 元，封存该月最后一笔凭证哈希 {seal.sealed_head}。"
        f"请保存本页；日后可核对账本仍包含此封存（carefund verify --seals）。<br/>{seal.text}",
        style,
    )
    table = Table(
        [[_qr(seal.text), caption]], colWidths=[SEAL_QR_SIZE + 6, width - SEAL_QR_SIZE - 6]
    )
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
    )
    return table


def _qr(payload: str) -> Drawing:
    widget = QrCodeWidget(payload, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        SEAL_QR_SIZE,
        SEAL_QR_SIZE,
        transform=[SEAL_QR_SIZE / (right - left), 0, 0, SEAL_QR_SIZE / (top - bottom), 0, 0],
    )
    drawing.add(widget)
    return drawing
