"""What incomes and disbursements say about money is append-only in the database itself
(migration 0002), as the journal is: an UPDATE of those columns, or a DELETE, is refused
even to someone with write access who goes around the service; the workflow still works."""

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from carefund import disbursements, incomes
from carefund.models import Disbursement
from carefund.storage.engines import make_engine
from carefund.storage.schema import alembic_config
from tests.builders import (
    approve,
    disburse,
    make_fund,
    make_recipient,
    make_staff,
    pay,
    record,
    submit,
)
from tests.tampering import drop_guards


@pytest.fixture
def books(database):  # type: ignore[no-untyped-def]
    """An income, a paid disbursement (id 1) and a submitted one (id 2), on two members."""
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "1000.00")
    first, second = (make_recipient(database, staff["clerk"]) for _ in range(2))
    disburse(database, staff, first, "100.00")
    submit(database, staff["clerk"], second, "50.00")
    return database, staff


REFUSED = [
    "UPDATE income SET amount_fen = amount_fen * 10",
    "UPDATE income SET payer = '篡改单位'",
    "UPDATE income SET received_on = '2026-01-01'",
    "UPDATE income SET receipt_no = 'HC-CARE-2026-999999'",
    "DELETE FROM income",
    "UPDATE disbursement SET recipient_id = 2 WHERE id = 1",
    "UPDATE disbursement SET amount_fen = 1 WHERE id = 2",
    "UPDATE disbursement SET aspect = 'work_incentive' WHERE id = 1",
    "UPDATE disbursement SET paid_by = 'someone' WHERE id = 1",
    "UPDATE disbursement SET paid_on = '2026-03-11' WHERE id = 1",
    "UPDATE disbursement SET approved_by = 'approver2' WHERE id = 1",
    "UPDATE disbursement SET entry_id = NULL WHERE id = 1",
    "DELETE FROM disbursement WHERE id = 2",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_database_refuses_to_change_the_money(books, statement: str) -> None:
    books, _ = books
    with pytest.raises((DBAPIError, IntegrityError)), books.engine.begin() as connection:
        connection.execute(text(statement))
    with books.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM income")).scalar() == 1
        rows = connection.execute(
            text("SELECT recipient_id, amount_fen, paid_by FROM disbursement ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [(1, 10000, "cashier"), (2, 5000, None)]


def test_the_refusal_names_the_column(books) -> None:
    books, _ = books
    refused = pytest.raises(DBAPIError, match="income.amount_fen cannot change")
    with refused, books.engine.begin() as connection:
        connection.execute(text("UPDATE income SET amount_fen = 1"))


def test_the_workflow_still_changes_what_it_may(books) -> None:
    books, staff = books
    second = books.read(lambda session: session.get_one(Disbursement, 2))
    approve(books, staff["approver"], second)
    pay(books, staff["cashier"], second)
    books.write(
        lambda session: disbursements.reverse_disbursement(
            session, disbursement_id=1, reason="发错", actor=staff["approver"]
        )
    )
    small = record(books, staff["clerk"], "20.00")
    books.write(
        lambda session: incomes.reverse_income(
            session, income_id=small.id, reason="录错", actor=staff["approver"]
        )
    )
    with books.engine.begin() as connection:  # what is not money stays editable
        connection.execute(text("UPDATE disbursement SET memo = '补充说明', purpose = '慰问'"))
        connection.execute(text("UPDATE income SET memo = '补充说明', method = '现金'"))
    statuses = books.read(
        lambda session: session.exec(select(Disbursement.status).order_by(Disbursement.id)).all()
    )
    assert statuses == ["reversed", "paid"]


def test_an_insider_must_drop_the_guards_first(books) -> None:
    books, _ = books
    with books.engine.begin() as connection:
        drop_guards(connection, "income", "disbursement")
        connection.execute(text("UPDATE income SET amount_fen = amount_fen * 10"))
        connection.execute(text("UPDATE disbursement SET recipient_id = 2 WHERE id = 1"))
        connection.execute(text("DELETE FROM disbursement WHERE id = 2"))


def test_downgrade_drops_the_guards_and_upgrade_brings_them_back(tmp_path) -> None:
    # On a database of its own: the shared test databases stay at the newest revision.
    engine = make_engine(f"sqlite:///{tmp_path / 'guards.db'}")
    config = alembic_config(engine)

    def guards() -> set[str]:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('income', 'disbursement', 'journal_entry', 'posting')"
                )
            )
            return set(found.scalars())

    command.upgrade(config, "0002")
    assert guards() == {"income", "disbursement", "journal_entry", "posting"}
    command.downgrade(config, "0001")
    assert guards() == {"journal_entry", "posting"}
    command.upgrade(config, "0002")
    assert guards() == {"income", "disbursement", "journal_entry", "posting"}
    engine.dispose()
