"""The demo's money controls (廉政风险防控) on the care fund: the year's budgets set in
January and one cut in November, the controls the district adopts on 1 November (fiscal
support only for 生活帮扶, caps and standards, two approvers above 5,000 yuan, review of
incomes above 50,000), a sponsorship earmarked (定向) for the retired members' spiritual
care and a payment from it, a large income reviewed by a second clerk, a two-approver
payment with the meeting that decided it, and one payment let through a budget by an
administrator's override with a reason.

It draws nothing from the demo's random generator, so the rest of the books stay the same.
"""

from datetime import date

from sqlmodel import Session

from carefund import disbursements, incomes
from carefund.controls import budgets, changing, overrides, reviews
from carefund.demo.year import CARE_FUND, Year
from carefund.models import Recipient
from carefund.money import format_fen
from carefund.vocabulary import Aspect, MemberCategory

ANNUAL_BUDGET_YUAN = {
    "cadre": (80_000, 12_000, 30_000),
    "retired": (15_000, 110_000, 150_000),
    "rural_community": (30_000, 20_000, 110_000),
    "non_public": (50_000, 15_000, 25_000),
    "mobile": (15_000, 10_000, 60_000),
    "hardship": (8_000, 40_000, 330_000),
}
"""Each category's 2026 budget for work incentive, spiritual care and life assistance."""
CONTROLS = {
    "approval_threshold": "5000.00",
    "review_threshold": "50000.00",
    "restrictions": [{"source": "fiscal_support", "cells": [{"aspect": "life_assistance"}]}],
    "caps": {"overall": "12000.00", "by_aspect": {"spiritual_care": "3000.00"}},
    "standards": {"hardship": "10000.00", "mobile": "5000.00", "rural_community": "5000.00"},
    "reason": "区委组织部《关爱基金廉政风险防控办法》自 11 月 1 日起施行",
}


def money_controls(year: Year) -> None:
    """The controls' part of the demo year, as dated actions."""
    year.at(date(2026, 1, 5), lambda session: _annual_budgets(year, session))
    year.at(date(2026, 11, 2), lambda session: _adopt_controls(year, session))
    year.at(date(2026, 11, 3), lambda session: _earmarked_sponsorship(year, session))
    year.at(date(2026, 11, 6), lambda session: _large_income_reviewed(year, session))
    year.at(date(2026, 11, 12), lambda session: _two_approvers(year, session))
    year.at(date(2026, 11, 16), lambda session: _budget_cut_and_override(year, session))


def _set_budget(year: Year, session: Session, cell: tuple[str, str], fen: int, why: str) -> None:
    budgets.set_budget(
        session,
        fund_code=CARE_FUND,
        values={
            "year": 2026,
            "category": cell[0],
            "aspect": cell[1],
            "amount": format_fen(fen),
            "reason": why,
        },
        actor=year.staff["admin"],
    )


def _annual_budgets(year: Year, session: Session) -> None:
    for category in MemberCategory:
        for aspect, yuan in zip(Aspect, ANNUAL_BUDGET_YUAN[category.value], strict=True):
            cell = (category.value, aspect.value)
            _set_budget(year, session, cell, yuan * 100, "2026 年度关爱基金预算（党委会审定）")


def _adopt_controls(year: Year, session: Session) -> None:
    changing.set_controls(session, fund_code=CARE_FUND, values=CONTROLS, actor=year.staff["admin"])


def _member(year: Year, category: MemberCategory, index: int) -> Recipient:
    return year.roll[category][index]


def _pay(year: Year, session: Session, made_id: int, day: date, **approval: str) -> None:
    disbursements.pay_disbursement(
        session, disbursement_id=made_id, paid_on=day, method="转账", actor=year.staff["cashier"]
    )


def _submit(year: Year, session: Session, member: Recipient, yuan: int, aspect: str, what: str):
    return disbursements.submit_disbursement(
        session,
        fund_code=CARE_FUND,
        recipient_id=member.id,
        amount=str(yuan),
        aspect=aspect,
        purpose=what,
        actor=year.staff["clerk"],
    )


def _earmarked_sponsorship(year: Year, session: Session) -> None:
    incomes.record_income(
        session,
        fund_code=CARE_FUND,
        source="sponsorship",
        payer="城关区慈善总会",
        amount="20000",
        received_on=date(2026, 11, 3),
        method="转账",
        memo="定向用于老党员精神关怀（重阳敬老）",
        earmark={"category": "retired", "aspect": "spiritual_care"},
        actor=year.staff["clerk"],
    )
    member = _member(year, MemberCategory.retired, 0)
    made = _submit(year, session, member, 600, "spiritual_care", "重阳节敬老慰问（定向赞助）")
    disbursements.approve_disbursement(
        session, disbursement_id=made.id, actor=year.staff["approver"]
    )
    _pay(year, session, made.id or 0, date(2026, 11, 3))


def _large_income_reviewed(year: Year, session: Session) -> None:
    recorded = incomes.record_income(
        session,
        fund_code=CARE_FUND,
        source="fiscal_support",
        payer="城关区财政局",
        amount="80000",
        received_on=date(2026, 11, 6),
        method="转账",
        memo="2026 年度关爱基金财政专项（第三批）",
        actor=year.staff["clerk"],
    )
    reviews.review_income(
        session, income_id=recorded["id"], actor=year.staff["clerk2"], on=date(2026, 11, 6)
    )


def _two_approvers(year: Year, session: Session) -> None:
    member = _member(year, MemberCategory.hardship, 1)
    made = _submit(year, session, member, 8000, "life_assistance", "重大疾病救助")
    disbursements.approve_disbursement(
        session,
        disbursement_id=made.id,
        actor=year.staff["approver"],
        meeting_no="城关区委组织部部务会纪要〔2026〕15号",
        meeting_on=date(2026, 11, 11),
    )
    disbursements.approve_disbursement(session, disbursement_id=made.id, actor=year.staff["admin"])
    _pay(year, session, made.id or 0, date(2026, 11, 12))


def _budget_cut_and_override(year: Year, session: Session) -> None:
    cell = ("mobile", "life_assistance")
    figures = budgets.budget_figures(session, fund_id=_care_fund_id(session), year=2026)
    [row] = [f for f in figures if (f["category"], f["aspect"]) == cell]
    cut = row["spent_fen"] + row["committed_fen"] + 1_000_00
    _set_budget(year, session, cell, cut, "流动党员外出务工增多，生活帮扶预算调减")
    member = _member(year, MemberCategory.mobile, 2)
    made = _submit(year, session, member, 1800, "life_assistance", "务工受伤临时救助")
    overrides.record_override(
        session,
        disbursement_id=made.id,
        values={
            "control": "budget",
            "reason": "外出务工受伤，经部务会研究同意超预算救助",
        },
        actor=year.staff["admin"],
    )
    disbursements.approve_disbursement(
        session, disbursement_id=made.id, actor=year.staff["approver"]
    )
    _pay(year, session, made.id or 0, date(2026, 11, 16))


def _care_fund_id(session: Session) -> int:
    from carefund.funds import find_fund

    return find_fund(session, CARE_FUND).id or 0
