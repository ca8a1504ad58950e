"""Incomes: money received, each with a gap-free receipt number and a posted entry."""

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from carefund.errors import InsufficientFunds, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.funds import available_fen
from carefund.journal import (
    CASH_ACCOUNT,
    Line,
    check_open,
    income_account,
    insert_row,
    lock_fund,
    next_number,
    post_entry,
    reverse_entry,
)
from carefund.models import Fund, Income, JournalEntry, User, as_utc, row_id, utcnow
from carefund.money import format_fen, parse_amount
from carefund.users import Action, require
from carefund.validation import choose, clean_text, is_id, parse_date
from carefund.vocabulary import SOURCE_NAMES_ZH, IncomeSource, IncomeStatus

RECEIPT_SEQUENCE_MAX = 999_999
"""Receipt numbers have six digits per fund and year."""


def record_income(
    session: Session,
    *,
    fund_code: str,
    source: object,
    payer: object,
    amount: object,
    received_on: object,
    method: object = "",
    memo: object = "",
    actor: User,
) -> Income:
    """Record money received: post Dr cash / Cr income and number its receipt, atomically."""
    require(actor, Action.record_income)
    source = choose(IncomeSource, source, field="source")
    payer = clean_text(payer, field="payer", length_max=200, required=True)
    amount_fen = parse_amount(amount)
    received_on = parse_date(received_on, field="received_on")
    method = clean_text(method, field="method", length_max=32)
    memo = clean_text(memo, field="memo")
    fund = lock_fund(session, fund_code)
    entry = post_entry(
        session,
        fund=fund,
        entry_date=received_on,
        memo=f"收到{SOURCE_NAMES_ZH[source]} {payer}" + (f"：{memo}" if memo else ""),
        lines=[
            Line(CASH_ACCOUNT, debit_fen=amount_fen),
            Line(income_account(source), credit_fen=amount_fen),
        ],
        actor=actor.username,
    )
    income = Income(
        fund_id=row_id(fund),
        source=source.value,
        payer=payer,
        amount_fen=amount_fen,
        received_on=received_on,
        method=method,
        memo=memo,
        receipt_no=_next_receipt_no(session, fund, received_on),
        entry_id=row_id(entry),
        status=IncomeStatus.posted.value,
        created_by=actor.username,
    )
    insert_row(session, income)
    record_event(session, "income.recorded", income_public(income, fund, entry))
    return income


def _next_receipt_no(session: Session, fund: Fund, received_on: date) -> str:
    number = next_number(session, fund, f"receipt:{received_on.year}")
    assert number <= RECEIPT_SEQUENCE_MAX, "receipt numbers of the year exhausted"
    return f"{fund.code}-{received_on.year}-{number:06d}"


def reverse_income(
    session: Session, *, income_id: int, reason: object, on: object = None, actor: User
) -> Income:
    """Reverse an income: post the red-ink entry dated `on` (today by default), void the receipt."""
    require(actor, Action.reverse_income)
    reason = clean_text(reason, field="reason", required=True)
    on = parse_date(on, field="on") if on is not None else date.today()
    income = _get(session, income_id)
    fund = lock_fund(session, _fund_code(session, income.fund_id))
    session.refresh(income)
    if income.status != IncomeStatus.posted:
        raise InvalidTransition(f"收入 {income.receipt_no} 已冲销，不能再次冲销")
    check_open(fund, on)
    if available_fen(session, fund) < income.amount_fen:
        raise InsufficientFunds(
            f"冲销后可用余额将为负：可用 {format_fen(available_fen(session, fund))} 元，"
            f"冲销 {format_fen(income.amount_fen)} 元"
        )
    original = session.get(JournalEntry, income.entry_id)
    assert original is not None
    reversal = reverse_entry(
        session,
        fund=fund,
        entry=original,
        on=on,
        memo=f"冲销 {original.voucher_no}（收据 {income.receipt_no} 作废）：{reason}",
        actor=actor.username,
    )
    income.status = IncomeStatus.reversed.value
    income.reversal_entry_id = reversal.id
    income.reverse_reason = reason
    income.reversed_by = actor.username
    income.reversed_at = utcnow()
    session.add(income)
    session.flush()
    record_event(session, "income.reversed", income_public(income, fund, original, reversal))
    return income


def _get(session: Session, income_id: int) -> Income:
    income = session.get(Income, income_id) if is_id(income_id) else None
    if income is None:
        raise NotFound(f"收入不存在：{income_id}")
    return income


def _fund_code(session: Session, fund_id: int) -> str:
    fund = session.get(Fund, fund_id)
    assert fund is not None
    return fund.code


def get_income(session: Session, income_id: int) -> Income:
    return _get(session, income_id)


def list_incomes(
    session: Session,
    *,
    fund: Fund,
    source: str | None = None,
    start: date | None = None,
    end: date | None = None,
    after_id: int = 0,
    limit: int = 50,
    newest_first: bool = False,
    before_id: int | None = None,
) -> list[Income]:
    """A page of the fund's incomes by id (oldest first, or newest first for people)."""
    query = select(Income).where(Income.fund_id == fund.id, col(Income.id) > after_id)
    if before_id is not None:
        query = query.where(col(Income.id) < before_id)
    if source is not None:
        query = query.where(Income.source == choose(IncomeSource, source, field="source").value)
    if start is not None:
        query = query.where(col(Income.received_on) >= start)
    if end is not None:
        query = query.where(col(Income.received_on) <= end)
    order = col(Income.id).desc() if newest_first else col(Income.id)
    return list(session.exec(query.order_by(order).limit(limit)))


def income_public(
    income: Income,
    fund: Fund,
    entry: JournalEntry,
    reversal: JournalEntry | None = None,
) -> dict[str, Any]:
    """An income as the API shows it."""
    return {
        "id": income.id,
        "fund": fund.code,
        "source": income.source,
        "payer": income.payer,
        "amount": format_fen(income.amount_fen),
        "received_on": income.received_on.isoformat(),
        "method": income.method,
        "memo": income.memo,
        "receipt_no": income.receipt_no,
        "voucher_no": entry.voucher_no,
        "entry_hash": entry.hash,
        "status": income.status,
        "reversal_voucher_no": reversal.voucher_no if reversal else None,
        "reverse_reason": income.reverse_reason,
        "created_by": income.created_by,
        "created_at": as_utc(income.created_at).isoformat(),
    }


def income_view(session: Session, income: Income) -> dict[str, Any]:
    """`income_public` for a stored income, loading its fund and entries."""
    fund = session.get(Fund, income.fund_id)
    entry = session.get(JournalEntry, income.entry_id)
    reversal = (
        session.get(JournalEntry, income.reversal_entry_id) if income.reversal_entry_id else None
    )
    assert fund is not None and entry is not None
    return income_public(income, fund, entry, reversal)


def incomes_view(session: Session, rows: list[Income]) -> list[dict[str, Any]]:
    """`income_public` for a page of stored incomes, loading their entries in one query."""
    entry_ids = {i.entry_id for i in rows} | {
        i.reversal_entry_id for i in rows if i.reversal_entry_id
    }
    entries = (
        {
            entry.id: entry
            for entry in session.exec(
                select(JournalEntry).where(col(JournalEntry.id).in_(entry_ids))
            )
        }
        if entry_ids
        else {}
    )
    funds = {fund_id: session.get(Fund, fund_id) for fund_id in {i.fund_id for i in rows}}
    return [
        income_public(
            income,
            funds[income.fund_id],  # type: ignore[arg-type]
            entries[income.entry_id],
            entries.get(income.reversal_entry_id) if income.reversal_entry_id else None,
        )
        for income in rows
    ]
