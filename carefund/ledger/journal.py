"""Reading the journal: a fund's entries with their postings, by page or in batches."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from carefund.ledger.accounts import CASH_ACCOUNT
from carefund.ledger.hashing import entry_public
from carefund.models import Fund, JournalEntry, Posting, Recipient

ENTRY_BATCH_SIZE = 2_000
"""Entries read per query when reading a whole chain, so memory stays flat on long ones."""


@dataclass(frozen=True)
class StoredPosting:
    """A posting as stored, with the member_no of its recipient (what the hash covers)."""

    id: int
    entry_id: int
    fund_id: int
    entry_date: date
    line_no: int
    account: str
    debit_fen: int
    credit_fen: int
    recipient_id: int | None
    recipient: str | None
    """The member_no of `recipient_id` (member numbers never change), else None."""
    category: str | None
    aspect: str | None


_ENTRY = JournalEntry.__table__  # type: ignore[attr-defined]
_POSTING = Posting.__table__  # type: ignore[attr-defined]
_RECIPIENT = Recipient.__table__  # type: ignore[attr-defined]
_POSTINGS_WITH_MEMBERS = (
    core_select(
        _POSTING.c.id,
        _POSTING.c.entry_id,
        _POSTING.c.fund_id,
        _POSTING.c.entry_date,
        _POSTING.c.line_no,
        _POSTING.c.account,
        _POSTING.c.debit_fen,
        _POSTING.c.credit_fen,
        _POSTING.c.recipient_id,
        _RECIPIENT.c.member_no,
        _POSTING.c.category,
        _POSTING.c.aspect,
    )
    .select_from(_POSTING.outerjoin(_RECIPIENT, _RECIPIENT.c.id == _POSTING.c.recipient_id))
    .order_by(_POSTING.c.entry_id, _POSTING.c.line_no)
)


def postings_of(session: Session, entry_ids: Sequence[int]) -> dict[int, list[StoredPosting]]:
    """The postings of several entries, each list in line order."""
    grouped: dict[int, list[StoredPosting]] = {entry_id: [] for entry_id in entry_ids}
    if not entry_ids:
        return grouped
    rows = session.exec(  # type: ignore[call-overload]
        _POSTINGS_WITH_MEMBERS.where(_POSTING.c.entry_id.in_(entry_ids))
    )
    for row in rows:
        posting = StoredPosting(*row)
        grouped[posting.entry_id].append(posting)
    return grouped


def iter_entries(
    session: Session,
    fund: Fund,
    *,
    start: date | None = None,
    end: date | None = None,
    after_seq: int = 0,
    batch_size: int = ENTRY_BATCH_SIZE,
) -> Iterator[tuple[JournalEntry, list[StoredPosting]]]:
    """The fund's entries by `seq` with their postings, read in batches. Each entry is a
    read-only row with the columns of `JournalEntry` as attributes, not an ORM object."""
    for batch in iter_entry_batches(
        session, fund, start=start, end=end, after_seq=after_seq, batch_size=batch_size
    ):
        yield from batch


def iter_entry_batches(
    session: Session,
    fund: Fund,
    *,
    start: date | None = None,
    end: date | None = None,
    after_seq: int = 0,
    batch_size: int = ENTRY_BATCH_SIZE,
) -> Iterator[list[tuple[JournalEntry, list[StoredPosting]]]]:
    """`iter_entries` a batch at a time, for readers that fetch more rows per batch."""
    while True:
        # Plain rows, not ORM objects: readers only read them, and an ORM object would
        # have to be forgotten again (expunged) to keep memory flat on a long chain.
        query = (
            core_select(_ENTRY)
            .where(_ENTRY.c.fund_id == fund.id, _ENTRY.c.seq > after_seq)
            .order_by(_ENTRY.c.seq)
            .limit(batch_size)
        )
        if start is not None:
            query = query.where(_ENTRY.c.entry_date >= start)
        if end is not None:
            query = query.where(_ENTRY.c.entry_date <= end)
        entries = session.exec(query).all()  # type: ignore[call-overload]
        if not entries:
            return
        postings = postings_of(session, [entry.id for entry in entries])
        yield [(entry, postings[entry.id]) for entry in entries]
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


def cash_balance_as_of(session: Session, *, fund_id: int, as_of: date) -> int:
    """Cash of the fund at the end of `as_of`, from the postings."""
    total = session.exec(
        select(func.coalesce(func.sum(Posting.debit_fen - Posting.credit_fen), 0)).where(
            Posting.fund_id == fund_id,
            Posting.account == CASH_ACCOUNT,
            col(Posting.entry_date) <= as_of,
        )
    ).one()
    return int(total)
