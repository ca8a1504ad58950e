"""Funds: opening one, reading its balance and available balance."""

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.scope import check_in_scope, unit_path_of, within_scope
from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.controls.settings import load_controls
from carefund.controls.sources import source_pools
from carefund.errors import Duplicate, NotFound
from carefund.events import record_event
from carefund.ledger.accounts import CASH_ACCOUNT, EXPENSE_PREFIX, INCOME_PREFIX
from carefund.ledger.heads import FundHead
from carefund.limits import NAME_LENGTH_MAX
from carefund.models import Disbursement, Fund, JournalEntry, Posting, Unit, User, as_utc
from carefund.money import format_fen
from carefund.units import unit_for_new
from carefund.validation import FieldCheck, check_fields, clean_text, code_check, is_code
from carefund.vocabulary import Aspect, DisbursementStatus, IncomeSource

FUNDS_MAX = 500
"""The most funds one read answers (a district has a handful)."""


FUND_CHECKS: dict[str, FieldCheck] = {
    "code": code_check("基金", "HC-CARE"),
    "name": lambda value: clean_text(
        value, field="name", length_max=NAME_LENGTH_MAX, required=True
    ),
    "org": lambda value: clean_text(value, field="org", length_max=NAME_LENGTH_MAX),
}
"""The rules of a new fund's fields, for `create_fund` and any form that opens one."""


def create_fund(
    session: Session,
    *,
    code: object,
    name: object,
    org: object = "",
    unit: object = None,
    actor: User,
) -> dict[str, Any]:
    """Open a fund with empty books in a unit (the actor's own when none); its public form."""
    require(actor, Action.manage_funds)
    clean = check_fields(FUND_CHECKS, {"code": code, "name": name, "org": org})
    owner = unit_for_new(session, unit, actor=actor, action=Action.manage_funds)
    if session.exec(select(Fund).where(Fund.code == clean["code"])).first():
        raise Duplicate(f"基金代码已存在：{clean['code']}", field="code")
    fund = Fund(**clean, unit_id=owner.id)
    session.add(fund)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="fund.created",
        obj=("fund", fund.id),
        detail={"code": fund.code, "unit": owner.code},
    )
    # A new fund has nothing approved yet, so nothing is reserved.
    public = fund_public(fund, reserved_fen=0, unit_code=owner.code)
    record_event(session, "fund.created", public, unit_id=fund.unit_id)
    return public


def find_fund(session: Session, code: str) -> Fund:
    """The fund with this code, whoever asks: for the verifier, the command line's own
    checks and tests. Use cases load funds with `get_fund`, which asks who."""
    fund = session.exec(select(Fund).where(Fund.code == code)).first() if is_code(code) else None
    if fund is None:
        raise NotFound(f"基金不存在：{str(code)[:40]}", field="fund")
    return fund


def get_fund(session: Session, code: str, *, actor: User, action: Action = Action.read) -> Fund:
    """The fund with this code, for use cases that work on it (they ask `require` first):
    `NotFound` when it lies outside what the actor may see (as if it did not exist),
    `Forbidden` when they may see it but not do the action in its unit."""
    fund = find_fund(session, code)
    unit_path = partial(unit_path_of, session, fund.unit_id)
    check_fund_scope(session, actor, action, code=fund.code, unit_path=unit_path)
    return fund


def check_fund_scope(
    session: Session,
    actor: User,
    action: Action,
    *,
    code: str,
    unit_path: str | None | Callable[[], str | None],
) -> None:
    """`get_fund`'s check, also for a fund whose head a use case locked (`FundHead` carries
    its unit's path, so the check costs no statement)."""
    check_in_scope(
        session, actor, action, unit_path, NotFound(f"基金不存在：{code[:40]}", field="fund")
    )


def check_row_scope(
    session: Session, actor: User, action: Action, *, fund_id: int | None, missing: NotFound
) -> None:
    """The scope check of a row that belongs to a fund (an income, a disbursement): refused
    with `missing` when the fund's unit is outside what the actor may see."""
    check_in_scope(session, actor, action, partial(_fund_unit_path, session, fund_id), missing)


def _fund_unit_path(session: Session, fund_id: int | None) -> str | None:
    unit_id = session.exec(select(Fund.unit_id).where(Fund.id == fund_id)).first()
    return unit_path_of(session, unit_id)


def all_funds(session: Session) -> list[Fund]:
    """Every fund by code, whoever asks: for the verifier, the command line and tests."""
    return list(session.exec(select(Fund).order_by(col(Fund.code))))


def list_funds(session: Session, *, actor: User, action: Action = Action.read) -> list[Fund]:
    """The funds the actor may do the action on, by code."""
    return list(
        session.exec(
            select(Fund)
            .where(within_scope(session, actor, col(Fund.unit_id), action))
            .order_by(col(Fund.code))
        )
    )


def read_fund(session: Session, *, code: str, actor: User) -> dict[str, Any]:
    """One fund's public form: `balance` is posted cash, `available` that less reservations."""
    require(actor, Action.read)
    fund = get_fund(session, code, actor=actor)
    return funds_public(session, [fund])[0]


def read_funds(
    session: Session, *, actor: User, after_id: int = 0, limit: int = FUNDS_MAX
) -> list[dict[str, Any]]:
    """A page of the funds the actor may see, in the order they were opened."""
    require(actor, Action.read)
    rows = list(
        session.exec(
            select(Fund)
            .where(col(Fund.id) > after_id, within_scope(session, actor, col(Fund.unit_id)))
            .order_by(col(Fund.id))
            .limit(limit)
        )
    )
    return funds_public(session, rows)


def fund_choices(
    session: Session, *, actor: User, code: str | None = None
) -> tuple[list[Fund], Fund | None]:
    """The funds the actor may see, and the one a page is about: `code`, else
    `busiest_fund`."""
    require(actor, Action.read)
    every = list_funds(session, actor=actor)
    if code:
        return every, get_fund(session, code, actor=actor)
    return every, busiest_fund(every)


def busiest_fund(funds: Sequence[Fund]) -> Fund | None:
    """The fund a page shows when none is asked for: the one with the most entries (the
    district's main fund for district staff, their street's for a street's; a new fund's
    empty books are a poor first view), the first of equals; None when there is none."""
    return max(funds, key=lambda fund: fund.head_seq, default=None)


def reserved_fen(session: Session, *, fund_id: int | None) -> int:
    """Approved but not yet paid: money promised that the fund must keep."""
    total = session.exec(
        select(func.coalesce(func.sum(Disbursement.amount_fen), 0)).where(
            Disbursement.fund_id == fund_id,
            Disbursement.status == DisbursementStatus.approved.value,
        )
    ).one()
    return int(total)


def _reserved_by_fund(session: Session, fund_ids: Sequence[int | None]) -> dict[int, int]:
    """`reserved_fen` of several funds in one query (funds with none are left out)."""
    rows = session.exec(
        select(Disbursement.fund_id, func.sum(Disbursement.amount_fen))
        .where(
            col(Disbursement.fund_id).in_(fund_ids),
            Disbursement.status == DisbursementStatus.approved.value,
        )
        .group_by(col(Disbursement.fund_id))
    )
    return {fund_id: int(total or 0) for fund_id, total in rows}


def available_fen(session: Session, fund: Fund) -> int:
    """Posted cash minus approved-but-unpaid disbursements."""
    return fund.cash_fen - reserved_fen(session, fund_id=fund.id)


def available_fen_under_lock(session: Session, fund: FundHead) -> int:
    """`available_fen` of a fund whose head this transaction holds locked (and may have moved)."""
    return fund.cash_fen - reserved_fen(session, fund_id=fund.id)


def fund_public(fund: Fund, *, reserved_fen: int, unit_code: str | None) -> dict[str, Any]:
    """A fund as the API shows it (and as its event carries it); `reserved_fen` is what
    approved-but-unpaid disbursements hold back, and `unit_code` the code of its unit,
    which the row does not know."""
    return {
        "id": fund.id,
        "code": fund.code,
        "name": fund.name,
        "org": fund.org,
        "unit": unit_code,
        "balance": format_fen(fund.cash_fen),
        "available": format_fen(fund.cash_fen - reserved_fen),
        "created_at": as_utc(fund.created_at).isoformat(),
        "closed_through": fund.closed_through.isoformat() if fund.closed_through else None,
    }


def funds_public(session: Session, rows: Sequence[Fund]) -> list[dict[str, Any]]:
    """`fund_public` of several funds, their reservations loaded in one query."""
    reserved = _reserved_by_fund(session, [fund.id for fund in rows]) if rows else {}
    unit_ids = {fund.unit_id for fund in rows if fund.unit_id is not None}
    codes = (
        dict(session.exec(select(Unit.id, Unit.code).where(col(Unit.id).in_(unit_ids))).all())
        if unit_ids
        else {}
    )
    return [
        fund_public(
            fund, reserved_fen=reserved.get(fund.id or 0, 0), unit_code=codes.get(fund.unit_id)
        )
        for fund in rows
    ]


def balances(
    session: Session, *, code: str, as_of: date | None = None, actor: User
) -> dict[str, Any]:
    """Cash, available, income per source and disbursed per aspect, up to `as_of` inclusive,
    and the money of each source and earmarked income (`sources`, in allocation order).
    Today's reservations count only when `as_of` is today or later (or not given)."""
    require(actor, Action.read)
    fund = get_fund(session, code, actor=actor)
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
    # Reservations are a present fact, not a dated one: what is approved and unpaid today
    # says nothing of a past day (withdrawals carry no date to rebuild one), so a past
    # `as_of` has nothing committed and `available` equals `balance` (README, Balances).
    present = as_of is None or as_of >= clock.today()
    available = cash - (reserved_fen(session, fund_id=fund.id) if present else 0)
    controls = load_controls(session, fund)
    pools = source_pools(
        session, fund_id=fund.id or 0, controls=controls, through=as_of, reservations=present
    )
    return {
        "fund": fund.code,
        "as_of": as_of.isoformat() if as_of else None,
        "balance": format_fen(cash),
        "available": format_fen(available),
        "income": {key: format_fen(value) for key, value in income.items()},
        "disbursed": {key: format_fen(value) for key, value in disbursed.items()},
        "sources": [pool.public(controls) for pool in pools],
    }


def fund_began(session: Session, fund: Fund) -> date:
    """The first day the fund has books for: the day it was opened, or its first entry's
    date when books were entered for days before that. Periods before it are not offered."""
    first_entry = session.exec(
        select(func.min(JournalEntry.entry_date)).where(JournalEntry.fund_id == fund.id)
    ).one()
    opened = clock.local(as_utc(fund.created_at)).date()
    return min(opened, first_entry) if first_entry else opened
