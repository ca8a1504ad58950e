"""The audit statement (收支审计报表): A4 landscape, summary first, then the period's journal
and the totals per recipient, in page-sized tables streamed from the view."""

from collections.abc import Iterator
from itertools import groupby
from operator import attrgetter

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    TableStyle,
)

from carefund.reports.documents import (
    JournalRow,
    StatementView,
    aspect_headings,
    category_zh,
    income_rows,
    matrix_rows,
)
from receipts.fonts import DocumentFont, document_font
from receipts.layout import (
    GREEN,
    INK,
    RED,
    RULE,
    draw_page_number,
    draw_text,
    fit_lines,
    fit_text,
    ledger_amount,
)
from receipts.paged import (
    DEFAULT_MARGINS,
    Heading,
    frame_size,
    local_time,
    make_table,
    render_paged,
    table_style,
)

PAGE = landscape(A4)
BODY_WIDTH, BODY_HEIGHT = frame_size(PAGE)
JOURNAL_SIZE = 8.0
"""Point size of the journal and recipient tables: small, still easy to read on paper."""
JOURNAL_LEADING = JOURNAL_SIZE * 1.25
JOURNAL_ROW_HEIGHT = JOURNAL_LEADING + 4.5
"""One text line plus the table's top and bottom padding (`table_style`)."""
MEMO_LINES_MAX = 2
"""A long memo wraps onto a second line, then is cut with …; the full text is in the JSON."""
JOURNAL_WIDTHS = [38.0, 78.0, 58.0, 0.0, 170.0, 82.0, 82.0]
"""序号, 凭证号, 日期, 摘要 (takes the rest), 科目, 借方, 贷方."""
JOURNAL_WIDTHS[3] = BODY_WIDTH - sum(JOURNAL_WIDTHS)
RECIPIENT_WIDTHS = [72.0, 70.0, 140.0, 0.0, 82.0, 82.0, 82.0, 88.0]
"""党员编号, 姓名, 党员类别, 所在支部 (the rest), three aspects, 合计."""
RECIPIENT_WIDTHS[3] = BODY_WIDTH - sum(RECIPIENT_WIDTHS)
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
                "结论：各项核对全部通过，账账相符。"
                if statement.reconciled
                else "结论：存在未通过的核对项，请核查账目。",
                font,
                10,
                space_before=4,
            ),
        ]
    )

    yield PageBreak()
    yield Heading("四、本期记账凭证明细（按链序）", font, 12, space_before=0)
    yield from _journal_tables(view, font)

    yield PageBreak()
    yield Heading(f"五、按关爱对象汇总（{statement.recipients_paid} 人）", font, 12, space_before=0)
    yield from _recipient_tables(view, font)
    yield Spacer(1, 24)
    yield _signature_table(view, font)


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


_JOURNAL_HEADER = ["链序", "凭证号", "日期", "摘要", "科目", "借方（元）", "贷方（元）"]


def _journal_tables(view: StatementView, font: str) -> Iterator[Flowable]:
    """The journal in tables of one page each, built as the rows stream in."""
    memo_width = JOURNAL_WIDTHS[3] - 8
    account_width = JOURNAL_WIDTHS[4] - 8
    style = table_style(
        font,
        JOURNAL_SIZE,
        extra=[
            ("ALIGN", (0, 1), (0, -1), "RIGHT"),
            ("ALIGN", (5, 1), (6, -1), "RIGHT"),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ],
    )
    total_style = table_style(
        font,
        JOURNAL_SIZE,
        total_rows=1,
        extra=[
            ("ALIGN", (0, 1), (0, -1), "RIGHT"),
            ("ALIGN", (5, 1), (6, -1), "RIGHT"),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
            ("SPAN", (0, -1), (4, -1)),
            ("ALIGN", (0, -1), (4, -1), "CENTER"),
        ],
    )
    page = _PageFill(first_page_used=HEADING_HEIGHT)
    rows: list[list[str]] = [_JOURNAL_HEADER]
    # An entry's postings stay on one page: cut between entries, not inside one.
    for _seq, postings in groupby(view.journal, key=attrgetter("seq")):
        entry_rows = [_journal_cells(row, font, memo_width, account_width) for row in postings]
        heights = [cells[3].count("\n") + 1 for cells in entry_rows]
        if not page.fits(sum(heights), len(heights)):
            if len(rows) > 1:
                yield make_table(rows, JOURNAL_WIDTHS, style)
                yield CondPageBreak(BODY_HEIGHT / 2)
                rows = [_JOURNAL_HEADER]
                page.next_page()
            if not page.fits(sum(heights), len(heights)):
                # Longer than a page (never in practice: entries have two postings); the
                # table will be split by platypus like any other.
                page.next_page()
        rows.extend(entry_rows)
    if not page.fits(1):
        yield make_table(rows, JOURNAL_WIDTHS, style)
        yield CondPageBreak(BODY_HEIGHT / 2)
        rows = [_JOURNAL_HEADER]
    statement = view.statement
    rows.append(
        [
            f"本期合计（{statement.entry_count} 笔凭证）",
            "",
            "",
            "",
            "",
            ledger_amount(statement.debits_fen),
            ledger_amount(statement.credits_fen),
        ]
    )
    yield make_table(rows, JOURNAL_WIDTHS, total_style)


def _journal_cells(
    row: JournalRow, font: str, memo_width: float, account_width: float
) -> list[str]:
    memo = "\n".join(fit_lines(row.memo, font, JOURNAL_SIZE, memo_width, MEMO_LINES_MAX))
    return [
        str(row.seq) if row.first_of_entry else "",
        row.voucher_no if row.first_of_entry else "",
        row.entry_date.isoformat() if row.first_of_entry else "",
        memo,
        fit_text(row.account_zh, font, JOURNAL_SIZE, account_width),
        ledger_amount(row.debit_fen) if row.debit_fen else "",
        ledger_amount(row.credit_fen) if row.credit_fen else "",
    ]


HEADING_HEIGHT = 12 * 1.35 + 5
"""A section heading (size 12, 5 points after) at the top of the page a section starts on."""


class _PageFill:
    """How much of the current page the rows of a table take, so that each table is cut
    where the page ends: a table that overflowed would be split by platypus, and every
    later table would then start mid-page and be split too."""

    def __init__(self, *, first_page_used: float):
        self.used = first_page_used + JOURNAL_ROW_HEIGHT  # the header row

    def fits(self, lines: int, rows: int = 1) -> bool:
        """Take the room for `rows` rows of `lines` text lines in all, if the page has it."""
        height = lines * JOURNAL_LEADING + rows * (JOURNAL_ROW_HEIGHT - JOURNAL_LEADING)
        if self.used + height > BODY_HEIGHT - PAGE_SLACK:
            return False
        self.used += height
        return True

    def next_page(self) -> None:
        self.used = JOURNAL_ROW_HEIGHT


PAGE_SLACK = 1.0
"""Points kept free at the foot of each page against rounding."""


def _lines_per_page() -> int:
    """How many one-line journal rows fit under a header row on an empty page."""
    return int((BODY_HEIGHT - PAGE_SLACK - JOURNAL_ROW_HEIGHT) // JOURNAL_ROW_HEIGHT)


_RECIPIENT_HEADER = (
    ["党员编号", "姓名", "党员类别", "所在支部"]
    + [f"{name}（元）" for _aspect, name in aspect_headings()]
    + ["合计（元）"]
)


def _recipient_tables(view: StatementView, font: str) -> Iterator[Flowable]:
    aspects = [aspect for aspect, _name in aspect_headings()]
    branch_width = RECIPIENT_WIDTHS[3] - 8
    style = table_style(font, JOURNAL_SIZE, numeric_from=4)
    total_style = table_style(
        font,
        JOURNAL_SIZE,
        numeric_from=4,
        total_rows=1,
        extra=[
            ("SPAN", (0, -1), (3, -1)),
            ("ALIGN", (0, -1), (3, -1), "CENTER"),
        ],
    )
    page = _PageFill(first_page_used=HEADING_HEIGHT)
    rows: list[list[str]] = [_RECIPIENT_HEADER]
    totals = dict.fromkeys(aspects, 0)
    for item in view.recipients:
        if not page.fits(1):
            yield make_table(rows, RECIPIENT_WIDTHS, style)
            yield CondPageBreak(BODY_HEIGHT / 2)
            rows = [_RECIPIENT_HEADER]
            page.next_page()
            page.fits(1)
        rows.append(
            [
                item.member_no,
                item.name,
                category_zh(item.category),
                fit_text(item.branch or "—", font, JOURNAL_SIZE, branch_width),
            ]
            + [ledger_amount(item.aspects_fen[aspect]) for aspect in aspects]
            + [ledger_amount(item.total_fen)]
        )
        for aspect in aspects:
            totals[aspect] += item.aspects_fen[aspect]
    if not page.fits(1):
        yield make_table(rows, RECIPIENT_WIDTHS, style)
        yield CondPageBreak(BODY_HEIGHT / 2)
        rows = [_RECIPIENT_HEADER]
    rows.append(
        [f"合计（{len(view.recipients)} 人）", "", "", ""]
        + [ledger_amount(totals[aspect]) for aspect in aspects]
        + [ledger_amount(sum(totals.values()))]
    )
    yield make_table(rows, RECIPIENT_WIDTHS, total_style)


def _signature_table(view: StatementView, font: str) -> Flowable:
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
            Heading("六、审核签字", font, 12, space_after=14),
            make_table(rows, widths, style, repeat_rows=0),
        ]
    )
