"""The document endpoints: content types, file names, roles, and problems for bad input."""

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from tests.builders import make_token
from tests.document_fixtures import QUARTER_CLOSING_FEN, care_quarter, compact, pdf_pages, pdf_text

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def books(database):  # type: ignore[no-untyped-def]
    """The quarter's books, a client, and a bearer header per role."""
    quarter = care_quarter(database)
    client = TestClient(create_app(database))
    headers = {
        role: {"Authorization": f"Bearer {make_token(database, user)}"}
        for role, user in quarter.staff.items()
    }
    return quarter, client, headers


def test_receipt_and_voucher_pdfs(books) -> None:
    quarter, client, headers = books
    answer = client.get(
        f"/api/v1/incomes/{quarter.incomes[3].id}/receipt.pdf", headers=headers["clerk"]
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == PDF
    assert answer.headers["content-disposition"] == (
        'inline; filename="receipt-HC-CARE-2026-000004.pdf"'
    )
    assert "作 废" in pdf_text(answer.content)

    answer = client.get(
        f"/api/v1/disbursements/{quarter.paid[1].id}/voucher.pdf", headers=headers["integration"]
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == PDF
    assert (
        f'filename="voucher-HC-CARE-{quarter.paid[1].id}.pdf"'
        in (answer.headers["content-disposition"])
    )
    text = compact(pdf_text(answer.content))
    assert "王小明" in text and quarter.id_numbers[0] not in text


@pytest.mark.parametrize("role", ["auditor", "admin", "approver"])
def test_statement_in_three_formats(books, role) -> None:
    _quarter, client, headers = books
    base = "/api/v1/funds/HC-CARE/statements/2026-Q1"

    pdf = client.get(f"{base}.pdf", headers=headers[role])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == PDF
    assert pdf.headers["content-disposition"] == (
        'attachment; filename="statement-HC-CARE-2026-Q1.pdf"'
    )
    assert "期末余额167,262.43" in compact(pdf_text(pdf.content))
    assert len(pdf_pages(pdf.content)) >= 3

    as_csv = client.get(f"{base}.csv", headers=headers[role])
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].endswith('statement-HC-CARE-2026-Q1.csv"')
    assert as_csv.content.startswith("\ufeff".encode())
    assert "closing_balance,167262.43" in as_csv.content.decode("utf-8-sig")

    as_xlsx = client.get(f"{base}.xlsx", headers=headers[role])
    assert as_xlsx.status_code == 200
    assert as_xlsx.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(as_xlsx.content))
    closing = next(
        row for row in workbook["汇总"].iter_rows(values_only=True) if row[1] == "closing_balance"
    )
    assert round(closing[2] * 100) == QUARTER_CLOSING_FEN


@pytest.mark.parametrize("role", ["clerk", "cashier", "integration"])
def test_statements_are_for_auditors_approvers_and_admins(books, role) -> None:
    _quarter, client, headers = books
    for suffix in ("pdf", "csv", "xlsx"):
        answer = client.get(
            f"/api/v1/funds/HC-CARE/statements/2026.{suffix}", headers=headers[role]
        )
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"


def test_disclosure_and_batch_receipts(books) -> None:
    quarter, client, headers = books
    answer = client.get("/api/v1/funds/HC-CARE/disclosure/2026-02.pdf", headers=headers["clerk"])
    assert answer.status_code == 200
    assert answer.headers["content-type"] == PDF
    assert 'filename="disclosure-HC-CARE-2026-02.pdf"' in answer.headers["content-disposition"]
    text = compact(pdf_text(answer.content))
    assert "王*明" in text and "王小明" not in text
    for secret in quarter.id_numbers + quarter.phones:
        assert secret not in text

    answer = client.get(
        "/api/v1/funds/HC-CARE/receipts.pdf",
        params={"from": "2026-01-01", "to": "2026-01-31"},
        headers=headers["auditor"],
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == PDF
    assert answer.headers["content-disposition"] == (
        'attachment; filename="receipts-HC-CARE-2026-01-01-2026-01-31.pdf"'
    )
    assert len(pdf_pages(answer.content)) == 4


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/funds/HC-CARE/statements/2026-13.pdf", 422),
        ("/api/v1/funds/HC-CARE/statements/2026-Q5.csv", 422),
        ("/api/v1/funds/HC-CARE/statements/26.xlsx", 422),
        ("/api/v1/funds/HC-CARE/statements/1999.pdf", 422),
        ("/api/v1/funds/HC-CARE/disclosure/2026-00.pdf", 422),
        ("/api/v1/funds/NOPE/statements/2026.pdf", 404),
        ("/api/v1/funds/NOPE/disclosure/2026.pdf", 404),
        ("/api/v1/incomes/999999/receipt.pdf", 404),
        ("/api/v1/incomes/x/receipt.pdf", 422),
        ("/api/v1/disbursements/999999/voucher.pdf", 404),
        ("/api/v1/disbursements/99999999999999999999999/voucher.pdf", 404),
        ("/api/v1/funds/HC-CARE/receipts.pdf", 422),
        ("/api/v1/funds/HC-CARE/receipts.pdf?from=2026-01-01", 422),
        ("/api/v1/funds/HC-CARE/receipts.pdf?from=2026-13-01&to=2026-12-31", 422),
        ("/api/v1/funds/HC-CARE/receipts.pdf?from=2026-12-31&to=2026-01-01", 422),
    ],
)
def test_bad_requests_get_problems_not_crashes(books, path, status) -> None:
    _quarter, client, headers = books
    answer = client.get(path, headers=headers["admin"])
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == status


def test_documents_need_a_token(books) -> None:
    quarter, client, _headers = books
    for path in (
        f"/api/v1/incomes/{quarter.incomes[0].id}/receipt.pdf",
        "/api/v1/funds/HC-CARE/statements/2026.pdf",
        "/api/v1/funds/HC-CARE/disclosure/2026.pdf",
    ):
        assert client.get(path).status_code == 401
