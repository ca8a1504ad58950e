"""The audit statement (收支审计报表): A4 landscape, summary first, then the period's journal
and the totals per recipient, in page-sized tables streamed from the view."""

from collections.abc import Iterator

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    TableStyle,
)

from carefund.reports.charts import FundCharts
from carefund.reports.documents import (
    StatementView,
    aspect_headings,
    income_rows,
    matrix_rows,
)
from receipts.charts import chart_drawings
from receipts.fonts import DocumentFont, document_font
from receipts.layout import (
    GREEN,
    INK,
    RED,
    RULE,
    draw_page_number,
    draw_text,
    ledger_amount,
)
from receipts.paged import (
    DEFAULT_MARGINS,
    Heading,
    local_time,
    make_table,
    render_paged,
    table_style,
)
from receipts.seal_block import seal_block
from receipts.statement_controls import control_sections
from receipts.statement_listings import BODY_WIDTH, PAGE, journal_tables, recipient_tables

SUMMARY_SIZE = 9.5


def render_statement(view: StatementView, font: DocumentFont | None = None) -> bytes:
    """The statement as PDF; consumes `view.journal` once."""
    font = font or document_font()
    statement = view.statement
    title = f"{view.fund.name}收支审计报表 {statement.period.label_zh}"

    def decorate(canvas: Canvas, _document: BaseDocTemplate) -> None:
        width, height = PAGE
        left, top, right, _bottom = DEFAULT_MARGINS
        name = font.name
        draw_text(
            canvas,
            left,
            height - top + 18,
            f"{view.fund.name}（{view.fund.code}）收支审计报表 · {statement.period.label_zh}",
            font=name,
            size=8.5,
        )
        draw_text(
            canvas,
            width - right,
            height - top + 18,
            f"生成于 {local_time(view.generated_at)} · {view.generated_by}",
            font=name,
            size=8.5,
            align="right",
        )
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(left, height - top + 13, width - right, height - top + 13)
        canvas.line(left, 34, width - right, 34)
        draw_text(canvas, left, 24, f"链头哈希 {statement.head_hash}", font=name, size=7)
        draw_text(
            canvas,
            width - right,
            24,
            f"本期凭证 {statement.entry_count} 笔",
            font=name,
            size=7,
            align="right",
        )
        draw_page_number(canvas, x=width / 2, y=12, font=name, size=8)

    return render_paged(
        _story(view, font.name, font.description),
        pagesize=PAGE,
        font=font,
        title=title,
        decorate=decorate,
        footer_y=12,
    )


def _story(view: StatementView, font: str, font_description: str) -> Iterator[Flowable]:
    statement = view.statement

    def number(section: int) -> str:
        """Sections after the charts move up by one when a view has none."""
        shown = section if view.charts is not None or section < 4 else section - 1
        return "一二三四五六七八九十"[shown - 1]

    period = statement.period
    yield Heading(f"{view.fund.name}收支审计报表", font, 19, align="center", space_before=0)
    yield Heading(
        f"{period.label_zh}（{period.start.isoformat()} 至 {period.end.isoformat()}）",
        font,
        11,
        align="center",
        space_before=2,
        space_after=10,
    )
    yield _info_table(view, font, font_description)

    yield Heading("一、收支概况", font, 12, space_before=9)
    yield _summary_table(view, font)
    yield Heading("二、支出分类（6×3：党员类别 × 关爱方面）", font, 12, space_before=9)
    yield _matrix_table(view, font)
    yield KeepTogether(
        [
            Heading("三、对账核对", font, 12, space_before=9),
            _checks_table(view, font),
            Spacer(1, 4),
            Heading(
                f"账链校验：{statement.chain.text if statement.chain else '未校验'}",
                font,
                9,
                space_before=2,
            ),
            Spacer(1, 4),
            seal_block(statement.seal, font=font, width=BODY_WIDTH),
            Heading(
                "结论：各项核对全部通过，账账相符。"
                if statement.reconciled
                else "结论：存在未通过的核对项，请核查账目。",
                font,
                10,
                space_before=4,
            ),
        ]
    )

    if view.charts is not None:
        yield PageBreak()
        yield from _charts_section(view.charts, font)

    # The two listings start on a page of their own, so their headings need not be kept
    # with them (a heading kept with a long table would read all of it, and can loop).
    yield PageBreak()
    yield Heading(
        f"{number(5)}、本期记账凭证明细（按链序）",
        font,
        12,
        space_before=0,
        keep_with_next=False,
    )
    yield from journal_tables(view, font)

    yield PageBreak()
    yield Heading(
        f"{number(6)}、按关爱对象汇总（{statement.recipients_paid} 人）",
        font,
        12,
        space_before=0,
        keep_with_next=False,
    )
    yield from recipient_tables(view, font)
    # The controls' three sections come before the signatures when the statement has them.
    yield from control_sections(view, font, number(7))
    yield Spacer(1, 24)
    yield _signature_table(view, font, number(10 if statement.controls else 7))


def _charts_section(charts: FundCharts, font: str) -> Iterator[Flowable]:
    yield Heading("四、收支图表", font, 12, space_before=0)
    yield Heading(
        f"{charts.span_zh}，金额单位：元；零线以下为冲销多于当月发生额的负数",
        font,
        9,
        space_before=0,
        space_after=6,
    )
    yield from chart_drawings(charts, font, BODY_WIDTH)


def _info_table(view: StatementView, font: str, font_description: str) -> Flowable:
    statement = view.statement
    label = 78.0
    value = (BODY_WIDTH - 2 * label) / 2
    rows = [
        ["基金", f"{view.fund.name}（{view.fund.code}）", "管理单位", view.fund.org or "—"],
        [
            "报表期间",
            f"{statement.period.label_zh}（{statement.period.label}）",
            "结账状态",
            "本期已结账，数字为最终数" if view.closed else "本期尚未全部结账，数字可能变动",
        ],
        ["生成时间", local_time(view.generated_at), "生成人", view.generated_by],
        ["凭证笔数", f"{statement.entry_count} 笔", "受助人数", f"{statement.recipients_paid} 人"],
        ["链头哈希", statement.head_hash, "", ""],
        ["字体", font_description, "", ""],
    ]
    style = table_style(
        font,
        SUMMARY_SIZE,
        header_rows=0,
        extra=[
            ("BACKGROUND", (0, 0), (0, -1), "#eef1f5"),
            ("BACKGROUND", (2, 0), (2, 3), "#eef1f5"),
            ("ALIGN", (0, 0), (0, -1), "CENTER"),
            ("ALIGN", (2, 0), (2, -1), "CENTER"),
            ("SPAN", (1, 4), (3, 4)),
            ("SPAN", (1, 5), (3, 5)),
        ],
    )
    return make_table(rows, [label, value, label, value], style, repeat_rows=0)


def _summary_table(view: StatementView, font: str) -> Flowable:
    statement = view.statement
    rows: list[list[str]] = [["项目", "金额（元）", "说明"]]
    period = statement.period
    rows.append(
        ["期初余额", ledger_amount(statement.opening_fen), f"截至 {period.start} 前的银行存款"]
    )
    rows.append(
        [
            "本期收入合计",
            ledger_amount(statement.income_total_fen),
            "四项来源之和（冲销在其日期所在期间扣减）",
        ]
    )
    for _source, name_zh, fen in income_rows(statement):
        rows.append([f"　　其中：{name_zh}", ledger_amount(fen), ""])
    rows.append(
        ["本期支出合计", ledger_amount(statement.disbursed_total_fen), "6×3 矩阵合计，见下表"]
    )
    rows.append(["期末余额", ledger_amount(statement.closing_fen), f"截至 {period.end} 的银行存款"])
    style = table_style(
        font,
        SUMMARY_SIZE,
        extra=[
            ("ALIGN", (1, 1), (1, -1), "RIGHT"),
            ("BACKGROUND", (0, 1), (-1, 1), "#f6f6f6"),
            ("BACKGROUND", (0, -1), (-1, -1), "#f6f6f6"),
            ("BACKGROUND", (0, 2), (-1, 2), "#f6f6f6"),
            ("BACKGROUND", (0, 7), (-1, 7), "#f6f6f6"),
            ("TEXTCOLOR", (2, 1), (2, -1), "#555555"),
        ],
    )
    return make_table(rows, [170.0, 130.0, BODY_WIDTH - 300.0], style)


def _matrix_table(view: StatementView, font: str) -> Flowable:
    statement = view.statement
    aspects = aspect_headings()
    rows: list[list[str]] = [
        ["党员类别"] + [f"{name}（元）" for _aspect, name in aspects] + ["合计（元）"]
    ]
    for _category, name_zh, cells, total in matrix_rows(statement):
        rows.append([name_zh] + [ledger_amount(fen) for fen in cells] + [ledger_amount(total)])
    column_totals = statement.aspect_totals_fen()
    rows.append(
        ["合计"]
        + [ledger_amount(column_totals[aspect]) for aspect, _name in aspects]
        + [ledger_amount(statement.disbursed_total_fen)]
    )
    style = table_style(
        font,
        SUMMARY_SIZE,
        numeric_from=1,
        total_rows=1,
        extra=[
            ("BACKGROUND", (-1, 1), (-1, -1), "#f6f6f6"),
            ("LINEBEFORE", (-1, 0), (-1, -1), 0.9, RULE),
        ],
    )
    number_width = (BODY_WIDTH - 190.0) / 4
    return make_table(rows, [190.0] + [number_width] * 4, style)


def _checks_table(view: StatementView, font: str) -> Flowable:
    rows: list[list[str]] = [["核对项目", "左方（元）", "右方（元）", "结果"]]
    extra = []
    for number, check in enumerate(view.statement.checks, start=1):
        rows.append(
            [
                check.name,
                ledger_amount(check.left_fen),
                ledger_amount(check.right_fen),
                "通过" if check.passed else "不通过",
            ]
        )
        extra.append(("TEXTCOLOR", (3, number), (3, number), GREEN if check.passed else RED))
    style = table_style(
        font,
        SUMMARY_SIZE,
        extra=[
            ("ALIGN", (1, 1), (2, -1), "RIGHT"),
            ("ALIGN", (3, 1), (3, -1), "CENTER"),
            *extra,
        ],
    )
    return make_table(rows, [BODY_WIDTH - 330.0, 130.0, 130.0, 70.0], style)


def _signature_table(view: StatementView, font: str, number: str) -> Flowable:
    rows = [
        [
            "制表",
            f"carefund（{view.generated_by}）",
            "",
            "审核人（签字）",
            "",
            "",
            "负责人（签字）",
            "",
            "",
            "日期",
            "",
        ]
    ]
    widths = [36.0, 140.0, 24.0, 84.0, 110.0, 24.0, 84.0, 110.0, 24.0, 36.0, 0.0]
    widths[-1] = BODY_WIDTH - sum(widths)
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 10.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
            ("ALIGN", (1, 0), (1, 0), "LEFT"),
            *[("LINEBELOW", (column, 0), (column, 0), 0.6, INK) for column in (1, 4, 7, 10)],
        ]
    )
    return KeepTogether(
        [
            Heading(f"{number}、审核签字", font, 12, space_after=14),
            make_table(rows, widths, style, repeat_rows=0),
        ]
    )
