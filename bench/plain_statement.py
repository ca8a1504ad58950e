"""The documents benchmark's baseline: plain reportlab laying out the same journal rows as
the year statement, in page-sized tables with the same font and columns, and no extras."""

import io
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle
from sqlmodel import Session

from carefund.access import users
from carefund.reports import documents
from carefund.storage.database import Database
from receipts.layout import ledger_amount
from receipts.paged import DEFAULT_MARGINS
from receipts.statement_listings import JOURNAL_SIZE, JOURNAL_WIDTHS, _lines_per_page


def journal_rows(
    database: Database, auditor: users.User, code: str, *, period: str
) -> list[list[str]]:
    """The journal rows of the fund's statement for `period`, as the statement prints them."""

    def read(session: Session) -> Any:
        view = documents.statement_view(session, fund_code=code, period=period, actor=auditor)
        return [
            [
                str(row.seq),
                row.voucher_no,
                row.entry_date.isoformat(),
                row.memo,
                row.account_zh,
                ledger_amount(row.debit_fen) if row.debit_fen else "",
                ledger_amount(row.credit_fen) if row.credit_fen else "",
            ]
            for row in view.journal
        ]

    return database.read(read)


def render_plain(rows: list[list[str]], font: str) -> bytes:
    """Plain reportlab: the same rows, font and columns, in page-sized tables, no extras."""
    buffer = io.BytesIO()
    left, top, right, bottom = DEFAULT_MARGINS
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
    )
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, JOURNAL_SIZE, JOURNAL_SIZE * 1.25),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("INNERGRID", (0, 0), (-1, -1), 0.3, "#444444"),
            ("BOX", (0, 0), (-1, -1), 0.9, "#444444"),
            ("ALIGN", (5, 1), (6, -1), "RIGHT"),
        ]
    )
    header = ["链序", "凭证号", "日期", "摘要", "科目", "借方（元）", "贷方（元）"]
    per_page = _lines_per_page()
    story = []
    for start in range(0, len(rows), per_page):
        table = Table(
            [header] + rows[start : start + per_page], colWidths=JOURNAL_WIDTHS, repeatRows=1
        )
        table.setStyle(style)
        story.append(table)
    document.build(story)
    return buffer.getvalue()
