"""One business time zone decides what day it is; money is never recorded ahead of it.

Incomes, payments and reversals dated after today (in `CAREFUND_TIMEZONE`) are refused,
naming the field, and change nothing; a month closes only once it is over.
"""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from carefund import clock, disbursements, incomes, periods
from carefund.errors import Conflict, InvalidFields
from carefund.models import Disbursement, Income, JournalEntry
from carefund.settings import get_settings
from tests.api_support import Api, problem_of
from tests.builders import approve, make_fund, make_recipient, make_staff, record, submit
from tests.clock_support import TESTS_TODAY, set_time, set_zone
from tests.pages_support import cheap_password_hashing, field_error, make_pages

TOMORROW = (TESTS_TODAY + timedelta(days=1)).isoformat()
NEW_YEARS_EVE_LATE = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
"""Still 2026-12-31 in UTC, already 2027-01-01 07:30 in Shanghai."""


def _entries(database) -> int:  # type: ignore[no-untyped-def]
    return database.read(lambda session: len(session.exec(select(JournalEntry)).all()))


def _record_on(database, clerk, day: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return database.write(
        lambda session: incomes.record_income(
            session,
            fund_code="HC-CARE",
            source="fiscal_support",
            payer="区财政局",
            amount="100.00",
            received_on=day,
            actor=clerk,
        )
    )


# --- the clock --------------------------------------------------------------------------


def test_the_zone_decides_today_at_midnight(monkeypatch) -> None:
    set_time(monkeypatch, NEW_YEARS_EVE_LATE)
    assert clock.today() == date(2027, 1, 1)  # Asia/Shanghai, the default
    assert clock.now().isoformat() == "2027-01-01T07:30:00+08:00"
    assert clock.local(datetime(2026, 12, 31, 23, 30)).hour == 7  # naive means stored UTC
    set_zone(monkeypatch, "UTC")
    assert clock.today() == date(2026, 12, 31)
    set_zone(monkeypatch, "America/Los_Angeles")
    assert clock.today() == date(2026, 12, 31) and clock.now().hour == 15


def test_the_tests_run_on_their_own_today() -> None:
    assert clock.today() == TESTS_TODAY


def test_a_bad_zone_is_a_clear_error_at_start(tmp_path) -> None:
    for name in ("Mars/Olympus_Mons", "Asia", "", "../etc/passwd"):
        started = subprocess.run(
            [sys.executable, "-m", "cli", "verify"],
            env={"CAREFUND_TIMEZONE": name, "CAREFUND_DATABASE_URL": f"sqlite:///{tmp_path}/x"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode == 2, started
        assert "CAREFUND_TIMEZONE" in started.stderr and "Traceback" not in started.stderr


def test_the_app_refuses_to_start_in_a_bad_zone(database, monkeypatch) -> None:
    from api.app import create_app

    monkeypatch.setattr(get_settings(), "timezone", "Nowhere/Here")  # past the validation
    with pytest.raises(ValueError, match="CAREFUND_TIMEZONE"):
        create_app(database)


# --- the domain -------------------------------------------------------------------------


def test_money_dated_after_today_is_refused_and_changes_nothing(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    income = record(database, staff["clerk"], "500.00", on=TESTS_TODAY.isoformat())
    member = make_recipient(database, staff["clerk"])
    made = submit(database, staff["clerk"], member, "100.00")
    approve(database, staff["approver"], made)
    before = _entries(database)

    with pytest.raises(InvalidFields) as refused:
        _record_on(database, staff["clerk"], TOMORROW)
    assert list(refused.value.errors) == ["received_on"]
    assert "不能晚于今天" in refused.value.errors["received_on"]
    with pytest.raises(InvalidFields) as refused:
        database.write(
            lambda session: incomes.reverse_income(
                session, income_id=income.id, reason="录错", on=TOMORROW, actor=staff["approver"]
            )
        )
    assert list(refused.value.errors) == ["on"]
    with pytest.raises(InvalidFields) as refused:
        database.write(
            lambda session: disbursements.pay_disbursement(
                session, disbursement_id=made.id, paid_on=TOMORROW, actor=staff["cashier"]
            )
        )
    assert list(refused.value.errors) == ["paid_on"]

    assert _entries(database) == before
    assert database.read(lambda s: s.get_one(Disbursement, made.id).status) == "approved"
    assert database.read(lambda s: s.get_one(Income, income.id).status) == "posted"


def test_today_is_the_business_zones_today(database, monkeypatch) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    set_time(monkeypatch, NEW_YEARS_EVE_LATE)
    set_zone(monkeypatch, "UTC")
    with pytest.raises(InvalidFields):
        _record_on(database, staff["clerk"], "2027-01-01")
    set_zone(monkeypatch, "Asia/Shanghai")
    assert _record_on(database, staff["clerk"], "2027-01-01")["receipt_no"] == "HC-CARE-2027-000001"
    # A reversal without a date is dated today in the zone, too.
    income_id = database.read(lambda session: session.exec(select(Income.id)).one())
    database.write(
        lambda session: incomes.reverse_income(
            session, income_id=income_id, reason="重复", actor=staff["approver"]
        )
    )
    dates = database.read(
        lambda session: session.exec(select(JournalEntry.entry_date)).all()  # type: ignore[call-overload]
    )
    assert sorted(dates) == [date(2027, 1, 1)] * 2


def test_a_month_closes_only_once_it_is_over(database, monkeypatch) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])

    def close(month: str) -> dict[str, Any]:
        return database.write(
            lambda session: periods.close_period(
                session, fund_code="HC-CARE", month=month, actor=staff["approver"]
            )
        )

    set_time(monkeypatch, datetime(2026, 11, 30, 15, 59, tzinfo=UTC))  # 23:59 in Shanghai
    with pytest.raises(Conflict, match="尚未结束"):
        close("2026-11")
    set_time(monkeypatch, datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # midnight in Shanghai
    assert close("2026-11")["period"] == "2026-11"


# --- the API, the pages and the command line --------------------------------------------


@pytest.fixture
def fund(api: Api) -> Api:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    return api


def test_the_api_answers_422_naming_the_date(fund: Api) -> None:
    body = {"source": "fiscal_support", "payer": "区财政局", "amount": "100.00"}
    for day in (TOMORROW, "2030-01-01", "2099-12-31"):
        answer = fund.post("clerk", "/funds/HC-CARE/incomes", body | {"received_on": day})
        problem = problem_of(answer, 422)
        assert [error["loc"][-1] for error in problem["errors"]] == ["received_on"]
    income = fund.ok(
        fund.post(
            "clerk", "/funds/HC-CARE/incomes", body | {"received_on": TESTS_TODAY.isoformat()}
        ),
        201,
    )
    reversed_ahead = fund.post(
        "approver", f"/incomes/{income['id']}/reverse", {"reason": "录错", "on": TOMORROW}
    )
    assert problem_of(reversed_ahead, 422)["errors"][0]["loc"][-1] == "on"

    member = fund.ok(
        fund.post("clerk", "/recipients", {"member_no": "DY1", "name": "甲", "category": "cadre"}),
        201,
    )
    made = fund.ok(
        fund.post(
            "clerk",
            "/funds/HC-CARE/disbursements",
            {"recipient_id": member["id"], "amount": "10.00", "aspect": "work_incentive"},
        ),
        201,
    )
    fund.ok(fund.post("approver", f"/disbursements/{made['id']}/approve"))
    paid_ahead = fund.post("cashier", f"/disbursements/{made['id']}/pay", {"paid_on": TOMORROW})
    assert problem_of(paid_ahead, 422)["errors"][0]["loc"][-1] == "paid_on"
    assert fund.ok(fund.get("auditor", f"/disbursements/{made['id']}"))["status"] == "approved"
    journal = fund.ok(fund.get("auditor", "/funds/HC-CARE/journal"))["items"]
    assert [entry["date"] for entry in journal] == [TESTS_TODAY.isoformat()]


def test_the_pages_show_the_date_mistake_beside_the_field(database, monkeypatch) -> None:
    cheap_password_hashing(monkeypatch)
    pages = make_pages(database)
    clerk = pages.desk("clerk")
    form = {
        "fund": "HC-CARE",
        "source": "member_donation",
        "payer": "第一支部",
        "amount": "50",
        "received_on": TOMORROW,
    }
    answer = clerk.post("/incomes/new", form, form_page="/incomes/new")
    assert answer.status_code == 422
    assert "不能晚于今天" in (field_error(answer.text, "received_on") or "")
    assert f'value="{TESTS_TODAY.isoformat()}"' in clerk.page("/incomes/new")  # the default
    assert _entries(database) == 0


def test_plans_run_through_today_by_default(database, database_url, monkeypatch) -> None:
    from typer.testing import CliRunner

    from carefund import plans
    from cli.main import app

    staff = make_staff(database)
    make_fund(database, staff["admin"])
    member = make_recipient(database, staff["clerk"])

    def make(session: Session) -> Any:
        return plans.create_plan(
            session,
            fund_code="HC-CARE",
            name="救助卡",
            rule="FREQ=MONTHLY;BYMONTHDAY=5",
            start="2026-01-01",
            amount="400.00",
            aspect="life_assistance",
            recipient_ids=[member.id],
            actor=staff["clerk"],
        )

    database.write(make)
    set_time(monkeypatch, datetime(2026, 3, 4, 16, 0, tzinfo=UTC))  # 5 March in Shanghai
    monkeypatch.setenv("CAREFUND_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        answer = CliRunner().invoke(app, ["plans", "run"])
    finally:
        get_settings.cache_clear()
    assert answer.exit_code == 0, answer.output
    assert "新建 3 笔" in answer.output
