"""The independent cross-check: beancount, which nobody here wrote, agrees with the books."""

import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data
from sqlmodel import Session

from carefund import disbursements, funds, incomes
from carefund.reports.export import beancount_account, export_beancount
from carefund.reports.statements import build_statement, parse_period
from tests.builders import disburse, make_fund, make_recipient, make_staff, record

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def build_books(database):  # type: ignore[no-untyped-def]
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "10000.00", on="2026-01-05", payer='某"引号"公司')
    record(database, staff["clerk"], "2345.67", source="member_donation", on="2026-01-06")
    wrong = record(database, staff["clerk"], "99.99", source="sponsorship", on="2026-01-07")
    member = make_recipient(database, staff["clerk"], category="retired")
    paid = disburse(database, staff, member, "800.00", aspect="spiritual_care", on="2026-02-01")
    disburse(database, staff, make_recipient(database, staff["clerk"]), "1200.50", on="2026-02-02")

    def write(session: Session) -> Any:
        incomes.reverse_income(
            session, income_id=wrong.id, reason="退回", on="2026-02-03", actor=staff["approver"]
        )
        disbursements.reverse_disbursement(
            session,
            disbursement_id=paid.id,
            reason="错发",
            on="2026-02-04",
            actor=staff["approver"],
        )

    database.write(write)
    return staff


def test_bean_check_accepts_the_export_and_its_balances_are_ours(database, tmp_path: Path) -> None:
    staff = build_books(database)
    ledger = tmp_path / "books.beancount"

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        ledger.write_text(
            "\n".join(export_beancount(session, fund_code=fund.code, actor=staff["auditor"]))
            + "\n",
            encoding="utf-8",
        )
        year = build_statement(session, fund, parse_period("2026"))
        cash_fen = fund.cash_fen
        return year, cash_fen

    year, cash_fen = database.read(read)

    checked = subprocess.run(
        [str(BEAN_CHECK), str(ledger)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    entries, errors, _options = loader.load_file(str(ledger))
    assert errors == []
    totals: dict[str, Decimal] = defaultdict(Decimal)
    transactions = [entry for entry in entries if isinstance(entry, data.Transaction)]
    for transaction in transactions:
        for posting in transaction.postings:
            totals[posting.account] += posting.units.number
    assert len(transactions) == 7
    assert totals["Assets:Cash"] == Decimal(cash_fen) / 100
    income = -sum(v for k, v in totals.items() if k.startswith("Income:"))
    expenses = sum(v for k, v in totals.items() if k.startswith("Expenses:"))
    assert income * 100 == year.income_total_fen
    assert expenses * 100 == year.disbursed_total_fen
    assert totals[beancount_account("expense:life_assistance:hardship")] == Decimal("1200.50")
    receipts = [t.meta.get("receipt") for t in transactions if "receipt" in t.meta]
    assert receipts[0] == "HC-CARE-2026-000001"
    assert all(
        len(t.meta["hash"]) == 64 and t.meta["voucher"].startswith("记-") for t in transactions
    )


def test_the_export_command_writes_a_file(database, database_url: str, tmp_path: Path) -> None:
    from tests.test_cli import carefund

    build_books(database)
    target = tmp_path / "out.beancount"
    result = carefund(
        "export", "--format", "beancount", "--fund", "HC-CARE", "-o", str(target), url=database_url
    )
    assert result.returncode == 0, result.stderr
    assert subprocess.run([str(BEAN_CHECK), str(target)], check=False).returncode == 0
    bad = carefund("export", "--format", "ledger", "--fund", "HC-CARE", url=database_url)
    assert bad.returncode != 0 and "beancount" in bad.stderr
