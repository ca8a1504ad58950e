"""Documents in PDF, CSV and XLSX, rendered from the frozen views of `carefund.reports`
(`slips` for receipts and vouchers, `documents` for statements and the public list).

Nothing here opens a session or imports the database layer: each function takes a view
and returns bytes. Imports go one way: `receipts` → `carefund`, never back.
"""

from collections.abc import Callable

from carefund.reports.consolidated import ConsolidatedStatement
from carefund.reports.documents import StatementView
from receipts.consolidated import consolidated_xlsx, render_consolidated
from receipts.disclosure import render_disclosure
from receipts.exports import statement_csv, statement_xlsx
from receipts.fonts import DocumentFont, FontUnavailable, document_font
from receipts.slips import render_receipt, render_receipt_batch, render_voucher
from receipts.statement import render_statement

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATEMENT_FORMATS: dict[str, tuple[Callable[[StatementView], bytes], str]] = {
    "pdf": (render_statement, PDF),
    "csv": (statement_csv, CSV),
    "xlsx": (statement_xlsx, XLSX),
}
"""A statement's file formats: suffix → (renderer, media type)."""
CONSOLIDATED_FORMATS: dict[str, tuple[Callable[[ConsolidatedStatement], bytes], str]] = {
    "pdf": (render_consolidated, PDF),
    "xlsx": (consolidated_xlsx, XLSX),
}
"""A unit's consolidated statement's file formats (its JSON is the API's own)."""

__all__ = [
    "CONSOLIDATED_FORMATS",
    "CSV",
    "PDF",
    "STATEMENT_FORMATS",
    "XLSX",
    "DocumentFont",
    "FontUnavailable",
    "consolidated_xlsx",
    "document_font",
    "render_consolidated",
    "render_disclosure",
    "render_receipt",
    "render_receipt_batch",
    "render_statement",
    "render_voucher",
    "statement_csv",
    "statement_xlsx",
]
