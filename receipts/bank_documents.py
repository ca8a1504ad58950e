"""The bank's PDFs: a batch's cover sheet (代发汇总表) that goes with the payment file for
signatures, and the month's 银行存款余额调节表."""

import io
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from carefund.bank.reconciliation import Reconciliation, TransitItem
from carefund.bank.transfer_file import CoverSheet
from carefund.money import format_fen_grouped
from receipts.fonts import DocumentFont, document_font

COVER_LINES_MAX = 60
"""Lines the cover sheet lists before it says how many more (the file has them all)."""


def _styles(font: str) -> tuple[ParagraphStyle, ParagraphStyle]:
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    return title, body


def _table(
    rows: list[list[object]], font: str, widths: list[float], amounts: tuple[int, ...] = (-1,)
) -> Table:
    """A ruled table, header shaded, the `amounts` columns right-aligned."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#444444")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *[("ALIGN", (column, 1), (column, -1), "RIGHT") for column in amounts],
            ]
        )
    )
    return table


def _pdf(story: list[Flowable], title: str, font_name: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        initialFontName=font_name,  # else every page names Helvetica, never embedded
    )
    document.build(story)
    return buffer.getvalue()


def _moment(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "（未导出）"


def render_cover_sheet(view: CoverSheet, font: DocumentFont | None = None) -> bytes:
    """The cover sheet: batch number, count, total in figures and capitals, the lines with
    masked accounts, and boxes for the signatures."""
    name = (font or document_font()).name
    title, body = _styles(name)
    facts = [
        ["批次号", view.batch_number, "基金", f"{view.fund_name}（{view.fund_code}）"],
        ["笔数", str(view.count), "合计金额（元）", format_fen_grouped(view.total_fen)],
        ["合计金额（大写）", view.total_capital, "选取", view.selection[:40]],
        ["导出人", view.exported_by or "", "导出时间", _moment(view.exported_at)],
    ]
    rows: list[list[object]] = [["序号", "党员编号", "账号（遮蔽）", "金额（元）"]]
    rows += [
        [str(n), member, account, format_fen_grouped(amount)]
        for n, member, account, amount in view.lines[:COVER_LINES_MAX]
    ]
    if len(view.lines) > COVER_LINES_MAX:
        rows.append(["…", f"另 {len(view.lines) - COVER_LINES_MAX} 笔见代发文件", "", ""])
    rows.append(["合计", f"{view.count} 笔", "", format_fen_grouped(view.total_fen)])
    signatures = [["经办人（出纳）", "审核人", "单位负责人", "银行经办"], ["", "", "", ""]]
    sign_table = Table(signatures, colWidths=[43 * mm] * 4, rowHeights=[8 * mm, 16 * mm])
    sign_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), name),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#444444")),
            ]
        )
    )
    story: list[Flowable] = [
        Paragraph(f"{view.org or view.fund_name} 代发汇总表", title),
        Spacer(1, 4 * mm),
        _table(facts, name, [30 * mm, 55 * mm, 30 * mm, 59 * mm], amounts=()),
        Spacer(1, 5 * mm),
        _table(rows, name, [18 * mm, 40 * mm, 76 * mm, 40 * mm]),
        Spacer(1, 6 * mm),
        Paragraph("本表笔数、金额与代发文件末尾的批次号、笔数、合计金额一致。", body),
        Spacer(1, 3 * mm),
        sign_table,
    ]
    return _pdf(story, f"代发汇总表 {view.batch_number}", name)


def render_reconciliation(view: Reconciliation, font: DocumentFont | None = None) -> bytes:
    """The 银行存款余额调节表: bank side on the left, book side on the right, each with its
    items in transit, the adjusted balances, and whether they agree."""
    name = (font or document_font()).name
    title, body = _styles(name)
    rows: list[list[object]] = [["项目", "金额（元）", "项目", "金额（元）"]]
    rows.append(
        [
            "银行对账单余额",
            format_fen_grouped(view.bank_fen),
            "银行存款日记账余额",
            format_fen_grouped(view.book_fen),
        ]
    )
    rows.append(
        [
            "加：企业已收、银行未收",
            _total(view.book_in),
            "加：银行已收、企业未收",
            _total(view.bank_in),
        ]
    )
    rows.append(
        [
            "减：企业已付、银行未付",
            _total(view.book_out),
            "减：银行已付、企业未付",
            _total(view.bank_out),
        ]
    )
    rows.append(
        [
            "调节后的余额",
            format_fen_grouped(view.adjusted_bank_fen),
            "调节后的余额",
            format_fen_grouped(view.adjusted_book_fen),
        ]
    )
    verdict = "调节后余额相等，对账相符。" if view.balanced else "调节后余额不相等，请查明原因。"
    story: list[Flowable] = [
        Paragraph(f"银行存款余额调节表（{view.month}）", title),
        Paragraph(f"{view.fund_name}（{view.fund_code}） {view.org}", body),
        Spacer(1, 4 * mm),
        _table(rows, name, [52 * mm, 35 * mm, 52 * mm, 35 * mm], amounts=(1, 3)),
        Spacer(1, 3 * mm),
        Paragraph(verdict, body),
    ]
    for heading, items in (
        ("企业已收、银行未收", view.book_in),
        ("企业已付、银行未付", view.book_out),
        ("银行已收、企业未收", view.bank_in),
        ("银行已付、企业未付", view.bank_out),
    ):
        if items:
            story += [
                Spacer(1, 4 * mm),
                Paragraph(f"未达账项：{heading}", body),
                _table(_item_rows(items), name, [25 * mm, 40 * mm, 74 * mm, 35 * mm]),
            ]
    confirmed = (
        f"确认人：{view.confirmed_by}　确认时间：{_moment(view.confirmed_at)}"
        if view.confirmed_by
        else "尚未确认"
    )
    story += [
        Spacer(1, 6 * mm),
        Paragraph(confirmed, body),
        Paragraph("出纳：＿＿＿＿　　会计：＿＿＿＿　　审批人：＿＿＿＿", body),
    ]
    return _pdf(story, f"银行存款余额调节表 {view.fund_code} {view.month}", name)


def _total(items: tuple[TransitItem, ...]) -> str:
    return format_fen_grouped(sum(item.amount_fen for item in items))


def _item_rows(items: tuple[TransitItem, ...]) -> list[list[object]]:
    rows: list[list[object]] = [["日期", "凭证号/参考号", "摘要", "金额（元）"]]
    for item in items:
        rows.append(
            [
                item.day.isoformat(),
                item.ref[:24],
                item.text[:36],
                format_fen_grouped(item.amount_fen),
            ]
        )
    return rows
