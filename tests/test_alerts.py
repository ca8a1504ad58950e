"""Early warning, worked through a fund: each rule raises exactly where it should."""

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlmodel import Session, col, select

from carefund import alerts, disbursements, recipients
from carefund.access import admin
from carefund.audit import history
from carefund.errors import Forbidden, InvalidFields, InvalidTransition, NotFound
from carefund.models import Alert, Event, Income
from carefund.storage.direct import DirectStatement
from tests.builders import (
    approve,
    disburse,
    make_fund,
    make_recipient,
    make_staff,
    record,
    submit,
    valid_id_number,
)
from tests.clock_support import set_time
from tests.tampering import drop_guards


@pytest.fixture
def books(database) -> dict[str, Any]:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "100000.00")
    return staff


def open_alerts(database, rule: str | None = None) -> list[Alert]:
    def read(session: Session) -> list[Alert]:
        query = select(Alert).order_by(col(Alert.id))
        if rule:
            query = query.where(Alert.rule_code == rule)
        return list(session.exec(query))

    return database.read(read)


def test_split_payments_raise_on_the_payment_that_tips_the_total(database, books) -> None:
    member = make_recipient(database, books["clerk"], name="王小明")
    disburse(database, books, member, "2000.00", aspect="life_assistance", on="2026-03-01")
    disburse(database, books, member, "2000.00", aspect="spiritual_care", on="2026-03-10")
    assert open_alerts(database, "split_payment") == []  # 4,000.00: not over 5,000.00
    # A payment at the threshold is not "under" it, so it takes no part.
    disburse(database, books, member, "5000.00", aspect="work_incentive", on="2026-03-12")
    assert open_alerts(database, "split_payment") == []
    third = disburse(database, books, member, "1500.00", aspect="work_incentive", on="2026-03-20")
    [alert] = open_alerts(database, "split_payment")
    assert alert.grade == "B" and alert.status == "open"
    assert "3 笔付款" in alert.message and "合计 5500.00 元" in alert.message
    assert "2026-03-01 至 2026-03-20" in alert.message and "5000.00" in alert.message
    assert alert.details["total"] == "5500.00"
    assert alert.details["disbursement_ids"][-1] == third.id
    # Outside the 30-day window (03-01 … 03-30) the next one starts a new count.
    disburse(database, books, member, "100.00", aspect="work_incentive", on="2026-04-25")
    assert len(open_alerts(database, "split_payment")) == 1


def test_same_aspect_twice_in_a_month_and_payment_to_an_inactive_member(database, books) -> None:
    member = make_recipient(database, books["clerk"], name="李四")
    disburse(database, books, member, "300.00", aspect="life_assistance", on="2026-03-01")
    disburse(database, books, member, "300.00", aspect="spiritual_care", on="2026-03-02")
    disburse(database, books, member, "300.00", aspect="life_assistance", on="2026-04-01")
    assert open_alerts(database, "same_aspect_twice") == []
    disburse(database, books, member, "200.00", aspect="life_assistance", on="2026-04-30")
    [twice] = open_alerts(database, "same_aspect_twice")
    assert twice.grade == "C" and "2026-04" in twice.message and "2 笔" in twice.message

    waiting = submit(database, books["clerk"], member, "800.00")
    approve(database, books["approver"], waiting)
    database.write(
        lambda session: recipients.update_recipient(
            session, recipient_id=member.id, active=False, actor=books["clerk"]
        )
    )
    assert open_alerts(database, "inactive_recipient") == []
    database.write(
        lambda session: disbursements.pay_disbursement(
            session, disbursement_id=waiting.id, paid_on="2026-05-06", actor=books["cashier"]
        )
    )
    [inactive] = open_alerts(database, "inactive_recipient")
    assert inactive.grade == "A" and "800.00 元" in inactive.message


def test_shared_id_number_or_phone_with_a_member_or_a_staff_member(database, books) -> None:
    first = make_recipient(database, books["clerk"], phone="13800001111")
    assert open_alerts(database) == []
    second = make_recipient(database, books["clerk"], phone="13800001111")
    [duplicate] = open_alerts(database, "identity_duplicate")
    assert duplicate.fund_id is None and duplicate.grade == "B"
    assert "138****1111" in duplicate.message and "13800001111" not in duplicate.message
    assert duplicate.details["recipient_ids"] == [first.id, second.id]

    shared_id = valid_id_number(77)
    database.write(
        lambda session: admin.set_identity(
            session, actor=books["admin"], username="cashier", id_number=shared_id, phone=""
        )
    )
    assert open_alerts(database, "identity_staff") == []
    make_recipient(database, books["clerk"], id_number=shared_id)
    [staff] = open_alerts(database, "identity_staff")
    assert staff.grade == "A" and "cashier" in staff.message and shared_id not in staff.message
    # The staff member's identity is stored sealed and shown masked.
    public = database.read(
        lambda session: admin.read_user(session, actor=books["admin"], username="cashier")
    )
    assert public["id_number_masked"] != shared_id and public["id_number_masked"].endswith(
        shared_id[-4:]
    )


def test_a_staff_identity_set_after_the_member_is_found_too(database, books) -> None:
    member = make_recipient(database, books["clerk"], phone="0531-8888777")
    database.write(
        lambda session: admin.set_identity(
            session, actor=books["admin"], username="clerk2", id_number="", phone="05318888777"
        )
    )
    [staff] = open_alerts(database, "identity_staff")
    assert staff.details == {
        "field": "phone",
        "recipient_id": member.id,
        "username": "clerk2",
        "masked": staff.details["masked"],
    }
    assert [row.action for row in database.read(lambda s: history(s, "user", books["clerk2"].id))][
        -1
    ] == "user.identity_set"


def test_reversals_and_office_hours(database, books, monkeypatch) -> None:
    member = make_recipient(database, books["clerk"])
    paid = [
        disburse(database, books, member, "100.00", on=f"2026-12-{day:02d}") for day in (1, 2, 3)
    ]
    for number, row in enumerate(paid):
        database.write(
            lambda session, row=row: disbursements.reverse_disbursement(
                session,
                disbursement_id=row.id,
                reason="测试",
                on="2026-12-20",
                actor=books["approver"],
            )
        )
        found = open_alerts(database, "reversal_share")
        assert len(found) == (1 if number == 2 else 0)
    assert "冲销 3 笔凭证" in found[0].message and "approver" in found[0].message

    # Thursday 2026-12-31 at 19:30 in Shanghai is after 18:00.
    set_time(monkeypatch, datetime(2026, 12, 31, 11, 30, tzinfo=UTC))
    record(database, books["clerk"], "10.00", on="2026-12-31")
    [late] = open_alerts(database, "off_hours")
    assert late.grade == "C" and "19:30" in late.message and "周四" in late.message


def test_rescans_never_raise_twice_and_settings_tune_the_rules(
    database, books, monkeypatch
) -> None:
    member = make_recipient(database, books["clerk"])
    waiting = submit(database, books["clerk"], member, "300.00")
    first = alerts.scan(database, actor=books["auditor"])
    assert first.raised_by_rule == {"missing_seal": 9}  # 2026-03 … 2026-11 not closed
    set_time(monkeypatch, datetime(2027, 1, 9, 4, tzinfo=UTC))  # 9 days later
    second = alerts.scan(database, actor=books["auditor"])
    assert second.raised_by_rule == {"approval_overdue": 1}
    [late] = open_alerts(database, "approval_overdue")
    assert f"#{waiting.id}" in late.message and "9 天" in late.message
    assert alerts.scan(database, actor=books["auditor"]).raised == 0

    with pytest.raises(Forbidden):
        database.write(
            lambda session: alerts.set_rule(
                session, code="approval_overdue", actor=books["auditor"]
            )
        )
    with pytest.raises(InvalidFields) as refused:
        database.write(
            lambda session: alerts.set_rule(
                session,
                code="split_payment",
                actor=books["admin"],
                params={"threshold": "-1", "window_days": "x"},
            )
        )
    assert set(refused.value.errors) == {"threshold", "window_days"}
    changed = database.write(
        lambda session: alerts.set_rule(
            session,
            code="off_hours",
            fund_code="HC-CARE",
            actor=books["admin"],
            grade="A",
            params={"end": "17:00"},
        )
    )
    assert changed["grade"] == "A" and changed["params"]["end"] == "17:00"
    assert changed["source"] == "HC-CARE"
    audit = database.read(lambda s: history(s, "alert_rule", "off_hours@HC-CARE"))
    assert audit[-1].detail["after"]["params"]["end"] == "17:00"


def test_acknowledge_and_resolve_with_audit_and_events(database, books) -> None:
    make_recipient(database, books["clerk"], phone="13900002222")
    make_recipient(database, books["clerk"], phone="13900002222")
    [alert] = open_alerts(database)
    for writer in ("clerk", "approver", "cashier", "integration"):
        with pytest.raises(Forbidden):
            database.read(
                lambda s, w=writer: alerts.read_alert(s, alert_id=alert.id, actor=books[w])
            )
    with pytest.raises(NotFound):
        database.read(lambda s: alerts.read_alert(s, alert_id=9999, actor=books["auditor"]))
    with pytest.raises(InvalidFields):
        database.write(
            lambda s: alerts.resolve_alert(s, alert_id=alert.id, note="  ", actor=books["auditor"])
        )
    acked = database.write(
        lambda s: alerts.acknowledge_alert(
            s, alert_id=alert.id, note="核实中", actor=books["auditor"]
        )
    )
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "auditor"
    with pytest.raises(InvalidTransition):
        database.write(
            lambda s: alerts.acknowledge_alert(s, alert_id=alert.id, actor=books["admin"])
        )
    done = database.write(
        lambda s: alerts.resolve_alert(
            s, alert_id=alert.id, note="系同一户家庭电话，已核实", actor=books["admin"]
        )
    )
    assert done["status"] == "resolved" and done["resolve_note"] == "系同一户家庭电话，已核实"
    trail = database.read(lambda s: history(s, "alert", alert.id))
    assert [(row.action, row.actor) for row in trail] == [
        ("alert.acknowledged", "auditor"),
        ("alert.resolved", "admin"),
    ]
    feed = database.read(
        lambda s: [(e.type, e.data) for e in s.exec(select(Event).order_by(col(Event.id)))]
    )
    alert_events = [(kind, data) for kind, data in feed if kind.startswith("alert.")]
    assert [kind for kind, _ in alert_events] == [
        "alert.raised",
        "alert.acknowledged",
        "alert.resolved",
    ]
    assert alert_events[-1][1] == done
    # A rescan finds the same duplicate and raises nothing: the subject has its alert.
    assert (
        alerts.scan(database, actor=books["auditor"]).raised_by_rule.get("identity_duplicate")
        is None
    )
    # What the scan did raise: 2026-03 … 2026-11 not closed, nine B alerts still open.
    assert database.read(lambda s: alerts.open_counts(s, actor=books["auditor"])) == {
        "A": 0,
        "B": 9,
        "C": 0,
    }


def test_a_broken_chain_is_an_a_alert(database, books) -> None:
    income = record(database, books["clerk"], "50.00")
    with database.engine.begin() as connection:
        drop_guards(connection, "income")
        connection.execute(
            update(Income.__table__)  # type: ignore[attr-defined]
            .where(Income.__table__.c.id == income.id)  # type: ignore[attr-defined]
            .values(amount_fen=500)
        )
    result = alerts.scan(database, actor=books["auditor"])
    assert result.raised_by_rule.get("broken_chain") == 1
    [broken] = open_alerts(database, "broken_chain")
    assert broken.grade == "A" and "HC-CARE" in broken.message
    assert alerts.scan(database, actor=books["auditor"]).raised_by_rule.get("broken_chain") is None


def test_an_income_asks_nothing_of_the_alerts_unless_a_rule_fires(
    database, books, monkeypatch
) -> None:
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    # The posting path's direct statements skip SQLAlchemy's events: seen here as well.
    direct_execute = DirectStatement._execute

    def direct_seen(self, session, rows, *, many):  # type: ignore[no-untyped-def]
        statements.append(self._for(session.get_bind().dialect).sql.lower())
        return direct_execute(self, session, rows, many=many)

    record(database, books["clerk"], "1.00")  # the process has read the rules' settings
    monkeypatch.setattr(DirectStatement, "_execute", direct_seen)
    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        record(database, books["clerk"], "2.00")
        assert statements and not [s for s in statements if "alert" in s]
        set_time(monkeypatch, datetime(2026, 12, 26, 3, tzinfo=UTC))  # a Saturday
        record(database, books["clerk"], "3.00", on="2026-12-26")
        assert [s for s in statements if "alert" in s]
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    [weekend] = open_alerts(database, "off_hours")
    assert "周六" in weekend.message


def test_an_alert_raised_meanwhile_never_fails_the_write(database, books) -> None:
    from carefund.alerts.raising import _insert_once

    values = {
        "fund_id": None,
        "rule_code": "identity_duplicate",
        "grade": "B",
        "subject_key": "phone:recipient:1:recipient:2",
        "message": "…",
        "details": {},
        "status": "open",
        "created_at": datetime(2026, 12, 31, 4, tzinfo=UTC),
    }
    first = database.write(lambda session: _insert_once(session, values))
    # What a second writer that checked before the first committed would do next.
    assert database.write(lambda session: _insert_once(session, values)) is None
    assert [alert.id for alert in open_alerts(database)] == [first]
