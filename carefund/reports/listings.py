"""A statement's long listings, read in order for its documents: the period's journal,
line by line (streamed in batches), and what each recipient was paid.

The figures themselves are `carefund.reports.statements`; these are the rows behind them.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from carefund.ledger.accounts import EXPENSE_PREFIX, expense_cell
from carefund.models import Fund, JournalEntry, Posting, Recipient
from carefund.reports.statements import PeriodRange, in_period
from carefund.vocabulary import Aspect


@dataclass(frozen=True)
class JournalLine:
    """One posting of the period's journal, as a statement lists it."""

    seq: int
    voucher_no: str
    entry_date: date
    memo: str
    account: str
    debit_fen: int
    credit_fen: int


_ENTRY = JournalEntry.__table__  # type: ignore[attr-defined]
_POSTING = Posting.__table__  # type: ignore[attr-defined]
JOURNAL_BATCH_SIZE = 500
"""Entries read per query while streaming a statement's journal: about 30 pages' worth, so
memory holds one batch however long the period."""


def period_journal(
    session: Session, fund: Fund, period: PeriodRange, *, batch_size: int = JOURNAL_BATCH_SIZE
) -> Iterator[JournalLine]:
    """The period's postings entry by entry, streamed so long statements stay flat in memory.

    Read as plain rows, a batch of entries and then their postings: a statement lists only
    these columns, and loading each entry as an ORM object (to forget it again) cost as
    much as laying out its line."""
    after_seq = 0
    while True:
        entries = session.exec(  # type: ignore[call-overload]
            core_select(
                _ENTRY.c.id, _ENTRY.c.seq, _ENTRY.c.voucher_no, _ENTRY.c.entry_date, _ENTRY.c.memo
            )
            .where(
                _ENTRY.c.fund_id == fund.id,
                _ENTRY.c.seq > after_seq,
                _ENTRY.c.entry_date >= period.start,
                _ENTRY.c.entry_date <= period.end,
            )
            .order_by(_ENTRY.c.seq)
            .limit(batch_size)
        ).all()
        if not entries:
            return
        lines: dict[int, list[tuple[str, int, int]]] = {entry.id: [] for entry in entries}
        for entry_id, account, debit_fen, credit_fen in session.exec(  # type: ignore[call-overload]
            core_select(
                _POSTING.c.entry_id, _POSTING.c.account, _POSTING.c.debit_fen, _POSTING.c.credit_fen
            )
            .where(_POSTING.c.entry_id.in_(list(lines)))
            .order_by(_POSTING.c.entry_id, _POSTING.c.line_no)
        ):
            lines[entry_id].append((account, debit_fen, credit_fen))
        for entry_id, seq, voucher_no, entry_date, memo in entries:
            for account, debit_fen, credit_fen in lines[entry_id]:
                yield JournalLine(seq, voucher_no, entry_date, memo, account, debit_fen, credit_fen)
        after_seq = entries[-1].seq


@dataclass(frozen=True)
class RecipientTotal:
    """What one recipient received (net) in the period."""

    member_no: str
    name: str
    category: str
    branch: str
    aspects_fen: dict[str, int]
    total_fen: int


def recipient_totals(session: Session, fund: Fund, period: PeriodRange) -> list[RecipientTotal]:
    """Net aid per recipient and aspect in the period, by member number; for statements and 公示."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Recipient.member_no,
            Recipient.name,
            Recipient.branch,
            Posting.account,
            func.sum(Posting.debit_fen - Posting.credit_fen),
        )
        .join(Recipient, Recipient.id == Posting.recipient_id)
        .where(*in_period(fund, period), col(Posting.account).startswith(EXPENSE_PREFIX))
        .group_by(
            col(Recipient.member_no),
            col(Recipient.name),
            col(Recipient.branch),
            col(Posting.account),
        )
        .order_by(col(Recipient.member_no))
    )
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for member_no, name, branch, account, net in rows:
        # Category and aspect as the hashed account says, not as the posting's tags.
        aspect, category = expense_cell(account)
        key = (member_no, category)
        item = totals.setdefault(
            key, {"name": name, "branch": branch, "aspects": {a.value: 0 for a in Aspect}}
        )
        item["aspects"][aspect] += int(net or 0)
    return [
        RecipientTotal(
            member_no,
            item["name"],
            category,
            item["branch"],
            item["aspects"],
            sum(item["aspects"].values()),
        )
        for (member_no, category), item in totals.items()
        if sum(item["aspects"].values()) != 0
    ]
