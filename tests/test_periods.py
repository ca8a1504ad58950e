"""Closing and reopening months."""

from typing import Any

import pytest
from sqlmodel import Session, select

from carefund import audit, funds, incomes, periods
from carefund.errors import Conflict, PeriodClosed
from carefund.models import Period
from tests.builders import disburse, make_fund, make_recipient, make_staff, record


def close(database, staff, month):  # type: ignore[no-untyped-def]
    def write(session: Session) -> Any:
        closed = periods.close_period(
            session, fund_code="HC-CARE", month=month, actor=staff["approver"]
        )
        return session.get_one(Period, closed["id"])

    return database.write(write)


def test_closing_a_month_keeps_its_balance_and_head_and_locks_every_earlier_date(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "500.00", on="2026-01-15")
    record(database, staff["clerk"], "200.00", on="2026-02-03")
    disburse(database, staff, make_recipient(database, staff["clerk"]), "120.00", on="2026-02-20")
    record(database, staff["clerk"], "99.00", on="2026-03-01")

    february = close(database, staff, "2026-02")
    assert february.closing_balance_fen == 58_000  # March's 99.00 is not in it.

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        # The close appended its seal (seq 5): the closing records that head.
        assert february.head_hash == fund.head_hash and february.head_seq == 5

    database.read(read)
    for day in ("2026-02-28", "2026-01-31"):
        with pytest.raises(PeriodClosed):
            record(database, staff["clerk"], "1.00", on=day)
    record(database, staff["clerk"], "1.00", on="2026-03-31")
    with pytest.raises(Conflict):
        close(database, staff, "2026-01")  # already locked by February's close


def test_an_admin_reopens_the_latest_month_with_a_reason_that_is_kept(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "500.00", on="2026-01-15")
    close(database, staff, "2026-01")
    close(database, staff, "2026-02")
    with pytest.raises(Conflict):

        def write(session: Session) -> Any:
            periods.reopen_period(
                session, fund_code="HC-CARE", month="2026-01", reason="补录", actor=staff["admin"]
            )

        database.write(write)
    reopened = database.write(
        lambda session: session.get_one(
            Period,
            periods.reopen_period(
                session,
                fund_code="HC-CARE",
                month="2026-02",
                reason="补录漏记的捐款",
                actor=staff["admin"],
            )["id"],
        )
    )
    record(database, staff["clerk"], "20.00", on="2026-02-10")
    with pytest.raises(PeriodClosed):
        record(database, staff["clerk"], "20.00", on="2026-01-10")
    again = close(database, staff, "2026-02")
    assert again.closing_balance_fen == 52_000

    def read(session: Session) -> Any:
        rows = session.exec(select(Period).where(Period.month == "2026-02")).all()
        assert [row.reopen_reason for row in rows] == ["补录漏记的捐款", None]
        trail = audit.history(session, "period", reopened.id)
        assert trail[-1].action == "period.reopened"
        assert trail[-1].detail["reason"] == "补录漏记的捐款"
        assert trail[-1].actor == "admin"

    database.read(read)


def test_a_reversal_of_a_closed_months_income_lands_in_an_open_month(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    income = record(database, staff["clerk"], "500.00", on="2026-01-15")
    close(database, staff, "2026-01")
    database.write(
        lambda session: incomes.reverse_income(
            session, income_id=income.id, reason="退回", on="2026-02-02", actor=staff["approver"]
        )
    )
    from carefund.reports.statements import build_statement, parse_period

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        january = build_statement(session, fund, parse_period("2026-01"))
        february = build_statement(session, fund, parse_period("2026-02"))
        return january, february

    january, february = database.read(read)
    assert january.income_total_fen == 50_000 and january.closing_fen == 50_000
    assert february.income_total_fen == -50_000 and february.closing_fen == 0
