"""A worked example that reads like an accounting worksheet: four incomes, six recipients,
eighteen disbursements over the 6×3 matrix, a reversal and a closed month."""

from typing import Any

import pytest
from sqlmodel import Session

from carefund import disbursements, funds, incomes, periods
from carefund.errors import PeriodClosed
from carefund.ledger.verify import verify
from carefund.reports import statements
from carefund.vocabulary import Aspect, MemberCategory
from tests.builders import disburse, make_fund, make_recipient, make_staff, record


def test_a_quarter_of_the_care_fund(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])

    # January: money in from the four sources.
    record(
        database,
        staff["clerk"],
        "50000.00",
        source="party_dues_subsidy",
        on="2026-01-05",
        payer="区委组织部",
    )
    record(database, staff["clerk"], "120000.00", source="fiscal_support", on="2026-01-10")
    record(
        database,
        staff["clerk"],
        "8765.43",
        source="member_donation",
        on="2026-01-15",
        payer="机关党支部",
    )
    sponsorship = record(
        database,
        staff["clerk"],
        "30000.00",
        source="sponsorship",
        on="2026-01-20",
        payer="某某集团",
    )

    # February: one recipient per category, and each helped in each aspect.
    roll = {c: make_recipient(database, staff["clerk"], category=c.value) for c in MemberCategory}
    amounts = {
        Aspect.work_incentive: "500.00",
        Aspect.spiritual_care: "300.00",
        Aspect.life_assistance: "1200.50",
    }
    paid = [
        disburse(database, staff, roll[c], amounts[a], aspect=a.value, on="2026-02-10")
        for c in MemberCategory
        for a in Aspect
    ]
    assert len(paid) == 18

    # March: the sponsorship was booked twice by mistake elsewhere; reverse one payment too.
    def write(session: Session) -> Any:
        incomes.reverse_income(
            session,
            income_id=sponsorship.id,
            reason="赞助协议撤销",
            on="2026-03-02",
            actor=staff["approver"],
        )
        disbursements.reverse_disbursement(
            session,
            disbursement_id=paid[0].id,
            reason="重复发放",
            on="2026-03-03",
            actor=staff["approver"],
        )

    database.write(write)
    database.write(
        lambda session: periods.close_period(
            session, fund_code="HC-CARE", month="2026-02", actor=staff["approver"]
        )
    )

    income_total = 5_000_000 + 12_000_000 + 876_543
    disbursed_total = 6 * (50_000 + 30_000 + 120_050) - 50_000

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        assert fund.cash_fen == income_total - disbursed_total
        assert verify(session, fund).ok
        assert verify(session, fund).entries == 4 + 18 + 2 + 1  # and the closed month's seal

        quarter = statements.build_statement(session, fund, statements.parse_period("2026-Q1"))
        assert quarter.opening_fen == 0
        assert quarter.income_total_fen == income_total
        assert quarter.income_fen["sponsorship"] == 0
        assert quarter.disbursed_total_fen == disbursed_total
        assert quarter.matrix_fen["cadre"]["work_incentive"] == 0
        assert quarter.matrix_fen["hardship"]["life_assistance"] == 120_050
        assert quarter.closing_fen == fund.cash_fen
        assert quarter.reconciled
        assert quarter.recipients_paid == 6

        february = statements.build_statement(session, fund, statements.parse_period("2026-02"))
        assert february.opening_fen == 5_000_000 + 12_000_000 + 876_543 + 3_000_000
        assert february.disbursed_total_fen == 6 * 200_050
        assert february.entry_count == 18 + 1  # and February's seal

    database.read(read)

    with pytest.raises(PeriodClosed):

        def write(session: Session) -> Any:
            incomes.record_income(
                session,
                fund_code="HC-CARE",
                source="fiscal_support",
                payer="x",
                amount="1",
                received_on="2026-02-28",
                actor=staff["clerk"],
            )

        database.write(write)
