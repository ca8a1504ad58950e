"""Annual budgets (预算) per cell of the 6×3 matrix: set and changed by an administrator
with a reason (the history kept), read by everyone with what is spent and committed.

Spent is what the year's payment entries put on the cell's expense account (reversals
netted); committed is what approved-but-unpaid disbursements hold for the cell; remaining
is budget − spent − committed. A cell without a budget has no limit.
"""

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.errors import InvalidInput
from carefund.events import record_event
from carefund.funds import get_fund
from carefund.ledger.accounts import EXPENSE_PREFIX
from carefund.models import (
    Budget,
    BudgetChange,
    Disbursement,
    Posting,
    Recipient,
    User,
    as_utc,
    utcnow,
)
from carefund.money import format_fen, parse_amount
from carefund.validation import check_fields, choose, clean_text
from carefund.vocabulary import Aspect, DisbursementStatus, MemberCategory

YEAR_MIN, YEAR_MAX = 2000, 2099
"""Budget years outside these are surely typing mistakes."""
BUDGET_HISTORY_MAX = 500
"""The most changes one read of a year's history answers."""

Cell = tuple[str, str]


def _year(value: object) -> int:
    try:
        year = int(str(value)) if not isinstance(value, bool) else 0
    except ValueError:
        year = 0
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput(f"年度应为 {YEAR_MIN}–{YEAR_MAX} 的整数", field="year")
    return year


BUDGET_CHECKS = {
    "year": _year,
    "category": lambda v: choose(MemberCategory, v, field="category").value,
    "aspect": lambda v: choose(Aspect, v, field="aspect").value,
    "amount": parse_amount,
    "reason": lambda v: clean_text(v, field="reason", required=True, multiline=True),
}
"""The rules of setting one budget cell, for `set_budget` and the admin form."""


def spent_by_cell(
    session: Session, *, fund_id: int, year: int, through: date | None = None
) -> dict[Cell, int]:
    """Paid in `year` (through `through`, when given) per (category, aspect), reversals
    netted."""
    query = (
        core_select(
            col(Posting.category),
            col(Posting.aspect),
            func.sum(Posting.debit_fen - Posting.credit_fen),
        )
        .where(
            col(Posting.fund_id) == fund_id,
            col(Posting.account).startswith(EXPENSE_PREFIX),
            col(Posting.entry_date) >= date(year, 1, 1),
            col(Posting.entry_date) <= min(date(year, 12, 31), through or date.max),
        )
        .group_by(col(Posting.category), col(Posting.aspect))
    )
    return {(c, a): int(t or 0) for c, a, t in session.exec(query)}  # type: ignore[call-overload]


def committed_by_cell(session: Session, *, fund_id: int) -> dict[Cell, int]:
    """Approved but unpaid, per (category, aspect), the category the recipient's now."""
    query = (
        core_select(
            col(Recipient.category), col(Disbursement.aspect), func.sum(Disbursement.amount_fen)
        )
        .join(Recipient, Recipient.id == Disbursement.recipient_id)  # type: ignore[arg-type]
        .where(
            col(Disbursement.fund_id) == fund_id,
            col(Disbursement.status) == DisbursementStatus.approved.value,
        )
        .group_by(col(Recipient.category), col(Disbursement.aspect))
    )
    return {(c, a): int(t or 0) for c, a, t in session.exec(query)}  # type: ignore[call-overload]


def budgets_of(session: Session, *, fund_id: int, year: int) -> dict[Cell, int]:
    """The year's budgets per (category, aspect); cells without one are left out."""
    rows = session.exec(select(Budget).where(Budget.fund_id == fund_id, Budget.year == year))
    return {(row.category, row.aspect): row.amount_fen for row in rows}


def budget_figures(
    session: Session, *, fund_id: int, year: int, through: date | None = None
) -> list[dict[str, Any]]:
    """Every cell's budget, spent (through `through`, when given), committed (today's) and
    remaining (amounts in fen, budget None when unset), categories then aspects in their
    vocabulary's order."""
    budgets = budgets_of(session, fund_id=fund_id, year=year)
    spent = spent_by_cell(session, fund_id=fund_id, year=year, through=through)
    committed = committed_by_cell(session, fund_id=fund_id)
    cells = []
    for category in MemberCategory:
        for aspect in Aspect:
            key = (category.value, aspect.value)
            budget = budgets.get(key)
            used = spent.get(key, 0) + committed.get(key, 0)
            cells.append(
                {
                    "category": category.value,
                    "aspect": aspect.value,
                    "budget_fen": budget,
                    "spent_fen": spent.get(key, 0),
                    "committed_fen": committed.get(key, 0),
                    "remaining_fen": None if budget is None else budget - used,
                }
            )
    return cells


def _money(value: int | None) -> str | None:
    return None if value is None else format_fen(value)


def read_budgets(session: Session, *, fund_code: str, year: object, actor: User) -> dict:
    """A year's budget against actual, per cell, with totals; every role may read it."""
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
    clean_year = _year(year)
    cells = budget_figures(session, fund_id=fund.id or 0, year=clean_year)
    totals = {
        name: sum(cell[f"{name}_fen"] or 0 for cell in cells)
        for name in ("budget", "spent", "committed")
    }
    return {
        "fund": fund.code,
        "year": clean_year,
        "cells": [
            {
                "category": cell["category"],
                "aspect": cell["aspect"],
                **{name: _money(cell[f"{name}_fen"]) for name in _FIGURES},
            }
            for cell in cells
        ],
        "total": {name: format_fen(value) for name, value in totals.items()},
    }


_FIGURES = ("budget", "spent", "committed", "remaining")


def change_public(change: BudgetChange, fund_code: str) -> dict[str, Any]:
    """One change of a budget cell, as the history and `budget.changed` show it."""
    return {
        "id": change.id,
        "fund": fund_code,
        "year": change.year,
        "category": change.category,
        "aspect": change.aspect,
        "previous": _money(change.previous_fen),
        "amount": format_fen(change.amount_fen),
        "reason": change.reason,
        "changed_by": change.changed_by,
        "changed_at": as_utc(change.changed_at).isoformat(),
    }


def set_budget(session: Session, *, fund_code: str, values: dict[str, Any], actor: User) -> dict:
    """Set or change one cell's budget for a year (admin), with a reason; the change is
    kept in the history, audit-logged, and announced as `budget.changed`."""
    require(actor, Action.manage_funds)
    clean = check_fields(BUDGET_CHECKS, values)
    fund = get_fund(session, fund_code, actor=actor, action=Action.manage_funds)
    key = {k: clean[k] for k in ("year", "category", "aspect")}
    budget = session.exec(select(Budget).where(Budget.fund_id == fund.id).filter_by(**key)).first()
    previous = budget.amount_fen if budget else None
    budget = budget or Budget(fund_id=fund.id or 0, updated_by=actor.username, amount_fen=0, **key)
    budget.amount_fen, budget.updated_by, budget.updated_at = (
        clean["amount"],
        actor.username,
        utcnow(),
    )
    change = BudgetChange(
        fund_id=fund.id or 0,
        previous_fen=previous,
        amount_fen=clean["amount"],
        reason=clean["reason"],
        changed_by=actor.username,
        **key,
    )
    session.add_all([budget, change])
    session.flush()
    public = change_public(change, fund.code)
    write_audit(
        session,
        actor=actor.username,
        action="budget.changed",
        obj=("fund", fund.id),
        detail=public,
    )
    record_event(session, "budget.changed", public, unit_id=fund.unit_id)
    return public


def budget_history(session: Session, *, fund_code: str, year: object, actor: User) -> dict:
    """Every change of the year's budgets, oldest first."""
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
    rows = session.exec(
        select(BudgetChange)
        .where(BudgetChange.fund_id == fund.id, BudgetChange.year == _year(year))
        .order_by(col(BudgetChange.id))
        .limit(BUDGET_HISTORY_MAX)
    )
    return {"items": [change_public(row, fund.code) for row in rows]}
