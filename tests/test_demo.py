"""The demo district: its books verify, every month reconciles, the story's figures hold."""

from datetime import date
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.users import user_for_token
from carefund.bank import reconciliation
from carefund.demo import DemoRefused, build_demo
from carefund.demo.streets import STREET_FUNDS
from carefund.funds import all_funds, find_fund, list_funds
from carefund.ledger.verify import verify
from carefund.models import (
    Alert,
    BankReconciliation,
    Disbursement,
    JournalEntry,
    Plan,
    PlanRecipient,
    Recipient,
    User,
)
from carefund.recipients import list_recipients
from carefund.reports import statements
from carefund.vocabulary import Aspect, MemberCategory, Role


def test_the_demo_district(database) -> None:
    result = build_demo(database)
    # How to get new logins later is printed with the once-only ones.
    assert "carefund user token" in result.lines()[-1]

    def read(session: Session) -> Any:
        heads = {}
        for fund in all_funds(session):
            verified = verify(session, fund)
            assert verified.ok, verified.problem
            heads[fund.code] = verified.head_hash
            # The district's funds are closed to October; the streets' began in November.
            closed = None if fund.code in STREET_FUNDS.values() else date(2026, 10, 31)
            assert fund.closed_through == closed
            for month in range(1, 13):
                statement = statements.build_statement(
                    session, fund, statements.parse_period(f"2026-{month:02d}")
                )
                assert statement.reconciled, (fund.code, month, statement.checks)
                assert statement.opening_fen >= 0 and statement.closing_fen >= 0
        assert set(heads) == {"HC-CARE", "HC-RELIEF", "CG-CARE", "DC-CARE", "XC-CARE"}
        last_day = session.exec(select(func.max(JournalEntry.entry_date))).one()
        assert last_day <= date(2026, 11, 27)

        # 1,700+ members in all six categories.
        by_category = dict(
            session.exec(
                select(Recipient.category, func.count()).group_by(col(Recipient.category))
            ).all()
        )
        assert set(by_category) == {c.value for c in MemberCategory}
        assert sum(by_category.values()) == result.recipients >= 1_700

        # More than 500,000 yuan out of the care fund, across every cell of the 6×3 matrix.
        care = statements.build_statement(
            session, find_fund(session, "HC-CARE"), statements.parse_period("2026")
        )
        assert care.reconciled
        assert care.disbursed_total_fen > 500_000_00
        assert all(care.matrix_fen[c.value][a.value] > 0 for c in MemberCategory for a in Aspect)
        assert all(care.income_fen[source] > 0 for source in care.income_fen)

        # The relief fund: about 200,000 a year, 40 members paid 400 on every 5th.
        relief = statements.build_statement(
            session, find_fund(session, "HC-RELIEF"), statements.parse_period("2026")
        )
        assert 190_000_00 <= relief.income_total_fen <= 210_000_00
        assert relief.disbursed_total_fen == 40 * 400_00 * 11
        plan = session.exec(select(Plan)).one()
        members = session.exec(select(func.count()).where(PlanRecipient.plan_id == plan.id)).one()
        assert (plan.rule, members) == ("FREQ=MONTHLY;BYMONTHDAY=5", 40)
        paid_dues = session.exec(
            select(Disbursement.due_on, func.count())
            .where(Disbursement.plan_id == plan.id, Disbursement.status == "paid")
            .group_by(col(Disbursement.due_on))
        ).all()
        assert sorted(paid_dues) == [(date(2026, m, 5), 40) for m in range(1, 12)]
        # Paid through the bank, January to October reconciled to the fen (fees booked).
        assert relief.bank_fen == {"fee": 40 * 50 * 10, "interest": 0}
        confirmed = session.exec(
            select(BankReconciliation.month, BankReconciliation.adjusted_fen).order_by(
                col(BankReconciliation.month)
            )
        ).all()
        assert [month for month, _ in confirmed] == [f"2026-{m:02d}" for m in range(1, 11)]
        october = reconciliation.reconcile_month(
            session,
            fund_code="HC-RELIEF",
            month="2026-10",
            actor=session.exec(select(User).where(User.role == "auditor")).first(),
        )
        assert october.balanced and october.book_fen == october.bank_fen == confirmed[-1][1]

        # Separated duties, a few reversals, and an open month with work waiting.
        everything = session.exec(select(Disbursement)).all()
        assert all(d.approved_by != d.submitted_by for d in everything if d.approved_by)
        statuses = [d.status for d in everything]
        assert statuses.count("reversed") >= 3
        assert statuses.count("submitted") >= 1 and statuses.count("approved") >= 1
        assert sum(d.amount_fen for d in everything if d.status == "paid") == result.paid_fen

        # A user of every role, who can use the printed token.
        assert {u.role for u in result.users} == {r.value for r in Role}
        for user in result.users:
            assert user_for_token(database, user.token).username == user.username
            assert len(user.password) >= 8
        return heads, fund

    heads, fund = database.read(read)

    # A few realistic early warnings of each grade, some already taken up by the auditor.
    raised = database.read(
        lambda session: [
            (a.grade, a.rule_code, a.status)
            for a in session.exec(select(Alert).order_by(col(Alert.id)))
        ]
    )
    assert {grade for grade, _, _ in raised} == {"A", "B", "C"}
    assert ("B", "split_payment", "acknowledged") in raised
    assert ("B", "identity_duplicate", "resolved") in raised
    assert ("A", "identity_staff", "acknowledged") in raised
    assert ("A", "inactive_recipient", "open") in raised
    assert ("C", "approval_overdue", "open") in raised
    assert "off_hours" not in {rule for _, rule, _ in raised}
    # The streets: 城关街道's clerk and approver are printed with the others and see only
    # their street's fund and members.
    street_users = {u.username: u for u in result.users if u.unit != "DISTRICT"}
    assert {(u.username, u.role, u.unit) for u in street_users.values()} == {
        ("cg_clerk", "clerk", "CG"),
        ("cg_approver", "approver", "CG"),
    }
    cg_clerk = user_for_token(database, street_users["cg_clerk"].token)
    seen = database.read(lambda session: [f.code for f in list_funds(session, actor=cg_clerk)])
    assert seen == ["CG-CARE"]
    roll = database.read(partial(list_recipients, actor=cg_clerk, limit=2000))
    assert roll and all(r["address"].startswith("城关街道") for r in roll)
    assert len(roll) < result.recipients

    with pytest.raises(DemoRefused):
        build_demo(database)

    if database.engine.dialect.name == "sqlite":
        # Deterministic: rebuilt from scratch, the same books to the last hash.
        build_demo(database, force=True)
        again = database.read(
            lambda session: {
                fund.code: verify(session, fund).head_hash for fund in all_funds(session)
            }
        )
        assert again == heads


def test_serve_demo_before_its_dates_stops_rather_than_start_with_nobody(
    database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before 2026-11-27 the demo's dates would be in the future: `serve --demo` must not then
    start a service nobody can log in to (the command exits non-zero with this message)."""
    from datetime import datetime, time

    from carefund import clock
    from cli.serving import _load_demo
    from tests.builders import make_staff
    from tests.clock_support import set_time

    set_time(monkeypatch, datetime.combine(date(2026, 11, 26), time(12), tzinfo=clock.zone()))
    with pytest.raises(DemoRefused) as refused:
        _load_demo(database)
    assert "2026-11-27" in refused.value.message
    assert "没有任何用户" in refused.value.message and "服务不启动" in refused.value.message
    assert database.read(lambda session: session.exec(select(func.count(col(User.id)))).one()) == 0

    make_staff(database)  # with users to log in, the service starts on what is there
    _load_demo(database)
