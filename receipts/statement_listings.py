"""The statement's two long sections, the journal (四) and the totals per recipient (五):
each one `PagedTable` fed as the rows stream in from the view, so that a year's journal is
laid out a page at a time without being held in memory. Cells are wrapped, never cut: a
long payer or memo makes its row several lines tall; the header row stands only at the
top of each page, and an entry's postings stay on one page."""

from collections.abc import Iterator
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import Flowable, TableStyle

from carefund.reports.documents import JournalRow, StatementView, aspect_headings, category_zh
from receipts.layout import ledger_amount, wrap_lines
from receipts.paged import PagedTable, frame_size, table_style

PAGE = landscape(A4)
"""The statement's page; the tables here are cut to fit its body."""
BODY_WIDTH, BODY_HEIGHT = frame_size(PAGE)
JOURNAL_SIZE = 8.0
"""Point size of the journal and recipient tables: small, still easy to read on paper."""
JOURNAL_LEADING = JOURNAL_SIZE * 1.25
JOURNAL_ROW_HEIGHT = JOURNAL_LEADING + 4.5
"""One text line plus the table's top and bottom padding (`table_style`)."""
JOURNAL_WIDTHS = [38.0, 78.0, 58.0, 0.0, 170.0, 82.0, 82.0]
"""序号, 凭证号, 日期, 摘要 (takes the rest), 科目, 借方, 贷方."""
JOURNAL_WIDTHS[3] = BODY_WIDTH - sum(JOURNAL_WIDTHS)
RECIPIENT_WIDTHS = [72.0, 70.0, 140.0, 0.0, 82.0, 82.0, 82.0, 88.0]
"""党员编号, 姓名, 党员类别, 所在支部 (the rest), three aspects, 合计."""
RECIPIENT_WIDTHS[3] = BODY_WIDTH - sum(RECIPIENT_WIDTHS)
CELL_PADDING = 8.0
"""A cell's left and right padding (`table_style`): text wraps this much inside its column."""

_JOURNAL_HEADER = ["链序", "凭证号", "日期", "摘要", "科目", "借方（元）", "贷方（元）"]


def journal_tables(view: StatementView, font: str) -> Iterator[Flowable]:
    """The journal, one posting a row, the period's total last; streamed from the view."""

    def style(with_total: bool) -> TableStyle:
        extra: list[tuple[Any, ...]] = [
            ("ALIGN", (0, 1), (0, -1), "RIGHT"),
            ("ALIGN", (5, 1), (6, -1), "RIGHT"),
        ]
        if with_total:
            extra += [("SPAN", (0, -1), (4, -1)), ("ALIGN", (0, -1), (4, -1), "CENTER")]
        return table_style(
            font, JOURNAL_SIZE, total_rows=int(with_total), extra=extra, valign="TOP"
        )

    yield PagedTable(
        _JOURNAL_HEADER,
        _journal_rows(view, font),
        JOURNAL_WIDTHS,
        style,
        leading=JOURNAL_LEADING,
        has_total=True,
        page_height=BODY_HEIGHT,
        # A posting after an entry's first has no 链序: it stays on its entry's page.
        continues=lambda row: row[0] == "",
    )


def _journal_rows(view: StatementView, font: str) -> Iterator[list[str]]:
    for row in view.journal:
        yield _journal_cells(row, font)
    statement = view.statement
    yield [
        f"本期合计（{statement.entry_count} 笔凭证）",
        "",
        "",
        "",
        "",
        ledger_amount(statement.debits_fen),
        ledger_amount(statement.credits_fen),
    ]


def _journal_cells(row: JournalRow, font: str) -> list[str]:
    return [
        str(row.seq) if row.first_of_entry else "",
        row.voucher_no if row.first_of_entry else "",
        row.entry_date.isoformat() if row.first_of_entry else "",
        wrapped(row.memo, font, JOURNAL_WIDTHS[3]),
        wrapped(row.account_zh, font, JOURNAL_WIDTHS[4]),
        ledger_amount(row.debit_fen) if row.debit_fen else "",
        ledger_amount(row.credit_fen) if row.credit_fen else "",
    ]


def wrapped(text: str, font: str, column_width: float) -> str:
    """The text in full, broken into lines that fit the column."""
    return "\n".join(wrap_lines(text, font, JOURNAL_SIZE, column_width - CELL_PADDING))


PAGE_SLACK = 2.0
"""Points kept free at the foot of each page against rounding (`paged.PAGE_ROOM_SLACK`)."""


def _lines_per_page() -> int:
    """How many one-line journal rows fit under a header row on an empty page."""
    return int((BODY_HEIGHT - PAGE_SLACK - JOURNAL_ROW_HEIGHT) // JOURNAL_ROW_HEIGHT)


_RECIPIENT_HEADER = (
    ["党员编号", "姓名", "党员类别", "所在支部"]
    + [f"{name}（元）" for _aspect, name in aspect_headings()]
    + ["合计（元）"]
)


def recipient_tables(view: StatementView, font: str) -> Iterator[Flowable]:
    """The totals per recipient, a row each (long names and branches wrap), the grand total
    last."""

    def style(with_total: bool) -> TableStyle:
        extra: list[tuple[Any, ...]] = []
        if with_total:
            extra += [("SPAN", (0, -1), (3, -1)), ("ALIGN", (0, -1), (3, -1), "CENTER")]
        return table_style(
            font,
            JOURNAL_SIZE,
            numeric_from=4,
            total_rows=int(with_total),
            extra=extra,
            valign="TOP",
        )

    yield PagedTable(
        _RECIPIENT_HEADER,
        _recipient_rows(view, font),
        RECIPIENT_WIDTHS,
        style,
        leading=JOURNAL_LEADING,
        has_total=True,
        page_height=BODY_HEIGHT,
    )


def _recipient_rows(view: StatementView, font: str) -> Iterator[list[str]]:
    aspects = [aspect for aspect, _name in aspect_headings()]
    totals = dict.fromkeys(aspects, 0)
    for item in view.recipients:
        yield [
            wrapped(item.member_no, font, RECIPIENT_WIDTHS[0]),
            wrapped(item.name, font, RECIPIENT_WIDTHS[1]),
            wrapped(category_zh(item.category), font, RECIPIENT_WIDTHS[2]),
            wrapped(item.branch or "—", font, RECIPIENT_WIDTHS[3]),
            *[ledger_amount(item.aspects_fen[aspect]) for aspect in aspects],
            ledger_amount(item.total_fen),
        ]
        for aspect in aspects:
            totals[aspect] += item.aspects_fen[aspect]
    yield [
        f"合计（{len(view.recipients)} 人）",
        "",
        "",
        "",
        *[ledger_amount(totals[aspect]) for aspect in aspects],
        ledger_amount(sum(totals.values())),
    ]
