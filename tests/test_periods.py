"""Closing and reopening months."""

import pytest
from sqlmodel import select

from carefund import audit, funds, incomes, periods
from carefund.errors import Conflict, PeriodClosed
from carefund.models import Period
from carefund.storage.db import read_session, write_session
from tests.builders import disburse, make_fund, make_recipient, make_staff, record


def close(engine, staff, month):  # type: ignore[no-untyped-def]
    with write_session(engine) as session:
        return periods.close_period(
            session, fund_code="HC-CARE", month=month, actor=staff["approver"]
        )


def test_closing_a_month_keeps_its_balance_and_head_and_locks_every_earlier_date(engine) -> None:
    staff = make_staff(engine)
    make_fund(engine, staff["admin"])
    record(engine, staff["clerk"], "500.00", on="2026-01-15")
    record(engine, staff["clerk"], "200.00", on="2026-02-03")
    disburse(engine, staff, make_recipient(engine, staff["clerk"]), "120.00", on="2026-02-20")
    record(engine, staff["clerk"], "99.00", on="2026-03-01")

    february = close(engine, staff, "2026-02")
    assert february.closing_balance_fen == 58_000  # March's 99.00 is not in it.
    with read_session(engine) as session:
        fund = funds.get_fund(session, "HC-CARE")
        assert february.head_hash == fund.head_hash and february.head_seq == 4
    for day in ("2026-02-28", "2026-01-31"):
        with pytest.raises(PeriodClosed):
            record(engine, staff["clerk"], "1.00", on=day)
    record(engine, staff["clerk"], "1.00", on="2026-03-31")
    with pytest.raises(Conflict):
        close(engine, staff, "2026-01")  # already locked by February's close


def test_an_admin_reopens_the_latest_month_with_a_reason_that_is_kept(engine) -> None:
    staff = make_staff(engine)
    make_fund(engine, staff["admin"])
    record(engine, staff["clerk"], "500.00", on="2026-01-15")
    close(engine, staff, "2026-01")
    close(engine, staff, "2026-02")
    with pytest.raises(Conflict), write_session(engine) as session:
        periods.reopen_period(
            session, fund_code="HC-CARE", month="2026-01", reason="补录", actor=staff["admin"]
        )
    with write_session(engine) as session:
        reopened = periods.reopen_period(
            session,
            fund_code="HC-CARE",
            month="2026-02",
            reason="补录漏记的捐款",
            actor=staff["admin"],
        )
    record(engine, staff["clerk"], "20.00", on="2026-02-10")
    with pytest.raises(PeriodClosed):
        record(engine, staff["clerk"], "20.00", on="2026-01-10")
    again = close(engine, staff, "2026-02")
    assert again.closing_balance_fen == 52_000
    with read_session(engine) as session:
        rows = session.exec(select(Period).where(Period.month == "2026-02")).all()
        assert [row.reopen_reason for row in rows] == ["补录漏记的捐款", None]
        trail = audit.history(session, "period", reopened.id)
        assert trail[-1].action == "period.reopened"
        assert trail[-1].detail["reason"] == "补录漏记的捐款"
        assert trail[-1].actor == "admin"


def test_a_reversal_of_a_closed_months_income_lands_in_an_open_month(engine) -> None:
    staff = make_staff(engine)
    make_fund(engine, staff["admin"])
    income = record(engine, staff["clerk"], "500.00", on="2026-01-15")
    close(engine, staff, "2026-01")
    with write_session(engine) as session:
        incomes.reverse_income(
            session, income_id=income.id, reason="退回", on="2026-02-02", actor=staff["approver"]
        )
    from carefund.reports.statements import build_statement, parse_period

    with read_session(engine) as session:
        fund = funds.get_fund(session, "HC-CARE")
        january = build_statement(session, fund, parse_period("2026-01"))
        february = build_statement(session, fund, parse_period("2026-02"))
    assert january.income_total_fen == 50_000 and january.closing_fen == 50_000
    assert february.income_total_fen == -50_000 and february.closing_fen == 0
