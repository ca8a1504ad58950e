"""Where each payment's money comes from (专款专用): pools of money by source, and the
rule that picks the pool a payment draws from.

A **pool** is the money of one income source that no income earmarks, or the money of
one earmarked (定向) income. Its figures come from the books: what came in (income
postings, reversals netted) less what was paid from it (payment postings of the
disbursements that drew from it, reversals netted), less what approved-but-unpaid
disbursements reserve from it. A disbursement draws from one pool, fixed when approved.

**The allocation rule**, when the approver names no source: of the pools that may pay the
disbursement's cell and have enough available, take the most restricted first — earmarked
incomes first, oldest first; then the sources by how few cells the fund lets them pay,
then in the order of `IncomeSource` (party dues, fiscal support, donations, sponsorship).

Payments approved before sources were recorded (source unknown) are taken, for the
figures, from the unearmarked pools in the same order.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session

from carefund.controls.settings import Cell, Controls
from carefund.errors import InsufficientFunds, InvalidInput
from carefund.ledger.accounts import EXPENSE_PREFIX, INCOME_PREFIX
from carefund.models import Disbursement, Income, Posting
from carefund.money import format_fen, yuan_text
from carefund.vocabulary import SOURCE_NAMES_ZH, DisbursementStatus, IncomeSource

_INCOME = Income.__table__  # type: ignore[attr-defined]
_DISBURSEMENT = Disbursement.__table__  # type: ignore[attr-defined]
_POSTING = Posting.__table__  # type: ignore[attr-defined]
_EARMARKED = or_(_INCOME.c.earmark_category.isnot(None), _INCOME.c.earmark_aspect.isnot(None))
_POOL_INCOME = case((_EARMARKED, _INCOME.c.id), else_=None)
SOURCE_ORDER = {source.value: index for index, source in enumerate(IncomeSource)}


@dataclass
class Pool:
    """Money of one source (unearmarked), or of one earmarked income."""

    source: str
    income_id: int | None = None
    """The earmarked income, if this pool is one."""
    receipt_no: str | None = None
    earmark: Cell | None = None
    received_on: date | None = None
    received_fen: int = 0
    paid_fen: int = 0
    reserved_fen: int = 0

    @property
    def balance_fen(self) -> int:
        return self.received_fen - self.paid_fen

    @property
    def available_fen(self) -> int:
        return self.balance_fen - self.reserved_fen

    def may_pay(self, controls: Controls, category: str, aspect: str) -> bool:
        """Whether this money may pay the cell: the fund's matrix, and the earmark if any."""
        earmark_allows = self.earmark is None or self.earmark.holds(category, aspect)
        return earmark_allows and controls.may_pay(self.source, category, aspect)

    def name_zh(self) -> str:
        name = SOURCE_NAMES_ZH[IncomeSource(self.source)]
        return f"{name}（定向 {self.receipt_no}）" if self.receipt_no else name

    def public(self, controls: Controls) -> dict[str, Any]:
        return {
            "source": self.source,
            "earmark": self.receipt_no,
            "earmark_cell": self.earmark.public() if self.earmark else None,
            "restricted": self.earmark is not None or self.source in controls.restrictions,
            "income": format_fen(self.received_fen),
            "paid": format_fen(self.paid_fen),
            "reserved": format_fen(self.reserved_fen),
            "balance": format_fen(self.balance_fen),
            "available": format_fen(self.available_fen),
        }


def _order(controls: Controls):  # type: ignore[no-untyped-def]
    def key(pool: Pool) -> tuple:
        if pool.income_id is not None:
            return (0, pool.received_on or date.min, pool.income_id, 0)
        return (1, controls.breadth(pool.source), SOURCE_ORDER[pool.source], 0)

    return key


def _dated(query: Any, start: date | None, end: date | None) -> Any:
    if start is not None:
        query = query.where(_POSTING.c.entry_date >= start)
    if end is not None:
        query = query.where(_POSTING.c.entry_date <= end)
    return query


def _received(session: Session, fund_id: int, through: date | None) -> list[tuple]:
    joined = _POSTING.join(
        _INCOME,
        or_(
            _POSTING.c.entry_id == _INCOME.c.entry_id,
            _POSTING.c.entry_id == _INCOME.c.reversal_entry_id,
        ),
    )
    query = (
        core_select(
            _INCOME.c.source, _POOL_INCOME, func.sum(_POSTING.c.credit_fen - _POSTING.c.debit_fen)
        )
        .select_from(joined)
        .where(_POSTING.c.fund_id == fund_id, _POSTING.c.account.startswith(INCOME_PREFIX))
        .group_by(_INCOME.c.source, _POOL_INCOME)
    )
    return list(session.exec(_dated(query, None, through)))  # type: ignore[call-overload]


def paid_by_source_and_cell(
    session: Session, fund_id: int, *, start: date | None = None, end: date | None = None
) -> list[tuple[str | None, int | None, str, str, int]]:
    """Payments (reversals netted) by (source, earmarked income, category, aspect), dated
    from `start` through `end`: the statement's source × cell table and the pools' draws."""
    joined = _POSTING.join(
        _DISBURSEMENT,
        or_(
            _POSTING.c.entry_id == _DISBURSEMENT.c.entry_id,
            _POSTING.c.entry_id == _DISBURSEMENT.c.reversal_entry_id,
        ),
    )
    keys = (
        _DISBURSEMENT.c.source,
        _DISBURSEMENT.c.earmark_income_id,
        _POSTING.c.category,
        _POSTING.c.aspect,
    )
    query = (
        core_select(*keys, func.sum(_POSTING.c.debit_fen - _POSTING.c.credit_fen))
        .select_from(joined)
        .where(_POSTING.c.fund_id == fund_id, _POSTING.c.account.startswith(EXPENSE_PREFIX))
        .group_by(*keys)
    )
    rows = session.exec(_dated(query, start, end))  # type: ignore[call-overload]
    return [(s, e, c, a, int(total or 0)) for s, e, c, a, total in rows]


def _reserved(session: Session, fund_id: int) -> list[tuple]:
    query = (
        core_select(
            _DISBURSEMENT.c.source,
            _DISBURSEMENT.c.earmark_income_id,
            func.sum(_DISBURSEMENT.c.amount_fen),
        )
        .where(
            _DISBURSEMENT.c.fund_id == fund_id,
            _DISBURSEMENT.c.status == DisbursementStatus.approved.value,
        )
        .group_by(_DISBURSEMENT.c.source, _DISBURSEMENT.c.earmark_income_id)
    )
    return list(session.exec(query))  # type: ignore[call-overload]


def _earmarked_incomes(session: Session, fund_id: int) -> dict[int, tuple]:
    query = core_select(
        _INCOME.c.id,
        _INCOME.c.receipt_no,
        _INCOME.c.earmark_category,
        _INCOME.c.earmark_aspect,
        _INCOME.c.received_on,
    ).where(_INCOME.c.fund_id == fund_id, _EARMARKED)
    return {row[0]: row[1:] for row in session.exec(query)}  # type: ignore[call-overload]


def source_pools(
    session: Session,
    *,
    fund_id: int,
    controls: Controls,
    through: date | None = None,
    reservations: bool = True,
) -> list[Pool]:
    """The fund's pools in allocation order, with their figures through `through` (all
    entries when None); reservations are today's, or none when not `reservations`."""
    pools: dict[tuple[str, int | None], Pool] = {
        (source.value, None): Pool(source.value) for source in IncomeSource
    }
    earmarked = _earmarked_incomes(session, fund_id)

    def pool(source: str | None, income_id: int | None) -> Pool | None:
        if source is None:
            return None
        key = (source, income_id if income_id in earmarked else None)
        if key not in pools:
            receipt_no, category, aspect, received_on = earmarked[income_id or 0]
            pools[key] = Pool(source, income_id, receipt_no, Cell(category, aspect), received_on)
        return pools[key]

    for source, income_id, total in _received(session, fund_id, through):
        found = pool(source, income_id)
        assert found is not None
        found.received_fen += int(total or 0)
    unknown = 0
    for source, income_id, _category, _aspect, total in paid_by_source_and_cell(
        session, fund_id, end=through
    ):
        found = pool(source, income_id)
        if found is None:
            unknown += total
        else:
            found.paid_fen += total
    for source, income_id, total in _reserved(session, fund_id) if reservations else []:
        found = pool(source, income_id)
        if found is not None:
            found.reserved_fen += int(total or 0)
    ordered = sorted(pools.values(), key=_order(controls))
    _take_unknown(ordered, unknown)
    return ordered


def _take_unknown(pools: list[Pool], unknown_fen: int) -> None:
    for pool in pools:
        if unknown_fen <= 0:
            return
        if pool.income_id is None:
            taken = min(unknown_fen, max(pool.balance_fen, 0))
            pool.paid_fen += taken
            unknown_fen -= taken


def allocate(
    pools: list[Pool],
    controls: Controls,
    *,
    category: str,
    aspect: str,
    amount_fen: int,
    source: str | None = None,
    earmark: str | None = None,
) -> Pool:
    """The pool a payment of `amount_fen` to the cell draws from: the one named (`source`,
    and `earmark` a receipt number), else the first eligible one with enough (the rule in
    this module's docstring). Refuses naming the cell, the sources allowed and the figures."""
    cell = Cell(category, aspect).zh()
    eligible = [pool for pool in pools if pool.may_pay(controls, category, aspect)]
    if source is not None or earmark is not None:
        named = [
            pool
            for pool in pools
            if (source is None or pool.source == source) and pool.receipt_no == earmark
        ]
        if not named:
            raise InvalidInput(f"没有这样的资金来源：{earmark or source}", field="source")
        if named[0] not in eligible:
            raise InsufficientFunds(
                f"专款专用：{named[0].name_zh()} 不能用于 {cell}；"
                f"可用于此格的来源：{_names(eligible)}",
                field="source",
            )
        eligible = named
    for pool in eligible:
        if pool.available_fen >= amount_fen:
            return pool
    figures = "、".join(f"{pool.name_zh()} {yuan_text(pool.available_fen)}" for pool in eligible)
    raise InsufficientFunds(
        f"专款专用：{cell} 可由 {_names(eligible)} 支付，各来源可用余额为 {figures or '无'}；"
        f"本次 {yuan_text(amount_fen)}，没有一个来源足够",
        field="source",
    )


def _names(pools: list[Pool]) -> str:
    return "、".join(pool.name_zh() for pool in pools) or "（无）"


def source_cell_table(
    session: Session, *, fund_id: int, start: date, end: date
) -> dict[str, dict[str, dict[str, int]]]:
    """Paid in the period (reversals netted) by source → category → aspect, in fen;
    payments of unknown source under `unknown`."""
    table: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for source, _income, category, aspect, total in paid_by_source_and_cell(
        session, fund_id, start=start, end=end
    ):
        cells = table[source or "unknown"][category]
        cells[aspect] = cells.get(aspect, 0) + total
    return {source: dict(cells) for source, cells in table.items()}
