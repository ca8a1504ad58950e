"""Verification: recompute a fund's hash chain and check every entry, its head and its cash."""

from dataclasses import dataclass

from sqlmodel import Session, select

from carefund.ledger.accounts import CASH_ACCOUNT
from carefund.ledger.hashing import entry_hash, entry_public
from carefund.ledger.journal import iter_entries
from carefund.models import GENESIS_HASH, Fund, JournalEntry, Posting
from carefund.money import format_fen


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
