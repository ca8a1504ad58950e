"""Many writers: receipts stay consecutive, balances exact; funds do not block each other."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from carefund import disbursements, funds, incomes
from carefund.ledger.posting import lock_fund_head
from carefund.ledger.verify import verify
from carefund.models import Income
from carefund.storage.db import read_session, write_session
from tests.builders import approve, make_fund, make_recipient, make_staff, pay, record, submit

WRITERS = 16
INCOMES = 400


def test_sixteen_writers_get_consecutive_receipts_and_an_exact_balance(engine) -> None:
    staff = make_staff(engine)
    make_fund(engine, staff["admin"])

    def post(number: int) -> str:
        with write_session(engine) as session:
            income = incomes.record_income(
                session,
                fund_code="HC-CARE",
                source="member_donation",
                payer=f"党员{number}",
                amount=f"{number % 97 + 1}.{number % 100:02d}",
                received_on="2026-06-01",
                actor=staff["clerk"],
            )
            return income.receipt_no

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        receipts = list(pool.map(post, range(INCOMES)))

    expected_fen = sum((n % 97 + 1) * 100 + n % 100 for n in range(INCOMES))
    assert sorted(receipts) == [f"HC-CARE-2026-{n:06d}" for n in range(1, INCOMES + 1)]
    with read_session(engine) as session:
        fund = funds.get_fund(session, "HC-CARE")
        assert fund.cash_fen == expected_fen
        result = verify(session, fund)
        assert result.ok and result.entries == INCOMES
        vouchers = session.exec(select(Income.receipt_no).order_by(col(Income.id))).all()
        assert len(set(vouchers)) == INCOMES


def test_receipt_numbers_restart_each_year_and_per_fund(engine) -> None:
    staff = make_staff(engine)
    make_fund(engine, staff["admin"])
    make_fund(engine, staff["admin"], code="HC-RELIEF", name="特困党员救助基金")
    numbers = []
    for fund, on in [
        ("HC-CARE", "2025-12-31"),
        ("HC-CARE", "2026-01-01"),
        ("HC-RELIEF", "2026-01-02"),
        ("HC-CARE", "2026-01-03"),
    ]:
        with write_session(engine) as session:
            numbers.append(
                incomes.record_income(
                    session,
                    fund_code=fund,
                    source="fiscal_support",
                    payer="区财政局",
                    amount="10",
                    received_on=on,
                    actor=staff["clerk"],
                ).receipt_no
            )
    assert numbers == [
        "HC-CARE-2025-000001",
        "HC-CARE-2026-000001",
        "HC-RELIEF-2026-000001",
        "HC-CARE-2026-000002",
    ]


def test_a_writer_on_one_fund_does_not_block_another_fund(engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time by design; row locks are PostgreSQL's")
    staff = make_staff(engine)
    make_fund(engine, staff["admin"])
    make_fund(engine, staff["admin"], code="HC-RELIEF", name="特困党员救助基金")
    holding = threading.Event()
    release = threading.Event()

    def hold_care_fund() -> None:
        with write_session(engine) as session:
            lock_fund_head(session, "HC-CARE")
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_care_fund)
    holder.start()
    holding.wait(5)
    try:
        # Another fund goes through at once...
        with write_session(engine) as session:
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
        # ...while the same fund waits for the lock.
        with pytest.raises(OperationalError), write_session(engine) as session:
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
    finally:
        release.set()
        holder.join()


def test_a_fund_read_before_its_lock_is_read_again_under_it(engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writer holds the database from its first read")
    staff = make_staff(engine)
    make_fund(engine, staff["admin"])
    record(engine, staff["clerk"], "1000.00")
    recipient = make_recipient(engine, staff["clerk"])
    first = approve(engine, staff["approver"], submit(engine, staff["clerk"], recipient, "10.00"))
    second = approve(engine, staff["approver"], submit(engine, staff["clerk"], recipient, "20.00"))

    with write_session(engine) as session:
        # The fund is in this unit of work's session (held, as a page or a use case may
        # hold it) before it takes the fund's lock...
        seen = funds.get_fund(session, "HC-CARE")
        # ...and another writer moves the chain head and the cash meanwhile.
        pay(engine, staff["cashier"], first)
        locked = lock_fund_head(session, "HC-CARE")
        assert (seen.head_seq, seen.cash_fen) == (1, 1000_00)
        assert (locked.head_seq, locked.cash_fen) == (2, 1000_00 - 10_00)
        disbursements.pay_disbursement(
            session, disbursement_id=second.id, paid_on="2026-03-10", actor=staff["cashier"]
        )

    with read_session(engine) as session:
        fund = funds.get_fund(session, "HC-CARE")
        assert fund.cash_fen == (1000_00 - 10_00 - 20_00)
        verified = verify(session, fund)
        assert verified.ok and verified.entries == 3, verified.problem
