"""Chain version 2: every figure printed is under the hash, and a row changed behind the
service's back is named by `verify` (issue 12, items 1 and 2).

The tampering here is what an insider with write access to the database would do: switch
the database's guards off, change one row, and hope that nothing notices.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
import rfc8785
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session, SQLModel

from carefund import disbursements, funds, incomes
from carefund.access.users import get_user
from carefund.errors import Conflict
from carefund.ledger import journal
from carefund.ledger.verify import VerifyResult, verify
from carefund.models import GENESIS_HASH, Alert, AlertRuleSetting, Grant, Unit
from carefund.reports import documents, slips
from carefund.storage.database import Database
from carefund.storage.schema import alembic_config, upgrade
from tests.builders import (
    disburse,
    make_fund,
    make_recipient,
    make_staff,
    record,
    submit,
)

HASHED_KEYS = {
    1: ("fund", "seq", "voucher_no", "date", "memo", "postings", "reverses_seq", "prev_hash"),
    2: (
        "fund",
        "seq",
        "voucher_no",
        "date",
        "memo",
        "postings",
        "document",
        "reverses_seq",
        "prev_hash",
    ),
}
"""API.md (Books) and README: the hashed object by chain version, written out again here."""
DOCUMENT_KEYS = {
    # Migration 0007 added an income's `earmark` and a payment's `source` and `earmark`.
    "income": {"kind", "receipt_no", "source", "payer", "amount", "received_on", "earmark"},
    "disbursement": {
        "kind",
        "id",
        "recipient",
        "category",
        "aspect",
        "amount",
        "approved_by",
        "paid_by",
        "source",
        "earmark",
    },
    "reversal": {"kind", "of_seq", "reason"},
}


@pytest.fixture
def books(database: Database) -> dict[str, Any]:
    """Two incomes (one reversed), two payments (one reversed), in March 2026."""
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    kept = record(database, staff["clerk"], "10005.07", on="2026-03-01", payer="区财政局")
    gone = record(database, staff["clerk"], "20.00", on="2026-03-02", payer="第一支部")
    wang = make_recipient(database, staff["clerk"], name="王小明", category="hardship")
    li = make_recipient(database, staff["clerk"], name="李四", category="retired")
    paid = disburse(database, staff, wang, "1010.10", on="2026-03-05")
    returned = disburse(database, staff, li, "300.00", aspect="spiritual_care", on="2026-03-06")

    def reverse(session: Session) -> None:
        approver = get_user(session, "approver")
        incomes.reverse_income(
            session, income_id=gone.id, reason="重复", on="2026-03-07", actor=approver
        )
        disbursements.reverse_disbursement(
            session, disbursement_id=returned.id, reason="退回", on="2026-03-08", actor=approver
        )

    database.write(reverse)
    return {
        "database": database,
        "staff": staff,
        "income": kept,
        "paid": paid,
        "wang": wang,
        "li": li,
    }


def _journal(database: Database) -> list[dict]:
    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        return journal.journal_page(session, fund, start=None, end=None, after_seq=0, limit=500)

    return database.read(read)


def _verify(database: Database) -> VerifyResult:
    return database.read(lambda session: verify(session, funds.find_fund(session, "HC-CARE")))


def _recompute(entry: dict) -> str:
    """The hash by API.md's rule, with an RFC 8785 library carefund does not use."""
    hashed = {key: entry[key] for key in HASHED_KEYS[entry["chain_version"]]}
    return hashlib.sha256(rfc8785.dumps(hashed)).hexdigest()


# ---------------------------------------------------------------------------------------
# The hash of chain version 2


def test_every_version_2_hash_recomputes_with_an_independent_jcs(books) -> None:
    entries = _journal(books["database"])
    assert [entry["chain_version"] for entry in entries] == [2] * 6
    previous = GENESIS_HASH
    for entry in entries:
        assert entry["prev_hash"] == previous
        assert _recompute(entry) == entry["hash"]
        assert set(entry["document"]) == DOCUMENT_KEYS[entry["document"]["kind"]]
        for posting in entry["postings"]:
            assert set(posting) == {"account", "debit", "credit", "recipient"}
        previous = entry["hash"]
    assert _verify(books["database"]).ok


def test_the_documents_record_what_receipts_and_vouchers_print(books) -> None:
    entries = _journal(books["database"])
    income, _gone, payment, _returned, income_reversal, payment_reversal = entries
    receipt_no = books["income"].receipt_no
    assert income["document"] == {
        "kind": "income",
        "receipt_no": receipt_no,
        "source": "fiscal_support",
        "payer": "区财政局",
        "amount": "10005.07",
        "received_on": "2026-03-01",
        "earmark": None,
    }
    assert payment["document"] == {
        "kind": "disbursement",
        "id": books["paid"].id,
        "recipient": books["wang"].member_no,
        "category": "hardship",
        "aspect": "life_assistance",
        "amount": "1010.10",
        "approved_by": "approver",
        "paid_by": "cashier",
        "source": "fiscal_support",
        "earmark": None,
    }
    assert [p["recipient"] for p in payment["postings"]] == [books["wang"].member_no, None]
    assert income_reversal["document"] == {"kind": "reversal", "of_seq": 2, "reason": "重复"}
    assert payment_reversal["document"] == {"kind": "reversal", "of_seq": 4, "reason": "退回"}
    # A reversal pays the money back from the same member.
    assert payment_reversal["postings"][0]["recipient"] == books["li"].member_no


def test_the_journal_api_answers_document_recipient_and_version(api) -> None:  # type: ignore[no-untyped-def]
    from tests.test_api_contract import open_fund
    from tests.test_api_contract import record as api_record

    open_fund(api)
    api_record(api, "clerk", "fiscal_support", "100.00", "2026-07-01")
    [entry] = api.all_pages("auditor", "/funds/HC-CARE/journal", limit=5)
    assert entry["chain_version"] == 2 and entry["document"]["kind"] == "income"
    assert [p["recipient"] for p in entry["postings"]] == [None, None]
    assert _recompute(entry) == entry["hash"]
    schema = api.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "chain_version" in schema["JournalEntryPublic"]["properties"]
    assert "first_bad_row" in schema["VerifyPublic"]["properties"]


# ---------------------------------------------------------------------------------------
# Tampering, as an insider would


def _guards_off(connection: Connection, *tables: str) -> None:
    """Switch off the database's guards on these tables: what an insider would do first."""
    for table in tables:
        if connection.dialect.name == "sqlite":
            triggers = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": table},
            ).scalars()
            for name in list(triggers):
                connection.execute(text(f"DROP TRIGGER {name}"))
        else:
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))


def _tamper(database: Database, *statements: str, **params: Any) -> None:
    with database.engine.begin() as connection:
        _guards_off(connection, "journal_entry", "posting", "income", "disbursement")
        for statement in statements:
            connection.execute(text(statement), params)


def _aid_posting_id(database: Database, disbursement_id: int) -> int:
    with database.engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT posting.id FROM posting JOIN disbursement "
                "ON disbursement.entry_id = posting.entry_id "
                "WHERE disbursement.id = :d AND posting.account LIKE 'expense:%'"
            ),
            {"d": disbursement_id},
        ).scalar_one()


def _named(result: VerifyResult) -> tuple[str, int | None, str]:
    assert not result.ok and result.first_bad_row is not None, result
    row = result.first_bad_row
    assert row.table in (result.problem or "") and row.field in (result.problem or "")
    return row.table, row.id, row.field


def _statement(database: Database) -> Any:
    def read(session: Session) -> Any:
        auditor = get_user(session, "auditor")
        return documents.statement_view(
            session, fund_code="HC-CARE", period="2026-03", actor=auditor
        ).statement

    return database.read(read)


def test_a_payment_moved_to_another_member_is_named(books) -> None:
    database, paid = books["database"], books["paid"]
    before = _statement(database)
    assert before.reconciled
    # The case: the disbursement, then its posting, credited to someone else.
    _tamper(
        database,
        "UPDATE disbursement SET recipient_id = :other WHERE id = :d",
        other=books["li"].id,
        d=paid.id,
    )
    assert _named(_verify(database)) == ("disbursement", paid.id, "recipient_id")
    assert not _statement(database).reconciled
    posting_id = _aid_posting_id(database, paid.id)
    _tamper(
        database,
        "UPDATE posting SET recipient_id = :other WHERE id = :p",
        other=books["li"].id,
        p=posting_id,
    )
    assert _named(_verify(database)) == ("posting", posting_id, "recipient_id")
    statement = _statement(database)
    assert not statement.reconciled and not statement.chain.ok


def test_a_posting_moved_to_another_recipient_alone_is_named(books) -> None:
    database, paid = books["database"], books["paid"]
    posting_id = _aid_posting_id(database, paid.id)
    _tamper(
        database,
        "UPDATE posting SET recipient_id = :other WHERE id = :p",
        other=books["li"].id,
        p=posting_id,
    )
    assert _named(_verify(database)) == ("posting", posting_id, "recipient_id")


def test_a_posting_moved_to_another_cell_of_the_matrix_is_named(books) -> None:
    database, paid = books["database"], books["paid"]
    before = _statement(database)
    posting_id = _aid_posting_id(database, paid.id)
    _tamper(database, "UPDATE posting SET category = 'cadre' WHERE id = :p", p=posting_id)
    assert _named(_verify(database)) == ("posting", posting_id, "category")
    after = _statement(database)
    # The matrix comes from the hashed accounts, so it does not move; its check fails.
    assert after.matrix_fen == before.matrix_fen
    assert not after.reconciled
    assert [check.passed for check in after.checks].count(False) == 1


def test_an_income_changed_in_amount_and_payer_is_named(books) -> None:
    database, income = books["database"], books["income"]
    _tamper(database, "UPDATE income SET amount_fen = amount_fen * 10 WHERE id = :i", i=income.id)
    assert _named(_verify(database)) == ("income", income.id, "amount_fen")
    # Both changed: the first field in the document's order is named.
    _tamper(database, "UPDATE income SET payer = '篡改单位' WHERE id = :i", i=income.id)
    assert _named(_verify(database)) == ("income", income.id, "payer")

    def receipt(session: Session) -> Any:
        clerk = get_user(session, "clerk")
        return slips.receipt_view(session, income_id=income.id, actor=clerk)

    with pytest.raises(Conflict, match="收据不予打印"):
        database.read(receipt)


def test_a_disbursement_changed_in_amount_is_named(books) -> None:
    database, paid = books["database"], books["paid"]
    _tamper(database, "UPDATE disbursement SET amount_fen = 1010100 WHERE id = :d", d=paid.id)
    assert _named(_verify(database)) == ("disbursement", paid.id, "amount_fen")

    def voucher(session: Session) -> Any:
        clerk = get_user(session, "clerk")
        return slips.voucher_view(session, disbursement_id=paid.id, actor=clerk)

    with pytest.raises(Conflict, match="领款签收单不予打印"):
        database.read(voucher)


def test_the_api_answers_the_first_bad_row(api) -> None:  # type: ignore[no-untyped-def]
    from tests.test_api_contract import open_fund
    from tests.test_api_contract import record as api_record

    open_fund(api)
    api_record(api, "clerk", "fiscal_support", "100.00", "2026-07-01")
    _tamper(api.database, "UPDATE income SET payer = 'x'")
    answer = api.ok(api.get("auditor", "/funds/HC-CARE/verify"))
    assert answer["ok"] is False and answer["first_bad_seq"] == 1
    assert answer["first_bad_row"] == {"table": "income", "id": 1, "field": "payer"}


# ---------------------------------------------------------------------------------------
# Books posted before the upgrade (chain version 1)


def _v1_hash(fund: str, entry: dict[str, Any], lines: list[tuple[str, int, int]]) -> str:
    hashed = {
        "fund": fund,
        "seq": entry["seq"],
        "voucher_no": entry["voucher_no"],
        "date": entry["entry_date"].isoformat(),
        "memo": entry["memo"],
        "postings": [
            {"account": account, "debit": f"{debit / 100:.2f}", "credit": f"{credit / 100:.2f}"}
            for account, debit, credit in lines
        ],
        "reverses_seq": None,
        "prev_hash": entry["prev_hash"],
    }
    return hashlib.sha256(rfc8785.dumps(hashed)).hexdigest()


def _post_v1(
    connection: Connection,
    head: dict[str, Any],
    *,
    on: date,
    memo: str,
    lines: list[tuple[str, int, int]],
    recipient_id: int | None = None,
    tags: tuple[str, str] | None = None,
) -> int:
    """Post an entry as carefund did before migration 0003 (the old rule, by hand)."""
    head["seq"] += 1
    entry = {
        "fund_id": head["id"],
        "seq": head["seq"],
        "voucher_no": f"记-{on:%Y%m}-{head['seq']:04d}",
        "entry_date": on,
        "memo": memo,
        "prev_hash": head["hash"],
    }
    entry["hash"] = _v1_hash("HC-CARE", entry, lines)
    entry_id = connection.execute(
        text(
            "INSERT INTO journal_entry (fund_id, seq, voucher_no, entry_date, memo, "
            "reverses_seq, prev_hash, hash, created_by, created_at) VALUES (:fund_id, :seq, "
            ":voucher_no, :entry_date, :memo, NULL, :prev_hash, :hash, 'clerk', "
            "CURRENT_TIMESTAMP) RETURNING id"
        ),
        entry,
    ).scalar_one()
    for line_no, (account, debit, credit) in enumerate(lines, start=1):
        expense = account.startswith("expense:")
        connection.execute(
            text(
                "INSERT INTO posting (entry_id, fund_id, entry_date, line_no, account, "
                "debit_fen, credit_fen, recipient_id, category, aspect) VALUES (:e, :f, :d, "
                ":n, :a, :dr, :cr, :r, :c, :s)"
            ),
            {
                "e": entry_id,
                "f": head["id"],
                "d": on,
                "n": line_no,
                "a": account,
                "dr": debit,
                "cr": credit,
                "r": recipient_id if expense else None,
                "c": tags[1] if expense and tags else None,
                "s": tags[0] if expense and tags else None,
            },
        )
        if account == "assets:cash":
            head["cash"] += debit - credit
    head["hash"] = entry["hash"]
    connection.execute(
        text("UPDATE fund SET head_seq = :seq, head_hash = :hash, cash_fen = :cash WHERE id = :id"),
        head,
    )
    return entry_id


USER_COLUMNS_SINCE_0001 = {
    "display_name": "VARCHAR(64)",
    "must_change_password": "BOOLEAN NOT NULL DEFAULT FALSE",
    "id_number": "TEXT",
    "id_number_hash": "VARCHAR(64)",
    "phone": "TEXT",
    "phone_hash": "VARCHAR(64)",
}
"""The user columns later revisions added, which the builders' ORM writes."""
COLUMNS_SINCE_0001 = {
    "app_user": USER_COLUMNS_SINCE_0001,
    "fund": {"approval_threshold_fen": "BIGINT", "review_threshold_fen": "BIGINT"},
    "disbursement": {
        "source": "VARCHAR(32)",
        "earmark_income_id": "INTEGER",
        "first_approved_by": "VARCHAR(64)",
        "first_approved_at": "TIMESTAMP",
        "meeting_no": "VARCHAR(64)",
        "meeting_on": "DATE",
    },
}
"""Every table's columns later revisions added (0006's users, 0007's controls)."""


@contextmanager
def _user_columns_of_today(database: Database) -> Iterator[None]:
    """The old book's users are added by today's builders: give app_user today's columns
    while they write, and take them away again before the upgrade adds them. The builders'
    writes also read the early-warning rules' settings (0008): those tables too."""
    later_tables = [Alert.__table__, AlertRuleSetting.__table__]  # type: ignore[attr-defined]
    with database.engine.begin() as connection:
        for table, columns in COLUMNS_SINCE_0001.items():
            for name, kind in columns.items():
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
        SQLModel.metadata.create_all(connection, tables=later_tables)
    try:
        yield
    finally:
        with database.engine.begin() as connection:
            for table, columns in COLUMNS_SINCE_0001.items():
                for name in columns:
                    connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {name}"))
            SQLModel.metadata.drop_all(connection, tables=later_tables)


def _old_book(database: Database) -> dict[str, Any]:
    """At revision 0001: a fund with an income and a paid disbursement, posted the old way."""
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    member = make_recipient(database, staff["clerk"], name="张三", category="hardship")
    disbursement = submit(database, staff["clerk"], member, "300.00")
    on = date(2026, 3, 5)
    with database.engine.begin() as connection:
        fund_id = connection.execute(text("SELECT id FROM fund")).scalar_one()
        head = {"id": fund_id, "seq": 0, "hash": GENESIS_HASH, "cash": 0}
        income_entry = _post_v1(
            connection,
            head,
            on=on,
            memo="收到财政支持 区财政局",
            lines=[("assets:cash", 100000, 0), ("income:fiscal_support", 0, 100000)],
        )
        connection.execute(
            text(
                "INSERT INTO income (fund_id, source, payer, amount_fen, received_on, method, "
                "memo, receipt_no, entry_id, status, created_by, created_at) VALUES (:f, "
                "'fiscal_support', '区财政局', 100000, :d, '', '', 'HC-CARE-2026-000001', :e, "
                "'posted', 'clerk', CURRENT_TIMESTAMP)"
            ),
            {"f": fund_id, "d": on, "e": income_entry},
        )
        # Approved the old way (today's approval reads the controls of migration 0007).
        connection.execute(
            text(
                "UPDATE disbursement SET status = 'approved', approved_by = 'approver' WHERE id = :i"
            ),
            {"i": disbursement.id},
        )
    with database.engine.begin() as connection:
        payment_entry = _post_v1(
            connection,
            head,
            on=on,
            memo=f"支付生活帮扶 {member.member_no} 春节慰问（支出 #{disbursement.id}）",
            lines=[("expense:life_assistance:hardship", 30000, 0), ("assets:cash", 0, 30000)],
            recipient_id=member.id,
            tags=("life_assistance", "hardship"),
        )
        connection.execute(
            text(
                "UPDATE disbursement SET status = 'paid', paid_by = 'cashier', paid_on = :d, "
                "entry_id = :e WHERE id = :id"
            ),
            {"d": on, "e": payment_entry, "id": disbursement.id},
        )
        connection.execute(
            text(
                "INSERT INTO counter (fund_id, name, last_value) VALUES "
                "(:f, 'voucher:202603', 2), (:f, 'receipt:2026', 1)"
            ),
            {"f": fund_id},
        )
    return {"staff": staff, "member": member, "disbursement": disbursement}


@contextmanager
def _todays_recipient_columns(database: Database) -> Iterator[None]:
    """The keyed-hash columns (0005) and the payment account (0009) that today's model
    reads, added by hand to the old schema while today's builders write the old book, and
    dropped before the upgrade."""
    columns = ("id_number_hash", "phone_hash", "account_kind", "account_no", "account_bank")
    with database.engine.begin() as connection:
        for column in columns:
            connection.execute(text(f"ALTER TABLE recipient ADD COLUMN {column} VARCHAR(64)"))
    try:
        yield
    finally:
        with database.engine.begin() as connection:
            for column in columns:
                connection.execute(text(f"ALTER TABLE recipient DROP COLUMN {column}"))


@contextmanager
def _todays_unit_tables(database: Database) -> Iterator[None]:
    """The organisation tree (0010) and the events' transaction (0011) that today's
    builders write into, added by hand to the old schema while they write the old book,
    and taken away before the upgrade adds them."""
    tables = (Unit.__table__, Grant.__table__)  # type: ignore[attr-defined]
    with database.engine.begin() as connection:
        for table in tables:
            table.create(connection)
        for name in ("fund", "recipient", "event"):
            connection.execute(text(f"ALTER TABLE {name} ADD COLUMN unit_id INTEGER"))
        connection.execute(text("ALTER TABLE event ADD COLUMN tx BIGINT NOT NULL DEFAULT 0"))
    try:
        yield
    finally:
        with database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE event DROP COLUMN tx"))
            for name in ("fund", "recipient", "event"):
                connection.execute(text(f"ALTER TABLE {name} DROP COLUMN unit_id"))
            for table in reversed(tables):
                table.drop(connection)


def test_a_version_1_book_verifies_after_the_upgrade_and_grows_as_version_2(
    database: Database,
) -> None:
    config = alembic_config(database.engine)
    command.downgrade(config, "0001")
    try:
        with (
            _todays_recipient_columns(database),
            _user_columns_of_today(database),
            _todays_unit_tables(database),
        ):
            old = _old_book(database)
    finally:
        upgrade(database.engine)
    assert _verify(database).ok
    record(database, old["staff"]["clerk"], "50.00", on="2026-03-09", payer="第二支部")
    entries = _journal(database)
    assert [entry["chain_version"] for entry in entries] == [1, 1, 2]
    for entry in entries[:2]:
        # Exactly what was hashed: no document, postings without recipient.
        assert entry["document"] is None
        assert all(set(p) == {"account", "debit", "credit"} for p in entry["postings"])
    previous = GENESIS_HASH
    for entry in entries:
        assert entry["prev_hash"] == previous and _recompute(entry) == entry["hash"]
        previous = entry["hash"]
    assert _verify(database).ok
    # Version 1 rows are still cross-checked against what version 1 hashed.
    _tamper(
        database,
        "UPDATE disbursement SET amount_fen = 99 WHERE id = :d",
        d=old["disbursement"].id,
    )
    assert _named(_verify(database)) == ("disbursement", old["disbursement"].id, "amount_fen")


def test_an_entry_cannot_be_passed_off_as_version_1(books) -> None:
    database = books["database"]
    _tamper(database, "UPDATE journal_entry SET chain_version = 1, document = NULL WHERE seq = 6")
    result = _verify(database)
    assert not result.ok and result.first_bad_seq == 6


# ---------------------------------------------------------------------------------------
# Month seals (issue 12, item 3)


def _close(database: Database, month: str) -> dict[str, Any]:
    from carefund import periods

    return database.write(
        lambda session: periods.close_period(
            session, fund_code="HC-CARE", month=month, actor=get_user(session, "approver")
        )
    )


def test_closing_a_month_appends_its_seal_and_verify_checks_it(books) -> None:
    database = books["database"]
    record(database, books["staff"]["clerk"], "1.00", on="2026-04-02")  # after March, before
    closed = _close(database, "2026-03")
    entries = _journal(database)
    seal = entries[-1]
    march_last = entries[-3]  # the last entry dated in March (April's income came after it)
    assert seal["document"] == {
        "kind": "seal",
        "period": "2026-03",
        "closing_balance": "8994.97",
        "sealed_head": march_last["hash"],
    }
    assert seal["postings"] == [] and seal["voucher_no"] == "封-202603-01"
    assert seal["date"] == "2026-03-31" and _recompute(seal) == seal["hash"]
    assert closed["head_hash"] == seal["hash"] and closed["closing_balance"] == "8994.97"
    assert _verify(database).ok

    def seals(session: Session) -> Any:
        from carefund import periods

        return periods.read_seals(session, fund_code="HC-CARE", actor=get_user(session, "auditor"))

    assert database.read(seals) == {
        "items": [
            {
                "period": "2026-03",
                "seq": seal["seq"],
                "hash": seal["hash"],
                "sealed_head": march_last["hash"],
                "closing_balance": "8994.97",
            }
        ]
    }


def test_a_month_closed_again_gets_a_second_seal(books) -> None:
    from carefund import periods

    database = books["database"]
    _close(database, "2026-03")
    database.write(
        lambda session: periods.reopen_period(
            session,
            fund_code="HC-CARE",
            month="2026-03",
            reason="补记",
            actor=get_user(session, "admin"),
        )
    )
    record(database, books["staff"]["clerk"], "5.00", on="2026-03-30")
    _close(database, "2026-03")
    seals = [entry for entry in _journal(database) if entry["document"]["kind"] == "seal"]
    assert [seal["voucher_no"] for seal in seals] == ["封-202603-01", "封-202603-02"]
    assert seals[1]["document"]["closing_balance"] == "8999.97"
    assert _verify(database).ok


def test_a_seal_that_lies_is_found(books) -> None:
    database = books["database"]
    _close(database, "2026-03")
    _tamper(
        database,
        "UPDATE journal_entry SET document = REPLACE(document, '8994.97', '99999.99') "
        "WHERE voucher_no = '封-202603-01'",
    )
    result = _verify(database)
    assert not result.ok and result.first_bad_seq == 7


def test_statements_and_the_public_list_print_the_seal(books) -> None:
    from receipts import render_disclosure, render_statement
    from tests.document_fixtures import compact, pdf_text

    database = books["database"]
    _close(database, "2026-03")

    def read(session: Session) -> Any:
        auditor = get_user(session, "auditor")
        statement = documents.statement_view(
            session, fund_code="HC-CARE", period="2026-03", actor=auditor
        )
        disclosure = documents.disclosure_view(
            session, fund_code="HC-CARE", period="2026-03", actor=auditor
        )
        return statement, render_statement(statement), render_disclosure(disclosure)

    view, statement_pdf, disclosure_pdf = database.read(read)
    seal = view.statement.seal
    assert seal is not None and seal.text.startswith("carefund:seal?fund=HC-CARE&period=2026-03")
    for content in (statement_pdf, disclosure_pdf):
        text = compact(pdf_text(content))
        assert "2026-03月结封存凭证" in text and seal.sealed_head[:32] in text
