"""The double-entry journal: the chart of accounts, posting, reversal and the hash chain.

Every fund's entries form a chain: entry n stores `prev_hash` = hash of entry n-1 and
`hash` = SHA-256 of the RFC 8785 (JCS) canonical JSON of its public form (API.md, Books).
Anyone holding the journal can recompute it; `verify` does.
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col, select

from carefund.errors import InsufficientFunds, NotFound, PeriodClosed
from carefund.models import GENESIS_HASH, Counter, Fund, JournalEntry, Posting, utcnow
from carefund.money import format_fen
from carefund.storage.direct import DirectStatement, insert_row
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    SOURCE_NAMES_ZH,
    Aspect,
    IncomeSource,
    MemberCategory,
)

CASH_ACCOUNT = "assets:cash"
"""The fund's money at the bank and in hand (银行存款及库存现金)."""
INCOME_PREFIX = "income:"
EXPENSE_PREFIX = "expense:"
FUND_CODE_LENGTH_MAX = 32
"""As the `fund.code` column holds."""
VERIFY_BATCH_SIZE = 2_000
"""Entries read per query while verifying, so memory stays flat on long chains."""

Row = TypeVar("Row", bound=SQLModel)


def income_account(source: str) -> str:
    """The income account of a source, e.g. `income:fiscal_support`."""
    return INCOME_PREFIX + IncomeSource(source).value


def expense_account(aspect: str, category: str) -> str:
    """The expense account of one cell of the 6×3 matrix, e.g. `expense:life_assistance:hardship`.

    Aspect and category are part of the account, so the hash chain protects the matrix.
    """
    return f"{EXPENSE_PREFIX}{Aspect(aspect).value}:{MemberCategory(category).value}"


def chart_of_accounts() -> list[str]:
    """Every account a fund has: cash, four income accounts, eighteen expense accounts."""
    return (
        [CASH_ACCOUNT]
        + [income_account(source) for source in IncomeSource]
        + [expense_account(aspect, category) for aspect in Aspect for category in MemberCategory]
    )


def account_name_zh(account: str) -> str:
    """The account's Chinese name, e.g. 支出-生活帮扶-生活困难党员."""
    if account == CASH_ACCOUNT:
        return "银行存款"
    if account.startswith(INCOME_PREFIX):
        return "收入-" + SOURCE_NAMES_ZH[IncomeSource(account.removeprefix(INCOME_PREFIX))]
    aspect, category = account.removeprefix(EXPENSE_PREFIX).split(":")
    return f"支出-{ASPECT_NAMES_ZH[Aspect(aspect)]}-{CATEGORY_NAMES_ZH[MemberCategory(category)]}"


@dataclass(frozen=True)
class Line:
    """One posting to be made: a debit or a credit on one account, with its 6×3 tags."""

    account: str
    debit_fen: int = 0
    credit_fen: int = 0
    recipient_id: int | None = None
    category: str | None = None
    aspect: str | None = None

    def negated(self) -> "Line":
        """The same line on the other side, for a red-ink reversal."""
        return Line(
            self.account,
            debit_fen=self.credit_fen,
            credit_fen=self.debit_fen,
            recipient_id=self.recipient_id,
            category=self.category,
            aspect=self.aspect,
        )


@dataclass
class FundHead:
    """A fund's chain head as one posting reads and moves it, under the fund's lock."""

    id: int
    code: str
    head_seq: int
    head_hash: str
    cash_fen: int
    closed_through: date | None


def _is_possible_code(code: object) -> bool:
    # A code that cannot exist is not looked up: it may hold bytes the database refuses.
    return isinstance(code, str) and 0 < len(code) <= FUND_CODE_LENGTH_MAX and code.isprintable()


def _unknown_fund(code: object) -> NotFound:
    return NotFound(f"基金不存在：{str(code)[:40]}", field="fund")


def lock_fund(session: Session, code: str) -> Fund:
    """Load a fund and take its write lock (its chain head row) until the transaction ends.

    On PostgreSQL this is `SELECT … FOR UPDATE` on the fund's row, so writers to one fund
    queue while other funds go on; on SQLite the transaction already holds the writer lock.
    The row read under the lock overwrites a copy the session already holds: that copy
    was read before the lock, and another writer may have moved the head since.
    """
    found = (
        session.exec(
            select(Fund)
            .where(Fund.code == code)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if _is_possible_code(code)
        else None
    )
    fund = found.first() if found is not None else None
    if fund is None:
        raise _unknown_fund(code)
    return fund


_FUND = Fund.__table__  # type: ignore[attr-defined]
_LOCK_HEAD = DirectStatement(
    core_select(
        _FUND.c.id,
        _FUND.c.head_seq,
        _FUND.c.head_hash,
        _FUND.c.cash_fen,
        _FUND.c.closed_through,
    )
    .where(_FUND.c.code == bindparam("code"))
    .with_for_update()
)


def lock_fund_head(session: Session, code: str) -> FundHead:
    """`lock_fund` for a use case that only posts: the same lock, one direct statement."""
    row = _LOCK_HEAD.run(session, {"code": code}) if _is_possible_code(code) else None
    if row is None:
        raise _unknown_fund(code)
    fund_id, head_seq, head_hash, cash_fen, closed_through = row
    if isinstance(closed_through, str):  # SQLite hands dates back as text
        closed_through = date.fromisoformat(closed_through)
    return FundHead(fund_id, code, head_seq, head_hash, cash_fen, closed_through)


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


def take_numbers(session: Session, fund: Fund | FundHead, names: Sequence[str]) -> list[int]:
    """The next number of each named gap-free sequence of the fund, in one round trip.

    The caller holds the fund lock; a transaction that does not commit gives its numbers
    back, so no number is skipped.
    """
    statement = _COUNTER_UPSERTS[len(names)]
    params: dict[str, Any] = {"fund_id": fund.id}
    params.update({f"name_{index}": name for index, name in enumerate(names)})
    rows = dict(statement.run_all(session, params))
    return [int(rows[name]) for name in names]


def next_number(session: Session, fund: Fund | FundHead, name: str) -> int:
    """The next number of one gap-free sequence of the fund (see `take_numbers`)."""
    return take_numbers(session, fund, [name])[0]


def check_open(fund: Fund | FundHead, on: date) -> None:
    """Refuse a date that falls in a closed period of the fund."""
    if fund.closed_through is not None and on <= fund.closed_through:
        raise PeriodClosed(
            f"{on.isoformat()} 所在会计期间已结账（{fund.code} 已结账至 "
            f"{fund.closed_through.isoformat()}）",
            field="date",
        )


_ENTRY = JournalEntry.__table__  # type: ignore[attr-defined]
_INSERT_ENTRY = DirectStatement.inserting(_ENTRY)
_INSERT_POSTING = DirectStatement(insert_row(Posting.__table__))  # type: ignore[attr-defined]
_MOVE_HEAD = DirectStatement(
    update(_FUND)
    .where(_FUND.c.id == bindparam("fund_id"))
    .values(head_seq=bindparam("seq"), head_hash=bindparam("hash"), cash_fen=bindparam("cash"))
)


@dataclass(frozen=True)
class PostedEntry:
    """An entry just posted, as much of it as its poster needs; it is in the database, and
    `session.get(JournalEntry, id)` loads the rest."""

    id: int
    seq: int
    voucher_no: str
    hash: str


def insert_snapshot(
    session: Session, statement: DirectStatement, row_type: type[Row], **values: Any
) -> Row:
    """Insert one row of an append-only table and return it as a snapshot.

    The snapshot has every column's value but is not attached to the session (it is built
    without the ORM's bookkeeping, which costs more than the insert): read it, and load
    the row with `session.get` to change it.
    """
    return row_type.model_construct(id=statement.new_row_id(session, values), **values)


def post_entry(
    session: Session,
    *,
    fund: Fund | FundHead,
    entry_date: date,
    memo: str,
    lines: Sequence[Line],
    actor: str,
    reverses_seq: int | None = None,
    voucher_number: int | None = None,
) -> PostedEntry:
    """Post one balanced entry at the head of the fund's chain; the caller holds the lock.

    `voucher_number` is the number already taken from `voucher_sequence(entry_date)` by a
    caller that numbers something else in the same round trip; by default it is taken here.
    """
    _check_balanced(lines)
    check_open(fund, entry_date)
    cash_change = sum(
        line.debit_fen - line.credit_fen for line in lines if line.account == CASH_ACCOUNT
    )
    if fund.cash_fen + cash_change < 0:
        raise InsufficientFunds(
            f"基金 {fund.code} 余额不足：现有 {format_fen(fund.cash_fen)} 元",
        )
    if voucher_number is None:
        voucher_number = next_number(session, fund, voucher_sequence(entry_date))
    seq = fund.head_seq + 1
    voucher_no = f"记-{entry_date.year:04d}{entry_date.month:02d}-{voucher_number:04d}"
    values: dict[str, Any] = {
        "fund_id": fund.id,
        "seq": seq,
        "voucher_no": voucher_no,
        "entry_date": entry_date,
        "memo": memo,
        "reverses_seq": reverses_seq,
        "prev_hash": fund.head_hash,
        "created_by": actor,
        "created_at": utcnow(),
    }
    values["hash"] = hashed = entry_hash(_public_form(fund.code, values, lines))
    entry = PostedEntry(_INSERT_ENTRY.new_row_id(session, values), seq, voucher_no, hashed)
    _INSERT_POSTING.run_many(
        session,
        [
            {
                "entry_id": entry.id,
                "fund_id": fund.id,
                "entry_date": entry_date,
                "line_no": number,
                "account": line.account,
                "debit_fen": line.debit_fen,
                "credit_fen": line.credit_fen,
                "recipient_id": line.recipient_id,
                "category": line.category,
                "aspect": line.aspect,
            }
            for number, line in enumerate(lines, start=1)
        ],
    )
    _move_head(session, fund, seq=entry.seq, hash=entry.hash, cash_fen=fund.cash_fen + cash_change)
    return entry


def _move_head(
    session: Session, fund: Fund | FundHead, *, seq: int, hash: str, cash_fen: int
) -> None:
    """Update the fund's chain head and cash in the database and in the loaded object alike."""
    _MOVE_HEAD.run(session, {"fund_id": fund.id, "seq": seq, "hash": hash, "cash": cash_fen})
    if isinstance(fund, FundHead):
        fund.head_seq, fund.head_hash, fund.cash_fen = seq, hash, cash_fen
        return
    # The ORM's copy says what the row now holds, without a change for it to flush.
    set_committed_value(fund, "head_seq", seq)
    set_committed_value(fund, "head_hash", hash)
    set_committed_value(fund, "cash_fen", cash_fen)


def reverse_entry(
    session: Session, *, fund: Fund | FundHead, entry: JournalEntry, on: date, memo: str, actor: str
) -> PostedEntry:
    """Post the red-ink reversal of `entry`: the same lines on the other sides, dated `on`."""
    lines = [line.negated() for line in lines_of(session, entry)]
    return post_entry(
        session,
        fund=fund,
        entry_date=on,
        memo=memo,
        lines=lines,
        actor=actor,
        reverses_seq=entry.seq,
    )


def lines_of(session: Session, entry: JournalEntry) -> list[Line]:
    """The entry's postings as lines, in their order."""
    return [
        Line(
            posting.account,
            debit_fen=posting.debit_fen,
            credit_fen=posting.credit_fen,
            recipient_id=posting.recipient_id,
            category=posting.category,
            aspect=posting.aspect,
        )
        for posting in postings_of(session, [entry.id or 0])[entry.id or 0]
    ]


def _check_balanced(lines: Sequence[Line]) -> None:
    # Entries are built by this package only, so an unbalanced one is a programmer error;
    # the database checks each posting again, and verify checks every entry.
    assert lines, "an entry needs postings"
    for line in lines:
        assert (line.debit_fen > 0) != (line.credit_fen > 0), line
        assert line.debit_fen >= 0 and line.credit_fen >= 0, line
    assert sum(line.debit_fen for line in lines) == sum(line.credit_fen for line in lines), lines


def entry_public(
    fund_code: str, entry: JournalEntry, postings: Sequence[Posting] | Sequence[Line]
) -> dict:
    """The entry as the journal endpoint returns it, and as its hash is computed."""
    return _public_form(
        fund_code,
        {
            "seq": entry.seq,
            "voucher_no": entry.voucher_no,
            "entry_date": entry.entry_date,
            "memo": entry.memo,
            "reverses_seq": entry.reverses_seq,
            "prev_hash": entry.prev_hash,
        },
        postings,
    )


def _public_form(
    fund_code: str, entry: dict[str, Any], postings: Sequence[Posting] | Sequence[Line]
) -> dict:
    return {
        "fund": fund_code,
        "seq": entry["seq"],
        "voucher_no": entry["voucher_no"],
        "date": entry["entry_date"].isoformat(),
        "memo": entry["memo"],
        "postings": [
            {
                "account": posting.account,
                "debit": format_fen(posting.debit_fen),
                "credit": format_fen(posting.credit_fen),
            }
            for posting in postings
        ],
        "reverses_seq": entry["reverses_seq"],
        "prev_hash": entry["prev_hash"],
    }


def canonical_json(value: object) -> bytes:
    """RFC 8785 (JCS) canonical JSON for the values the journal holds.

    Our objects hold only strings, integers, null and lists, and have ASCII keys; for those,
    sorted keys, no whitespace, and JSON.stringify's string escaping (which `json.dumps`
    with `ensure_ascii=False` matches, down to lowercase `\\u00xx`) are exactly JCS.
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8"
    )


def entry_hash(public: dict) -> str:
    """Lowercase hex SHA-256 of the entry's canonical form (which includes `prev_hash`)."""
    hashed = {key: public[key] for key in _HASHED_KEYS}
    return hashlib.sha256(canonical_json(hashed)).hexdigest()


_HASHED_KEYS = (
    "fund",
    "seq",
    "voucher_no",
    "date",
    "memo",
    "postings",
    "reverses_seq",
    "prev_hash",
)


def postings_of(session: Session, entry_ids: Sequence[int]) -> dict[int, list[Posting]]:
    """The postings of several entries, each list in line order."""
    grouped: dict[int, list[Posting]] = {entry_id: [] for entry_id in entry_ids}
    if not entry_ids:
        return grouped
    rows = session.exec(
        select(Posting)
        .where(col(Posting.entry_id).in_(entry_ids))
        .order_by(col(Posting.entry_id), col(Posting.line_no))
    )
    for posting in rows:
        grouped[posting.entry_id].append(posting)
    return grouped


def iter_entries(
    session: Session,
    fund: Fund,
    *,
    start: date | None = None,
    end: date | None = None,
    after_seq: int = 0,
    batch_size: int = VERIFY_BATCH_SIZE,
) -> Iterator[tuple[JournalEntry, list[Posting]]]:
    """The fund's entries by `seq` with their postings, read in batches."""
    while True:
        query = (
            select(JournalEntry)
            .where(JournalEntry.fund_id == fund.id, col(JournalEntry.seq) > after_seq)
            .order_by(col(JournalEntry.seq))
            .limit(batch_size)
        )
        if start is not None:
            query = query.where(col(JournalEntry.entry_date) >= start)
        if end is not None:
            query = query.where(col(JournalEntry.entry_date) <= end)
        entries = list(session.exec(query))
        if not entries:
            return
        postings = postings_of(session, [entry.id for entry in entries if entry.id is not None])
        for entry in entries:
            yield entry, postings[entry.id or 0]
        # Forget the batch, so that memory stays flat however long the chain is.
        for entry in entries:
            for posting in postings[entry.id or 0]:
                session.expunge(posting)
            session.expunge(entry)
        after_seq = entries[-1].seq


def journal_page(
    session: Session,
    fund: Fund,
    *,
    start: date | None,
    end: date | None,
    after_seq: int,
    limit: int,
) -> list[dict]:
    """Up to `limit` entries after `after_seq` in their public form, oldest first."""
    page = iter_entries(session, fund, start=start, end=end, after_seq=after_seq, batch_size=limit)
    result = []
    for entry, postings in page:
        public = entry_public(fund.code, entry, postings)
        public["hash"] = entry.hash
        result.append(public)
        if len(result) == limit:
            break
    return result


@dataclass(frozen=True)
class VerifyResult:
    """What `verify` found for one fund."""

    fund: str
    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None = None
    """In words, what is wrong (None when ok)."""


def verify_public(result: VerifyResult) -> dict:
    """A verification result as the API shows it."""
    return {
        "fund": result.fund,
        "ok": result.ok,
        "entries": result.entries,
        "head_hash": result.head_hash,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.problem,
    }


def verify(session: Session, fund: Fund) -> VerifyResult:
    """Recompute the fund's chain and check every entry, and the head and cash it stores."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    cash_fen = 0
    count = 0
    for entry, postings in iter_entries(session, fund):
        problem = _entry_problem(fund, entry, postings, expected_seq, prev_hash)
        if problem:
            return VerifyResult(fund.code, False, count, prev_hash, entry.seq, problem)
        cash_fen += sum(p.debit_fen - p.credit_fen for p in postings if p.account == CASH_ACCOUNT)
        prev_hash = entry.hash
        expected_seq += 1
        count += 1
    stored = session.exec(select(Fund).where(Fund.id == fund.id)).one()
    if (stored.head_seq, stored.head_hash) != (count, prev_hash):
        problem = f"链头不符：基金记录 seq {stored.head_seq}，日记账共 {count} 笔"
        return VerifyResult(fund.code, False, count, prev_hash, count + 1, problem)
    if stored.cash_fen != cash_fen:
        problem = (
            f"余额不符：基金记录 {format_fen(stored.cash_fen)}，分录合计 {format_fen(cash_fen)}"
        )
        return VerifyResult(fund.code, False, count, prev_hash, None, problem)
    return VerifyResult(fund.code, True, count, prev_hash, None)


def _entry_problem(
    fund: Fund, entry: JournalEntry, postings: list[Posting], expected_seq: int, prev_hash: str
) -> str | None:
    if entry.seq != expected_seq:
        return f"序号不连续：应为 {expected_seq}，实为 {entry.seq}"
    if entry.prev_hash != prev_hash:
        return "prev_hash 与上一笔的 hash 不符"
    if entry_hash(entry_public(fund.code, entry, postings)) != entry.hash:
        return "hash 与重新计算的不符（凭证或分录被改动）"
    if not postings:
        return "凭证没有分录"
    for posting in postings:
        if (posting.debit_fen > 0) == (posting.credit_fen > 0) or min(
            posting.debit_fen, posting.credit_fen
        ) < 0:
            return f"分录 {posting.line_no} 借贷方向不正确"
        if posting.fund_id != entry.fund_id or posting.entry_date != entry.entry_date:
            return f"分录 {posting.line_no} 的基金或日期与凭证不符"
    if sum(p.debit_fen for p in postings) != sum(p.credit_fen for p in postings):
        return "借贷不平衡"
    return None


def cash_balance_as_of(session: Session, fund: Fund, as_of: date) -> int:
    """Cash at the end of `as_of`, from the postings."""
    total = session.exec(
        select(func.coalesce(func.sum(Posting.debit_fen - Posting.credit_fen), 0)).where(
            Posting.fund_id == fund.id,
            Posting.account == CASH_ACCOUNT,
            col(Posting.entry_date) <= as_of,
        )
    ).one()
    return int(total)
