"""Spreadsheet cells that are safe to open: no text runs as a formula, values keep types.

A recipient named `=HYPERLINK("http://evil","x")` or a payer starting with `@` is text
the books must keep as typed, but a spreadsheet would run it as a formula (CSV injection).
OWASP's rule: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
neutralised — in CSV by a leading apostrophe, which Excel and LibreOffice show as text;
in XLSX by storing the cell as a string, which no spreadsheet evaluates. Plain numbers
(`-12.34`, a negative amount) start with `-` but cannot run anything, so they stay numbers.
"""

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a text cell as a formula (OWASP)."""
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
DATE_FORMAT = "yyyy-mm-dd"
"""How dates show in XLSX cells (they are stored as dates, so they sort and filter)."""


def csv_value(value: object) -> object:
    """A CSV field that no spreadsheet runs: risky text gets a leading apostrophe."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    """Every field of a CSV row made safe (`csv_value`)."""
    return [csv_value(value) for value in values]


def xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """An XLSX cell of the value's own type: text always as a string (never a formula),
    dates as dates; numbers, empty cells and prepared cells pass through."""
    if isinstance(value, str):
        return xlsx_text(sheet, value)
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def xlsx_text(sheet: WriteOnlyWorksheet, text: str) -> Any:
    """A text cell stored as a string, never a formula (openpyxl would store text that
    starts with `=` as one)."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def xlsx_row(sheet: WriteOnlyWorksheet, values: Iterable[object]) -> list[object]:
    """Every cell of a row typed and safe (`xlsx_cell`)."""
    return [xlsx_cell(sheet, value) for value in values]


class SafeCsvWriter:
    """`csv.writer` with Excel's line ends whose every field is made safe (`csv_value`)."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._writer = csv.writer(buffer, lineterminator="\r\n")

    def writerow(self, values: Iterable[object]) -> None:
        self._writer.writerow(csv_row(values))
