"""What an auditor does on their own machine, against real books: export the journal,
verify it with no database, and check kept receipts and seals after an insider rewound
the head."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from sqlalchemy import text
from sqlmodel import Session

import cli.books
from carefund import disbursements
from carefund.ledger.kept import RECEIPT_QR_PREFIX
from carefund.reports.slips import QR_PAYLOAD_PREFIX, receipt_view
from tests.api_support import Api
from tests.builders import disburse, make_fund, make_recipient, record

NO_DATABASE = "postgresql://nobody@127.0.0.1:1/none"
"""A URL nothing answers on: a command that needed the database would fail with it."""
V1_KEYS = ("fund", "seq", "voucher_no", "date", "memo", "postings", "reverses_seq", "prev_hash")


def carefund(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CAREFUND_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def build_books(api: Api) -> list[Any]:
    """Five incomes (one with a payer that needs escaping), a payment and its reversal."""
    database, staff = api.database, api.staff
    make_fund(database, staff["admin"])
    incomes = [
        record(database, staff["clerk"], "1000.00", on="2026-03-01", payer='某"引号"\\公司'),
        record(database, staff["clerk"], "250.50", source="member_donation", on="2026-03-02"),
    ]
    member = make_recipient(database, staff["clerk"], name="王小明")
    paid = disburse(database, staff, member, "300.00", on="2026-03-05")
    database.write(
        lambda session: disbursements.reverse_disbursement(
            session,
            disbursement_id=paid.id,
            reason="错发",
            on="2026-03-06",
            actor=staff["approver"],
        )
    )
    for day in ("2026-03-07", "2026-03-08", "2026-03-09"):
        incomes.append(record(database, staff["clerk"], "10.00", on=day))
    return incomes


def test_the_export_is_the_api_journal_and_verifies_with_no_database(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    build_books(api)
    exported = tmp_path / "journal.json"
    result = carefund(
        "export", "--format", "journal", "--fund", "HC-CARE", "-o", str(exported), url=database_url
    )
    assert result.returncode == 0, result.stderr
    export = json.loads(exported.read_text(encoding="utf-8"))
    assert export["fund"] == "HC-CARE" and export["exported_at"]
    assert export["entries"] == api.all_pages("auditor", "/funds/HC-CARE/journal", limit=3)
    assert [entry["seq"] for entry in export["entries"]] == list(range(1, 8))

    # An independent recomputation, from the file alone.
    prev = "0" * 64
    for entry in export["entries"]:
        assert entry["prev_hash"] == prev
        # Version 1 on today's books; version 2 (with `document`) once it is posted.
        version = entry.get("chain_version") or (2 if "document" in entry else 1)
        keys = V1_KEYS if version == 1 else (*V1_KEYS[:6], "document", *V1_KEYS[6:])
        lines = ("account", "debit", "credit") + (("recipient",) if version == 2 else ())
        hashed = {key: entry[key] for key in keys}
        hashed["postings"] = [{key: p[key] for key in lines} for p in entry["postings"]]
        assert hashlib.sha256(rfc8785.dumps(hashed)).hexdigest() == entry["hash"]
        prev = entry["hash"]

    online = api.ok(api.get("auditor", "/funds/HC-CARE/verify"))
    offline = carefund("verify", "--journal", str(exported), url=NO_DATABASE)
    assert offline.returncode == 0, offline.stderr
    assert online["head_hash"] == prev and prev in offline.stdout and "7 笔" in offline.stdout
    assert (
        carefund("verify", "--journal", str(exported), "--fund", "HC-X", url=NO_DATABASE).returncode
        == 1
    )

    export["entries"][3]["memo"] = "改过"
    exported.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    broken = carefund("verify", "--journal", str(exported), url=NO_DATABASE)
    assert broken.returncode == 1
    assert "seq 4" in broken.stderr and "hash" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_the_export_reads_the_journal_a_page_at_a_time(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_books(api)
    monkeypatch.setattr(cli.books, "JOURNAL_PAGE_MAX", 3)

    def lines(session: Session) -> list[str]:
        return list(
            cli.books.journal_export_lines(session, fund_code="HC-CARE", actor=api.staff["auditor"])
        )

    exported = api.database.read(lines)
    assert len(exported) == 1 + 7 + 1  # the opening, one entry a line, the closing
    export = json.loads("\n".join(exported))
    assert [entry["seq"] for entry in export["entries"]] == list(range(1, 8))


def test_export_and_verify_answer_with_messages_and_exit_codes(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    make_fund(api.database, api.staff["admin"])
    target = tmp_path / "empty.json"
    assert (
        carefund(
            "export",
            "--format",
            "journal",
            "--fund",
            "HC-CARE",
            "-o",
            str(target),
            url=database_url,
        ).returncode
        == 0
    )
    assert carefund("verify", "--journal", str(target), url=NO_DATABASE).returncode == 0
    unknown = carefund(
        "export",
        "--format",
        "journal",
        "--fund",
        "NOPE",
        "-o",
        str(tmp_path / "x.json"),
        url=database_url,
    )
    assert unknown.returncode == 2 and "NOPE" in unknown.stderr
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "x.json.partial").exists()
    assert (
        carefund("export", "--format", "xml", "--fund", "HC-CARE", url=database_url).returncode == 2
    )
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x89PNG\r\n")
    for path in (garbage, tmp_path / "missing.json"):
        result = carefund("verify", "--journal", str(path), url=NO_DATABASE)
        assert result.returncode == 2 and "错误" in result.stderr
        assert "Traceback" not in result.stderr


def _rewind_tail(database: Any, *, keep: int) -> None:
    """Delete every entry after seq `keep` with its postings and incomes, and move the
    fund's head, cash and receipt counter back, as an insider with the database file would."""
    with database.engine.begin() as connection:
        tables = ("journal_entry", "posting", "income")
        if connection.dialect.name == "sqlite":
            triggers = connection.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                    "('journal_entry', 'posting', 'income')"
                )
            ).scalars()
            for name in list(triggers):
                connection.execute(text(f'DROP TRIGGER "{name}"'))
        else:
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        tail = "SELECT id FROM journal_entry WHERE seq > :keep"
        connection.execute(text(f"DELETE FROM income WHERE entry_id IN ({tail})"), {"keep": keep})
        connection.execute(text(f"DELETE FROM posting WHERE entry_id IN ({tail})"), {"keep": keep})
        connection.execute(text("DELETE FROM journal_entry WHERE seq > :keep"), {"keep": keep})
        head = connection.execute(
            text("SELECT hash FROM journal_entry WHERE seq = :keep"), {"keep": keep}
        ).scalar_one()
        cash = connection.execute(
            text(
                "SELECT COALESCE(SUM(debit_fen - credit_fen), 0) FROM posting "
                "WHERE account = 'assets:cash'"
            )
        ).scalar_one()
        connection.execute(
            text("UPDATE fund SET head_seq = :keep, head_hash = :head, cash_fen = :cash"),
            {"keep": keep, "head": head, "cash": cash},
        )
        received = connection.execute(text("SELECT count(*) FROM income")).scalar_one()
        connection.execute(
            text("UPDATE counter SET last_value = :received WHERE name LIKE 'receipt:%'"),
            {"received": received},
        )


def test_a_rewound_head_is_found_by_whoever_kept_the_receipts(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    incomes = build_books(api)
    auditor = api.staff["auditor"]

    def qr_texts(session: Session) -> list[str]:
        return [
            receipt_view(session, income_id=income.id, actor=auditor).qr_payload
            for income in incomes
        ]

    kept_receipts = tmp_path / "receipts.txt"
    qr = api.database.read(qr_texts)
    assert RECEIPT_QR_PREFIX == QR_PAYLOAD_PREFIX
    assert all(payload.startswith(QR_PAYLOAD_PREFIX) for payload in qr)
    kept_receipts.write_text("\n".join(qr) + "\n", encoding="utf-8")
    journal = api.all_pages("auditor", "/funds/HC-CARE/journal", limit=50)
    kept_seals = tmp_path / "seals.json"
    seals = [
        {
            "period": "2026-03",
            "seq": entry["seq"],
            "hash": entry["hash"],
            "sealed_head": entry["prev_hash"],
            "closing_balance": "0.00",
        }
        for entry in (journal[3], journal[5], journal[6])
    ]  # seq 4, 6, 7
    kept_seals.write_text(json.dumps(seals), encoding="utf-8")
    for path in (kept_receipts, kept_seals):
        intact = carefund("verify", "--seals", str(path), "--fund", "HC-CARE", url=database_url)
        assert intact.returncode == 0, intact.stderr

    _rewind_tail(api.database, keep=5)  # the last two incomes are gone
    # A new income takes the first deleted receipt's number, with another entry.
    record(api.database, api.staff["clerk"], "10.00", on="2026-03-08")

    assert carefund("verify", url=database_url).returncode == 0  # the chain alone cannot tell
    receipts = carefund("verify", "--seals", str(kept_receipts), url=database_url)
    assert receipts.returncode == 1
    gone = [income.receipt_no for income in incomes[-2:]]
    assert all(number in receipts.stderr for number in gone), receipts.stderr
    assert not any(income.receipt_no in receipts.stderr for income in incomes[:-2])
    sealed = carefund("verify", "--seals", str(kept_seals), "--fund", "HC-CARE", url=database_url)
    assert sealed.returncode == 1
    assert "seq 6" in sealed.stderr and "seq 7" in sealed.stderr and "seq 4）" not in sealed.stderr
    assert "Traceback" not in receipts.stderr + sealed.stderr


def test_kept_files_that_cannot_be_read_are_errors_not_findings(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    make_fund(api.database, api.staff["admin"])
    kept = tmp_path / "kept.json"
    seal = {"period": "2026-03", "seq": 1, "hash": "a" * 64}
    for content in ("", json.dumps([seal]), "carefund:voucher?no=1", "[{"):
        kept.write_text(content, encoding="utf-8")
        result = carefund("verify", "--seals", str(kept), url=database_url)
        assert result.returncode == 2, (content, result.stderr)
        assert "错误" in result.stderr and "Traceback" not in result.stderr
    kept.write_text(json.dumps([seal | {"fund": "HC-NONE"}]), encoding="utf-8")
    result = carefund("verify", "--seals", str(kept), url=database_url)
    assert result.returncode == 1 and "HC-NONE" in result.stderr
