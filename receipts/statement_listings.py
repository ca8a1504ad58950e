"""The statement's two long sections, the journal (四) and the totals per recipient (五):
tables of one page each, built as the rows stream in from the view, so that a year's
journal is laid out without holding it all in memory and no table is split mid-page."""

from collections.abc import Iterator
from itertools import groupby
from operator import attrgetter

from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import CondPageBreak, Flowable

from carefund.reports.documents import JournalRow, StatementView, aspect_headings, category_zh
from receipts.layout import fit_lines, fit_text, ledger_amount
from receipts.paged import frame_size, make_table, table_style

PAGE = landscape(A4)
"""The statement's page; the tables here are cut to fit its body."""
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

_JOURNAL_HEADER = ["链序", "凭证号", "日期", "摘要", "科目", "借方（元）", "贷方（元）"]


def journal_tables(view: StatementView, font: str) -> Iterator[Flowable]:
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


def recipient_tables(view: StatementView, font: str) -> Iterator[Flowable]:
    """The totals per recipient in tables of one page each, the grand total last."""
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
