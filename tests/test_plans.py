"""Recurring plans: due dates by RRULE, runs that never generate twice, and a closed period."""

import threading
from datetime import date
from functools import partial
from typing import Any

import pytest
from sqlmodel import Session, col, select

from carefund import plans, recipients, rrule
from carefund.errors import Conflict, InvalidInput, InvalidTransition, PeriodClosed
from carefund.models import Disbursement
from carefund.periods import close_period
from tests.builders import approve, make_fund, make_recipient, make_staff, pay, record


def make_plan(
    database,
    clerk,
    roll,
    *,
    rule="FREQ=MONTHLY;BYMONTHDAY=5",
    start="2026-01-01",
    until=None,
    amount="500.00",
    fund="HC-CARE",
):
    def write(session: Session) -> Any:
        plan = plans.create_plan(
            session,
            fund_code=fund,
            name="特困党员救助卡月度发放",
            rule=rule,
            start=start,
            until=until,
            amount=amount,
            aspect="life_assistance",
            purpose="救助卡",
            recipient_ids=[r.id for r in roll],
            actor=clerk,
        )
        return plan, plans.plans_public(session, [plan])[0]

    return database.write(write)


def run(database, user, plan, through):
    return database.write(
        lambda session: plans.run_plan(session, plan_id=plan.id, through=through, actor=user)
    )


def generated(database, plan) -> list[tuple[int, date]]:
    def read(session: Session) -> Any:
        rows = session.exec(
            select(Disbursement.recipient_id, Disbursement.due_on)
            .where(Disbursement.plan_id == plan.id)
            .order_by(col(Disbursement.due_on), col(Disbursement.recipient_id))
        )
        return [(rid, due) for rid, due in rows]

    return database.read(read)


@pytest.fixture
def district(database):
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    roll = [make_recipient(database, staff["clerk"]) for _ in range(3)]
    return staff, roll


def test_monthly_plan_pays_each_member_on_the_fifth(database, district) -> None:
    staff, roll = district
    plan, public = make_plan(database, staff["clerk"], roll)
    assert public["next_due"] == "2026-01-05"
    assert public["preview"] == [f"2026-{m:02d}-05" for m in range(1, 7)]
    assert public["recipient_ids"] == [r.id for r in roll]

    result = run(database, staff["clerk"], plan, "2026-03-31")
    assert (result.created, result.skipped, result.complete) == (9, [], True)
    assert result.last_due == date(2026, 3, 5)
    dues = sorted({due for _, due in generated(database, plan)})
    assert dues == [date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5)]

    def read(session: Session) -> Any:
        made = session.exec(select(Disbursement).where(Disbursement.plan_id == plan.id)).all()
        assert {(d.status, d.amount_fen, d.aspect, d.submitted_by) for d in made} == {
            ("submitted", 50_000, "life_assistance", "clerk")
        }
        public = plans.plans_public(session, [plan])[0]
        return public

    public = database.read(read)
    assert public["next_due"] == "2026-04-05"
    assert public["last_generated_due"] == "2026-03-05"


def test_weekly_plan_every_monday(database, district) -> None:
    staff, roll = district
    plan, public = make_plan(
        database,
        staff["clerk"],
        roll[:1],
        rule="FREQ=WEEKLY;BYDAY=MO",
        start="2026-11-01",
        amount="50",
    )
    assert public["next_due"] == "2026-11-02"
    assert run(database, staff["clerk"], plan, "2026-11-30").created == 5
    assert [due.day for _, due in generated(database, plan)] == [2, 9, 16, 23, 30]


def test_last_working_day_of_the_month(database, district) -> None:
    staff, roll = district
    plan, _ = make_plan(
        database, staff["clerk"], roll[:1], rule="FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"
    )
    assert run(database, staff["clerk"], plan, "2026-06-30").created == 6
    assert [due.isoformat() for _, due in generated(database, plan)] == [
        "2026-01-30",
        "2026-02-27",
        "2026-03-31",
        "2026-04-30",
        "2026-05-29",
        "2026-06-30",
    ]


def test_until_ends_the_due_dates(database, district) -> None:
    staff, roll = district
    plan, public = make_plan(database, staff["clerk"], roll[:1], until="2026-03-05")
    assert public["preview"] == ["2026-01-05", "2026-02-05", "2026-03-05"]
    assert run(database, staff["clerk"], plan, "2026-12-31").created == 3

    def read(session: Session) -> Any:
        assert plans.get_plan(session, plan_id=plan.id, actor=staff["clerk"])["next_due"] is None

    database.read(read)


def test_through_before_the_start_creates_nothing(database, district) -> None:
    staff, roll = district
    plan, _ = make_plan(database, staff["clerk"], roll, start="2026-06-01")
    assert run(database, staff["clerk"], plan, "2026-05-31").created == 0
    # After the start but before the first due date (the 5th): nothing either.
    assert run(database, staff["clerk"], plan, "2026-06-04").created == 0
    assert generated(database, plan) == []
    assert run(database, staff["clerk"], plan, "2026-06-05").created == 3


def test_running_again_creates_nothing_twice(database, district) -> None:
    staff, roll = district
    plan, _ = make_plan(database, staff["clerk"], roll)
    assert run(database, staff["clerk"], plan, "2026-02-28").created == 6
    assert run(database, staff["clerk"], plan, "2026-02-28").created == 0
    assert run(database, staff["clerk"], plan, "2026-01-31").created == 0
    assert run(database, staff["clerk2"], plan, "2026-04-30").created == 6
    rows = generated(database, plan)
    assert len(rows) == len(set(rows)) == 12


def test_concurrent_runs_create_nothing_twice(database, district) -> None:
    staff, roll = district
    plan, _ = make_plan(database, staff["clerk"], roll)
    barrier = threading.Barrier(4)
    results: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(run(database, staff["clerk"], plan, "2026-06-30").created)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(results) == [0, 0, 0, 18]
    rows = generated(database, plan)
    assert len(rows) == len(set(rows)) == 18


def test_inactive_recipient_is_skipped_and_reported(database, district) -> None:
    staff, roll = district
    plan, _ = make_plan(database, staff["clerk"], roll)
    database.write(
        lambda session: recipients.update_recipient(
            session, recipient_id=roll[1].id, active=False, actor=staff["clerk"]
        )
    )
    result = run(database, staff["clerk"], plan, "2026-02-28")
    assert result.created == 4
    assert result.skipped == [
        {
            "recipient_id": roll[1].id,
            "member_no": roll[1].member_no,
            "reason": "inactive",
            "due_dates": ["2026-01-05", "2026-02-05"],
        }
    ]
    assert roll[1].id not in {rid for rid, _ in generated(database, plan)}


def test_pause_resume_and_end(database, district) -> None:
    staff, roll = district
    plan, _ = make_plan(database, staff["clerk"], roll)

    def write(session: Session) -> Any:
        assert plans.pause_plan(session, plan_id=plan.id, actor=staff["clerk"]).status == "paused"

    database.write(write)
    with pytest.raises(InvalidTransition):
        run(database, staff["clerk"], plan, "2026-03-31")
    with pytest.raises(InvalidTransition):

        def write(session: Session) -> Any:
            plans.pause_plan(session, plan_id=plan.id, actor=staff["clerk"])

        database.write(write)

    def write(session: Session) -> Any:
        assert plans.resume_plan(session, plan_id=plan.id, actor=staff["clerk"]).status == "active"

    database.write(write)
    # Due dates passed during the pause are generated once resumed.
    assert run(database, staff["clerk"], plan, "2026-03-31").created == 9

    def write(session: Session) -> Any:
        ended = plans.end_plan(session, plan_id=plan.id, actor=staff["clerk"])
        assert ended.status == "ended"
        assert plans.plans_public(session, [ended])[0]["next_due"] is None

    database.write(write)
    with pytest.raises(InvalidTransition):
        run(database, staff["clerk"], plan, "2026-04-30")
    with pytest.raises(InvalidTransition):

        def write(session: Session) -> Any:
            plans.resume_plan(session, plan_id=plan.id, actor=staff["clerk"])

        database.write(write)


def test_a_plan_across_a_closed_period(database, district) -> None:
    """Generating is fine in a closed month; paying on a date in it is refused."""
    staff, roll = district
    record(database, staff["clerk"], "10000.00", on="2026-01-02")

    def write(session: Session) -> Any:
        close_period(session, fund_code="HC-CARE", month="2026-01", actor=staff["approver"])
        close_period(session, fund_code="HC-CARE", month="2026-02", actor=staff["approver"])

    database.write(write)
    plan, _ = make_plan(database, staff["clerk"], roll[:1])
    assert run(database, staff["clerk"], plan, "2026-03-31").created == 3
    made = database.read(
        lambda session: list(
            session.exec(
                select(Disbursement)
                .where(Disbursement.plan_id == plan.id)
                .order_by(col(Disbursement.due_on))
            )
        )
    )
    for disbursement in made:
        approve(database, staff["approver"], disbursement)
    with pytest.raises(PeriodClosed):
        pay(database, staff["cashier"], made[0], on="2026-01-05")
    paid = [pay(database, staff["cashier"], d, on="2026-03-10") for d in made]
    assert {d.status for d in paid} == {"paid"}


def test_a_run_stops_at_its_limit_and_goes_on_next_time(database, district, monkeypatch) -> None:
    staff, roll = district
    monkeypatch.setattr(plans.runs, "PLAN_RUN_DISBURSEMENTS_MAX", 7)
    plan, _ = make_plan(database, staff["clerk"], roll)
    first = run(database, staff["clerk"], plan, "2026-04-30")
    assert (first.created, first.complete, first.last_due) == (6, False, date(2026, 2, 5))
    second = run(database, staff["clerk"], plan, "2026-04-30")
    assert (second.created, second.complete) == (6, True)
    assert len(set(generated(database, plan))) == 12


def test_run_all_plans_runs_every_active_plan(database, district) -> None:
    staff, roll = district
    monthly, _ = make_plan(database, staff["clerk"], roll)
    weekly, _ = make_plan(database, staff["clerk"], roll[:1], rule="FREQ=WEEKLY;BYDAY=FR")
    paused, _ = make_plan(database, staff["clerk"], roll[:1])
    database.write(
        lambda session: plans.pause_plan(session, plan_id=paused.id, actor=staff["clerk"])
    )
    results = plans.run_all_plans(database, through="2026-01-31", actor=staff["clerk"])
    assert [(r["plan_id"], r["created"]) for r in results] == [(monthly.id, 3), (weekly.id, 5)]


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("", "不能为空"),
        ("garbage", "无法解析"),
        ("FREQ=MONTHLY;BYMONTHDAY=5;FOO=1", "未知"),
        ("FREQ=HOURLY", "FREQ"),
        ("BYMONTHDAY=5", "FREQ"),
        ("FREQ=MONTHLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=MONTHLY;UNTIL=20270101", "UNTIL"),
        ("DTSTART:20260101\nRRULE:FREQ=MONTHLY", "start"),
        ("FREQ=WEEKLY;BYDAY=XX", "无法解析"),
        ("FREQ=MONTHLY;BYSETPOS=0;BYDAY=MO", "无法解析"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "没有第 30 日"),
        ("FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31", "没有第 31 日"),
        ("FREQ=MONTHLY;FREQ=WEEKLY", "重复"),
        ("FREQ=MONTHLY;BYHOUR=9", "BYHOUR"),
        ("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "不产生"),
    ],
)
def test_bad_rules_are_refused_naming_the_problem(rule: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rrule.parse_rule(rule, start=date(2026, 1, 1))
    assert caught.value.field == "rule"
    assert words in caught.value.message


def test_a_rule_with_no_date_before_until_is_refused() -> None:
    with pytest.raises(InvalidInput, match="截止日期"):
        rrule.parse_rule(
            "FREQ=MONTHLY;BYMONTHDAY=20", start=date(2026, 1, 1), until=date(2026, 1, 10)
        )


def test_rules_are_read_case_insensitively_with_or_without_the_prefix() -> None:
    rule = rrule.parse_rule("rrule:freq=monthly;bymonthday=-1", start=date(2026, 1, 1))
    assert rule[1].date() == date(2026, 2, 28)


def test_bad_plans_are_refused(database, district) -> None:
    staff, roll = district
    cases = [
        ({"recipient_ids": []}, InvalidInput, "recipient_ids"),
        ({"recipient_ids": [roll[0].id, roll[0].id]}, InvalidInput, "recipient_ids"),
        ({"recipient_ids": [999_999]}, InvalidInput, "recipient_ids"),
        ({"amount": "0"}, InvalidInput, "amount"),
        ({"aspect": "cash"}, InvalidInput, "aspect"),
        ({"until": "2025-12-31"}, InvalidInput, "until"),
        ({"start": "2026-13-01"}, InvalidInput, "start"),
    ]
    for change, error, field in cases:
        body = {
            "fund_code": "HC-CARE",
            "name": "x",
            "rule": "FREQ=MONTHLY;BYMONTHDAY=5",
            "start": "2026-01-01",
            "amount": "1",
            "aspect": "life_assistance",
            "recipient_ids": [roll[0].id],
        } | change
        with pytest.raises(error) as caught:
            database.write(partial(plans.create_plan, actor=staff["clerk"], **body))
        assert caught.value.field == field, change
    database.write(
        lambda session: recipients.update_recipient(
            session, recipient_id=roll[2].id, active=False, actor=staff["clerk"]
        )
    )
    with pytest.raises(Conflict):
        make_plan(database, staff["clerk"], roll)


def test_plans_through_the_api(database, district) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.builders import make_token

    staff, roll = district
    client = TestClient(create_app(database))
    clerk = {"Authorization": f"Bearer {make_token(database, staff['clerk'])}"}
    body = {
        "name": "特困党员救助卡月度发放",
        "rule": "FREQ=MONTHLY;BYMONTHDAY=5",
        "start": "2026-01-01",
        "amount": "500.00",
        "aspect": "life_assistance",
        "purpose": "救助卡",
        "recipient_ids": [r.id for r in roll],
    }
    answer = client.post("/api/v1/funds/HC-CARE/plans", headers=clerk, json=body)
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    assert (plan["next_due"], plan["preview"][:2]) == ("2026-01-05", ["2026-01-05", "2026-02-05"])
    assert plan["amount"] == "500.00" and plan["status"] == "active"

    answer = client.post(
        f"/api/v1/plans/{plan['id']}/run", headers=clerk, json={"through": "2026-06-30"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 18 and answer.json()["skipped"] == []
    answer = client.post(
        f"/api/v1/plans/{plan['id']}/run", headers=clerk, json={"through": "2026-06-30"}
    )
    assert answer.json()["created"] == 0

    assert client.get(f"/api/v1/plans/{plan['id']}", headers=clerk).json()["next_due"] == (
        "2026-07-05"
    )
    listed = client.get("/api/v1/funds/HC-CARE/plans", headers=clerk).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]] and listed["next_cursor"] is None

    assert client.post(f"/api/v1/plans/{plan['id']}/pause", headers=clerk).json()["status"] == (
        "paused"
    )
    answer = client.post(
        f"/api/v1/plans/{plan['id']}/run", headers=clerk, json={"through": "2026-07-31"}
    )
    assert answer.status_code == 409
    assert client.post(f"/api/v1/plans/{plan['id']}/resume", headers=clerk).status_code == 200
    assert client.post(f"/api/v1/plans/{plan['id']}/end", headers=clerk).json()["status"] == "ended"
    assert client.post(f"/api/v1/plans/{plan['id']}/end", headers=clerk).status_code == 409

    for rule in ("FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2", "not a rule", "FREQ=SOMETIMES"):
        answer = client.post(
            "/api/v1/funds/HC-CARE/plans", headers=clerk, json=body | {"rule": rule}
        )
        assert answer.status_code == 422, rule
        problem = answer.json()
        assert problem["errors"] == [
            {"loc": ["body", "rule"], "msg": problem["detail"], "type": "value_error"}
        ]
    answer = client.post("/api/v1/funds/HC-CARE/plans", headers=clerk, json=body | {"extra": 1})
    assert answer.status_code == 422
    answer = client.post("/api/v1/funds/NOPE/plans", headers=clerk, json=body)
    assert answer.status_code == 404
    assert client.get("/api/v1/plans/999999", headers=clerk).status_code == 404

    cashier = {"Authorization": f"Bearer {make_token(database, staff['cashier'])}"}
    assert client.post("/api/v1/funds/HC-CARE/plans", headers=cashier, json=body).status_code == 403


def test_plans_run_from_the_command_line(database_url, database, district, monkeypatch) -> None:
    from typer.testing import CliRunner

    from carefund.settings import get_settings
    from cli.main import app

    staff, roll = district
    plan, _ = make_plan(database, staff["clerk"], roll)
    monkeypatch.setenv("CAREFUND_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        answer = CliRunner().invoke(app, ["plans", "run", "--through", "2026-02-28"])
        assert answer.exit_code == 0, answer.output
        assert f"计划 #{plan.id}：新建 6 笔" in answer.output
        answer = CliRunner().invoke(app, ["plans", "run", "--through", "2026-02-28"])
        assert "新建 0 笔" in answer.output
        answer = CliRunner().invoke(app, ["plans", "run", "--through", "next week"])
        assert answer.exit_code == 2
    finally:
        get_settings.cache_clear()
    assert len(generated(database, plan)) == 6
