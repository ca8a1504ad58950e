"""Reading the journal: a fund's entries with their postings, by page or in batches."""

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.ledger.accounts import CASH_ACCOUNT
from carefund.ledger.hashing import entry_public
from carefund.models import Fund, JournalEntry, Posting

ENTRY_BATCH_SIZE = 2_000
"""Entries read per query when reading a whole chain, so memory stays flat on long ones."""


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
    batch_size: int = ENTRY_BATCH_SIZE,
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
