"""A fund's chain head, locked for a posting, and the gap-free numbers it takes.

Every posting locks its fund's head first (`lock_fund_head`, or `lock_fund_head_of` for
the fund owning a row) and takes the numbers it needs (`take_numbers`); an income does
both, and draws the ids of its new rows, in one round trip (`lock_and_number`), so that
the fund's lock is held over as few round trips as possible on PostgreSQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, literal, union_all
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

from carefund.errors import NotFound
from carefund.limits import FUND_CODE_LENGTH_MAX
from carefund.models import Counter, Fund, Unit
from carefund.storage.direct import DirectStatement
from carefund.storage.engines import is_sqlite


@dataclass
class FundHead:
    """A fund's chain head as one posting reads and moves it, under the fund's lock."""

    id: int
    code: str
    head_seq: int
    head_hash: str
    cash_fen: int
    closed_through: date | None
    review_threshold_fen: int | None = None
    """Incomes above it need a review (复核): read with the head, so recording an income
    costs no read more for it."""
    unit_id: int | None = None
    """The fund's unit, for the events it writes."""
    unit_path: str | None = None
    """Its path in the organisation tree, read with the head: who may post here."""


_FUND = Fund.__table__  # type: ignore[attr-defined]
_UNIT = Unit.__table__  # type: ignore[attr-defined]
_HEAD_COLUMNS = (
    _FUND.c.id,
    _FUND.c.code,
    _FUND.c.head_seq,
    _FUND.c.head_hash,
    _FUND.c.cash_fen,
    _FUND.c.closed_through,
    _FUND.c.review_threshold_fen,
    _FUND.c.unit_id,
    core_select(_UNIT.c.path).where(_UNIT.c.id == _FUND.c.unit_id).scalar_subquery(),
)
_LOCK_HEAD = DirectStatement(
    core_select(*_HEAD_COLUMNS).where(_FUND.c.code == bindparam("code")).with_for_update()
)


def lock_fund_head(session: Session, code: str) -> FundHead:
    """Read a fund's head and take the fund's write lock until the transaction ends.

    On PostgreSQL this is `SELECT … FOR UPDATE` on the fund's row, so writers to one fund
    queue while other funds go on; on SQLite the transaction already holds the writer lock.
    """
    row = _LOCK_HEAD.run(session, {"code": code}) if _is_possible_code(code) else None
    if row is None:
        raise NotFound(f"基金不存在：{str(code)[:40]}", field="fund")
    return _head(row)


_LOCK_HEAD_OF: dict[str, DirectStatement] = {}
"""`lock_fund_head_of`'s statement per table of rows that belong to a fund."""


def lock_fund_head_of(
    session: Session, row_type: type[SQLModel], *, row_id: int
) -> FundHead | None:
    """`lock_fund_head` of the fund that a row (an income, a disbursement) belongs to, found
    from the row's id in the same statement; None when there is no such row.

    Only the fund's row is locked. Read the row itself after this, under the lock: a copy
    read before it may be stale on PostgreSQL, where another writer may have changed it.
    """
    table = row_type.__table__  # type: ignore[attr-defined]
    statement = _LOCK_HEAD_OF.get(table.name)
    if statement is None:
        statement = _LOCK_HEAD_OF[table.name] = DirectStatement(
            core_select(*_HEAD_COLUMNS)
            .select_from(_FUND.join(table, table.c.fund_id == _FUND.c.id))
            .where(table.c.id == bindparam("row_id"))
            .with_for_update(of=_FUND)
        )
    row = statement.run(session, {"row_id": row_id})
    return _head(row) if row is not None else None


def _head(row: tuple) -> FundHead:
    fund_id, code, head_seq, head_hash, cash_fen, closed_through = row[:6]
    review_threshold, unit_id, unit_path = row[6:]
    if isinstance(closed_through, str):  # SQLite hands dates back as text
        closed_through = date.fromisoformat(closed_through)
    return FundHead(
        fund_id,
        code,
        head_seq,
        head_hash,
        cash_fen,
        closed_through,
        review_threshold,
        unit_id,
        unit_path,
    )


def _is_possible_code(code: object) -> bool:
    # A code that cannot exist is not looked up: it may hold bytes the database refuses.
    return isinstance(code, str) and 0 < len(code) <= FUND_CODE_LENGTH_MAX and code.isprintable()


def _counter_upsert(insert_for_dialect, count: int):  # type: ignore[no-untyped-def]
    """Advance `count` counters of one fund in one statement, each answering its new value."""
    statement = insert_for_dialect(Counter).values(
        [
            {"fund_id": bindparam("fund_id"), "name": bindparam(f"name_{index}"), "last_value": 1}
            for index in range(count)
        ]
    )
    return statement.on_conflict_do_update(
        index_elements=["fund_id", "name"], set_={"last_value": Counter.last_value + 1}
    ).returning(Counter.name, Counter.last_value)


# One statement per number of counters taken at once (a posting takes one or two).
_COUNTER_UPSERTS = {
    count: DirectStatement(
        {
            "sqlite": _counter_upsert(sqlite_insert, count),
            "postgresql": _counter_upsert(pg_insert, count),
        }
    )
    for count in (1, 2)
}


def voucher_sequence(entry_date: date) -> str:
    """The counter of voucher numbers for the month of `entry_date`."""
    return f"voucher:{entry_date.year:04d}{entry_date.month:02d}"


def take_numbers(session: Session, fund: FundHead, names: Sequence[str]) -> list[int]:
    """The next number of each named gap-free sequence of the fund, in one round trip.

    The caller holds the fund lock; a transaction that does not commit gives its numbers
    back, so no number is skipped.
    """
    statement = _COUNTER_UPSERTS[len(names)]
    params: dict[str, Any] = {"fund_id": fund.id}
    params.update({f"name_{index}": name for index, name in enumerate(names)})
    rows = dict(statement.run_all(session, params))
    return [int(rows[name]) for name in names]


@dataclass(frozen=True)
class LockedHead:
    """What `lock_and_number` answers: the locked head, the numbers taken (in the order
    asked) and the ids drawn for the new rows (None on SQLite, where they come from the
    inserts themselves)."""

    fund: FundHead
    numbers: list[int]
    row_ids: list[int | None]


def _lock_and_number(names: int, new_rows: Sequence[str]):  # type: ignore[no-untyped-def]
    """PostgreSQL: the fund's head locked, `names` counters advanced and the ids of
    `new_rows` (table names) drawn from their sequences, in one statement. The counters are
    advanced from rows of the locked head, so the lock is taken first, as in two steps."""
    head = (
        core_select(*_HEAD_COLUMNS)
        .where(_FUND.c.code == bindparam("code"))
        .with_for_update(of=_FUND)
        .cte("head")
    )
    wanted = union_all(
        *(
            core_select(head.c.id, bindparam(f"name_{index}", type_=String), literal(1, Integer))
            for index in range(names)
        )
    )
    counter = Counter.__table__  # type: ignore[attr-defined]
    upsert = pg_insert(counter).from_select(["fund_id", "name", "last_value"], wanted)
    taken = (
        upsert.on_conflict_do_update(
            index_elements=["fund_id", "name"], set_={"last_value": counter.c.last_value + 1}
        )
        .returning(counter.c.name, counter.c.last_value)
        .cte("taken")
    )
    numbers = [
        core_select(taken.c.last_value)
        .where(taken.c.name == bindparam(f"name_{index}", type_=String))
        .scalar_subquery()
        for index in range(names)
    ]
    row_ids = [func.nextval(func.pg_get_serial_sequence(table, "id")) for table in new_rows]
    return core_select(*head.c, *numbers, *row_ids).select_from(head)


_LOCK_AND_NUMBER: dict[tuple[int, tuple[str, ...]], DirectStatement] = {}


def lock_and_number(
    session: Session, code: str, names: Sequence[str], *, new_rows: Sequence[type[SQLModel]] = ()
) -> LockedHead:
    """`lock_fund_head` and `take_numbers(names)`, and ids for one new row of each table
    of `new_rows`, in one round trip on PostgreSQL (on SQLite, which holds the writer lock
    already, in two statements, and no ids: its inserts answer them at no cost).

    The numbers are taken before the caller checks anything under the lock; a check that
    fails rolls the transaction (or the savepoint) back, and the numbers with it."""
    if is_sqlite(session):
        fund = lock_fund_head(session, code)
        return LockedHead(fund, take_numbers(session, fund, names), [None] * len(new_rows))
    tables = tuple(str(row.__tablename__) for row in new_rows)
    key = (len(names), tables)
    statement = _LOCK_AND_NUMBER.get(key)
    if statement is None:
        statement = _LOCK_AND_NUMBER[key] = DirectStatement(_lock_and_number(*key))
    params: dict[str, Any] = {"code": code}
    params.update({f"name_{index}": name for index, name in enumerate(names)})
    row = statement.run(session, params) if _is_possible_code(code) else None
    if row is None:
        raise NotFound(f"基金不存在：{str(code)[:40]}", field="fund")
    width = len(_HEAD_COLUMNS)
    numbers = [int(number) for number in row[width : width + len(names)]]
    return LockedHead(_head(row[:width]), numbers, [int(i) for i in row[width + len(names) :]])
