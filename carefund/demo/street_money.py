"""November in the demo's streets: each street fund's incomes and paid help, the 城关
ones recorded, submitted and approved by the street's own staff."""

from datetime import date

from sqlmodel import Session

from carefund import incomes
from carefund.demo.money_out import disburse
from carefund.demo.streets import STREET_FUNDS, STREETS
from carefund.demo.year import Year
from carefund.units import find_unit
from carefund.vocabulary import MemberCategory


def street_money(year: Year) -> None:
    """November in the streets: each fund's two incomes and two paid disbursements, the
    城关 ones submitted and approved by its own street staff."""
    units = year.database.read(_street_unit_ids)
    for index, (code, name, _communities) in enumerate(STREETS):
        fund = STREET_FUNDS[code]
        clerk, approver = ("cg_clerk", "cg_approver") if code == "CG" else ("clerk", "approver")
        _income(
            year,
            date(2026, 11, 3),
            fund,
            "fiscal_support",
            f"{name}办事处",
            20000 + 5000 * index,
            clerk,
        )
        _income(
            year,
            date(2026, 11, 9),
            fund,
            "member_donation",
            f"{name}党员",
            3000 + 700 * index,
            clerk,
        )
        members = [r for r in year.roll[MemberCategory.hardship] if r.unit_id == units[code]]
        for day, recipient in zip(
            (date(2026, 11, 16), date(2026, 11, 18)), members[:2], strict=False
        ):
            disburse(
                year,
                day,
                recipient,
                800,
                "life_assistance",
                "街道困难党员帮扶",
                fund=fund,
                submitter=clerk,
                approver=approver,
            )


def _street_unit_ids(session: Session) -> dict[str, int | None]:
    return {code: find_unit(session, code).id for code, _name, _communities in STREETS}


def _income(year: Year, day: date, fund: str, source: str, payer: str, yuan: int, who: str) -> None:
    def record(session: Session) -> None:
        incomes.record_income(
            session,
            fund_code=fund,
            source=source,
            payer=payer,
            amount=str(yuan),
            received_on=day,
            method="转账",
            actor=year.staff[who],
        )

    year.at(day, record)
