"""Incomes: money received, each with a gap-free receipt number and a posted entry."""

from datetime import date
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.errors import InsufficientFunds, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.funds import available_fen_under_lock
from carefund.ledger.accounts import CASH_ACCOUNT, Line, income_account
from carefund.ledger.posting import (
    PostedEntry,
    check_open,
    insert_snapshot,
    lock_fund_head,
    lock_fund_head_of,
    post_entry,
    reverse_entry,
    take_numbers,
    voucher_sequence,
)
from carefund.limits import METHOD_LENGTH_MAX, NAME_LENGTH_MAX
from carefund.models import Fund, Income, JournalEntry, User, as_utc, utcnow
from carefund.money import format_fen, parse_amount
from carefund.storage.direct import DirectStatement
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
    payer = clean_text(payer, field="payer", length_max=NAME_LENGTH_MAX, required=True)
    amount_fen = parse_amount(amount)
    received_on = parse_date(received_on, field="received_on")
    method = clean_text(method, field="method", length_max=METHOD_LENGTH_MAX)
    memo = clean_text(memo, field="memo")
    fund = lock_fund_head(session, fund_code)
    check_open(fund, received_on)
    # The voucher and the receipt are numbered in one round trip.
    voucher_number, receipt_number = take_numbers(
        session, fund, [voucher_sequence(received_on), f"receipt:{received_on.year}"]
    )
    assert receipt_number <= RECEIPT_SEQUENCE_MAX, "receipt numbers of the year exhausted"
    entry = post_entry(
        session,
        fund=fund,
        entry_date=received_on,
        voucher_number=voucher_number,
        memo=f"收到{SOURCE_NAMES_ZH[source]} {payer}" + (f"：{memo}" if memo else ""),
        lines=[
            Line(CASH_ACCOUNT, debit_fen=amount_fen),
            Line(income_account(source), credit_fen=amount_fen),
        ],
        actor=actor.username,
    )
    income = insert_snapshot(
        session,
        _INSERT_INCOME,
        Income,
        fund_id=fund.id,
        source=source.value,
        payer=payer,
        amount_fen=amount_fen,
        received_on=received_on,
        method=method,
        memo=memo,
        receipt_no=f"{fund.code}-{received_on.year}-{receipt_number:06d}",
        entry_id=entry.id,
        status=IncomeStatus.posted.value,
        reversal_entry_id=None,
        reverse_reason=None,
        reversed_by=None,
        reversed_at=None,
        created_by=actor.username,
        created_at=utcnow(),
    )
    public = income_public(income, fund.code, entry)
    record_event(session, "income.recorded", public)
    # The answer to the caller is this same public form: `income_view` need not ask again.
    session.info.setdefault(_RECORDED_VIEWS_KEY, {})[income.id] = public
    return income


_RECORDED_VIEWS_KEY = "carefund.recorded_incomes"
"""In `session.info`: the public form of each income recorded in this unit of work."""


_INSERT_INCOME = DirectStatement.inserting(Income.__table__)  # type: ignore[attr-defined]


def reverse_income(
    session: Session, *, income_id: int, reason: object, on: object = None, actor: User
) -> Income:
    """Reverse an income: post the red-ink entry dated `on` (today by default), void the receipt."""
    require(actor, Action.reverse_income)
    reason = clean_text(reason, field="reason", required=True)
    on = parse_date(on, field="on") if on is not None else date.today()
    fund = lock_fund_head_of(session, Income, row_id=income_id) if is_id(income_id) else None
    if fund is None:
        raise NotFound(f"收入不存在：{income_id}")
    # Read under the lock: a copy the session held from before it may be stale.
    income = session.get_one(Income, income_id, populate_existing=True)
    if income.status != IncomeStatus.posted:
        raise InvalidTransition(f"收入 {income.receipt_no} 已冲销，不能再次冲销")
    check_open(fund, on)
    available = available_fen_under_lock(session, fund)
    if available < income.amount_fen:
        raise InsufficientFunds(
            f"冲销后可用余额将为负：可用 {format_fen(available)} 元，"
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
    record_event(session, "income.reversed", income_public(income, fund.code, original, reversal))
    return income


def _get(session: Session, income_id: int) -> Income:
    income = session.get(Income, income_id) if is_id(income_id) else None
    if income is None:
        raise NotFound(f"收入不存在：{income_id}")
    return income


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
    fund_code: str,
    entry: JournalEntry | PostedEntry,
    reversal: JournalEntry | PostedEntry | None = None,
) -> dict[str, Any]:
    """An income as the API shows it."""
    return _public(
        income, fund_code, entry.voucher_no, entry.hash, reversal.voucher_no if reversal else None
    )


def _public(
    income: Income,
    fund_code: str,
    voucher_no: str,
    entry_hash: str,
    reversal_voucher_no: str | None,
) -> dict[str, Any]:
    return {
        "id": income.id,
        "fund": fund_code,
        "source": income.source,
        "payer": income.payer,
        "amount": format_fen(income.amount_fen),
        "received_on": income.received_on.isoformat(),
        "method": income.method,
        "memo": income.memo,
        "receipt_no": income.receipt_no,
        "voucher_no": voucher_no,
        "entry_hash": entry_hash,
        "status": income.status,
        "reversal_voucher_no": reversal_voucher_no,
        "reverse_reason": income.reverse_reason,
        "created_by": income.created_by,
        "created_at": as_utc(income.created_at).isoformat(),
    }


_ENTRY = JournalEntry.__table__  # type: ignore[attr-defined]
_REVERSAL = _ENTRY.alias("reversal")
_FUND = Fund.__table__  # type: ignore[attr-defined]
_NUMBERS_OF_INCOME = DirectStatement(
    select(_FUND.c.code, _ENTRY.c.voucher_no, _ENTRY.c.hash, _REVERSAL.c.voucher_no)
    .select_from(
        _FUND.join(_ENTRY, _ENTRY.c.fund_id == _FUND.c.id).outerjoin(
            _REVERSAL, _REVERSAL.c.id == bindparam("reversal_id")
        )
    )
    .where(_FUND.c.id == bindparam("fund_id"), _ENTRY.c.id == bindparam("entry_id"))
)


def income_view(session: Session, income: Income) -> dict[str, Any]:
    """`income_public` for a stored income; its fund's code and vouchers in one query."""
    recorded = session.info.get(_RECORDED_VIEWS_KEY, {}).get(income.id)
    if recorded is not None and recorded["status"] == income.status:
        return dict(recorded)
    row = _NUMBERS_OF_INCOME.run(
        session,
        {
            "fund_id": income.fund_id,
            "entry_id": income.entry_id,
            "reversal_id": income.reversal_entry_id,
        },
    )
    assert row is not None, income
    fund_code, voucher_no, entry_hash, reversal_voucher_no = row
    return _public(income, fund_code, voucher_no, entry_hash, reversal_voucher_no)


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
    fund_codes = {
        fund_id: session.get_one(Fund, fund_id).code for fund_id in {i.fund_id for i in rows}
    }
    return [
        income_public(
            income,
            fund_codes[income.fund_id],
            entries[income.entry_id],
            entries.get(income.reversal_entry_id) if income.reversal_entry_id else None,
        )
        for income in rows
    ]
