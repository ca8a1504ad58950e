"""Matching statement lines to the fund's cash entries, by the machine or by hand.

A line matches entries whose cash movement adds up to its amount, dated within a window of
its date, that its reference or counterparty names: one entry (an income, a payment), or
every payment of a batch the bank paid as one debit. Matching by hand takes any entries of
the same sum, named by voucher number. Every match and unmatch is in the audit log.
"""

from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.bank.cash_entries import CashEntry, cash_entries
from carefund.bank.statement_lines import statement_line_public, statement_line_row, vouchers_of
from carefund.errors import Conflict, InvalidInput
from carefund.funds import get_fund
from carefund.limits import MATCH_WINDOW_DAYS_MAX
from carefund.models import BankMatch, BankReconciliation, BankStatementLine, User, row_id, utcnow
from carefund.money import format_fen

MATCH_WINDOW_DAYS = 3
"""How far apart the book's and the bank's dates of one movement may be, by default."""


def auto_match(
    session: Session, *, fund_code: str, window_days: object = None, actor: User
) -> dict[str, Any]:
    """Match every unmatched line that one entry (or one batch's payments) accounts for
    without doubt: same amount, within the window, named by reference or counterparty."""
    require(actor, Action.bank_transfer)
    window = _window(window_days)
    fund = get_fund(session, fund_code, actor=actor, action=Action.bank_transfer)
    lines = _unmatched_lines(session, row_id(fund))
    if not lines:
        return {"fund": fund.code, "matched": [], "unmatched": 0}
    start = min(line.booked_on for line in lines) - window
    end = max(line.booked_on for line in lines) + window
    free = [
        e
        for e in cash_entries(session, fund_id=row_id(fund), start=start, end=end)
        if e.line_id is None
    ]
    matched = []
    for line in lines:
        found = _entries_for(line, free, window)
        if found:
            _match(session, line, found, "auto", actor)
            free = [entry for entry in free if entry not in found]
            matched.append(_match_public(line, found))
    if matched:
        write_audit(
            session,
            actor=actor.username,
            action="bank.statement.matched",
            obj=("fund", fund.id),
            detail={"auto": matched},
        )
    return {"fund": fund.code, "matched": matched, "unmatched": len(lines) - len(matched)}


def _window(value: object) -> timedelta:
    if value in (None, ""):
        return timedelta(days=MATCH_WINDOW_DAYS)
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 0 <= value <= MATCH_WINDOW_DAYS_MAX
    ):
        raise InvalidInput(f"应为 0 到 {MATCH_WINDOW_DAYS_MAX} 的天数", field="window_days")
    return timedelta(days=value)


def _entries_for(
    line: BankStatementLine, free: list[CashEntry], window: timedelta
) -> list[CashEntry]:
    near = [e for e in free if abs(e.entry_date - line.booked_on) <= window]
    text = f"{line.reference} {line.description}"
    named = [
        e
        for e in near
        if e.cash_fen == line.amount_fen
        and (
            (line.reference and line.reference in e.references)
            or (line.counterparty and line.counterparty in e.names)
            or any(reference in text for reference in e.references)
        )
    ]
    if len(named) == 1:
        return named
    batches = {e.batch for e in near if e.batch and e.batch in text}
    if len(batches) == 1:
        batch = batches.pop()
        paid = [e for e in near if e.batch == batch]
        if sum(e.cash_fen for e in paid) == line.amount_fen:
            return paid
    return []


def _unmatched_lines(session: Session, fund_id: int) -> list[BankStatementLine]:
    return list(
        session.exec(
            select(BankStatementLine)
            .where(
                BankStatementLine.fund_id == fund_id, col(BankStatementLine.match_kind).is_(None)
            )
            .order_by(col(BankStatementLine.booked_on), col(BankStatementLine.id))
        )
    )


def _match(
    session: Session, line: BankStatementLine, entries: list[CashEntry], kind: str, actor: User
) -> None:
    for entry in entries:
        session.add(BankMatch(entry_id=entry.entry_id, line_id=row_id(line)))
    line.match_kind = kind
    line.matched_by = actor.username
    line.matched_at = utcnow()
    session.add(line)
    session.flush()


def _match_public(line: BankStatementLine, entries: list[CashEntry]) -> dict[str, Any]:
    return {
        "line_id": line.id,
        "booked_on": line.booked_on.isoformat(),
        "amount": format_fen(line.amount_fen),
        "vouchers": [entry.voucher_no for entry in entries],
    }


def match_by_hand(
    session: Session, *, line_id: object, vouchers: object, actor: User
) -> dict[str, Any]:
    """Match a line to entries named by voucher number, whose cash adds up to its amount."""
    require(actor, Action.bank_transfer)
    line = statement_line_row(session, line_id)
    if line.match_kind is not None:
        raise Conflict(f"对账单行 #{line.id} 已对上，请先取消")
    if not isinstance(vouchers, list) or not vouchers or len(vouchers) > 5000:
        raise InvalidInput("请列出凭证号", field="vouchers")
    entries = [
        e
        for e in cash_entries(
            session, fund_id=line.fund_id, start=None, end=line.booked_on + timedelta(days=366)
        )
        if e.voucher_no in set(vouchers)
    ]
    missing = set(vouchers) - {e.voucher_no for e in entries}
    if missing:
        raise InvalidInput(
            f"没有这些涉及银行存款的凭证：{'、'.join(sorted(map(str, missing)))}", field="vouchers"
        )
    taken = [e.voucher_no for e in entries if e.line_id is not None]
    if taken:
        raise Conflict(f"凭证已与其他对账单行对上：{'、'.join(taken)}")
    total = sum(e.cash_fen for e in entries)
    if total != line.amount_fen:
        raise Conflict(
            f"凭证合计 {format_fen(total)} 元与对账单金额 {format_fen(line.amount_fen)} 元不符"
        )
    _match(session, line, entries, "manual", actor)
    public = _match_public(line, entries)
    write_audit(
        session,
        actor=actor.username,
        action="bank.statement.matched",
        obj=("bank_statement_line", line.id),
        detail={"manual": public},
    )
    return statement_line_public(session, line)


def unmatch(session: Session, *, line_id: object, actor: User) -> dict[str, Any]:
    """Undo a line's match (a booked line keeps its entry: reverse that instead)."""
    require(actor, Action.bank_transfer)
    line = statement_line_row(session, line_id)
    if line.match_kind is None:
        raise Conflict(f"对账单行 #{line.id} 尚未对上")
    if line.match_kind == "booked":
        raise Conflict("由对账单行生成的凭证不能取消对账；如有错误请冲销该凭证")
    _closed_month_guard(session, line)
    vouchers = vouchers_of(session, row_id(line))
    session.exec(delete(BankMatch).where(col(BankMatch.line_id) == line.id))  # type: ignore[call-overload]
    line.match_kind = line.matched_by = line.matched_at = None
    session.add(line)
    session.flush()
    write_audit(
        session,
        actor=actor.username,
        action="bank.statement.unmatched",
        obj=("bank_statement_line", line.id),
        detail={"vouchers": vouchers},
    )
    return statement_line_public(session, line)


def _closed_month_guard(session: Session, line: BankStatementLine) -> None:
    month = f"{line.booked_on.year:04d}-{line.booked_on.month:02d}"
    confirmed = session.exec(
        select(BankReconciliation.id).where(
            BankReconciliation.fund_id == line.fund_id, BankReconciliation.month == month
        )
    ).first()
    if confirmed is not None:
        raise Conflict(f"{month} 的银行对账已确认，不能再改动该月的对账")
