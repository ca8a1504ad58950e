"""Property-based: random sequences of record / submit / approve / reject / pay / reverse /
close never unbalance an entry, never make cash negative, never break the chain and never
leave a gap in receipt numbers."""

from datetime import date
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func
from sqlmodel import Session, select

from carefund import disbursements, funds, incomes, periods
from carefund.errors import CarefundError
from carefund.ledger.verify import verify
from carefund.models import Disbursement, Income, JournalEntry, Posting
from carefund.vocabulary import Aspect, DisbursementStatus, IncomeSource, MemberCategory
from tests.builders import make_fund, make_recipient, make_staff

amounts = st.integers(min_value=1, max_value=5_000_000).map(
    lambda fen: f"{fen // 100}.{fen % 100:02d}"
)
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 10, 31))
months = st.sampled_from([f"2026-{m:02d}" for m in range(1, 11)])


def make_machine(fresh_database):  # type: ignore[no-untyped-def]
    class Books(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.database = fresh_database()
            self.staff = make_staff(self.database)
            make_fund(self.database, self.staff["admin"])
            self.roll = [
                make_recipient(self.database, self.staff["clerk"], category=category.value)
                for category in MemberCategory
            ]
            self.income_ids: list[int] = []
            self.disbursement_ids: list[int] = []

        def attempt(self, use_case, **kwargs):  # type: ignore[no-untyped-def]
            # Refusals (closed period, short funds, wrong state) are expected; they must
            # leave nothing behind, which the invariants below check.
            try:
                return self.database.write(lambda session: use_case(session, **kwargs))
            except CarefundError:
                return None

        @rule(source=st.sampled_from(IncomeSource), amount=amounts, on=days)
        def record(self, source, amount, on):  # type: ignore[no-untyped-def]
            income = self.attempt(
                incomes.record_income,
                fund_code="HC-CARE",
                source=source.value,
                payer="某单位",
                amount=amount,
                received_on=on,
                actor=self.staff["clerk"],
            )
            if income:
                self.income_ids.append(income["id"])

        @rule(who=st.integers(0, 5), amount=amounts, aspect=st.sampled_from(Aspect))
        def submit(self, who, amount, aspect):  # type: ignore[no-untyped-def]
            found = self.attempt(
                disbursements.submit_disbursement,
                fund_code="HC-CARE",
                recipient_id=self.roll[who].id,
                amount=amount,
                aspect=aspect.value,
                actor=self.staff["clerk"],
            )
            if found:
                self.disbursement_ids.append(found.id)

        @rule(pick=st.integers(0, 10_000), by_submitter=st.booleans())
        def approve(self, pick, by_submitter):  # type: ignore[no-untyped-def]
            if self.disbursement_ids:
                actor = self.staff["clerk" if by_submitter else "approver"]
                self.attempt(
                    disbursements.approve_disbursement,
                    disbursement_id=self.disbursement_ids[pick % len(self.disbursement_ids)],
                    actor=actor,
                )

        @rule(pick=st.integers(0, 10_000))
        def reject(self, pick):  # type: ignore[no-untyped-def]
            if self.disbursement_ids:
                self.attempt(
                    disbursements.reject_disbursement,
                    disbursement_id=self.disbursement_ids[pick % len(self.disbursement_ids)],
                    reason="材料不全",
                    actor=self.staff["approver"],
                )

        @rule(pick=st.integers(0, 10_000), on=days)
        def pay(self, pick, on):  # type: ignore[no-untyped-def]
            if self.disbursement_ids:
                self.attempt(
                    disbursements.pay_disbursement,
                    disbursement_id=self.disbursement_ids[pick % len(self.disbursement_ids)],
                    paid_on=on,
                    actor=self.staff["cashier"],
                )

        @rule(pick=st.integers(0, 10_000), on=days)
        def reverse_disbursement(self, pick, on):  # type: ignore[no-untyped-def]
            if self.disbursement_ids:
                self.attempt(
                    disbursements.reverse_disbursement,
                    disbursement_id=self.disbursement_ids[pick % len(self.disbursement_ids)],
                    reason="发放有误",
                    on=on,
                    actor=self.staff["approver"],
                )

        @rule(pick=st.integers(0, 10_000), on=days)
        def reverse_income(self, pick, on):  # type: ignore[no-untyped-def]
            if self.income_ids:
                self.attempt(
                    incomes.reverse_income,
                    income_id=self.income_ids[pick % len(self.income_ids)],
                    reason="录入有误",
                    on=on,
                    actor=self.staff["approver"],
                )

        @rule(month=months)
        def close(self, month):  # type: ignore[no-untyped-def]
            self.attempt(
                periods.close_period, fund_code="HC-CARE", month=month, actor=self.staff["approver"]
            )

        @invariant()
        def books_hold(self) -> None:
            def read(session: Session) -> Any:
                fund = funds.find_fund(session, "HC-CARE")
                result = verify(session, fund)
                assert result.ok, result
                assert fund.cash_fen >= 0
                assert funds.available_fen(session, fund) >= 0
                # Every entry balances (verify checks too; this is the second, independent look).
                unbalanced = session.exec(
                    select(Posting.entry_id)
                    .group_by(Posting.entry_id)
                    .having(func.sum(Posting.debit_fen) != func.sum(Posting.credit_fen))
                ).all()
                assert unbalanced == []
                receipt_numbers = sorted(
                    int(no.rsplit("-", 1)[1])
                    for no in session.exec(select(Income.receipt_no)).all()
                )
                assert receipt_numbers == list(range(1, len(receipt_numbers) + 1))
                # Paid (and reversed) disbursements are exactly those with entries.
                for item in session.exec(select(Disbursement)).all():
                    posted = item.status in (DisbursementStatus.paid, DisbursementStatus.reversed)
                    assert (item.entry_id is not None) == posted
                    assert item.approved_by != item.submitted_by
                entries = session.exec(select(func.count()).select_from(JournalEntry)).one()
                assert entries == result.entries
                if fund.closed_through:
                    assert fund.closed_through <= date(2026, 10, 31)

            self.database.read(read)

    return Books


def test_random_operations_never_break_the_books(fresh_database) -> None:
    machine = make_machine(fresh_database)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
