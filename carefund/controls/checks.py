"""The checks an approval runs against a fund's controls: the standard of the recipient's
category, the recipient's annual caps, and the cell's budget (超标准、超预算). Each refuses
with the figures in the message; an administrator's override (`control_override`) of that
control for that disbursement lets it through.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from carefund.controls.budgets import budgets_of, committed_by_cell, spent_by_cell
from carefund.controls.settings import Cell, Controls
from carefund.ledger.accounts import EXPENSE_PREFIX
from carefund.models import ControlOverride, Disbursement, Posting
from carefund.money import yuan_text
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    Aspect,
    DisbursementStatus,
    MemberCategory,
)

CONTROLS = ("budget", "cap", "standard")
"""The controls an administrator may override, as `control_override.control` names them."""
CONTROL_NAMES_ZH = {"budget": "预算", "cap": "年度上限", "standard": "发放标准"}


@dataclass(frozen=True)
class Refusal:
    """A control that refuses a disbursement: which, in words, and the figures (in fen)."""

    control: str
    message: str
    figures: dict[str, Any]


@dataclass(frozen=True)
class Asked:
    """The disbursement being approved, as the checks see it."""

    fund_id: int
    disbursement_id: int
    recipient_id: int
    category: str
    aspect: str
    amount_fen: int
    year: int


def _yuan(fen: int) -> str:
    return yuan_text(fen)


def standard_refusal(controls: Controls, asked: Asked) -> Refusal | None:
    """Beyond the standard amount of the recipient's category."""
    standard = controls.standards_fen.get(asked.category)
    if standard is None or asked.amount_fen <= standard:
        return None
    category = CATEGORY_NAMES_ZH[MemberCategory(asked.category)]
    return Refusal(
        "standard",
        f"超出发放标准：{category}每次标准 {_yuan(standard)}，本次 {_yuan(asked.amount_fen)}",
        {"standard": standard, "amount": asked.amount_fen, "category": asked.category},
    )


def received_this_year(session: Session, asked: Asked) -> dict[str, int]:
    """What the recipient has had from the fund in the year per aspect (paid, reversals
    netted, plus approved-but-unpaid), in fen."""
    paid = (
        core_select(col(Posting.aspect), func.sum(Posting.debit_fen - Posting.credit_fen))
        .where(
            col(Posting.fund_id) == asked.fund_id,
            col(Posting.recipient_id) == asked.recipient_id,
            col(Posting.account).startswith(EXPENSE_PREFIX),
            col(Posting.entry_date) >= date(asked.year, 1, 1),
            col(Posting.entry_date) <= date(asked.year, 12, 31),
        )
        .group_by(col(Posting.aspect))
    )
    reserved = (
        core_select(col(Disbursement.aspect), func.sum(Disbursement.amount_fen))
        .where(
            col(Disbursement.fund_id) == asked.fund_id,
            col(Disbursement.recipient_id) == asked.recipient_id,
            col(Disbursement.status) == DisbursementStatus.approved.value,
        )
        .group_by(col(Disbursement.aspect))
    )
    had: dict[str, int] = {}
    for query in (paid, reserved):
        for aspect, total in session.exec(query):  # type: ignore[call-overload]
            had[aspect] = had.get(aspect, 0) + int(total or 0)
    return had


def cap_refusal(session: Session, controls: Controls, asked: Asked) -> Refusal | None:
    """Beyond the recipient's annual cap, overall or for the aspect."""
    if controls.cap_fen is None and asked.aspect not in controls.aspect_caps_fen:
        return None
    had = received_this_year(session, asked)
    limits = [
        ("overall", controls.cap_fen, sum(had.values()), "年度上限"),
        (
            asked.aspect,
            controls.aspect_caps_fen.get(asked.aspect),
            had.get(asked.aspect, 0),
            f"{ASPECT_NAMES_ZH[Aspect(asked.aspect)]}年度上限",
        ),
    ]
    for scope, cap, already, name in limits:
        if cap is not None and already + asked.amount_fen > cap:
            return Refusal(
                "cap",
                f"超出{name}：上限 {_yuan(cap)}，本年已获 {_yuan(already)}，"
                f"本次 {_yuan(asked.amount_fen)}",
                {"scope": scope, "cap": cap, "received": already, "amount": asked.amount_fen},
            )
    return None


def budget_refusal(session: Session, asked: Asked) -> Refusal | None:
    """Beyond the cell's remaining budget (budget − spent − committed)."""
    key = (asked.category, asked.aspect)
    budget = budgets_of(session, fund_id=asked.fund_id, year=asked.year).get(key)
    if budget is None:
        return None
    spent = spent_by_cell(session, fund_id=asked.fund_id, year=asked.year).get(key, 0)
    committed = committed_by_cell(session, fund_id=asked.fund_id).get(key, 0)
    remaining = budget - spent - committed
    if asked.amount_fen <= remaining:
        return None
    cell = Cell(*key).zh()
    return Refusal(
        "budget",
        f"超出预算：{cell} {asked.year} 年预算 {_yuan(budget)}，已支出 {_yuan(spent)}，"
        f"已审批未支付 {_yuan(committed)}，剩余 {_yuan(remaining)}，"
        f"本次 {_yuan(asked.amount_fen)}",
        {
            "budget": budget,
            "spent": spent,
            "committed": committed,
            "remaining": remaining,
            "amount": asked.amount_fen,
            "year": asked.year,
            "category": asked.category,
            "aspect": asked.aspect,
        },
    )


def refusal_of(session: Session, controls: Controls, asked: Asked, control: str) -> Refusal | None:
    """What one control says of the disbursement (None: it lets it through)."""
    if control == "standard":
        return standard_refusal(controls, asked)
    if control == "cap":
        return cap_refusal(session, controls, asked)
    return budget_refusal(session, asked)


def overridden(session: Session, disbursement_id: int) -> set[str]:
    """The controls an administrator has overridden for this disbursement."""
    query = core_select(col(ControlOverride.control)).where(
        col(ControlOverride.disbursement_id) == disbursement_id
    )
    return set(session.exec(query).scalars())  # type: ignore[call-overload]


def first_refusal(session: Session, controls: Controls, asked: Asked) -> Refusal | None:
    """The first control (standard, cap, budget) that refuses and is not overridden."""
    skip = overridden(session, asked.disbursement_id)
    for control in ("standard", "cap", "budget"):
        if control not in skip:
            found = refusal_of(session, controls, asked, control)
            if found is not None:
                return found
    return None
