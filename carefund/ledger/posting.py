"""Posting: the one path by which every entry enters a fund's chain.

Lock the fund's head and take the numbers the posting needs (`carefund.ledger.heads`),
post (`post_entry`, `reverse_entry`), which moves the head. Each step is one direct
statement (`DirectStatement`): the posting path runs for every income and payment, and
SQLAlchemy's execution layer would cost more than the database's own work.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import bindparam, update
from sqlmodel import Session, SQLModel

from carefund.errors import InsufficientFunds, PeriodClosed
from carefund.ledger.accounts import CASH_ACCOUNT, Line
from carefund.ledger.entry_documents import reversal_document
from carefund.ledger.hashing import CHAIN_VERSION, document_text, entry_hash, public_form
from carefund.ledger.heads import FundHead, take_numbers, voucher_sequence
from carefund.ledger.journal import postings_of
from carefund.models import Fund, JournalEntry, Posting, utcnow
from carefund.money import format_fen
from carefund.storage.direct import DirectStatement, insert_row

Row = TypeVar("Row", bound=SQLModel)
_FUND = Fund.__table__  # type: ignore[attr-defined]


def check_open(fund: FundHead, on: date) -> None:
    """Refuse a date that falls in a closed period of the fund."""
    if fund.closed_through is not None and on <= fund.closed_through:
        raise PeriodClosed(
            f"{on.isoformat()} 所在会计期间已结账（{fund.code} 已结账至 "
            f"{fund.closed_through.isoformat()}）",
            field="date",
        )


_SET_CLOSED_THROUGH = DirectStatement(
    update(_FUND)
    .where(_FUND.c.id == bindparam("fund_id"))
    .values(closed_through=bindparam("closed_through"))
)


def set_closed_through(session: Session, fund: FundHead, closed_through: date | None) -> None:
    """Close (or reopen) the fund's books through `closed_through`; the caller holds the lock."""
    _SET_CLOSED_THROUGH.run(session, {"fund_id": fund.id, "closed_through": closed_through})
    fund.closed_through = closed_through


_INSERT_ENTRY = DirectStatement.inserting(JournalEntry.__table__)  # type: ignore[attr-defined]
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
    session: Session,
    statement: DirectStatement,
    row_type: type[Row],
    row_id: int | None = None,
    **values: Any,
) -> Row:
    """Insert one row of an append-only table and return it as a snapshot.

    The snapshot has every column's value but is not attached to the session (it is built
    without the ORM's bookkeeping, which costs more than the insert): read it, and load
    the row with `session.get` to change it. `row_id`: the id drawn for it beforehand
    (`DirectStatement.new_row_id`).
    """
    new_id = statement.new_row_id(session, values, row_id=row_id)
    return row_type.model_construct(id=new_id, **values)


def post_entry(
    session: Session,
    *,
    fund: FundHead,
    entry_date: date,
    memo: str,
    lines: Sequence[Line],
    document: dict[str, Any],
    actor: str,
    reverses_seq: int | None = None,
    voucher_number: int | None = None,
    entry_id: int | None = None,
) -> PostedEntry:
    """Post one balanced entry at the head of the fund's chain; the caller holds the lock.

    `document` is what the entry records (API.md, Books: `document`), built by the use case
    from the values it has in hand; it is hashed and stored exactly as given. Lines that
    pay someone carry their `recipient` (member_no), which is hashed too.
    `voucher_number` is the number already taken from `voucher_sequence(entry_date)` by a
    caller that numbers something else in the same round trip; by default it is taken here.
    `entry_id`: the id drawn for the entry with them (`lock_and_number`), which lets the
    inserts go without waiting for an answer (`pipelined`).
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
        [voucher_number] = take_numbers(session, fund, [voucher_sequence(entry_date)])
    return append_entry(
        session,
        fund=fund,
        voucher_no=f"记-{entry_date.year:04d}{entry_date.month:02d}-{voucher_number:04d}",
        entry_date=entry_date,
        memo=memo,
        lines=lines,
        document=document,
        actor=actor,
        reverses_seq=reverses_seq,
        cash_change=cash_change,
        entry_id=entry_id,
    )


def append_entry(
    session: Session,
    *,
    fund: FundHead,
    voucher_no: str,
    entry_date: date,
    memo: str,
    lines: Sequence[Line],
    document: dict[str, Any],
    actor: str,
    reverses_seq: int | None = None,
    cash_change: int = 0,
    entry_id: int | None = None,
) -> PostedEntry:
    """Hash and insert an entry (already checked and numbered) at the head of the chain,
    with its postings, and move the head; `post_entry` and month seals both end here."""
    seq = fund.head_seq + 1
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
        "chain_version": CHAIN_VERSION,
        "document": document,
    }
    hashed = entry_hash(public_form(fund.code, values, lines))
    values.update(hash=hashed, document=document_text(document))
    entry_id = _INSERT_ENTRY.new_row_id(session, values, row_id=entry_id)
    entry = PostedEntry(entry_id, seq, voucher_no, hashed)
    if lines:
        _INSERT_POSTING.run_many(session, _posting_rows(fund, entry, entry_date, lines))
    _move_head(session, fund, seq=entry.seq, hash=entry.hash, cash_fen=fund.cash_fen + cash_change)
    return entry


def _posting_rows(
    fund: FundHead, entry: PostedEntry, entry_date: date, lines: Sequence[Line]
) -> list[dict[str, Any]]:
    return [
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
    ]


def _move_head(session: Session, fund: FundHead, *, seq: int, hash: str, cash_fen: int) -> None:
    """Update the fund's chain head and cash, in the database and in `fund` alike."""
    _MOVE_HEAD.run(session, {"fund_id": fund.id, "seq": seq, "hash": hash, "cash": cash_fen})
    fund.head_seq, fund.head_hash, fund.cash_fen = seq, hash, cash_fen


def reverse_entry(
    session: Session,
    *,
    fund: FundHead,
    entry: JournalEntry,
    on: date,
    memo: str,
    reason: str,
    actor: str,
) -> PostedEntry:
    """Post the red-ink reversal of `entry`: the same lines on the other sides, dated `on`;
    its document records what it reverses and why."""
    lines = [line.negated() for line in lines_of(session, entry)]
    return post_entry(
        session,
        fund=fund,
        entry_date=on,
        memo=memo,
        lines=lines,
        document=reversal_document(of_seq=entry.seq, reason=reason),
        actor=actor,
        reverses_seq=entry.seq,
    )


def reverse_posted(
    session: Session,
    *,
    fund: FundHead,
    entry_id: int | None,
    on: date,
    memo: Callable[[str], str],
    reason: str,
    actor: str,
) -> tuple[JournalEntry, PostedEntry]:
    """`reverse_entry` of the stored entry `entry_id` (a document's posting): the original
    and its reversal. `memo` makes the reversal's memo from the original's voucher number."""
    original = session.get_one(JournalEntry, entry_id)
    reversal = reverse_entry(
        session,
        fund=fund,
        entry=original,
        on=on,
        memo=memo(original.voucher_no),
        reason=reason,
        actor=actor,
    )
    return original, reversal


def lines_of(session: Session, entry: JournalEntry) -> list[Line]:
    """The entry's postings as lines, in their order."""
    return [
        Line(
            posting.account,
            debit_fen=posting.debit_fen,
            credit_fen=posting.credit_fen,
            recipient_id=posting.recipient_id,
            recipient=posting.recipient,
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
