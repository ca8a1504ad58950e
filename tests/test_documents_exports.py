"""One statement, four forms: JSON, CSV, XLSX and PDF carry the same figures; and the
`carefund statement` command that writes them."""

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session
from typer.testing import CliRunner

import receipts
from carefund.money import format_fen
from carefund.reports import documents
from carefund.reports.statements import statement_json
from carefund.settings import get_settings
from cli.main import app
from receipts.layout import ledger_amount
from tests.document_fixtures import (
    QUARTER_CLOSING_FEN,
    QUARTER_DISBURSED_FEN,
    QUARTER_INCOME_FEN,
    care_quarter,
    compact,
    pdf_text,
)


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    """{"income": {"total": "1.00"}} → {"income.total": "1.00"}."""
    if isinstance(value, dict):
        flat: dict[str, object] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): value}


def _csv_blocks(content: bytes) -> list[list[list[str]]]:
    """The CSV's blocks (separated by empty rows), each a list of rows."""
    assert content.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    blocks: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        if row:
            blocks[-1].append(row)
        else:
            blocks.append([])
    return blocks


def _yuan(value: object) -> str:
    """A spreadsheet number (int, float, Decimal) as a two-decimal string, exactly."""
    return format_fen(int((Decimal(str(value)) * 100).to_integral_exact()))


def test_json_csv_xlsx_and_pdf_of_one_statement_agree(database) -> None:
    quarter = care_quarter(database)
    auditor = quarter.staff["auditor"]

    def view(session: Session) -> documents.StatementView:
        # Each form consumes the journal once, as each request does.
        return documents.statement_view(
            session, fund_code="HC-CARE", period="2026-Q1", actor=auditor
        )

    def read(session: Session) -> Any:
        raw_json = statement_json(view(session).statement)
        as_json = _flatten(raw_json)
        as_csv = receipts.statement_csv(view(session))
        as_xlsx = load_workbook(io.BytesIO(receipts.statement_xlsx(view(session))))
        as_pdf = compact(pdf_text(receipts.render_statement(view(session))))
        return raw_json, as_json, as_csv, as_xlsx, as_pdf

    raw_json, as_json, as_csv, as_xlsx, as_pdf = database.read(read)

    assert as_json["income.total"] == format_fen(QUARTER_INCOME_FEN)
    assert as_json["disbursed.total"] == format_fen(QUARTER_DISBURSED_FEN)
    assert as_json["closing_balance"] == format_fen(QUARTER_CLOSING_FEN)

    heading, figures, checks, journal, recipients = _csv_blocks(as_csv)
    csv_figures = {row[1]: row[2] for row in figures[1:]}
    summary = as_xlsx["汇总"]
    xlsx_figures = {
        row[1]: _yuan(row[2])
        for row in summary.iter_rows(values_only=True)
        if row[1] and str(row[1]) in csv_figures
    }
    # Every figure of the CSV is in the JSON, the workbook and the PDF with the same value.
    assert len(csv_figures) == 1 + 5 + 18 + 3 + 2
    for key, amount in csv_figures.items():
        assert as_json[key] == amount, key
        assert xlsx_figures[key] == amount, key
    for key in ("opening_balance", "income.total", "disbursed.total", "closing_balance"):
        assert ledger_amount(int(Decimal(csv_figures[key]) * 100)) in as_pdf
    # Headings agree too.
    csv_heading = {row[1]: row[2] for row in heading[1:]}
    assert csv_heading["head_hash"] == as_json["head_hash"]
    assert csv_heading["entry_count"] == str(as_json["entry_count"])
    assert csv_heading["recipients_paid"] == str(as_json["recipients_paid"])
    assert as_json["head_hash"] in as_pdf

    # The checks, passed in every form.
    assert [row[3] for row in checks[1:]] == ["通过"] * 6
    assert [check["passed"] for check in raw_json["checks"]] == [True] * 6
    assert raw_json["chain"]["ok"] and raw_json["reconciled"]

    # The journal: the same postings, debits equal credits, in CSV and workbook.
    csv_lines = journal[1:-1]
    assert len(csv_lines) == 2 * as_json["entry_count"]
    sheet_rows = list(as_xlsx["日记账"].iter_rows(values_only=True))
    assert sheet_rows[0][0] == "链序"
    assert len(sheet_rows) - 2 == len(csv_lines)
    csv_debits = sum(Decimal(row[6] or "0") for row in csv_lines)
    sheet_debits = sum(Decimal(str(row[6] or 0)) for row in sheet_rows[1:-1])
    assert csv_debits == sheet_debits == Decimal(journal[-1][6])
    assert journal[-1][6] == journal[-1][7]
    for csv_row, sheet_row in zip(csv_lines, sheet_rows[1:-1], strict=True):
        assert csv_row[1] == sheet_row[1] and csv_row[4] == sheet_row[4]

    # Per recipient: six members, their totals adding up to what was disbursed.
    assert len(recipients) == 1 + 6
    assert sum(Decimal(row[-1]) for row in recipients[1:]) == Decimal(
        format_fen(QUARTER_DISBURSED_FEN)
    )
    recipient_rows = list(as_xlsx["关爱对象"].iter_rows(values_only=True))[1:]
    assert [row[0] for row in recipient_rows] == [row[0] for row in recipients[1:]]


def test_xlsx_amounts_are_numbers_with_two_decimals(database) -> None:
    quarter = care_quarter(database)
    workbook = database.read(
        lambda session: load_workbook(
            io.BytesIO(
                receipts.statement_xlsx(
                    documents.statement_view(
                        session,
                        fund_code="HC-CARE",
                        period="2026-Q1",
                        actor=quarter.staff["auditor"],
                    )
                )
            )
        )
    )
    assert workbook.sheetnames == ["汇总", "日记账", "关爱对象", "资金来源与预算"]
    amounts = [
        cell
        for row in workbook["汇总"].iter_rows()
        for cell in row
        if cell.number_format == "#,##0.00" and cell.value is not None
    ]
    assert len(amounts) > 30
    assert all(isinstance(cell.value, (int, float)) for cell in amounts)
    donation = next(
        row
        for row in workbook["汇总"].iter_rows(values_only=True)
        if row[1] == "income.member_donation"
    )
    assert Decimal(str(donation[2])) == Decimal("8765.43")


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CAREFUND_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_the_statement_command_writes_each_format(database, cli_database, tmp_path) -> None:
    care_quarter(database)
    runner = CliRunner()
    for suffix in (".pdf", ".csv", ".xlsx", ".json"):
        target = tmp_path / f"q1{suffix}"
        result = runner.invoke(
            app, ["statement", "--fund", "HC-CARE", "--period", "2026-Q1", "-o", str(target)]
        )
        assert result.exit_code == 0, result.output
        assert "对账全部通过" in result.output
        assert target.stat().st_size > 0
    written = json.loads((tmp_path / "q1.json").read_text(encoding="utf-8"))
    assert written["closing_balance"] == format_fen(QUARTER_CLOSING_FEN)
    assert (tmp_path / "q1.pdf").read_bytes().startswith(b"%PDF-")
    assert "167,262.43" in compact(pdf_text((tmp_path / "q1.pdf").read_bytes()))
    assert (tmp_path / "q1.csv").read_bytes().startswith("\ufeff".encode())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--fund", "HC-CARE", "--period", "2026-Q1", "-o", "{tmp}/q1.txt"], "不支持的文件类型"),
        (["--fund", "HC-CARE", "--period", "2026-Q1", "-o", "{tmp}/q1"], "不支持的文件类型"),
        (["--fund", "HC-CARE", "--period", "2026-13", "-o", "{tmp}/q1.pdf"], "月份"),
        (["--fund", "HC-CARE", "--period", "Q1", "-o", "{tmp}/q1.pdf"], "期间格式"),
        (["--fund", "NOPE", "--period", "2026", "-o", "{tmp}/q1.pdf"], "基金不存在"),
        (["--fund", "HC-CARE", "--period", "2026", "-o", "{tmp}/missing/q1.pdf"], "目录不存在"),
    ],
)
def test_the_statement_command_refuses_clearly(
    database, cli_database, tmp_path, arguments, message
) -> None:
    care_quarter(database)
    arguments = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    result = CliRunner().invoke(app, ["statement", *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "q1.pdf").exists()
