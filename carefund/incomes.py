"""Incomes: money received, each with a gap-free receipt number and a posted entry."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.scope import check_in_scope
from carefund.access.users import Action, require
from carefund.alerts.registry import Touched, Trigger
from carefund.alerts.watch import watch
from carefund.errors import InsufficientFunds, InvalidInput, InvalidTransition, NotFound
from carefund.events import record_event
from carefund.funds import (
    available_fen_under_lock,
    check_fund_scope,
    check_row_scope,
    get_fund,
    list_funds,
)
from carefund.ledger.accounts import CASH_ACCOUNT, Line, income_account
from carefund.ledger.entry_documents import earmark_of, income_document
from carefund.ledger.posting import (
    FundHead,
    check_open,
    insert_snapshot,
    lock_fund_head,
    lock_fund_head_of,
    post_entry,
    reverse_posted,
    take_numbers,
    voucher_sequence,
)
from carefund.limits import METHOD_LENGTH_MAX, NAME_LENGTH_MAX
from carefund.models import Fund, Income, JournalEntry, User, as_utc, utcnow
from carefund.money import format_fen, parse_amount
from carefund.storage.direct import DirectStatement
from carefund.validation import (
    FieldCheck,
    check_fields,
    choose,
    clean_text,
    get_row,
    is_id,
    parse_day_so_far,
)
from carefund.vocabulary import (
    SOURCE_NAMES_ZH,
    Aspect,
    IncomeSource,
    IncomeStatus,
    MemberCategory,
)

RECEIPT_SEQUENCE_MAX = 999_999
"""Receipt numbers have six digits per fund and year."""

INCOME_CHECKS: dict[str, FieldCheck] = {
    "source": lambda value: choose(IncomeSource, value, field="source"),
    "payer": lambda value: clean_text(
        value, field="payer", length_max=NAME_LENGTH_MAX, required=True
    ),
    "amount": parse_amount,
    "received_on": lambda value: parse_day_so_far(value, field="received_on"),
    "method": lambda value: clean_text(value, field="method", length_max=METHOD_LENGTH_MAX),
    "memo": lambda value: clean_text(value, field="memo", multiline=True),
    "earmark": lambda value: _earmark(value),
}
"""The rules of an income's fields, for `record_income` and the form that records one."""


def _earmark(value: object) -> dict[str, str | None] | None:
    """定向: the category and/or aspect the money may pay only (None: not earmarked)."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise InvalidInput("定向应为 {category, aspect}", field="earmark")
    category, aspect = value.get("category") or None, value.get("aspect") or None
    return earmark_of(
        choose(MemberCategory, category, field="earmark").value if category else None,
        choose(Aspect, aspect, field="earmark").value if aspect else None,
    )


REVERSE_CHECKS: dict[str, FieldCheck] = {
    "reason": lambda value: clean_text(value, field="reason", required=True, multiline=True),
    "on": lambda value: clock.today() if value is None else parse_day_so_far(value, field="on"),
}
"""The rules of a reversal's fields: a reason, and its date (today when not given, never
after today)."""


@dataclass(frozen=True)
class IncomeRefs:
    """What an income's public form shows that its row does not hold itself."""

    fund_code: str
    voucher_no: str
    entry_hash: str
    reversal_voucher_no: str | None = None


def income_public(income: Income, refs: IncomeRefs) -> dict[str, Any]:
    """An income as the API shows it, as its events carry it and as its pages show it."""
    return {
        "id": income.id,
        "fund": refs.fund_code,
        "source": income.source,
        "payer": income.payer,
        "amount": format_fen(income.amount_fen),
        "received_on": income.received_on.isoformat(),
        "method": income.method,
        "memo": income.memo,
        "receipt_no": income.receipt_no,
        "voucher_no": refs.voucher_no,
        "entry_hash": refs.entry_hash,
        "status": income.status,
        "reversal_voucher_no": refs.reversal_voucher_no,
        "reverse_reason": income.reverse_reason,
        "reversed_by": income.reversed_by,
        "created_by": income.created_by,
        "created_at": as_utc(income.created_at).isoformat(),
        "earmark": earmark_of(income.earmark_category, income.earmark_aspect),
        "review_required": income.review_required,
        "reviewed_by": income.reviewed_by,
    }


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
    earmark: object = None,
    actor: User,
) -> dict[str, Any]:
    """Record money received: post Dr cash / Cr income and number its receipt, atomically.
    Answers the income's public form, built from what is in hand (no query more). Above
    the fund's review threshold (read with the fund's head) it awaits a review (复核)."""
    require(actor, Action.record_income)
    clean = check_fields(
        INCOME_CHECKS,
        {
            "source": source,
            "payer": payer,
            "amount": amount,
            "received_on": received_on,
            "method": method,
            "memo": memo,
            "earmark": earmark,
        },
    )
    day: date = clean["received_on"]
    fund = lock_fund_head(session, fund_code)
    check_fund_scope(session, actor, Action.record_income, code=fund.code, unit_path=fund.unit_path)
    check_open(fund, day)
    # The voucher and the receipt are numbered in one round trip.
    voucher_number, receipt_number = take_numbers(
        session, fund, [voucher_sequence(day), f"receipt:{day.year}"]
    )
    assert receipt_number <= RECEIPT_SEQUENCE_MAX, "receipt numbers of the year exhausted"
    receipt_no = f"{fund.code}-{day.year}-{receipt_number:06d}"
    entry = post_entry(
        session,
        fund=fund,
        entry_date=day,
        voucher_number=voucher_number,
        memo=_entry_memo(clean),
        lines=[
            Line(CASH_ACCOUNT, debit_fen=clean["amount"]),
            Line(income_account(clean["source"]), credit_fen=clean["amount"]),
        ],
        document=income_document(
            receipt_no=receipt_no,
            source=clean["source"].value,
            payer=clean["payer"],
            amount_fen=clean["amount"],
            received_on=day,
            earmark=clean["earmark"],
        ),
        actor=actor.username,
    )
    threshold = fund.review_threshold_fen
    clean["review_required"] = threshold is not None and clean["amount"] > threshold
    income = _insert_income(
        session, fund_id=fund.id, clean=clean, receipt_no=receipt_no, entry_id=entry.id, actor=actor
    )
    public = income_public(income, IncomeRefs(fund.code, entry.voucher_no, entry.hash))
    record_event(session, "income.recorded", public, unit_id=fund.unit_id)
    watch(session, entry_touched(Trigger.income, fund, entry.id, entry.voucher_no, actor))
    return public


def entry_touched(
    trigger: Trigger, fund: FundHead, entry_id: int, voucher_no: str, actor: User
) -> Touched:
    """What a write that posted an entry touched, for the rules (`carefund.alerts.watch`)."""
    return Touched(
        trigger,
        fund_id=fund.id,
        fund_code=fund.code,
        entry_id=entry_id,
        voucher_no=voucher_no,
        entry_created_at=utcnow(),
        username=actor.username,
        fund_unit_id=fund.unit_id,
    )


def _insert_income(
    session: Session,
    *,
    fund_id: int,
    clean: dict[str, Any],
    receipt_no: str,
    entry_id: int,
    actor: User,
) -> Income:
    """The income's row, inserted by a direct statement (see `insert_snapshot`)."""
    return insert_snapshot(
        session,
        _INSERT_INCOME,
        Income,
        fund_id=fund_id,
        source=clean["source"].value,
        payer=clean["payer"],
        amount_fen=clean["amount"],
        received_on=clean["received_on"],
        method=clean["method"],
        memo=clean["memo"],
        receipt_no=receipt_no,
        entry_id=entry_id,
        status=IncomeStatus.posted.value,
        reversal_entry_id=None,
        reverse_reason=None,
        reversed_by=None,
        reversed_at=None,
        created_by=actor.username,
        created_at=utcnow(),
        earmark_category=(clean["earmark"] or {}).get("category"),
        earmark_aspect=(clean["earmark"] or {}).get("aspect"),
        review_required=clean["review_required"],
        reviewed_by=None,
        reviewed_at=None,
        review_entry_id=None,
    )


def _entry_memo(clean: dict[str, Any]) -> str:
    memo = f"收到{SOURCE_NAMES_ZH[clean['source']]} {clean['payer']}"
    return memo + (f"：{clean['memo']}" if clean["memo"] else "")


_INSERT_INCOME = DirectStatement.inserting(Income.__table__)  # type: ignore[attr-defined]


def reverse_income(
    session: Session, *, income_id: int, reason: object, on: object = None, actor: User
) -> dict[str, Any]:
    """Reverse an income: post the red-ink entry dated `on` (today by default), void the
    receipt. Answers the income's public form."""
    require(actor, Action.reverse_income)
    clean = check_fields(REVERSE_CHECKS, {"reason": reason, "on": on})
    fund = lock_fund_head_of(session, Income, row_id=income_id) if is_id(income_id) else None
    missing = NotFound(f"收入不存在：{income_id}")
    if fund is None:
        raise missing
    check_in_scope(session, actor, Action.reverse_income, fund.unit_path, missing)
    # Read under the lock: a copy the session held from before it may be stale.
    income = session.get_one(Income, income_id, populate_existing=True)
    if income.status != IncomeStatus.posted:
        raise InvalidTransition(f"收入 {income.receipt_no} 已冲销，不能再次冲销")
    check_open(fund, clean["on"])
    available = available_fen_under_lock(session, fund)
    if available < income.amount_fen:
        raise InsufficientFunds(
            f"冲销后可用余额将为负：可用 {format_fen(available)} 元，"
            f"冲销 {format_fen(income.amount_fen)} 元"
        )
    original, reversal = reverse_posted(
        session,
        fund=fund,
        entry_id=income.entry_id,
        on=clean["on"],
        memo=lambda voucher_no: (
            f"冲销 {voucher_no}（收据 {income.receipt_no} 作废）：{clean['reason']}"
        ),
        reason=clean["reason"],
        actor=actor.username,
    )
    income.status = IncomeStatus.reversed.value
    income.reversal_entry_id = reversal.id
    income.reverse_reason = clean["reason"]
    income.reversed_by = actor.username
    income.reversed_at = utcnow()
    session.add(income)
    session.flush()
    refs = IncomeRefs(fund.code, original.voucher_no, original.hash, reversal.voucher_no)
    public = income_public(income, refs)
    record_event(session, "income.reversed", public, unit_id=fund.unit_id)
    watch(session, entry_touched(Trigger.reversal, fund, reversal.id, reversal.voucher_no, actor))
    return public


def load_income(
    session: Session, income_id: object, *, actor: User, action: Action = Action.read
) -> Income:
    """The stored income, for use cases that work on it (they ask `require` first);
    `NotFound` when its fund is outside what the actor may see."""
    income = get_row(session, Income, income_id, missing="收入不存在")
    missing = NotFound(f"收入不存在：{income_id}")
    check_row_scope(session, actor, action, fund_id=income.fund_id, missing=missing)
    return income


def read_income(session: Session, *, income_id: object, actor: User) -> dict[str, Any]:
    """One income's public form."""
    require(actor, Action.read)
    income = load_income(session, income_id, actor=actor)
    return income_public(income, income_refs(session, [income])[income.id or 0])


def list_incomes(
    session: Session,
    *,
    fund_code: str,
    actor: User,
    source: object = None,
    start: date | None = None,
    end: date | None = None,
    after_id: int = 0,
    limit: int = 50,
    newest_first: bool = False,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """A page of the fund's incomes in their public form, by id (oldest first, or newest
    first for people)."""
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
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
    rows = list(session.exec(query.order_by(order).limit(limit)))
    refs = income_refs(session, rows)
    return [income_public(income, refs[income.id or 0]) for income in rows]


def income_form(session: Session, *, actor: User) -> list[Fund]:
    """What the form to record an income offers: the funds to record it in."""
    require(actor, Action.record_income)
    return list_funds(session, actor=actor, action=Action.record_income)


_ENTRY = JournalEntry.__table__  # type: ignore[attr-defined]
_REVERSAL = _ENTRY.alias("reversal")
_FUND = Fund.__table__  # type: ignore[attr-defined]
_INCOME = Income.__table__  # type: ignore[attr-defined]
_REFS_OF_INCOMES = core_select(
    _INCOME.c.id, _FUND.c.code, _ENTRY.c.voucher_no, _ENTRY.c.hash, _REVERSAL.c.voucher_no
).select_from(
    _INCOME.join(_FUND, _FUND.c.id == _INCOME.c.fund_id)
    .join(_ENTRY, _ENTRY.c.id == _INCOME.c.entry_id)
    .outerjoin(_REVERSAL, _REVERSAL.c.id == _INCOME.c.reversal_entry_id)
)


def income_refs(session: Session, rows: Sequence[Income]) -> dict[int, IncomeRefs]:
    """The `IncomeRefs` of stored incomes, by income id, in one query."""
    if not rows:
        return {}
    found = session.exec(  # type: ignore[call-overload]
        _REFS_OF_INCOMES.where(_INCOME.c.id.in_([income.id for income in rows]))
    )
    return {income_id: IncomeRefs(*refs) for income_id, *refs in found}
