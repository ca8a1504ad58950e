"""Cross-checks: every income, disbursement and posting row against the entry it belongs to.

The hash covers the entries and their postings' accounts, amounts and recipients (and, from
chain version 2, the entry's `document`); the rows that receipts, vouchers and statements
read (an income's payer, a disbursement's recipient, a posting's category) are copies that
someone with write access could change without touching the chain. `verify` reads each
entry's linked rows with it and names the first that disagrees: table, id and field.

What a row is checked against, by the entry's chain version:

- version 2: an income against its entry's document (receipt_no, source, payer, amount,
  received_on); a disbursement against its payment's document (id, recipient, aspect,
  amount, approved_by, paid_by); an aid posting's recipient against the document's;
- version 1 (no document): an income's amount, source and date against the entry's
  postings and date; a disbursement's amount, aspect, recipient and date against the
  payment's expense posting (payer and receipt number were not hashed then);
- every version: a posting's category and aspect against its expense account (the account
  is hashed), a reversal's aid posting's recipient against the disbursement's, and that
  each income or payment entry has its row and each row its entry.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session

from carefund.ledger.accounts import CASH_ACCOUNT, EXPENSE_PREFIX, INCOME_PREFIX, expense_cell
from carefund.ledger.entry_documents import (
    INCOME_FIELDS,
    PAYMENT_FIELDS,
    SOURCE_FIELDS,
    approvers_text,
    earmark_of,
    income_document,
    payment_document,
)
from carefund.ledger.hashing import stored_document
from carefund.ledger.journal import StoredPosting, postings_of
from carefund.models import Disbursement, Fund, Income, JournalEntry, Recipient
from carefund.vocabulary import DisbursementStatus

TABLE_NAMES_ZH = {"income": "收入", "disbursement": "支出", "posting": "分录"}


@dataclass(frozen=True)
class BadRow:
    """The first row found that disagrees with the chain: which table, which row, which field."""

    table: str
    id: int | None
    """None when the row is missing (an entry that no row points at)."""
    field: str

    def public(self) -> dict[str, Any]:
        return {"table": self.table, "id": self.id, "field": self.field}

    def describe(self) -> str:
        if self.id is None:
            return f"{TABLE_NAMES_ZH[self.table]}记录缺失（{self.table}.{self.field}）"
        return f"{TABLE_NAMES_ZH[self.table]} {self.table}#{self.id} 的 {self.field} 与账链记载不符"


@dataclass(frozen=True)
class IncomeRow:
    id: int
    fund_id: int
    entry_id: int
    entry_seq: int | None
    reversal_entry_id: int | None
    source: str
    payer: str
    amount_fen: int
    received_on: date
    receipt_no: str
    earmark_category: str | None
    earmark_aspect: str | None


@dataclass(frozen=True)
class DisbursementRow:
    id: int
    fund_id: int
    entry_id: int | None
    entry_seq: int | None
    reversal_entry_id: int | None
    recipient_id: int
    member_no: str | None
    aspect: str
    amount_fen: int
    approved_by: str | None
    paid_by: str | None
    paid_on: date | None
    first_approved_by: str | None
    source: str | None
    earmark: str | None
    """The receipt number of the earmarked income it draws from."""


_INCOME = Income.__table__  # type: ignore[attr-defined]
_DISBURSEMENT = Disbursement.__table__  # type: ignore[attr-defined]
_ENTRY = JournalEntry.__table__  # type: ignore[attr-defined]
_RECIPIENT = Recipient.__table__  # type: ignore[attr-defined]
_INCOMES_OF_ENTRIES = core_select(
    _INCOME.c.id,
    _INCOME.c.fund_id,
    _INCOME.c.entry_id,
    _ENTRY.c.seq,
    _INCOME.c.reversal_entry_id,
    _INCOME.c.source,
    _INCOME.c.payer,
    _INCOME.c.amount_fen,
    _INCOME.c.received_on,
    _INCOME.c.receipt_no,
    _INCOME.c.earmark_category,
    _INCOME.c.earmark_aspect,
).select_from(_INCOME.outerjoin(_ENTRY, _ENTRY.c.id == _INCOME.c.entry_id))
_EARMARK = _INCOME.alias("earmark")
_DISBURSEMENTS_OF_ENTRIES = core_select(
    _DISBURSEMENT.c.id,
    _DISBURSEMENT.c.fund_id,
    _DISBURSEMENT.c.entry_id,
    _ENTRY.c.seq,
    _DISBURSEMENT.c.reversal_entry_id,
    _DISBURSEMENT.c.recipient_id,
    _RECIPIENT.c.member_no,
    _DISBURSEMENT.c.aspect,
    _DISBURSEMENT.c.amount_fen,
    _DISBURSEMENT.c.approved_by,
    _DISBURSEMENT.c.paid_by,
    _DISBURSEMENT.c.paid_on,
    _DISBURSEMENT.c.first_approved_by,
    _DISBURSEMENT.c.source,
    _EARMARK.c.receipt_no,
).select_from(
    _DISBURSEMENT.outerjoin(_ENTRY, _ENTRY.c.id == _DISBURSEMENT.c.entry_id)
    .outerjoin(_RECIPIENT, _RECIPIENT.c.id == _DISBURSEMENT.c.recipient_id)
    .outerjoin(_EARMARK, _EARMARK.c.id == _DISBURSEMENT.c.earmark_income_id)
)


@dataclass
class LinkedRows:
    """The income and disbursement rows that point at a batch of entries, by entry id."""

    incomes: dict[int, IncomeRow]
    income_reversals: dict[int, IncomeRow]
    disbursements: dict[int, DisbursementRow]
    disbursement_reversals: dict[int, DisbursementRow]


def linked_rows(session: Session, entry_ids: Sequence[int]) -> LinkedRows:
    """The rows pointing at these entries (as posted or as reversed), in two queries."""
    linked = _linked_incomes(session, entry_ids)
    for values in session.exec(  # type: ignore[call-overload]
        _DISBURSEMENTS_OF_ENTRIES.where(
            or_(
                _DISBURSEMENT.c.entry_id.in_(entry_ids),
                _DISBURSEMENT.c.reversal_entry_id.in_(entry_ids),
            )
        )
    ):
        disbursement = DisbursementRow(*values)
        if disbursement.entry_id is not None:
            linked.disbursements[disbursement.entry_id] = disbursement
        if disbursement.reversal_entry_id is not None:
            linked.disbursement_reversals[disbursement.reversal_entry_id] = disbursement
    return linked


def _linked_incomes(session: Session, entry_ids: Sequence[int]) -> LinkedRows:
    """The incomes pointing at these entries (one query), no disbursements."""
    linked = LinkedRows({}, {}, {}, {})
    for values in session.exec(  # type: ignore[call-overload]
        _INCOMES_OF_ENTRIES.where(
            or_(_INCOME.c.entry_id.in_(entry_ids), _INCOME.c.reversal_entry_id.in_(entry_ids))
        )
    ):
        income = IncomeRow(*values)
        linked.incomes[income.entry_id] = income
        if income.reversal_entry_id is not None:
            linked.income_reversals[income.reversal_entry_id] = income
    return linked


def entry_rows_problem(
    entry: JournalEntry,
    document: dict[str, Any] | None,
    postings: Sequence[StoredPosting],
    linked: LinkedRows,
) -> BadRow | None:
    """The first row tied to `entry` that disagrees with it, if any."""
    entry_id = entry.id or 0
    return (
        _postings_problem(postings)
        or _income_problem(entry, document, postings, linked.incomes.get(entry_id))
        or _payment_problem(entry, document, postings, linked.disbursements.get(entry_id))
        or _reversal_problem(entry, postings, linked, entry_id)
    )


def _postings_problem(postings: Sequence[StoredPosting]) -> BadRow | None:
    """Each posting's 6×3 tags against its (hashed) account; other postings carry none."""
    for posting in postings:
        if posting.account.startswith(EXPENSE_PREFIX):
            aspect, category = expense_cell(posting.account)
            expected = {"category": category, "aspect": aspect}
            for field, value in expected.items():
                if getattr(posting, field) != value:
                    return BadRow("posting", posting.id, field)
            if posting.recipient_id is None:
                return BadRow("posting", posting.id, "recipient_id")
        else:
            for field in ("recipient_id", "category", "aspect"):
                if getattr(posting, field) is not None:
                    return BadRow("posting", posting.id, field)
    return None


def _income_problem(
    entry: JournalEntry,
    document: dict[str, Any] | None,
    postings: Sequence[StoredPosting],
    income: IncomeRow | None,
) -> BadRow | None:
    is_income = entry.reverses_seq is None and any(
        p.account.startswith(INCOME_PREFIX) for p in postings
    )
    if income is None:
        return BadRow("income", None, "entry_id") if is_income else None
    if not is_income or income.fund_id != entry.fund_id:
        return BadRow("income", income.id, "entry_id" if not is_income else "fund_id")
    if document is not None:
        stored = income_document(
            receipt_no=income.receipt_no,
            source=income.source,
            payer=income.payer,
            amount_fen=income.amount_fen,
            received_on=income.received_on,
            earmark=earmark_of(income.earmark_category, income.earmark_aspect),
            with_earmark="earmark" in document,
        )
        fields = INCOME_FIELDS | ({"earmark": "earmark_category"} if "earmark" in document else {})
        return _document_difference("income", income.id, stored, document, fields)
    # Version 1: only what the postings and the entry's date hashed.
    credit = next(p for p in postings if p.account.startswith(INCOME_PREFIX))
    if income.amount_fen != credit.credit_fen or income.amount_fen != _cash_in(postings):
        return BadRow("income", income.id, "amount_fen")
    if INCOME_PREFIX + income.source != credit.account:
        return BadRow("income", income.id, "source")
    if income.received_on != entry.entry_date:
        return BadRow("income", income.id, "received_on")
    return None


def _payment_problem(
    entry: JournalEntry,
    document: dict[str, Any] | None,
    postings: Sequence[StoredPosting],
    disbursement: DisbursementRow | None,
) -> BadRow | None:
    aid = [p for p in postings if p.account.startswith(EXPENSE_PREFIX)]
    is_payment = entry.reverses_seq is None and bool(aid)
    if disbursement is None:
        return BadRow("disbursement", None, "entry_id") if is_payment else None
    if not is_payment or disbursement.fund_id != entry.fund_id:
        return BadRow("disbursement", disbursement.id, "entry_id" if not is_payment else "fund_id")
    if document is not None:
        for posting in aid:
            if posting.recipient != document.get("recipient"):
                return BadRow("posting", posting.id, "recipient_id")
        stored = payment_document(
            disbursement_id=disbursement.id,
            member_no=disbursement.member_no or "",
            category=document.get("category", ""),
            aspect=disbursement.aspect,
            amount_fen=disbursement.amount_fen,
            approved_by=approvers_text(disbursement),
            paid_by=disbursement.paid_by,
            source=disbursement.source,
            earmark=disbursement.earmark,
            with_source="source" in document,
        )
        fields = PAYMENT_FIELDS | (SOURCE_FIELDS if "source" in document else {})
        found = _document_difference("disbursement", disbursement.id, stored, document, fields)
        if found:
            return found
    else:  # Version 1: only what the expense posting hashed (its recipient only as stored).
        [posting] = aid
        checks = {
            "amount_fen": disbursement.amount_fen == posting.debit_fen,
            "aspect": disbursement.aspect == posting.aspect,
            "recipient_id": disbursement.recipient_id == posting.recipient_id,
        }
        for field, agrees in checks.items():
            if not agrees:
                return BadRow("disbursement", disbursement.id, field)
    if disbursement.paid_on != entry.entry_date:
        return BadRow("disbursement", disbursement.id, "paid_on")
    return None


def _reversal_problem(
    entry: JournalEntry, postings: Sequence[StoredPosting], linked: LinkedRows, entry_id: int
) -> BadRow | None:
    """A reversal is the reversal of its row's entry, and pays back the row's recipient."""
    income = linked.income_reversals.get(entry_id)
    if income is not None and entry.reverses_seq != income.entry_seq:
        return BadRow("income", income.id, "reversal_entry_id")
    disbursement = linked.disbursement_reversals.get(entry_id)
    if disbursement is None:
        return None
    if entry.reverses_seq != disbursement.entry_seq:
        return BadRow("disbursement", disbursement.id, "reversal_entry_id")
    for posting in postings:
        paid_back = posting.account.startswith(EXPENSE_PREFIX)
        if paid_back and posting.recipient_id != disbursement.recipient_id:
            return BadRow("posting", posting.id, "recipient_id")
    return None


def _cash_in(postings: Sequence[StoredPosting]) -> int:
    return sum(p.debit_fen - p.credit_fen for p in postings if p.account == CASH_ACCOUNT)


def _document_difference(
    table: str,
    row_id: int,
    stored: dict[str, Any],
    document: dict[str, Any],
    fields: dict[str, str],
) -> BadRow | None:
    """The first key whose value the row gives differently from the hashed document."""
    if document.get("kind") != stored["kind"]:
        return BadRow(table, row_id, "entry_id")
    for key, column in fields.items():
        if stored[key] != document.get(key):
            return BadRow(table, row_id, column)
    return None


def unlinked_row(session: Session, fund: Fund, *, seen: tuple[int, int]) -> BadRow | None:
    """A row of the fund that should belong to one of its entries but was not met while
    walking the chain (`seen`: how many incomes and posted disbursements were)."""
    incomes_seen, disbursements_seen = seen
    posted = [DisbursementStatus.paid.value, DisbursementStatus.reversed.value]
    income_count, disbursement_count = session.exec(  # type: ignore[call-overload]
        core_select(
            core_select(func.count()).where(_INCOME.c.fund_id == fund.id).scalar_subquery(),
            core_select(func.count())
            .where(_DISBURSEMENT.c.fund_id == fund.id, _DISBURSEMENT.c.status.in_(posted))
            .scalar_subquery(),
        )
    ).one()
    if income_count != incomes_seen:
        return _first_unlinked(session, _INCOME, fund, "income", _INCOME.c.fund_id == fund.id)
    if disbursement_count != disbursements_seen:
        condition = and_(_DISBURSEMENT.c.fund_id == fund.id, _DISBURSEMENT.c.status.in_(posted))
        return _first_unlinked(session, _DISBURSEMENT, fund, "disbursement", condition)
    return None


def _first_unlinked(session: Session, table: Any, fund: Fund, name: str, condition: Any) -> BadRow:
    entry = _ENTRY.alias("linked")
    found = session.exec(  # type: ignore[call-overload]
        core_select(table.c.id)
        .select_from(
            table.outerjoin(entry, and_(entry.c.id == table.c.entry_id, entry.c.fund_id == fund.id))
        )
        .where(condition, entry.c.id.is_(None))
        .order_by(table.c.id)
        .limit(1)
    ).first()
    # Counts differ but every row has an entry of the fund: a row of another fund points here.
    return BadRow(name, found[0] if found else None, "entry_id" if found else "fund_id")


def income_row_problem(session: Session, income: Income, entry: JournalEntry) -> BadRow | None:
    """One income against the entry that posted it (for its receipt), as `verify` checks it."""
    # Only the incomes: a receipt's entry is an income's, never a disbursement's.
    row = _linked_incomes(session, [entry.id or 0]).incomes.get(entry.id or 0)
    if row is None or row.id != income.id:
        return BadRow("income", income.id, "entry_id")
    return _income_problem(entry, _document(entry), _postings(session, entry), row)


def disbursement_row_problem(
    session: Session, disbursement: Disbursement, entry: JournalEntry, *, member_no: str
) -> BadRow | None:
    """A paid disbursement against its payment's entry (for its voucher), as `verify` does."""
    row = linked_rows(session, [entry.id or 0]).disbursements.get(entry.id or 0)
    if row is None or row.id != disbursement.id:
        return BadRow("disbursement", disbursement.id, "entry_id")
    row = replace(row, member_no=member_no)
    postings = _postings(session, entry)
    return _postings_problem(postings) or _payment_problem(entry, _document(entry), postings, row)


def _document(entry: JournalEntry) -> dict[str, Any] | None:
    return stored_document(entry.document)


def _postings(session: Session, entry: JournalEntry) -> list[StoredPosting]:
    return postings_of(session, [entry.id or 0])[entry.id or 0]
