"""The public list (公示) of aid paid in a period: A4 portrait, to be posted on a notice
board. Names are masked and nothing else personal is printed: no ID numbers, no phones,
not even member numbers."""

from collections.abc import Iterator
from datetime import date
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Paragraph,
    Spacer,
    TableStyle,
)

from carefund import clock
from carefund.reports.documents import DisclosureGroup, DisclosureView
from receipts.fonts import DocumentFont, document_font
from receipts.layout import INK, RULE, draw_page_number, draw_text, ledger_amount, wrap_lines
from receipts.paged import (
    DEFAULT_MARGINS,
    Heading,
    PagedTable,
    frame_size,
    make_table,
    render_paged,
    table_style,
)
from receipts.seal_block import seal_block

PAGE = A4
BODY_WIDTH, BODY_HEIGHT = frame_size(PAGE)
SIZE = 10.0
ROW_HEIGHT = SIZE * 1.25 + 4.5
WIDTHS = [50.0, 90.0, 0.0, 150.0, 100.0]
"""序号, 姓名, 所在支部 (the rest), 关爱方面, 金额."""
WIDTHS[2] = BODY_WIDTH - sum(WIDTHS)
NUMERALS = "一二三四五六七八九十"
_HEADER = ["序号", "姓名", "所在支部", "关爱方面", "金额（元）"]


def render_disclosure(view: DisclosureView, font: DocumentFont | None = None) -> bytes:
    """The public list as PDF."""
    font = font or document_font()

    def decorate(canvas: Canvas, _document: BaseDocTemplate) -> None:
        width, height = PAGE
        left, top, right, _bottom = DEFAULT_MARGINS
        draw_text(
            canvas,
            left,
            height - top + 18,
            f"{view.fund.name} · 关爱资金发放公示",
            font=font.name,
            size=8.5,
        )
        draw_text(
            canvas,
            width - right,
            height - top + 18,
            view.period.label_zh,
            font=font.name,
            size=8.5,
            align="right",
        )
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(left, height - top + 13, width - right, height - top + 13)
        draw_page_number(canvas, x=width / 2, y=18, font=font.name, size=8.5)

    return render_paged(
        _story(view, font.name),
        pagesize=PAGE,
        font=font,
        title=f"{view.fund.name}关爱资金发放公示 {view.period.label_zh}",
        decorate=decorate,
        footer_y=18,
    )


def _story(view: DisclosureView, font: str) -> Iterator[Flowable]:
    body = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=11,
        leading=18,
        textColor=INK,
        firstLineIndent=22,
        wordWrap="CJK",
    )
    yield Heading(f"{view.fund.name}", font, 15, align="center", space_before=0, space_after=2)
    yield Heading("关爱资金发放情况公示", font, 20, align="center", space_before=4, space_after=12)
    org = view.fund.org or view.fund.name
    yield Paragraph(
        f"根据党务公开有关规定，现将{view.period.label_zh}（{view.period.start.isoformat()}"
        f"至{view.period.end.isoformat()}）{view.fund.name}关爱资金发放情况公示如下。"
        f"本期共关爱党员 {view.recipients} 人，发放资金合计 {ledger_amount(view.total.fen)} 元"
        f"（大写：{view.total.capitals}）。为保护个人隐私，姓名已作部分隐去。",
        body,
    )
    yield Spacer(1, 8)
    if not view.groups:
        yield Paragraph("本期无关爱资金发放。", body)
    for number, group in enumerate(view.groups):
        numeral = NUMERALS[number] if number < len(NUMERALS) else str(number + 1)
        # Room for the heading, the header row and two rows, else the group starts overleaf.
        yield CondPageBreak(11.5 * 1.35 + 15 + 3 * ROW_HEIGHT)
        yield Heading(
            f"{numeral}、{group.category_zh}（{group.recipients} 人，"
            f"{ledger_amount(group.total.fen)} 元）",
            font,
            11.5,
            space_before=10,
            keep_with_next=False,
        )
        yield _group_table(group, font)
    yield Spacer(1, 10)
    yield make_table(
        [
            [
                "合计",
                f"{view.recipients} 人",
                f"{ledger_amount(view.total.fen)} 元",
                f"大写：{view.total.capitals}",
            ]
        ],
        [80.0, 80.0, 130.0, BODY_WIDTH - 290.0],
        table_style(
            font,
            SIZE + 0.5,
            header_rows=0,
            extra=[
                ("BACKGROUND", (0, 0), (0, 0), "#eef1f5"),
                ("ALIGN", (0, 0), (0, 0), "CENTER"),
                ("ALIGN", (2, 0), (2, 0), "RIGHT"),
            ],
        ),
        repeat_rows=0,
    )
    yield Spacer(1, 10)
    yield seal_block(view.seal, font=font, width=BODY_WIDTH)
    yield Spacer(1, 14)
    yield Paragraph(
        f"公示期为自公示之日起七日。如对公示内容有异议，请在公示期内向{org}反映。", body
    )
    yield Spacer(1, 26)
    right = ParagraphStyle("sign", parent=body, alignment=2, firstLineIndent=0)
    yield Paragraph(org, right)
    yield Paragraph(_date_zh(clock.local(view.generated_at).date()), right)


def _group_table(group: DisclosureGroup, font: str) -> Flowable:
    """One row per person, 序号 1 to the 小计's 人数; long branches and aspects wrap."""

    def style(with_total: bool) -> TableStyle:
        extra: list[tuple[Any, ...]] = [
            ("ALIGN", (0, 1), (0, -1), "CENTER"),
            ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ]
        if with_total:
            extra += [("SPAN", (0, -1), (3, -1)), ("VALIGN", (0, -1), (-1, -1), "MIDDLE")]
        return table_style(font, SIZE, total_rows=1 if with_total else 0, extra=extra)

    def wrapped(text: str, column: int) -> str:
        return "\n".join(wrap_lines(text, font, SIZE, WIDTHS[column] - 8))

    rows = [
        [
            str(number),
            wrapped(row.masked_name, 1),
            wrapped(row.branch, 2),
            wrapped(row.aspects_zh, 3),
            ledger_amount(row.amount.fen),
        ]
        for number, row in enumerate(group.rows, start=1)
    ]
    rows.append([f"小计（{group.recipients} 人）", "", "", "", ledger_amount(group.total.fen)])
    return PagedTable(_HEADER, rows, WIDTHS, style, leading=SIZE * 1.25, has_total=True)


def _date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
