"""The bulk rows of generated books: ids handed out ahead, rows batched per table for one
`executemany` each, and the rows a fund's books end with (counters, head, closed months).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection

from carefund.ledger.hashing import CHAIN_VERSION
from carefund.models import (
    GENESIS_HASH,
    Counter,
    Disbursement,
    Fund,
    Income,
    JournalEntry,
    Period,
    Posting,
    Recipient,
)

ACTORS = {role: f"scale-{role}" for role in ("admin", "clerk", "approver", "cashier", "auditor")}
"""The users the books name as having done what they record."""


@dataclass
class Generated:
    """What `generate` wrote."""

    fund_codes: list[str]
    entries: int = 0
    incomes: int = 0
    payments: int = 0
    reversals: int = 0
    seconds: float = 0.0


class Ids:
    """Row ids handed out here, so rows can point at each other before they are written."""

    def __init__(self, connection: Connection) -> None:
        self.next: dict[str, int] = {}
        for model in (JournalEntry, Posting, Income, Disbursement, Recipient, Period):
            table = model.__table__  # type: ignore[attr-defined]
            largest = connection.execute(select(func.max(table.c.id))).scalar()
            self.next[table.name] = (largest or 0) + 1

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Entry:
    """What `entry_public` reads of an entry, without an ORM object's cost."""

    __slots__ = (
        "seq",
        "voucher_no",
        "entry_date",
        "memo",
        "reverses_seq",
        "prev_hash",
        "chain_version",
        "document",
    )

    def __init__(
        self,
        seq: int,
        voucher_no: str,
        entry_date: date,
        memo: str,
        reverses_seq: int | None,
        prev_hash: str,
        document: str,
    ) -> None:
        self.seq, self.voucher_no, self.entry_date = seq, voucher_no, entry_date
        self.memo, self.reverses_seq, self.prev_hash = memo, reverses_seq, prev_hash
        self.chain_version, self.document = CHAIN_VERSION, document


@dataclass
class Rows:
    """Rows waiting for their executemany, per table, in foreign-key order."""

    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            "journal_entry": [],
            "posting": [],
            "income": [],
            "disbursement": [],
        }
    )

    def size(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


INSERTS = {
    model.__table__.name: insert(model.__table__)  # type: ignore[attr-defined]
    for model in (JournalEntry, Posting, Income, Disbursement, Recipient, Period, Counter)
}


def flush(connection: Connection, rows: Rows) -> None:
    for table, batch in rows.tables.items():
        if batch:
            connection.execute(INSERTS[table], batch)
            batch.clear()


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def write_counters_and_head(
    connection: Connection,
    fund_id: int,
    counters: dict[str, int],
    seq: int,
    head: str,
    cash: int,
) -> None:
    if counters:
        connection.execute(
            INSERTS["counter"],
            [
                {"fund_id": fund_id, "name": name, "last_value": value}
                for name, value in counters.items()
            ],
        )
    _update_fund(connection, fund_id, head_seq=seq, head_hash=head, cash_fen=cash)


def close_first_years(
    connection: Connection,
    ids: Ids,
    fund_id: int,
    years: tuple[int, ...],
    month_heads: dict[str, tuple[int, str, int]],
) -> None:
    """Close every month before the last year, as an approver would have (结账)."""
    if len(years) < 2:
        return
    last = (0, GENESIS_HASH, 0)
    periods = []
    for year in years[:-1]:
        for month in range(1, 13):
            label = f"{year}-{month:02d}"
            last = month_heads.get(label, last)
            end = month_end(date(year, month, 1))
            periods.append(
                {
                    "id": ids.take("period"),
                    "fund_id": fund_id,
                    "month": label,
                    "closing_balance_fen": last[2],
                    "head_seq": last[0],
                    "head_hash": last[1],
                    "closed_by": ACTORS["approver"],
                    "closed_at": at(end + timedelta(days=1)),
                    "reopened_by": None,
                    "reopened_at": None,
                    "reopen_reason": None,
                }
            )
    connection.execute(INSERTS["period"], periods)
    _update_fund(connection, fund_id, closed_through=date(years[-2], 12, 31))


def _update_fund(connection: Connection, fund_id: int, **values: Any) -> None:
    fund = Fund.__table__  # type: ignore[attr-defined]
    connection.execute(update(fund).where(fund.c.id == fund_id).values(**values))


def after_bulk_load(connection: Connection, ids: Ids) -> None:
    """PostgreSQL: move the id sequences past the ids given here, and gather statistics
    (autovacuum would, a little later)."""
    if connection.dialect.name != "postgresql":
        return
    for table in ids.next:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )
    connection.execute(text("ANALYZE"))
