"""Spreadsheets that are safe to open: text a spreadsheet would run as a formula (CSV
injection, OWASP) is kept as text, in the CSV and in the XLSX; XLSX cells keep their types."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

import receipts
from carefund.reports import documents
from receipts.cells import csv_value
from tests.builders import disburse, make_fund, make_recipient, make_staff, record

EVIL_NAME = '=HYPERLINK("http://evil","x")'
EVIL_BRANCH = "@SUM(1+1)"
EVIL_PAYER = "+cmd|' /C calc'!A0"


def _exported(database, render) -> bytes:  # type: ignore[no-untyped-def]
    """A year statement with formula-like text in it, rendered by `render` (inside the read:
    the statement's journal streams from the database as it is written)."""
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "1000.00", payer=EVIL_PAYER)
    evil = make_recipient(database, staff["clerk"], name=EVIL_NAME, branch=EVIL_BRANCH)
    disburse(database, staff, evil, "300.00")
    return database.read(
        lambda session: render(
            documents.statement_view(
                session, fund_code="HC-CARE", period="2026", actor=staff["auditor"]
            )
        )
    )


def test_formula_text_is_neutralised_in_the_csv(database) -> None:
    rows = list(
        csv.reader(io.StringIO(_exported(database, receipts.statement_csv).decode("utf-8-sig")))
    )
    cells = [cell for row in rows for cell in row]
    assert "'" + EVIL_NAME in cells and "'" + EVIL_BRANCH in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    # Negative amounts and plain numbers stay numbers.
    assert csv_value("-12.34") == "-12.34" and csv_value("-1+1") == "'-1+1"


def test_formula_text_is_a_string_cell_in_the_xlsx(database) -> None:
    workbook = load_workbook(io.BytesIO(_exported(database, receipts.statement_xlsx)))
    recipients = workbook["关爱对象"]
    found = {
        cell.value: cell.data_type
        for row in recipients.iter_rows()
        for cell in row
        if cell.value in (EVIL_NAME, EVIL_BRANCH)
    }
    assert found == {EVIL_NAME: "s", EVIL_BRANCH: "s"}
    formulas = [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
    payer_memos = [
        cell.value
        for row in workbook["日记账"].iter_rows()
        for cell in row
        if isinstance(cell.value, str) and EVIL_PAYER in cell.value
    ]
    assert payer_memos, "the payer is in the journal's memo, as text"


def test_xlsx_cells_are_typed_with_filters_and_frozen_headers(database) -> None:
    workbook = load_workbook(io.BytesIO(_exported(database, receipts.statement_xlsx)))
    journal = workbook["日记账"]
    first = [cell.value for cell in next(journal.iter_rows(min_row=2, max_row=2))]
    assert isinstance(first[0], int)  # the chain's seq, a number
    assert first[2].date() == date(2026, 3, 5)  # a date, not text
    assert (
        journal.freeze_panes == "A2" and journal.auto_filter.ref == "A1:H5"
    )  # two entries, two lines each
    recipients = workbook["关爱对象"]
    assert recipients.freeze_panes == "A2" and recipients.auto_filter.ref == "A1:H2"
    summary = {row[1].value: row[2].value for row in workbook["汇总"].iter_rows() if len(row) > 2}
    assert summary["entry_count"] == 2 and summary["recipients_paid"] == 1
    assert summary["period.start"].date() == date(2026, 1, 1)
