"""Provincial-scale books for the benchmarks and the tests that need big, real books.

`generate` writes real books fast: a province of district funds (one provincial fund holds
a larger share), a recipient roll, and years of incomes, paid disbursements and a few
reversals, each a balanced journal entry in its fund's hash chain (hashes computed with
`carefund.ledger.hashing.entry_public` / `entry_hash`), with gap-free vouchers and receipts,
counters, closed months and the funds' heads and cash, so `carefund verify` passes. It
bypasses the use cases (one at a time they would take hours) and writes with SQLAlchemy
Core `executemany` in large batches; the database's own guards (CHECKs, foreign keys, the
balance trigger on PostgreSQL) still check every row.

Not written: events and audit rows for the bulk rows (the feed is history for mirrors,
not part of the books), idempotency keys, plans.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from bench.province.fund_book import FundBook
from bench.province.rows import (
    ACTORS,
    INSERTS,
    Generated,
    Ids,
    Rows,
    after_bulk_load,
    at,
    flush,
)
from carefund import funds
from carefund.access import users
from carefund.models import Fund
from carefund.recipients import id_number_check_char
from carefund.storage.database import Database
from carefund.vocabulary import MemberCategory

__all__ = ["ACTORS", "BookSize", "Generated", "fund_code", "generate"]

BATCH_ROWS = 20_000
"""Rows per executemany: large enough that round trips vanish, small enough for memory."""
ENTRIES_PER_RECIPIENT = 5
"""200,000 recipients for a million entries, as the issue's example province has."""
FUNDS = 100
"""Districts, each with its own fund; the first is the province's own, larger fund."""
LARGEST_SHARE = 0.10
"""The share of all entries in the provincial fund: the statement's worst case."""
YEARS = (2025, 2026)
"""The books cover these years; the statement is of the last one, the first is closed."""

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "建国华明强军平秀英玉兰海燕志刚红梅文静德胜春生"


@dataclass(frozen=True)
class BookSize:
    """How big the generated province is."""

    entries: int
    funds: int = FUNDS
    recipients: int = 0
    """0: ENTRIES_PER_RECIPIENT entries per recipient."""
    years: tuple[int, ...] = YEARS
    largest_share: float = LARGEST_SHARE

    @property
    def roll(self) -> int:
        return self.recipients or max(self.entries // ENTRIES_PER_RECIPIENT, self.funds)

    def fund_entries(self) -> list[int]:
        """Entries per fund: the provincial fund its share, the districts the rest evenly."""
        if self.funds == 1:
            return [self.entries]
        largest = int(self.entries * self.largest_share)
        rest, extra = divmod(self.entries - largest, self.funds - 1)
        return [largest] + [rest + (1 if n < extra else 0) for n in range(self.funds - 1)]


def fund_code(number: int) -> str:
    return "PROV-CARE" if number == 0 else f"D{number:03d}-CARE"


def generate(
    database: Database, size: BookSize, *, seed: int = 7, echo: Callable[[str], None] = print
) -> Generated:
    """Write a province's books into a migrated, empty database (see the package's doc)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    fund_ids = _staff_and_funds(database, size)
    result = Generated([fund_code(n) for n in range(size.funds)])
    with database.engine.begin() as connection:
        ids = Ids(connection)
        roll = _write_roll(connection, ids, size, rng)
    first_day, last_day = date(size.years[0], 1, 1), date(size.years[-1], 12, 31)
    span = (last_day - first_day).days + 1
    rows = Rows()
    books = [
        FundBook(
            fund_code(number),
            fund_ids[fund_code(number)],
            count,
            span,
            roll[number % size.funds :: size.funds] or roll,
            rows,
            ids,
            rng,
            result,
        )
        for number, count in enumerate(size.fund_entries())
    ]
    _write_days(
        database, books, rows, ids, size, first_day=first_day, span=span, echo=echo, started=started
    )
    result.seconds = time.perf_counter() - started
    return result


def _staff_and_funds(database: Database, size: BookSize) -> dict[str, int]:
    """The users of ACTORS and the funds, through the use cases; the funds' ids by code."""

    def write(session: Session) -> Any:
        staff = {
            role: users.create_user(session, username=name, role=role, actor="bench")
            for role, name in ACTORS.items()
        }
        for number in range(size.funds):
            where = "省" if number == 0 else f"第{number}区县"
            funds.create_fund(
                session,
                code=fund_code(number),
                name=f"{where}党内关爱基金",
                org=f"中共{where}委组织部",
                actor=staff["admin"],
            )

    database.write(write)
    with database.engine.begin() as connection:
        return {
            code: fund_id
            for fund_id, code in connection.execute(
                select(Fund.__table__.c.id, Fund.__table__.c.code)  # type: ignore[attr-defined]
            )
        }


def _write_days(
    database: Database,
    books: list[FundBook],
    rows: Rows,
    ids: Ids,
    size: BookSize,
    *,
    first_day: date,
    span: int,
    echo: Callable[[str], None],
    started: float,
) -> None:
    """Every fund's entries, day by day, in batches; then each fund's closing rows. `echo`
    hears the progress, timed from `started`."""
    result = books[0].result
    # Day by day across all funds, as the books grow in life: a fund's rows are spread over
    # the tables among the other funds' (what the statement's queries meet in production).
    # A transaction per batch: PostgreSQL's deferred balance trigger checks it at commit.
    connection = database.engine.connect()
    transaction = connection.begin()
    try:
        for offset in range(span):
            day = first_day + timedelta(days=offset)
            for book in books:
                for _ in range(book.per_day[offset]):
                    book.step(day)
            if rows.size() >= BATCH_ROWS:
                flush(connection, rows)
                transaction.commit()
                transaction = connection.begin()
                for book in books:
                    book.written()
            if day.day == 1 and day.month in (1, 7):
                echo(
                    f"  … {day.isoformat()}: {result.entries:,} entries, "
                    f"{time.perf_counter() - started:.0f} s"
                )
        flush(connection, rows)
        for book in books:
            book.finish(connection, size.years)
        after_bulk_load(connection, ids)
        transaction.commit()
    finally:
        connection.close()


def _write_roll(
    connection: Connection, ids: Ids, size: BookSize, rng: random.Random
) -> list[tuple[int, str, str]]:
    """The recipient roll; returns (id, member_no, category) of each member."""
    categories = [category.value for category in MemberCategory]
    roll, batch = [], []
    now = at(date(size.years[0], 1, 1))
    for number in range(size.roll):
        recipient_id = ids.take("recipient")
        category = categories[number % len(categories)]
        member_no = f"P{number:07d}"
        district = number % size.funds
        first17 = (
            f"37{district % 100:02d}02{1940 + number % 60}0{1 + number % 9}1{number % 10}"
            f"{number % 1000:03d}"
        )
        batch.append(
            {
                "id": recipient_id,
                "member_no": member_no,
                "name": rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2)))),
                "category": category,
                "branch": f"第{district}区县第{number % 17 + 1}党支部",
                "id_number": first17 + id_number_check_char(first17),
                "phone": f"13{number % 10}{number:08d}"[:11],
                "address": f"幸福路{number % 500 + 1}号",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        roll.append((recipient_id, member_no, category))
        if len(batch) == BATCH_ROWS:
            connection.execute(INSERTS["recipient"], batch)
            batch = []
    if batch:
        connection.execute(INSERTS["recipient"], batch)
    return roll
