"""Exporting a fund's books for tools nobody here wrote: a beancount ledger.

An auditor can run beancount's `bean-check` on the export and compare its balances with
carefund's statements: an independent cross-check of the arithmetic. Every transaction
carries its voucher number, chain position and hash, and the receipt number or member
number it belongs to; balance assertions at the end state carefund's own figures.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund import clock
from carefund.access.users import Action, require
from carefund.funds import get_fund
from carefund.ledger.accounts import BANK_FEE_ACCOUNT, BANK_INTEREST_ACCOUNT
from carefund.ledger.journal import iter_entries
from carefund.models import Disbursement, Fund, Income, JournalEntry, Posting, Recipient, User
from carefund.money import format_fen

CURRENCY = "CNY"
BANK_BEANCOUNT_ACCOUNTS = {
    BANK_FEE_ACCOUNT: "Expenses:Bank:Fee",
    BANK_INTEREST_ACCOUNT: "Income:Bank:Interest",
}


def beancount_account(account: str) -> str:
    """`expense:life_assistance:hardship` → `Expenses:LifeAssistance:Hardship`; the bank's
    fee and interest → `Expenses:Bank:Fee`, `Income:Bank:Interest`."""
    if account in BANK_BEANCOUNT_ACCOUNTS:
        return BANK_BEANCOUNT_ACCOUNTS[account]
    root, *rest = account.split(":")
    roots = {"assets": "Assets", "income": "Income", "expense": "Expenses"}
    parts = [roots[root]] + [
        "".join(word.capitalize() for word in part.split("_")) for part in rest
    ]
    return ":".join(parts)


def _quoted(text: str) -> str:
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def export_beancount(session: Session, *, fund_code: str, actor: User) -> Iterator[str]:
    """The fund's whole journal as beancount text, line by line (streams long books)."""
    require(actor, Action.read_statements)
    fund = get_fund(session, fund_code, actor=actor, action=Action.read_statements)
    return _beancount_lines(session, fund)


def _beancount_lines(session: Session, fund: Fund) -> Iterator[str]:
    yield f"; carefund export of {fund.code} — {fund.name}"
    yield f'option "title" {_quoted(f"{fund.name} ({fund.code})")}'
    yield f'option "operating_currency" "{CURRENCY}"'
    yield ""
    accounts, first_day, last_day = _accounts_and_days(session, fund)
    for account in accounts:
        yield f"{first_day.isoformat()} open {beancount_account(account)} {CURRENCY}"
    yield ""
    receipts, members = _references(session, fund)
    for entry, postings in iter_entries(session, fund):
        payee = receipts.get(entry.id or 0, members.get(entry.id or 0, ("", "")))[0]
        yield f"{entry.entry_date.isoformat()} * {_quoted(payee)} {_quoted(entry.memo)}"
        yield f'  voucher: "{entry.voucher_no}"'
        yield f"  seq: {entry.seq}"
        yield f'  hash: "{entry.hash}"'
        if entry.reverses_seq is not None:
            yield f"  reverses-seq: {entry.reverses_seq}"
        if entry.id in receipts:
            yield f'  receipt: "{receipts[entry.id][1]}"'
        if entry.id in members:
            yield f'  member: "{members[entry.id][1]}"'
        for posting in postings:
            amount = format_fen(posting.debit_fen - posting.credit_fen)
            yield f"  {beancount_account(posting.account)}  {amount} {CURRENCY}"
        yield ""
    # carefund's own balances, which bean-check must find too.
    after_last = last_day + timedelta(days=1)
    for account, balance in _balances(session, fund):
        amount = f"{format_fen(balance)} {CURRENCY}"
        yield f"{after_last.isoformat()} balance {beancount_account(account)}  {amount}"


def _accounts_and_days(session: Session, fund: Fund) -> tuple[list[str], date, date]:
    accounts = list(
        session.exec(
            select(Posting.account)
            .where(Posting.fund_id == fund.id)
            .distinct()
            .order_by(col(Posting.account))
        )
    )
    first, last = session.exec(
        select(func.min(JournalEntry.entry_date), func.max(JournalEntry.entry_date)).where(
            JournalEntry.fund_id == fund.id
        )
    ).one()
    today = clock.today()
    return accounts, first or today, last or today


def _references(
    session: Session, fund: Fund
) -> tuple[dict[int, tuple[str, str]], dict[int, tuple[str, str]]]:
    """Entry id → (payee, receipt number) for incomes, → (payee, member number) for aid."""
    receipts: dict[int, tuple[str, str]] = {}
    for income in session.exec(select(Income).where(Income.fund_id == fund.id)):
        for entry_id in (income.entry_id, income.reversal_entry_id):
            if entry_id:
                receipts[entry_id] = (income.payer, income.receipt_no)
    members: dict[int, tuple[str, str]] = {}
    rows = session.exec(
        select(Disbursement.entry_id, Disbursement.reversal_entry_id, Recipient.member_no)
        .join(Recipient, Recipient.id == Disbursement.recipient_id)  # type: ignore[arg-type]
        .where(Disbursement.fund_id == fund.id, col(Disbursement.entry_id).is_not(None))
    )
    for entry_id, reversal_id, member_no in rows:
        for posted in (entry_id, reversal_id):
            if posted:
                members[posted] = (member_no, member_no)
    return receipts, members


def _balances(session: Session, fund: Fund) -> list[tuple[str, int]]:
    rows = session.exec(
        select(Posting.account, func.sum(Posting.debit_fen - Posting.credit_fen))
        .where(Posting.fund_id == fund.id)
        .group_by(col(Posting.account))
        .order_by(col(Posting.account))
    )
    return [(account, int(total or 0)) for account, total in rows]
