"""Funds: opening one, reading its balance and available balance."""

import re
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.errors import Duplicate, InvalidInput, NotFound
from carefund.events import record_event
from carefund.ledger.accounts import CASH_ACCOUNT, EXPENSE_PREFIX, INCOME_PREFIX
from carefund.ledger.posting import FundHead
from carefund.limits import NAME_LENGTH_MAX
from carefund.models import Disbursement, Fund, Posting, User, as_utc
from carefund.money import format_fen
from carefund.validation import clean_text
from carefund.vocabulary import Aspect, DisbursementStatus, IncomeSource

FUND_CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9\-]{1,31}")
"""Upper-case letters, digits and hyphens, as it appears in receipt numbers."""


def create_fund(session: Session, *, code: str, name: str, org: str = "", actor: User) -> Fund:
    """Open a fund with empty books."""
    require(actor, Action.manage_funds)
    if not isinstance(code, str) or not FUND_CODE_PATTERN.fullmatch(code):
        raise InvalidInput(
            "基金代码应为 2–32 位大写字母、数字或连字符，以字母开头，如 HC-CARE", field="code"
        )
    name = clean_text(name, field="name", length_max=NAME_LENGTH_MAX, required=True)
    org = clean_text(org, field="org", length_max=NAME_LENGTH_MAX)
    if session.exec(select(Fund).where(Fund.code == code)).first():
        raise Duplicate(f"基金代码已存在：{code}", field="code")
    fund = Fund(code=code, name=name, org=org)
    session.add(fund)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="fund.created",
        obj=("fund", fund.id),
        detail={"code": code},
    )
    record_event(session, "fund.created", {"code": code, "name": name, "org": org})
    return fund


def get_fund(session: Session, code: str) -> Fund:
    # A code that cannot exist is not looked up: it may hold bytes the database refuses.
    valid = isinstance(code, str) and FUND_CODE_PATTERN.fullmatch(code)
    fund = session.exec(select(Fund).where(Fund.code == code)).first() if valid else None
    if fund is None:
        raise NotFound(f"基金不存在：{str(code)[:40]}", field="fund")
    return fund


def list_funds(session: Session) -> list[Fund]:
    return list(session.exec(select(Fund).order_by(col(Fund.code))))


def funds_page(session: Session, *, after_id: int = 0, limit: int = 50) -> list[Fund]:
    """A page of the funds in the order they were opened."""
    return list(
        session.exec(
            select(Fund).where(col(Fund.id) > after_id).order_by(col(Fund.id)).limit(limit)
        )
    )


def reserved_fen(session: Session, *, fund_id: int | None) -> int:
    """Approved but not yet paid: money promised that the fund must keep."""
    total = session.exec(
        select(func.coalesce(func.sum(Disbursement.amount_fen), 0)).where(
            Disbursement.fund_id == fund_id,
            Disbursement.status == DisbursementStatus.approved.value,
        )
    ).one()
    return int(total)


def available_fen(session: Session, fund: Fund) -> int:
    """Posted cash minus approved-but-unpaid disbursements."""
    return fund.cash_fen - reserved_fen(session, fund_id=fund.id)


def available_fen_under_lock(session: Session, fund: FundHead) -> int:
    """`available_fen` of a fund whose head this transaction holds locked (and may have moved)."""
    return fund.cash_fen - reserved_fen(session, fund_id=fund.id)


def fund_public(session: Session, fund: Fund) -> dict[str, Any]:
    """A fund as the API shows it."""
    return {
        "code": fund.code,
        "name": fund.name,
        "org": fund.org,
        "balance": format_fen(fund.cash_fen),
        "available": format_fen(available_fen(session, fund)),
        "created_at": as_utc(fund.created_at).isoformat(),
        "closed_through": fund.closed_through.isoformat() if fund.closed_through else None,
    }


def balances(session: Session, fund: Fund, as_of: date | None = None) -> dict[str, Any]:
    """Cash, available, income per source and disbursed per aspect, up to `as_of` inclusive."""
    query = (
        select(Posting.account, func.sum(Posting.debit_fen), func.sum(Posting.credit_fen))
        .where(Posting.fund_id == fund.id)
        .group_by(col(Posting.account))
    )
    if as_of is not None:
        query = query.where(col(Posting.entry_date) <= as_of)
    cash = 0
    income = {source.value: 0 for source in IncomeSource}
    disbursed = {aspect.value: 0 for aspect in Aspect}
    for account, debit, credit in session.exec(query):
        debit, credit = int(debit or 0), int(credit or 0)
        if account == CASH_ACCOUNT:
            cash = debit - credit
        elif account.startswith(INCOME_PREFIX):
            income[account.removeprefix(INCOME_PREFIX)] += credit - debit
        elif account.startswith(EXPENSE_PREFIX):
            aspect = account.removeprefix(EXPENSE_PREFIX).split(":")[0]
            disbursed[aspect] += debit - credit
    # Reservations are a present fact, not a dated one: they are today's, whatever `as_of`.
    available = cash - reserved_fen(session, fund_id=fund.id)
    return {
        "fund": fund.code,
        "as_of": as_of.isoformat() if as_of else None,
        "balance": format_fen(cash),
        "available": format_fen(available),
        "income": {key: format_fen(value) for key, value in income.items()},
        "disbursed": {key: format_fen(value) for key, value in disbursed.items()},
    }
