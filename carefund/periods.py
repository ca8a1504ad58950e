"""Accounting periods: closing a month (结账) locks it; an admin may reopen it with a reason.

Months close in order: closing a month also locks every month before it, so a closed
month's opening balance, and hence its figures, can never change.
"""

import calendar
import re
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.bank.reconciliation import closing_warnings
from carefund.controls.reviews import refuse_unreviewed
from carefund.errors import Conflict, InvalidInput, NotFound
from carefund.events import record_event
from carefund.funds import check_fund_scope, get_fund
from carefund.ledger.heads import lock_fund_head
from carefund.ledger.journal import cash_balance_as_of
from carefund.ledger.posting import set_closed_through
from carefund.ledger.seals import fund_seals, post_seal
from carefund.models import Period, User, as_utc, row_id, utcnow
from carefund.money import format_fen
from carefund.validation import DATE_MAX, DATE_MIN, clean_text

MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")
PERIODS_MAX = 1_200
"""The most closings one read answers: a century of months, reopenings included."""


def parse_month(value: object) -> tuple[date, date]:
    """`2026-11` → (2026-11-01, 2026-11-30)."""
    match = MONTH_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput("月份格式应为 YYYY-MM，如 2026-11", field="period")
    year, month = int(match.group(1)), int(match.group(2))
    first = date(year, month, 1)
    if not DATE_MIN <= first <= DATE_MAX:
        raise InvalidInput("月份应在 2000 年到 2099 年之间", field="period")
    return first, date(year, month, calendar.monthrange(year, month)[1])


def close_period(session: Session, *, fund_code: str, month: str, actor: User) -> dict[str, Any]:
    """Close a month of a fund: append its seal to the chain, store its closing balance and
    the chain's head (the seal); lock its dates. Answers the closing's public form."""
    require(actor, Action.close_period)
    first, last = parse_month(month)
    fund = lock_fund_head(session, fund_code)
    check_fund_scope(session, actor, Action.close_period, code=fund.code, unit_path=fund.unit_path)
    if fund.closed_through is not None and last <= fund.closed_through:
        raise Conflict(f"{month} 已结账（已结账至 {fund.closed_through.isoformat()}）")
    # A month is over the day after its last day (in the business time zone): on its last
    # day money may still move, and would then find the month closed.
    today = clock.today()
    if today <= last:
        raise Conflict(f"{month} 尚未结束，不能结账（今天是 {today.isoformat()}）")
    refuse_unreviewed(session, fund_id=fund.id, through=last, month=month)
    warnings = closing_warnings(session, fund_id=fund.id, fund_code=fund.code, month=month)
    closing_balance_fen = cash_balance_as_of(session, fund_id=fund.id, as_of=last)
    # The month's seal goes into the chain first: the closing records the head it made.
    seal = post_seal(
        session,
        fund=fund,
        month=month,
        last_day=last,
        closing_balance_fen=closing_balance_fen,
        actor=actor.username,
    )
    period = Period(
        fund_id=fund.id,
        month=month,
        closing_balance_fen=closing_balance_fen,
        head_seq=seal.seq,
        head_hash=seal.hash,
        closed_by=actor.username,
    )
    session.add(period)
    session.flush()
    set_closed_through(session, fund, last)
    write_audit(
        session,
        actor=actor.username,
        action="period.closed",
        obj=("period", period.id),
        detail={"fund": fund.code, "month": month},
    )
    public = period_public(period, fund.code)
    record_event(session, "period.closed", public, unit_id=fund.unit_id)
    return public | {"warnings": warnings}


def reopen_period(
    session: Session, *, fund_code: str, month: str, reason: object, actor: User
) -> dict[str, Any]:
    """Reopen the latest closed month of a fund, with a written reason that is kept.
    Answers the closing's public form, reopened."""
    require(actor, Action.reopen_period)
    reason = clean_text(reason, field="reason", required=True, multiline=True)
    parse_month(month)
    fund = lock_fund_head(session, fund_code)
    check_fund_scope(session, actor, Action.reopen_period, code=fund.code, unit_path=fund.unit_path)
    period = _current_close(session, fund.id, month)
    if period is None:
        raise NotFound(f"{fund_code} 的 {month} 没有结账")
    latest = _closed_periods(session, fund.id)[-1]
    if latest.id != period.id:
        raise Conflict(f"只能反结账最近结账的月份（{latest.month}）")
    period.reopened_by = actor.username
    period.reopened_at = utcnow()
    period.reopen_reason = reason
    session.add(period)
    session.flush()
    remaining = _closed_periods(session, fund.id)
    set_closed_through(session, fund, parse_month(remaining[-1].month)[1] if remaining else None)
    write_audit(
        session,
        actor=actor.username,
        action="period.reopened",
        obj=("period", period.id),
        detail={"fund": fund.code, "month": month, "reason": reason},
    )
    public = period_public(period, fund.code)
    record_event(session, "period.reopened", public, unit_id=fund.unit_id)
    return public


def _closed_periods(session: Session, fund_id: int | None) -> list[Period]:
    return list(
        session.exec(
            select(Period)
            .where(Period.fund_id == fund_id, col(Period.reopened_at).is_(None))
            .order_by(col(Period.month))
        )
    )


def _current_close(session: Session, fund_id: int | None, month: str) -> Period | None:
    return session.exec(
        select(Period).where(
            Period.fund_id == fund_id, Period.month == month, col(Period.reopened_at).is_(None)
        )
    ).first()


def read_periods(
    session: Session, *, fund_code: str, actor: User, after_id: int = 0, limit: int = PERIODS_MAX
) -> list[dict[str, Any]]:
    """A page of the fund's closings (and reopenings, on the same rows) in the order made,
    in their public form."""
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
    rows = session.exec(
        select(Period)
        .where(Period.fund_id == fund.id, col(Period.id) > after_id)
        .order_by(col(Period.id))
        .limit(limit)
    )
    return [period_public(period, fund.code) for period in rows]


def read_seals(session: Session, *, fund_code: str, actor: User) -> dict[str, Any]:
    """The fund's month seals, oldest first (`GET /funds/{code}/seals`)."""
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
    seals = fund_seals(session, fund_id=row_id(fund), fund_code=fund.code)
    return {"items": [seal.public() for seal in seals]}


def period_public(period: Period, fund_code: str) -> dict[str, Any]:
    """A closed month as the API shows it and as its events carry it."""
    return {
        "id": period.id,
        "fund": fund_code,
        "period": period.month,
        "closing_balance": format_fen(period.closing_balance_fen),
        "head_seq": period.head_seq,
        "head_hash": period.head_hash,
        "closed_by": period.closed_by,
        "closed_at": as_utc(period.closed_at).isoformat(),
        "reopened_by": period.reopened_by,
        "reopened_at": as_utc(period.reopened_at).isoformat() if period.reopened_at else None,
        "reopen_reason": period.reopen_reason,
    }
