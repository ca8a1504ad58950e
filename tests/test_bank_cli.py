"""The bank on the command line: a statement imported and matched, a bad one refused with
every bad line named (exit 2, nothing added), the month's reconciliation written."""

import json
from pathlib import Path

from tests.builders import make_fund, make_staff, record
from tests.test_cli import carefund


def test_a_statement_and_the_reconciliation_from_the_command_line(
    database, database_url: str, tmp_path: Path
) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "800.00")
    bad = tmp_path / "bad.csv"
    bad.write_bytes("日期,金额,余额\n2026-03-05,八百,800.00\n2026-02-30,1.00,801.00\n".encode())
    refused = carefund("bank", "import-statement", "--fund", "HC-CARE", str(bad), url=database_url)
    assert refused.returncode == 2
    assert "第 2 行 amount" in refused.stderr and "第 3 行 booked_on" in refused.stderr
    good = tmp_path / "statement.csv"
    good.write_bytes(
        "日期,对方户名,金额,余额\n2026-03-05,区财政局,800.00,800.00\n".encode("gb18030")
    )
    done = carefund("bank", "import-statement", "--fund", "HC-CARE", str(good), url=database_url)
    assert done.returncode == 0, done.stderr
    assert "新增 1 行；自动对上 1 行，未对上 0 行" in done.stdout
    output = tmp_path / "march.json"
    written = carefund(
        "bank",
        "reconciliation",
        "--fund",
        "HC-CARE",
        "--month",
        "2026-03",
        "-o",
        str(output),
        url=database_url,
    )
    assert written.returncode == 0, written.stderr
    figures = json.loads(output.read_text(encoding="utf-8"))
    assert (figures["book_balance"], figures["bank_balance"], figures["balanced"]) == (
        "800.00",
        "800.00",
        True,
    )
