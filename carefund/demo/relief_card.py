"""The demo's relief card: a plan for 40 members, run on each 5th and paid the same day."""

from datetime import date

from sqlmodel import Session, col, select

from carefund import plans
from carefund.demo.bank_month import pay_through_the_bank
from carefund.demo.year import DEMO_AS_OF, DEMO_YEAR, RELIEF_FUND, RELIEF_MONTHLY_YUAN, Step, Year
from carefund.models import Disbursement


def relief_plan(year: Year) -> None:
    """The plan is made on 4 January; each month's run is approved and paid on its 5th."""
    state: dict[str, int] = {}

    def create(session: Session) -> None:
        plan = plans.create_plan(
            session,
            fund_code=RELIEF_FUND,
            name="特困党员救助卡月度发放",
            rule="FREQ=MONTHLY;BYMONTHDAY=5",
            start=date(2026, 1, 1),
            until=None,
            amount=str(RELIEF_MONTHLY_YUAN),
            aspect="life_assistance",
            purpose="特困党员救助卡",
            recipient_ids=[r.id for r in year.relief_members],
            actor=year.staff["clerk"],
        )
        state["plan_id"] = plan.id or 0

    year.at(date(2026, 1, 4), create)
    for month in range(1, 13):
        due = date(DEMO_YEAR, month, 5)
        if due <= DEMO_AS_OF:
            year.at(due, _relief_month(year, state, due))


def _relief_month(year: Year, state: dict[str, int], due: date) -> Step:
    def run(session: Session) -> None:
        _run_relief(year, session, state, due)

    return run


def _run_relief(year: Year, session: Session, state: dict[str, int], due: date) -> None:
    plans.run_plan(session, plan_id=state["plan_id"], through=due, actor=year.staff["clerk"])
    generated = session.exec(
        select(Disbursement.id)
        .where(
            Disbursement.plan_id == state["plan_id"],
            Disbursement.due_on == due,
            Disbursement.status == "submitted",
        )
        .order_by(col(Disbursement.id))
    ).all()
    if generated:
        pay_through_the_bank(year, session, state["plan_id"], due)
