"""Verification: recompute a fund's hash chain, entry by entry by its chain version, check
every income, disbursement and posting row against its entry (`crosscheck`), and the head
and cash the fund stores."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from carefund.ledger.accounts import CASH_ACCOUNT
from carefund.ledger.crosscheck import (
    BadRow,
    LinkedRows,
    entry_rows_problem,
    linked_rows,
    unlinked_row,
)
from carefund.ledger.hashing import HASHED_KEYS, entry_hash, entry_public, stored_document
from carefund.ledger.journal import StoredPosting, iter_entry_batches
from carefund.ledger.seals import seal_problem
from carefund.models import GENESIS_HASH, Fund, JournalEntry
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
    first_bad_row: BadRow | None = None
    """The first income, disbursement or posting row that disagrees with its entry."""


def verify_public(result: VerifyResult) -> dict:
    """A verification result as the API shows it."""
    return {
        "fund": result.fund,
        "ok": result.ok,
        "entries": result.entries,
        "head_hash": result.head_hash,
        "first_bad_seq": result.first_bad_seq,
        "first_bad_row": result.first_bad_row.public() if result.first_bad_row else None,
        "problem": result.problem,
    }


@dataclass
class _Walk:
    """Where the walk along the chain is: what the next entry must link to."""

    prev_hash: str = GENESIS_HASH
    version: int = 1
    count: int = 0
    cash_fen: int = 0
    incomes_seen: int = 0
    payments_seen: int = 0


def verify(session: Session, fund: Fund) -> VerifyResult:
    """Recompute the fund's chain and check every entry, the rows it records, and the head
    and cash the fund stores. Stops at the first problem."""
    walk = _Walk()
    for batch in iter_entry_batches(session, fund):
        linked = linked_rows(session, [entry.id or 0 for entry, _postings in batch])
        for entry, postings in batch:
            found = _check_entry(session, fund, entry, postings, linked, walk)
            if found is not None:
                return found
    return _check_fund(session, fund, walk)


def _check_entry(
    session: Session,
    fund: Fund,
    entry: JournalEntry,
    postings: list[StoredPosting],
    linked: LinkedRows,
    walk: _Walk,
) -> VerifyResult | None:
    def bad(problem: str, row: BadRow | None = None) -> VerifyResult:
        return VerifyResult(
            fund.code, False, walk.count, walk.prev_hash, entry.seq, problem, first_bad_row=row
        )

    problem = _link_problem(entry, walk)
    if problem:
        return bad(problem)
    try:
        document = stored_document(entry.document)
    except ValueError:
        return bad("document 不是有效的 JSON")
    # Rows first: a changed row is named precisely, before the hash says only "changed".
    row = entry_rows_problem(entry, document, postings, linked)
    if row is not None:
        return bad(row.describe(), row)
    problem = _entry_problem(fund, entry, postings, is_seal=_moves_no_money(document))
    if not problem and _is_seal(document):
        assert document is not None
        problem = seal_problem(session, entry, document)
    if problem:
        return bad(problem)
    walk.incomes_seen += (entry.id or 0) in linked.incomes and entry.reverses_seq is None
    walk.payments_seen += (entry.id or 0) in linked.disbursements and entry.reverses_seq is None
    walk.cash_fen += sum(p.debit_fen - p.credit_fen for p in postings if p.account == CASH_ACCOUNT)
    walk.prev_hash, walk.version = entry.hash, entry.chain_version
    walk.count += 1
    return None


def _link_problem(entry: JournalEntry, walk: _Walk) -> str | None:
    if entry.seq != walk.count + 1:
        return f"序号不连续：应为 {walk.count + 1}，实为 {entry.seq}"
    if entry.prev_hash != walk.prev_hash:
        return "prev_hash 与上一笔的 hash 不符"
    if entry.chain_version not in HASHED_KEYS:
        return f"未知的链版本 {entry.chain_version}"
    if entry.chain_version < walk.version:
        return f"链版本倒退：第 {walk.version} 版之后出现第 {entry.chain_version} 版"
    if (entry.document is None) != (entry.chain_version == 1):
        return "document 与链版本不符"
    return None


def _entry_problem(
    fund: Fund, entry: JournalEntry, postings: Sequence[StoredPosting], *, is_seal: bool
) -> str | None:
    if entry_hash(entry_public(fund.code, entry, postings)) != entry.hash:
        return "hash 与重新计算的不符（凭证或分录被改动）"
    if is_seal:
        # A seal records a month, a review an income's 复核; neither moves money (API.md: a
        # seal has no postings).
        return "封存或复核凭证不应有分录" if postings else None
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


NO_POSTING_KINDS = ("seal", "review")
"""The kinds of entry that record something and move no money."""


def _moves_no_money(document: dict[str, Any] | None) -> bool:
    return document is not None and document.get("kind") in NO_POSTING_KINDS


def _is_seal(document: dict[str, Any] | None) -> bool:
    return document is not None and document.get("kind") == "seal"


def _check_fund(session: Session, fund: Fund, walk: _Walk) -> VerifyResult:
    count, prev_hash = walk.count, walk.prev_hash

    def bad(problem: str, seq: int | None, row: BadRow | None = None) -> VerifyResult:
        return VerifyResult(fund.code, False, count, prev_hash, seq, problem, first_bad_row=row)

    stored = session.exec(select(Fund).where(Fund.id == fund.id)).one()
    if (stored.head_seq, stored.head_hash) != (count, prev_hash):
        return bad(f"链头不符：基金记录 seq {stored.head_seq}，日记账共 {count} 笔", count + 1)
    if stored.cash_fen != walk.cash_fen:
        stored_cash, posted_cash = format_fen(stored.cash_fen), format_fen(walk.cash_fen)
        return bad(f"余额不符：基金记录 {stored_cash}，分录合计 {posted_cash}", None)
    row = unlinked_row(session, fund, seen=(walk.incomes_seen, walk.payments_seen))
    if row is not None:
        return bad(f"{row.describe()}：不在本基金的账链中", None, row)
    return VerifyResult(fund.code, True, count, prev_hash, None)
