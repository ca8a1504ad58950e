"""The scale generator (bench/province) writes real books: tiny ones here, on both backends.

The benchmark trusts its million-entry books because these checks pass on small ones:
every chain verifies, statements reconcile, receipts and vouchers are gap-free, closed
months hold their balances, and the use cases carry on where the generator stopped.
"""

from collections import defaultdict
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bench.province import ACTORS, BookSize, generate
from carefund import funds, incomes
from carefund.access import users
from carefund.errors import PeriodClosed
from carefund.ledger.verify import verify
from carefund.models import Counter, Disbursement, Income, JournalEntry, Period
from carefund.reports.statements import build_statement, parse_period

TINY = BookSize(entries=600, funds=3, recipients=40)


@pytest.fixture
def books(database):  # type: ignore[no-untyped-def]
    made = generate(database, TINY, seed=11, echo=lambda line: None)
    return database, made


def test_every_chain_verifies_and_holds_what_was_generated(books) -> None:
    database, made = books
    assert made.entries == 600 and made.incomes + made.payments + made.reversals == 600
    assert made.reversals > 0, "the sample should exercise reversals"

    def read(session: Session) -> Any:
        results = [verify(session, fund) for fund in funds.all_funds(session)]
        assert all(result.ok for result in results), [r.problem for r in results]
        assert sum(result.entries for result in results) == 600
        assert session.exec(
            select(JournalEntry).where(col(JournalEntry.reverses_seq).is_not(None))
        ).first()

    database.read(read)


def test_statements_reconcile_every_month_and_the_year(books) -> None:
    database, _made = books

    def read(session: Session) -> Any:
        for fund in funds.all_funds(session):
            closing = None
            for label in [f"2026-{month:02d}" for month in range(1, 13)] + ["2025", "2026"]:
                statement = build_statement(session, fund, parse_period(label))
                assert statement.reconciled, (fund.code, label, statement.checks)
                if label.startswith("2026-"):
                    assert closing is None or statement.opening_fen == closing
                    closing = statement.closing_fen
            assert closing == fund.cash_fen

    database.read(read)


def test_receipts_and_vouchers_are_gap_free_and_counters_agree(books) -> None:
    database, _made = books

    def read(session: Session) -> Any:
        for fund in funds.all_funds(session):
            receipts: dict[str, list[int]] = defaultdict(list)
            for receipt_no in session.exec(
                select(Income.receipt_no).where(Income.fund_id == fund.id)
            ):
                code_year, number = receipt_no.rsplit("-", 1)
                receipts[code_year].append(int(number))
            vouchers: dict[str, list[int]] = defaultdict(list)
            for voucher_no in session.exec(
                select(JournalEntry.voucher_no).where(JournalEntry.fund_id == fund.id)
            ):
                _, month, number = voucher_no.split("-")
                vouchers[month].append(int(number))
            counters = {
                c.name: c.last_value
                for c in session.exec(select(Counter).where(Counter.fund_id == fund.id))
            }
            for code_year, numbers in receipts.items():
                assert sorted(numbers) == list(range(1, len(numbers) + 1)), code_year
                assert counters[f"receipt:{code_year[-4:]}"] == len(numbers)
            for month, numbers in vouchers.items():
                assert sorted(numbers) == list(range(1, len(numbers) + 1)), month
                assert counters[f"voucher:{month}"] == len(numbers)

    database.read(read)


def test_reversed_records_point_at_their_reversals(books) -> None:
    database, _made = books

    def read(session: Session) -> Any:
        reversed_incomes = session.exec(select(Income).where(Income.status == "reversed")).all()
        reversed_payments = session.exec(
            select(Disbursement).where(Disbursement.status == "reversed")
        ).all()
        assert reversed_incomes or reversed_payments
        for record in [*reversed_incomes, *reversed_payments]:
            original = session.get(JournalEntry, record.entry_id)
            reversal = session.get(JournalEntry, record.reversal_entry_id)
            assert original and reversal and reversal.reverses_seq == original.seq
            assert reversal.entry_date >= original.entry_date

    database.read(read)


def test_closed_months_hold_the_balance_at_their_end(books) -> None:
    database, _made = books

    def read(session: Session) -> Any:
        for fund in funds.all_funds(session):
            assert (
                fund.closed_through is not None and fund.closed_through.isoformat() == "2025-12-31"
            )
            periods = session.exec(select(Period).where(Period.fund_id == fund.id)).all()
            assert len(periods) == 12
            for period in periods:
                statement = build_statement(session, fund, parse_period(period.month))
                assert period.closing_balance_fen == statement.closing_fen, period.month

    database.read(read)


def test_the_use_cases_carry_on_where_the_generator_stopped(books) -> None:
    database, _made = books

    def write(session: Session) -> Any:
        clerk = users.get_user(session, ACTORS["clerk"])
        before = funds.find_fund(session, "PROV-CARE")
        head_seq = before.head_seq
        recorded = incomes.record_income(
            session,
            fund_code="PROV-CARE",
            source="fiscal_support",
            payer="省财政厅",
            amount="1000.00",
            received_on="2026-12-31",
            actor=clerk,
        )
        income = session.get_one(Income, recorded["id"])
        return before, head_seq, income

    before, head_seq, income = database.write(write)

    def read(session: Session) -> Any:
        last = session.exec(
            select(Income.receipt_no)
            .where(Income.fund_id == before.id)
            .order_by(col(Income.id).desc())
            .offset(1)
        ).first()
        assert last is not None and int(income.receipt_no[-6:]) == int(last[-6:]) + 1
        fund = funds.find_fund(session, "PROV-CARE")
        assert fund.head_seq == head_seq + 1
        assert verify(session, fund).ok

    database.read(read)
    with pytest.raises(PeriodClosed):

        def write(session: Session) -> Any:
            incomes.record_income(
                session,
                fund_code="PROV-CARE",
                source="fiscal_support",
                payer="省财政厅",
                amount="1.00",
                received_on="2025-06-30",
                actor=users.get_user(session, ACTORS["clerk"]),
            )

        database.write(write)
