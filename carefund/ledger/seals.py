"""Month seals: closing a month appends an entry that records the month's closing cash and
the hash of its last entry (API.md, Books: seals).

A seal is an entry with `document.kind == "seal"` and no postings, numbered `封-YYYYMM-NN`
(per fund and month, so a month closed again after a reopen gets a second seal) and dated
the month's last day. Statements and the public list print it as text and QR; anyone who
kept one can later check that the books still contain it (the chain's head can be rewound
only by losing every seal printed after the rewind point).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from carefund.ledger.accounts import CASH_ACCOUNT
from carefund.ledger.entry_documents import seal_document
from carefund.ledger.hashing import stored_document
from carefund.ledger.heads import FundHead, take_numbers
from carefund.ledger.kept import SEAL_QR_PREFIX
from carefund.ledger.posting import PostedEntry, append_entry
from carefund.models import GENESIS_HASH, JournalEntry, Posting
from carefund.money import format_fen

SEAL_VOUCHER_PREFIX = "封-"


def post_seal(
    session: Session,
    *,
    fund: FundHead,
    month: str,
    last_day: date,
    closing_balance_fen: int,
    actor: str,
) -> PostedEntry:
    """Append the seal of `month` (YYYY-MM, ending `last_day`); the caller holds the lock
    and closes the month after it."""
    yyyymm = month.replace("-", "")
    [number] = take_numbers(session, fund, [f"seal:{yyyymm}"])
    sealed_head = last_hash_through(session, fund_id=fund.id, day=last_day, before_seq=None)
    return append_entry(
        session,
        fund=fund,
        voucher_no=f"{SEAL_VOUCHER_PREFIX}{yyyymm}-{number:02d}",
        entry_date=last_day,
        memo=f"{month} 结账封存",
        lines=[],
        document=seal_document(
            period=month, closing_balance_fen=closing_balance_fen, sealed_head=sealed_head
        ),
        actor=actor,
    )


def last_hash_through(session: Session, *, fund_id: int, day: date, before_seq: int | None) -> str:
    """The hash of the fund's last entry (by seq, before `before_seq` if given) dated on
    or before `day`: what a seal of the month ending `day` seals."""
    query = select(JournalEntry.hash).where(
        JournalEntry.fund_id == fund_id, col(JournalEntry.entry_date) <= day
    )
    if before_seq is not None:
        query = query.where(col(JournalEntry.seq) < before_seq)
    found = session.exec(query.order_by(col(JournalEntry.seq).desc()).limit(1)).first()
    return found or GENESIS_HASH


def cash_through(session: Session, *, fund_id: int, day: date, before_seq: int) -> int:
    """Cash of the fund at the end of `day`, from the entries before `before_seq`."""
    total = session.exec(
        select(func.coalesce(func.sum(Posting.debit_fen - Posting.credit_fen), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)  # type: ignore[arg-type]
        .where(
            Posting.fund_id == fund_id,
            Posting.account == CASH_ACCOUNT,
            col(Posting.entry_date) <= day,
            col(JournalEntry.seq) < before_seq,
        )
    ).one()
    return int(total)


def seal_problem(session: Session, entry: JournalEntry, document: dict[str, Any]) -> str | None:
    """What is wrong with a seal entry, if anything: its number, date, or what it seals."""
    period = document.get("period")
    last_day = _last_day_of(period)
    if last_day is None:
        return "封存凭证的期间无效"
    if entry.entry_date != last_day or not entry.voucher_no.startswith(
        f"{SEAL_VOUCHER_PREFIX}{str(period).replace('-', '')}-"
    ):
        return "封存凭证的日期或编号与所封月份不符"
    expected = seal_document(
        period=str(period),
        closing_balance_fen=cash_through(
            session, fund_id=entry.fund_id, day=last_day, before_seq=entry.seq
        ),
        sealed_head=last_hash_through(
            session, fund_id=entry.fund_id, day=last_day, before_seq=entry.seq
        ),
    )
    for key in ("closing_balance", "sealed_head"):
        if document.get(key) != expected[key]:
            return f"封存凭证的 {key} 与账链不符"
    return None


def _last_day_of(period: object) -> date | None:
    """`2026-11` → 2026-11-30; None for anything that is not such a month."""
    if not isinstance(period, str) or not _MONTH.fullmatch(period):
        return None
    year, month = int(period[:4]), int(period[5:])
    if year < 1 or not 1 <= month <= 12:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


@dataclass(frozen=True)
class Seal:
    """A month's seal as `GET /funds/{code}/seals` lists it and documents print it."""

    fund: str
    period: str
    seq: int
    hash: str
    sealed_head: str
    closing_balance: str

    def public(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "seq": self.seq,
            "hash": self.hash,
            "sealed_head": self.sealed_head,
            "closing_balance": self.closing_balance,
        }

    def printed(self) -> dict[str, Any]:
        """`public` with the printed `text`, as a statement answers it."""
        return self.public() | {"text": self.text}

    @property
    def text(self) -> str:
        """The seal as printed and in its QR code: plain ASCII, a URI with a query."""
        query = urlencode({"fund": self.fund, **self.public()})
        return f"{SEAL_QR_PREFIX}?{query}"


def fund_seals(
    session: Session, *, fund_id: int, fund_code: str, month_end: date | None = None
) -> list[Seal]:
    """The fund's seals by seq (only those of the month ending `month_end`, when given:
    they are dated that day, so the (fund, date) index finds them at once)."""
    query = select(JournalEntry.seq, JournalEntry.hash, JournalEntry.document).where(
        JournalEntry.fund_id == fund_id,
        col(JournalEntry.voucher_no).startswith(SEAL_VOUCHER_PREFIX),
    )
    if month_end is not None:
        query = query.where(JournalEntry.entry_date == month_end)
    rows = session.exec(query.order_by(col(JournalEntry.seq)))
    seals = []
    for seq, hashed, text in rows:
        document = stored_document(text) or {}
        seals.append(
            Seal(
                fund_code,
                document.get("period", ""),
                seq,
                hashed,
                document.get("sealed_head", ""),
                document.get("closing_balance", format_fen(0)),
            )
        )
    return seals
