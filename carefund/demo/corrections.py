"""The demo's corrections and month-end closings.

Each reversal is dated in a month that is still open when it is made; January to October
are closed at the start of the following month.
"""

from datetime import date

from sqlmodel import Session, col, select

from carefund import disbursements, incomes, periods
from carefund.demo.money_in import income
from carefund.demo.year import CARE_FUND, CLOSED_THROUGH_MONTH, DEMO_YEAR, RELIEF_FUND, Year


def corrections(year: Year) -> None:
    """Three paid disbursements reversed, and a sponsorship booked twice then reversed."""
    _reverse_paid(
        year,
        date(2026, 3, 3),
        within=(date(2026, 2, 1), date(2026, 2, 28)),
        reason="重复发放，款项已追回",
    )
    _reverse_paid(
        year,
        date(2026, 8, 12),
        within=(date(2026, 7, 1), date(2026, 7, 31)),
        reason="经复核不符合表彰条件，奖励撤回",
    )
    _reverse_paid(
        year,
        date(2026, 11, 16),
        within=(date(2026, 10, 1), date(2026, 10, 31)),
        reason="银行退票：收款账号有误",
    )
    # A sponsorship booked twice by mistake; the second booking is reversed.
    payer = "华康医药有限公司"
    income(year, date(2026, 9, 10), CARE_FUND, "sponsorship", payer, 20_000, "社会赞助关爱基金")

    def reverse_duplicate(session: Session) -> None:
        duplicate = session.exec(
            select(incomes.Income)
            .where(incomes.Income.payer == payer)
            .order_by(col(incomes.Income.id).desc())
        ).first()
        assert duplicate is not None and duplicate.id is not None
        incomes.reverse_income(
            session,
            income_id=duplicate.id,
            reason="重复登记，收据作废",
            on=date(2026, 9, 14),
            actor=year.staff["approver"],
        )

    year.at(date(2026, 9, 14), reverse_duplicate)


def _reverse_paid(year: Year, on: date, *, within: tuple[date, date], reason: str) -> None:
    """Reverse, on `on`, the middle one of the care fund's payments made `within` dates."""

    def reverse(session: Session) -> None:
        candidates = [i for day, i in year.care_paid_ids if within[0] <= day <= within[1]]
        chosen = candidates[len(candidates) // 2]
        disbursements.reverse_disbursement(
            session,
            disbursement_id=chosen,
            reason=reason,
            on=on,
            actor=year.staff["approver"],
        )

    year.at(on, reverse)


def closings(year: Year) -> None:
    """Each month to October closed for both funds on the 3rd of the next."""
    for month in range(1, CLOSED_THROUGH_MONTH + 1):
        day = date(DEMO_YEAR, month + 1, 3)

        def close(session: Session, month: int = month) -> None:
            for fund in (CARE_FUND, RELIEF_FUND):
                periods.close_period(
                    session,
                    fund_code=fund,
                    month=f"{DEMO_YEAR}-{month:02d}",
                    actor=year.staff["approver"],
                )

        year.at(day, close)
