"""Bad input for every operation: a clear domain error, and nothing written."""

from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session, SQLModel

from carefund import disbursements, funds, incomes, periods, recipients
from carefund.access import users
from carefund.errors import (
    CarefundError,
    Conflict,
    Duplicate,
    Forbidden,
    InsufficientFunds,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PeriodClosed,
)
from tests.builders import approve, make_fund, make_recipient, make_staff, record, submit


def snapshot(database) -> dict:  # type: ignore[no-untyped-def]
    """Every table's row count, and each fund's head and cash."""
    with database.engine.connect() as connection:
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }
        heads = connection.execute(
            text("SELECT code, head_seq, head_hash, cash_fen FROM fund ORDER BY code")
        ).all()
    return {"counts": counts, "heads": [tuple(row) for row in heads]}


@pytest.fixture
def books(database):  # type: ignore[no-untyped-def]
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "1000.00", on="2026-03-01")
    member = make_recipient(database, staff["clerk"], member_no="M-1")
    quitter = make_recipient(database, staff["clerk"], member_no="M-2", active=False)
    waiting = submit(database, staff["clerk"], member, "100.00")
    approved = approve(
        database, staff["approver"], submit(database, staff["clerk"], member, "50.00")
    )
    database.write(
        lambda session: periods.close_period(
            session, fund_code="HC-CARE", month="2026-02", actor=staff["approver"]
        )
    )
    return {
        "database": database,
        "staff": staff,
        "member": member,
        "quitter": quitter,
        "waiting": waiting,
        "approved": approved,
    }


def income_args(staff, **change):  # type: ignore[no-untyped-def]
    args = dict(
        fund_code="HC-CARE",
        source="fiscal_support",
        payer="区财政局",
        amount="10.00",
        received_on="2026-03-05",
        method="转账",
        memo="",
        actor=staff["clerk"],
    )
    args.update(change)
    return args


INCOME_CASES = [
    ({"amount": "0"}, InvalidInput),
    ({"amount": "-5"}, InvalidInput),
    ({"amount": "1.001"}, InvalidInput),
    ({"amount": "1e5"}, InvalidInput),
    ({"amount": 1.5}, InvalidInput),
    ({"amount": "1000000000.01"}, InvalidInput),
    ({"amount": None}, InvalidInput),
    ({"source": "lottery"}, InvalidInput),
    ({"payer": "  "}, InvalidInput),
    ({"payer": "x" * 201}, InvalidInput),
    ({"payer": "a\x00b"}, InvalidInput),
    ({"received_on": "2026-13-01"}, InvalidInput),
    ({"received_on": "05/03/2026"}, InvalidInput),
    ({"received_on": "1999-12-31"}, InvalidInput),
    ({"fund_code": "NOPE"}, NotFound),
    ({"received_on": "2026-02-10"}, PeriodClosed),
    ({"memo": "x" * 2001}, InvalidInput),
]


@pytest.mark.parametrize(("change", "error"), INCOME_CASES)
def test_bad_income(books, change, error) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(books["database"])
    with pytest.raises(error) as caught:

        def write(session: Session) -> Any:
            incomes.record_income(session, **income_args(books["staff"], **change))

        books["database"].write(write)
    assert caught.value.message
    assert snapshot(books["database"]) == before


def test_an_auditor_records_nothing(books) -> None:
    before = snapshot(books["database"])
    with pytest.raises(Forbidden):

        def write(session: Session) -> Any:
            incomes.record_income(
                session, **income_args(books["staff"], actor=books["staff"]["auditor"])
            )

        books["database"].write(write)
    assert snapshot(books["database"]) == before


def _call(books, use_case, **kwargs):  # type: ignore[no-untyped-def]
    return books["database"].write(lambda session: use_case(session, **kwargs))


def disbursement_cases(books):  # type: ignore[no-untyped-def]
    s = books["staff"]
    member, quitter = books["member"], books["quitter"]
    waiting, approved = books["waiting"], books["approved"]
    submit_ok = dict(
        fund_code="HC-CARE",
        recipient_id=member.id,
        amount="1",
        aspect="spiritual_care",
        actor=s["clerk"],
    )
    return [
        (disbursements.submit_disbursement, {**submit_ok, "amount": "0.001"}, InvalidInput),
        (disbursements.submit_disbursement, {**submit_ok, "aspect": "money"}, InvalidInput),
        (disbursements.submit_disbursement, {**submit_ok, "recipient_id": 9999}, NotFound),
        (disbursements.submit_disbursement, {**submit_ok, "recipient_id": "1"}, NotFound),
        (disbursements.submit_disbursement, {**submit_ok, "recipient_id": quitter.id}, Conflict),
        (disbursements.submit_disbursement, {**submit_ok, "fund_code": "NOPE"}, NotFound),
        (disbursements.submit_disbursement, {**submit_ok, "actor": s["cashier"]}, Forbidden),
        (
            disbursements.approve_disbursement,
            {"disbursement_id": waiting.id, "actor": s["clerk"]},
            Forbidden,
        ),
        (
            disbursements.approve_disbursement,
            {"disbursement_id": approved.id, "actor": s["approver"]},
            InvalidTransition,
        ),
        (
            disbursements.approve_disbursement,
            {"disbursement_id": 999, "actor": s["approver"]},
            NotFound,
        ),
        (
            disbursements.reject_disbursement,
            {"disbursement_id": waiting.id, "reason": " ", "actor": s["approver"]},
            InvalidInput,
        ),
        (
            disbursements.reject_disbursement,
            {"disbursement_id": approved.id, "reason": "x", "actor": s["approver"]},
            InvalidTransition,
        ),
        (
            disbursements.cancel_disbursement,
            {"disbursement_id": approved.id, "actor": s["clerk"]},
            InvalidTransition,
        ),
        (
            disbursements.cancel_disbursement,
            {"disbursement_id": waiting.id, "actor": s["integration"]},
            Forbidden,
        ),
        (
            disbursements.pay_disbursement,
            {"disbursement_id": waiting.id, "paid_on": "2026-03-10", "actor": s["cashier"]},
            InvalidTransition,
        ),
        (
            disbursements.pay_disbursement,
            {"disbursement_id": approved.id, "paid_on": "2026-02-10", "actor": s["cashier"]},
            PeriodClosed,
        ),
        (
            disbursements.pay_disbursement,
            {"disbursement_id": approved.id, "paid_on": "bad", "actor": s["cashier"]},
            InvalidInput,
        ),
        (
            disbursements.pay_disbursement,
            {"disbursement_id": approved.id, "paid_on": "2026-03-10", "actor": s["approver"]},
            Forbidden,
        ),
        (
            disbursements.reverse_disbursement,
            {"disbursement_id": approved.id, "reason": "x", "actor": s["approver"]},
            InvalidTransition,
        ),
        (
            incomes.reverse_income,
            {"income_id": 1, "reason": "", "actor": s["approver"]},
            InvalidInput,
        ),
        (
            incomes.reverse_income,
            {"income_id": 1, "reason": "x", "on": "2026-02-01", "actor": s["approver"]},
            PeriodClosed,
        ),
        (incomes.reverse_income, {"income_id": 1, "reason": "x", "actor": s["clerk"]}, Forbidden),
        (
            incomes.reverse_income,
            {"income_id": 42, "reason": "x", "actor": s["approver"]},
            NotFound,
        ),
        # 1000 in, 50 reserved: reversing the 1000 would leave the reservation uncovered.
        (
            incomes.reverse_income,
            {"income_id": 1, "reason": "x", "on": "2026-03-20", "actor": s["approver"]},
            InsufficientFunds,
        ),
        (
            recipients.create_recipient,
            {"member_no": "M-1", "name": "甲", "category": "cadre", "actor": s["clerk"]},
            Duplicate,
        ),
        (
            recipients.create_recipient,
            {"member_no": "M 3", "name": "甲", "category": "cadre", "actor": s["clerk"]},
            InvalidInput,
        ),
        (
            recipients.create_recipient,
            {"member_no": "M-3", "name": "甲", "category": "boss", "actor": s["clerk"]},
            InvalidInput,
        ),
        (
            recipients.create_recipient,
            {"member_no": "M-3", "name": "", "category": "cadre", "actor": s["clerk"]},
            InvalidInput,
        ),
        (
            recipients.create_recipient,
            {"member_no": "M-3", "name": "甲", "actor": s["clerk"]},
            InvalidInput,
        ),
        (
            recipients.create_recipient,
            {
                "member_no": "M-3",
                "name": "甲",
                "category": "cadre",
                "id_number": "370602198001011235",
                "actor": s["clerk"],
            },
            InvalidInput,
        ),
        (
            recipients.create_recipient,
            {
                "member_no": "M-3",
                "name": "甲",
                "category": "cadre",
                "phone": "12345",
                "actor": s["clerk"],
            },
            InvalidInput,
        ),
        (
            recipients.create_recipient,
            {"member_no": "M-3", "name": "甲", "category": "cadre", "actor": s["auditor"]},
            Forbidden,
        ),
        (
            recipients.update_recipient,
            {"recipient_id": member.id, "category": "boss", "actor": s["clerk"]},
            InvalidInput,
        ),
        (
            recipients.update_recipient,
            {"recipient_id": member.id, "member_no": "X", "actor": s["clerk"]},
            InvalidInput,
        ),
        (
            recipients.update_recipient,
            {"recipient_id": member.id, "active": "no", "actor": s["clerk"]},
            InvalidInput,
        ),
        (
            recipients.update_recipient,
            {"recipient_id": 999, "name": "乙", "actor": s["clerk"]},
            NotFound,
        ),
        (
            periods.close_period,
            {"fund_code": "HC-CARE", "month": "2026-02", "actor": s["approver"]},
            Conflict,
        ),
        (
            periods.close_period,
            {"fund_code": "HC-CARE", "month": "2026-13", "actor": s["approver"]},
            InvalidInput,
        ),
        (
            periods.close_period,
            {"fund_code": "HC-CARE", "month": "2099-01", "actor": s["approver"]},
            Conflict,
        ),
        (
            periods.close_period,
            {"fund_code": "HC-CARE", "month": "2026-03", "actor": s["clerk"]},
            Forbidden,
        ),
        (
            periods.reopen_period,
            {"fund_code": "HC-CARE", "month": "2026-02", "reason": "", "actor": s["admin"]},
            InvalidInput,
        ),
        (
            periods.reopen_period,
            {"fund_code": "HC-CARE", "month": "2026-01", "reason": "x", "actor": s["admin"]},
            NotFound,
        ),
        (
            periods.reopen_period,
            {"fund_code": "HC-CARE", "month": "2026-02", "reason": "x", "actor": s["approver"]},
            Forbidden,
        ),
        (funds.create_fund, {"code": "HC-CARE", "name": "x", "actor": s["admin"]}, Duplicate),
        (funds.create_fund, {"code": "hc care", "name": "x", "actor": s["admin"]}, InvalidInput),
        (funds.create_fund, {"code": "HC-NEW", "name": "x", "actor": s["clerk"]}, Forbidden),
        (users.create_user, {"username": "clerk", "role": "clerk", "actor": "test"}, Duplicate),
        (users.create_user, {"username": "new", "role": "boss", "actor": "test"}, InvalidInput),
        (
            users.create_user,
            {"username": "new", "role": "clerk", "password": "short", "actor": "test"},
            InvalidInput,
        ),
        (users.create_user, {"username": "名字", "role": "clerk", "actor": "test"}, InvalidInput),
    ]


def test_every_refused_operation_changes_nothing(books) -> None:
    for use_case, kwargs, error in disbursement_cases(books):
        before = snapshot(books["database"])
        with pytest.raises(error) as caught:
            _call(books, use_case, **kwargs)
        assert isinstance(caught.value, CarefundError) and caught.value.message
        assert snapshot(books["database"]) == before, (use_case.__name__, kwargs)


def test_approval_is_refused_beyond_the_available_balance(books) -> None:
    s = books["staff"]
    big = submit(books["database"], s["clerk"], books["member"], "950.01")
    before = snapshot(books["database"])
    with pytest.raises(InsufficientFunds):
        _call(
            books, disbursements.approve_disbursement, disbursement_id=big.id, actor=s["approver"]
        )
    assert snapshot(books["database"]) == before
    # 1000 cash − 50 approved = 950 available: exactly 950.00 fits.
    fits = submit(books["database"], s["clerk"], books["member"], "950.00")
    _call(books, disbursements.approve_disbursement, disbursement_id=fits.id, actor=s["approver"])
