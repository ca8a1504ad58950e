"""The journal: append-only, recomputable hash chain, tampering found by verify."""

import hashlib
from typing import Any

import pytest
import rfc8785
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from carefund import funds
from carefund.access.users import get_user
from carefund.ledger import journal
from carefund.ledger.accounts import account_name_zh, chart_of_accounts
from carefund.ledger.verify import VerifyResult, verify
from carefund.models import GENESIS_HASH
from tests.builders import disburse, make_fund, make_recipient, make_staff, record
from tests.tampering import drop_guards


@pytest.fixture
def books(database):  # type: ignore[no-untyped-def]
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "1000.00", on="2026-03-01")
    record(
        database,
        staff["clerk"],
        "250.50",
        source="member_donation",
        on="2026-03-02",
        payer="第一支部",
    )
    member = make_recipient(database, staff["clerk"], name="王小明")
    disburse(database, staff, member, "300.00", on="2026-03-05")
    return database


def _journal(database) -> list[dict]:  # type: ignore[no-untyped-def]
    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        return journal.journal_page(session, fund, start=None, end=None, after_seq=0, limit=100)

    return database.read(read)


def _verify(database) -> VerifyResult:  # type: ignore[no-untyped-def]
    return database.read(lambda session: verify(session, funds.find_fund(session, "HC-CARE")))


HASHED_KEYS_V2 = (
    "fund",
    "seq",
    "voucher_no",
    "date",
    "memo",
    "postings",
    "document",
    "reverses_seq",
    "prev_hash",
)
"""API.md (Books): the hashed object, written out here again rather than imported."""
POSTING_KEYS_V2 = ("account", "debit", "credit", "recipient")


def test_anyone_can_recompute_the_chain_from_the_journal(books) -> None:
    # An independent RFC 8785 implementation, from the published journal alone.
    prev = GENESIS_HASH
    entries = _journal(books)
    assert [entry["seq"] for entry in entries] == [1, 2, 3]
    assert [entry["voucher_no"] for entry in entries] == [
        "记-202603-0001",
        "记-202603-0002",
        "记-202603-0003",
    ]
    for entry in entries:
        assert entry["chain_version"] == 2
        hashed = {key: entry[key] for key in HASHED_KEYS_V2}
        assert all(set(posting) == set(POSTING_KEYS_V2) for posting in entry["postings"])
        assert entry["prev_hash"] == prev
        assert hashlib.sha256(rfc8785.dumps(hashed)).hexdigest() == entry["hash"]
        prev = entry["hash"]
    assert _verify(books).ok and _verify(books).head_hash == prev


def test_every_entry_balances_and_postings_are_one_sided(books) -> None:
    for entry in _journal(books):
        debits = sum(int(p["debit"].replace(".", "")) for p in entry["postings"])
        credits = sum(int(p["credit"].replace(".", "")) for p in entry["postings"])
        assert debits == credits > 0
        for posting in entry["postings"]:
            assert (posting["debit"] == "0.00") != (posting["credit"] == "0.00")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_entry SET memo = 'x'",
        "DELETE FROM journal_entry",
        "UPDATE posting SET debit_fen = debit_fen + 1 WHERE debit_fen > 0",
        "DELETE FROM posting",
    ],
)
def test_the_database_refuses_to_change_the_journal(books, statement: str) -> None:
    with pytest.raises((DBAPIError, IntegrityError)), books.engine.begin() as connection:
        connection.execute(text(statement))
    assert _verify(books).ok


def _drop_guards(connection) -> None:  # type: ignore[no-untyped-def]
    # What someone working behind the service's back would do first.
    if connection.dialect.name == "sqlite":
        for name in ("journal_entry_no_update", "posting_no_update"):
            connection.execute(text(f"DROP TRIGGER {name}"))
    else:
        connection.execute(text("ALTER TABLE journal_entry DISABLE TRIGGER USER"))
        connection.execute(text("ALTER TABLE posting DISABLE TRIGGER USER"))


@pytest.mark.parametrize(
    ("tamper", "bad_seq"),
    [
        ("UPDATE posting SET debit_fen = 90000 WHERE entry_id = 3 AND line_no = 1", 3),
        ("UPDATE posting SET credit_fen = 25000 WHERE entry_id = 2 AND line_no = 2", 2),
        ("UPDATE journal_entry SET entry_date = '2026-02-28' WHERE seq = 2", 2),
        ("UPDATE journal_entry SET memo = '无' WHERE seq = 1", 1),
        ("UPDATE posting SET account = 'income:sponsorship' WHERE entry_id = 1 AND line_no = 2", 1),
        ("UPDATE posting SET entry_date = '2026-01-01' WHERE entry_id = 3", 3),
    ],
)
def test_verify_names_the_entry_changed_behind_the_services_back(
    books, tamper: str, bad_seq: int
) -> None:
    with books.engine.begin() as connection:
        _drop_guards(connection)
        connection.execute(text(tamper))
    result = _verify(books)
    assert not result.ok
    assert result.first_bad_seq == bad_seq
    assert result.problem


def test_verify_notices_a_deleted_last_entry(books) -> None:
    with books.engine.begin() as connection:
        drop_guards(connection, "journal_entry", "posting", "disbursement")
        connection.execute(text("UPDATE disbursement SET entry_id = NULL"))
        connection.execute(text("DELETE FROM posting WHERE entry_id = 3"))
        connection.execute(text("DELETE FROM journal_entry WHERE seq = 3"))
    result = _verify(books)
    assert not result.ok and result.first_bad_seq == 3


def test_verify_notices_the_stored_cash_changed(books) -> None:
    with books.engine.begin() as connection:
        connection.execute(text("UPDATE fund SET cash_fen = cash_fen + 100"))
    result = _verify(books)
    assert not result.ok and "余额" in (result.problem or "")


def test_a_reversal_points_at_what_it_reverses_and_negates_it(books) -> None:
    from carefund import incomes

    books.write(
        lambda session: incomes.reverse_income(
            session,
            income_id=2,
            reason="重复",
            on="2026-03-20",
            actor=get_user(session, "approver"),
        )
    )
    entries = _journal(books)
    reversal = entries[-1]
    assert reversal["reverses_seq"] == 2
    original = entries[1]
    assert [(p["account"], p["debit"], p["credit"]) for p in reversal["postings"]] == [
        (p["account"], p["credit"], p["debit"]) for p in original["postings"]
    ]
    assert _verify(books).ok


def test_the_chart_of_accounts_has_the_6x3_matrix() -> None:
    chart = chart_of_accounts()
    assert len(chart) == 1 + 4 + 18 + 2
    assert account_name_zh("bank:fee") == "银行手续费"
    assert account_name_zh("expense:life_assistance:hardship") == "支出-生活帮扶-生活困难党员"
    assert account_name_zh("income:member_donation") == "收入-党员募捐"
