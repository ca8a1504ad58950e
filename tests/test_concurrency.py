"""Many writers: receipts stay consecutive, balances exact; funds do not block each other."""

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from carefund import disbursements, funds, incomes
from carefund.ledger.heads import lock_fund_head
from carefund.ledger.verify import verify
from carefund.models import Income
from tests.builders import approve, make_fund, make_recipient, make_staff, pay, record, submit

WRITERS = 16
INCOMES = 400


def test_sixteen_writers_get_consecutive_receipts_and_an_exact_balance(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])

    def post(number: int) -> str:
        def write(session: Session) -> Any:
            income = incomes.record_income(
                session,
                fund_code="HC-CARE",
                source="member_donation",
                payer=f"党员{number}",
                amount=f"{number % 97 + 1}.{number % 100:02d}",
                received_on="2026-06-01",
                actor=staff["clerk"],
            )
            return income["receipt_no"]

        return database.write(write)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        receipts = list(pool.map(post, range(INCOMES)))

    expected_fen = sum((n % 97 + 1) * 100 + n % 100 for n in range(INCOMES))
    assert sorted(receipts) == [f"HC-CARE-2026-{n:06d}" for n in range(1, INCOMES + 1)]

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        assert fund.cash_fen == expected_fen
        result = verify(session, fund)
        assert result.ok and result.entries == INCOMES
        vouchers = session.exec(select(Income.receipt_no).order_by(col(Income.id))).all()
        assert len(set(vouchers)) == INCOMES

    database.read(read)


def test_receipt_numbers_restart_each_year_and_per_fund(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    make_fund(database, staff["admin"], code="HC-RELIEF", name="特困党员救助基金")
    numbers = []
    for fund, on in [
        ("HC-CARE", "2025-12-31"),
        ("HC-CARE", "2026-01-01"),
        ("HC-RELIEF", "2026-01-02"),
        ("HC-CARE", "2026-01-03"),
    ]:
        income = database.write(
            partial(
                incomes.record_income,
                fund_code=fund,
                source="fiscal_support",
                payer="区财政局",
                amount="10",
                received_on=on,
                actor=staff["clerk"],
            )
        )
        numbers.append(income["receipt_no"])
    assert numbers == [
        "HC-CARE-2025-000001",
        "HC-CARE-2026-000001",
        "HC-RELIEF-2026-000001",
        "HC-CARE-2026-000002",
    ]


def test_a_writer_on_one_fund_does_not_block_another_fund(database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time by design; row locks are PostgreSQL's")
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    make_fund(database, staff["admin"], code="HC-RELIEF", name="特困党员救助基金")
    holding = threading.Event()
    release = threading.Event()

    def hold_care_fund() -> None:
        def write(session: Session) -> Any:
            lock_fund_head(session, "HC-CARE")
            holding.set()
            release.wait(10)

        database.write(write)

    holder = threading.Thread(target=hold_care_fund)
    holder.start()
    holding.wait(5)
    try:
        # Another fund goes through at once...
        def write(session: Session) -> Any:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
            incomes.record_income(
                session,
                fund_code="HC-RELIEF",
                source="fiscal_support",
                payer="区财政局",
                amount="100",
                received_on="2026-06-01",
                actor=staff["clerk"],
            )

        database.write(write)
        # ...while the same fund waits for the lock.
        with pytest.raises(OperationalError):

            def write(session: Session) -> Any:
                session.execute(text("SET LOCAL lock_timeout = '300ms'"))
                incomes.record_income(
                    session,
                    fund_code="HC-CARE",
                    source="fiscal_support",
                    payer="区财政局",
                    amount="100",
                    received_on="2026-06-01",
                    actor=staff["clerk"],
                )

            database.write(write)
    finally:
        release.set()
        holder.join()


def test_a_fund_read_before_its_lock_is_read_again_under_it(database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writer holds the database from its first read")
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "1000.00")
    recipient = make_recipient(database, staff["clerk"])
    first = approve(
        database, staff["approver"], submit(database, staff["clerk"], recipient, "10.00")
    )
    second = approve(
        database, staff["approver"], submit(database, staff["clerk"], recipient, "20.00")
    )

    def write(session: Session) -> Any:
        seen = funds.find_fund(session, "HC-CARE")
        # ...and another writer moves the chain head and the cash meanwhile.
        pay(database, staff["cashier"], first)
        locked = lock_fund_head(session, "HC-CARE")
        assert (seen.head_seq, seen.cash_fen) == (1, 1000_00)
        assert (locked.head_seq, locked.cash_fen) == (2, 1000_00 - 10_00)
        disbursements.pay_disbursement(
            session, disbursement_id=second.id, paid_on="2026-03-10", actor=staff["cashier"]
        )

    database.write(write)

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        assert fund.cash_fen == (1000_00 - 10_00 - 20_00)
        verified = verify(session, fund)
        assert verified.ok and verified.entries == 3, verified.problem

    database.read(read)


def test_verify_reads_one_snapshot_while_others_post(database) -> None:
    # An auditor's verify runs while clerks post: an income committed between reading the
    # fund's head and reading its entries must not look like a broken chain.
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "100.00")

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")  # the head as this read first sees it
        with ThreadPoolExecutor(1) as other:
            other.submit(record, database, staff["clerk"], "5.00").result()
        return verify(session, fund)

    result = database.read(read)
    assert result.ok, result
    assert result.entries == 1  # the snapshot's books; the later income is the next read's
    assert (
        database.read(lambda session: verify(session, funds.find_fund(session, "HC-CARE"))).entries
        == 2
    )
