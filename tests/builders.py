"""Small builders for tests: a fund, users of each role, recipients, money in and out.

Each writes through `database.write` (one transaction, committed), as a request would.
"""

from itertools import count
from typing import Any

from sqlmodel import Session

from carefund import disbursements, funds, incomes, recipients
from carefund.access import users
from carefund.models import Disbursement, Income, Recipient, User
from carefund.recipients import id_number_check_char
from carefund.storage.database import Database

_numbers = count(1)


def make_user(
    database: Database, role: str, username: str | None = None, password: str | None = None
) -> User:
    def write(session: Session) -> Any:
        return users.create_user(
            session,
            username=username or f"{role}{next(_numbers)}",
            role=role,
            password=password,
            actor="test",
        )

    return database.write(write)


def make_token(database: Database, user: User) -> str:
    return database.write(lambda session: users.issue_token(session, user))


def make_staff(database: Database) -> dict[str, User]:
    """One user of every role, keyed by role, plus a second clerk `clerk2`."""
    staff = {
        role: make_user(database, role, username=role)
        for role in ("admin", "clerk", "approver", "cashier", "auditor", "integration")
    }
    staff["clerk2"] = make_user(database, "clerk", username="clerk2")
    staff["approver2"] = make_user(database, "approver", username="approver2")
    return staff


def make_fund(
    database: Database, admin: User, code: str = "HC-CARE", name: str = "某区党内关爱基金"
) -> dict[str, Any]:
    return database.write(
        lambda session: funds.create_fund(
            session, code=code, name=name, org="中共某区委组织部", actor=admin
        )
    )


def valid_id_number(serial: int) -> str:
    """A well-formed resident ID number (with a correct check character) for tests."""
    first17 = f"370602198{serial % 10}0101{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_recipient(
    database: Database,
    clerk: User,
    *,
    category: str = "hardship",
    name: str | None = None,
    **fields: object,
) -> Recipient:
    number = next(_numbers)

    def write(session: Session) -> Any:
        return recipients.create_recipient(
            session,
            member_no=str(fields.pop("member_no", f"M{number:05d}")),
            name=name or f"测试党员{number}",
            category=category,
            actor=clerk,
            **fields,
        )

    return database.write(write)


def record(
    database: Database,
    clerk: User,
    amount: str,
    *,
    fund: str = "HC-CARE",
    source: str = "fiscal_support",
    on: str = "2026-03-05",
    payer: str = "区财政局",
) -> Income:
    def write(session: Session) -> Any:
        recorded = incomes.record_income(
            session,
            fund_code=fund,
            source=source,
            payer=payer,
            amount=amount,
            received_on=on,
            actor=clerk,
        )
        return session.get_one(Income, recorded["id"])

    return database.write(write)


def submit(
    database: Database,
    clerk: User,
    recipient: Recipient,
    amount: str,
    aspect: str = "life_assistance",
    fund: str = "HC-CARE",
    purpose: str = "春节慰问",
) -> Disbursement:
    def write(session: Session) -> Any:
        return disbursements.submit_disbursement(
            session,
            fund_code=fund,
            recipient_id=recipient.id,
            amount=amount,
            aspect=aspect,
            purpose=purpose,
            actor=clerk,
        )

    return database.write(write)


def approve(database: Database, approver: User, disbursement: Disbursement) -> Disbursement:
    def write(session: Session) -> Any:
        return disbursements.approve_disbursement(
            session, disbursement_id=disbursement.id, actor=approver
        )

    return database.write(write)


def pay(
    database: Database, cashier: User, disbursement: Disbursement, on: str = "2026-03-10"
) -> Disbursement:
    def write(session: Session) -> Any:
        return disbursements.pay_disbursement(
            session, disbursement_id=disbursement.id, paid_on=on, method="转账", actor=cashier
        )

    return database.write(write)


def disburse(
    database: Database,
    staff: dict[str, User],
    recipient: Recipient,
    amount: str,
    aspect: str = "life_assistance",
    on: str = "2026-03-10",
    fund: str = "HC-CARE",
) -> Disbursement:
    """Submit, approve and pay, each by its own person."""
    disbursement = submit(database, staff["clerk"], recipient, amount, aspect, fund=fund)
    approve(database, staff["approver"], disbursement)
    return pay(database, staff["cashier"], disbursement, on=on)
