"""Small builders for tests: a fund, users of each role, recipients, money in and out.

Each opens its own unit of work and commits, as a request would.
"""

from itertools import count

from sqlalchemy.engine import Engine

from carefund import disbursements, funds, incomes, recipients
from carefund.access import users
from carefund.models import Disbursement, Fund, Income, Recipient, User
from carefund.recipients import id_number_check_char
from carefund.storage.db import write_session

_numbers = count(1)


def make_user(
    engine: Engine, role: str, username: str | None = None, password: str | None = None
) -> User:
    with write_session(engine) as session:
        return users.create_user(
            session,
            username=username or f"{role}{next(_numbers)}",
            role=role,
            password=password,
            actor="test",
        )


def make_token(engine: Engine, user: User) -> str:
    with write_session(engine) as session:
        return users.issue_token(session, user)


def make_staff(engine: Engine) -> dict[str, User]:
    """One user of every role, keyed by role, plus a second clerk `clerk2`."""
    staff = {
        role: make_user(engine, role, username=role)
        for role in ("admin", "clerk", "approver", "cashier", "auditor", "integration")
    }
    staff["clerk2"] = make_user(engine, "clerk", username="clerk2")
    staff["approver2"] = make_user(engine, "approver", username="approver2")
    return staff


def make_fund(
    engine: Engine, admin: User, code: str = "HC-CARE", name: str = "某区党内关爱基金"
) -> Fund:
    with write_session(engine) as session:
        return funds.create_fund(session, code=code, name=name, org="中共某区委组织部", actor=admin)


def valid_id_number(serial: int) -> str:
    """A well-formed resident ID number (with a correct check character) for tests."""
    first17 = f"370602198{serial % 10}0101{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_recipient(
    engine: Engine,
    clerk: User,
    *,
    category: str = "hardship",
    name: str | None = None,
    **fields: object,
) -> Recipient:
    number = next(_numbers)
    with write_session(engine) as session:
        return recipients.create_recipient(
            session,
            member_no=str(fields.pop("member_no", f"M{number:05d}")),
            name=name or f"测试党员{number}",
            category=category,
            actor=clerk,
            **fields,
        )


def record(
    engine: Engine,
    clerk: User,
    amount: str,
    *,
    fund: str = "HC-CARE",
    source: str = "fiscal_support",
    on: str = "2026-03-05",
    payer: str = "区财政局",
) -> Income:
    with write_session(engine) as session:
        return incomes.record_income(
            session,
            fund_code=fund,
            source=source,
            payer=payer,
            amount=amount,
            received_on=on,
            actor=clerk,
        )


def submit(
    engine: Engine,
    clerk: User,
    recipient: Recipient,
    amount: str,
    aspect: str = "life_assistance",
    fund: str = "HC-CARE",
    purpose: str = "春节慰问",
) -> Disbursement:
    with write_session(engine) as session:
        return disbursements.submit_disbursement(
            session,
            fund_code=fund,
            recipient_id=recipient.id,
            amount=amount,
            aspect=aspect,
            purpose=purpose,
            actor=clerk,
        )


def approve(engine: Engine, approver: User, disbursement: Disbursement) -> Disbursement:
    with write_session(engine) as session:
        return disbursements.approve_disbursement(
            session, disbursement_id=disbursement.id, actor=approver
        )


def pay(
    engine: Engine, cashier: User, disbursement: Disbursement, on: str = "2026-03-10"
) -> Disbursement:
    with write_session(engine) as session:
        return disbursements.pay_disbursement(
            session, disbursement_id=disbursement.id, paid_on=on, method="转账", actor=cashier
        )


def disburse(
    engine: Engine,
    staff: dict[str, User],
    recipient: Recipient,
    amount: str,
    aspect: str = "life_assistance",
    on: str = "2026-03-10",
    fund: str = "HC-CARE",
) -> Disbursement:
    """Submit, approve and pay, each by its own person."""
    disbursement = submit(engine, staff["clerk"], recipient, amount, aspect, fund=fund)
    approve(engine, staff["approver"], disbursement)
    return pay(engine, staff["cashier"], disbursement, on=on)
