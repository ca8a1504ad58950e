"""The fund's cash entries as the bank sees them: each entry's net cash movement, with the
references and names a statement line may carry for it (voucher number, the bank's
reference of a batch payment, the batch number, the payer's or the recipient's name)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from carefund.ledger.accounts import CASH_ACCOUNT
from carefund.models import (
    BankBatch,
    BankBatchItem,
    BankMatch,
    Disbursement,
    Income,
    JournalEntry,
    Posting,
    Recipient,
)


@dataclass
class CashEntry:
    """One entry that moved the fund's cash."""

    entry_id: int
    voucher_no: str
    entry_date: date
    memo: str
    cash_fen: int
    """Signed: money in positive."""
    line_id: int | None
    """The statement line it is matched to, if any."""
    names: set[str] = field(default_factory=set)
    """Counterparties: the payer of an income, the recipient of a payment."""
    references: set[str] = field(default_factory=set)
    """The voucher number, and for a bank payment its bank reference and batch reference."""
    batch: str | None = None
    """The number of the batch that paid it through the bank."""


def cash_entries(
    session: Session, *, fund_id: int, start: date | None, end: date
) -> list[CashEntry]:
    """The fund's entries that moved cash, dated from `start` (or the first) to `end`."""
    query = (
        core_select(
            col(JournalEntry.id),
            col(JournalEntry.voucher_no),
            col(JournalEntry.entry_date),
            col(JournalEntry.memo),
            func.sum(Posting.debit_fen - Posting.credit_fen),
            col(BankMatch.line_id),
        )
        .join(Posting, col(Posting.entry_id) == JournalEntry.id)
        .outerjoin(BankMatch, col(BankMatch.entry_id) == JournalEntry.id)
        .where(
            col(JournalEntry.fund_id) == fund_id,
            col(Posting.account) == CASH_ACCOUNT,
            col(JournalEntry.entry_date) <= end,
        )
        .group_by(
            col(JournalEntry.id),
            col(JournalEntry.voucher_no),
            col(JournalEntry.entry_date),
            col(JournalEntry.memo),
            col(BankMatch.line_id),
        )
        .order_by(col(JournalEntry.seq))
    )
    if start is not None:
        query = query.where(col(JournalEntry.entry_date) >= start)
    entries = [
        CashEntry(entry_id, voucher, day, memo, int(cash), line_id, references={voucher})
        for entry_id, voucher, day, memo, cash, line_id in session.execute(query)
        if int(cash) != 0
    ]
    _add_names(session, {entry.entry_id: entry for entry in entries})
    return entries


def _add_names(session: Session, by_id: dict[int, CashEntry]) -> None:
    ids = list(by_id)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for entry_id, payer in session.exec(
            select(Income.entry_id, Income.payer).where(col(Income.entry_id).in_(chunk))
        ):
            by_id[entry_id].names.add(payer)
        paid = (
            core_select(
                col(Disbursement.entry_id),
                col(Recipient.name),
                col(BankBatchItem.reference),
                col(BankBatchItem.bank_reference),
                col(BankBatch.number),
            )
            .join(Recipient, col(Recipient.id) == Disbursement.recipient_id)
            .outerjoin(
                BankBatchItem,
                (col(BankBatchItem.disbursement_id) == Disbursement.id)
                & (col(BankBatchItem.bank_status) == "succeeded"),
            )
            .outerjoin(BankBatch, col(BankBatch.id) == BankBatchItem.batch_id)
            .where(col(Disbursement.entry_id).in_(chunk))
        )
        for entry_id, name, reference, bank_reference, batch in session.execute(paid):
            entry = by_id[entry_id]
            entry.names.add(name)
            entry.references |= {ref for ref in (reference, bank_reference) if ref}
            entry.batch = batch or entry.batch
