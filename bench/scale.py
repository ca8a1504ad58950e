"""Provincial-scale books, and a year's statement timed over them, on SQLite and PostgreSQL.

`generate` writes real books fast: a province of district funds (one provincial fund holds
a larger share), a recipient roll, and years of incomes, paid disbursements and a few
reversals, each a balanced journal entry in its fund's hash chain (hashes computed with
`carefund.ledger.hashing.entry_public` / `entry_hash`), with gap-free vouchers and receipts,
counters, closed months and the funds' heads and cash, so `carefund verify` passes. It
bypasses the use cases (one at a time they would take hours) and writes with SQLAlchemy
Core `executemany` in large batches; the database's own guards (CHECKs, foreign keys, the
balance trigger on PostgreSQL) still check every row.

Then it times `build_statement` + `statement_json` for the last year of the largest fund
and of a district fund, at growing book sizes, and verifies both chains.

    python -m bench.scale [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]
                          [--postgres URL] [--explain]

Not written: events and audit rows for the bulk rows (the feed is history for mirrors,
not part of the books), idempotency keys, plans.
"""

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from bench.common import postgres_server_url, scratch_postgres
from bench.figures import Figure, Target
from carefund import funds
from carefund.access import users
from carefund.ledger.accounts import CASH_ACCOUNT, Line, expense_account, income_account
from carefund.ledger.hashing import entry_hash, entry_public
from carefund.ledger.verify import verify
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
from carefund.recipients import id_number_check_char
from carefund.reports.statements import build_statement, parse_period, statement_json
from carefund.storage.database import Database
from carefund.storage.schema import upgrade
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    SOURCE_NAMES_ZH,
    Aspect,
    IncomeSource,
    MemberCategory,
)

TARGET_STATEMENT_SECONDS = 2.0
"""Issue 7: a year's statement (JSON) over provincial books in under 2 s, on both backends."""
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
QUICK_SIZES = (10_000, 100_000)
FULL_SIZES = (10_000, 100_000, 1_000_000)
STATEMENT_RUNS = 5
"""The statement is timed this many times; the median is the figure, the first is shown."""
INCOME_SHARE = 0.4
"""Of entries, about this many are incomes; the rest pay members (or, rarely, reverse)."""
REVERSAL_RATE = 0.004
"""About one entry in 250 reverses an earlier income or payment (红字冲销)."""
ACTORS = {role: f"scale-{role}" for role in ("admin", "clerk", "approver", "cashier", "auditor")}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "建国华明强军平秀英玉兰海燕志刚红梅文静德胜春生"
_PURPOSES = ("春节慰问", "医疗救助", "助学帮扶", "节日慰问", "困难补助", "先进表彰", "生日关怀")
_PAYERS = ("党支部", "区财政局", "区委组织部", "爱心企业", "社区党委")
_METHODS = ("转账", "现金", "救助卡")


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


@dataclass
class Generated:
    """What `generate` wrote."""

    fund_codes: list[str]
    entries: int = 0
    incomes: int = 0
    payments: int = 0
    reversals: int = 0
    seconds: float = 0.0


def fund_code(number: int) -> str:
    return "PROV-CARE" if number == 0 else f"D{number:03d}-CARE"


class _Ids:
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


class _Entry:
    """What `entry_public` reads of an entry, without an ORM object's cost."""

    __slots__ = ("seq", "voucher_no", "entry_date", "memo", "reverses_seq", "prev_hash")

    def __init__(
        self,
        seq: int,
        voucher_no: str,
        entry_date: date,
        memo: str,
        reverses_seq: int | None,
        prev_hash: str,
    ) -> None:
        self.seq, self.voucher_no, self.entry_date = seq, voucher_no, entry_date
        self.memo, self.reverses_seq, self.prev_hash = memo, reverses_seq, prev_hash


@dataclass
class _Rows:
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


_INSERTS = {
    model.__table__.name: insert(model.__table__)  # type: ignore[attr-defined]
    for model in (JournalEntry, Posting, Income, Disbursement, Recipient, Period, Counter)
}


def _flush(connection: Connection, rows: _Rows) -> None:
    for table, batch in rows.tables.items():
        if batch:
            connection.execute(_INSERTS[table], batch)
            batch.clear()


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def generate(
    database: Database, size: BookSize, *, seed: int = 7, echo: Callable[[str], None] = print
) -> Generated:
    """Write a province's books into a migrated, empty database (see the module's doc)."""
    started = time.perf_counter()
    rng = random.Random(seed)

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
        fund_ids = {
            code: fund_id
            for fund_id, code in connection.execute(
                select(Fund.__table__.c.id, Fund.__table__.c.code)  # type: ignore[attr-defined]
            )
        }
    result = Generated([fund_code(n) for n in range(size.funds)])
    with database.engine.begin() as connection:
        ids = _Ids(connection)
        roll = _write_roll(connection, ids, size, rng)
    first_day, last_day = date(size.years[0], 1, 1), date(size.years[-1], 12, 31)
    span = (last_day - first_day).days + 1
    rows = _Rows()
    books = [
        _FundBook(
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
                _flush(connection, rows)
                transaction.commit()
                transaction = connection.begin()
                for book in books:
                    book.written()
            if day.day == 1 and day.month in (1, 7):
                echo(
                    f"  … {day.isoformat()}: {result.entries:,} entries, "
                    f"{time.perf_counter() - started:.0f} s"
                )
        _flush(connection, rows)
        for book in books:
            book.finish(connection, size.years)
        _after_bulk_load(connection, ids)
        transaction.commit()
    finally:
        connection.close()
    result.seconds = time.perf_counter() - started
    return result


def _write_roll(
    connection: Connection, ids: _Ids, size: BookSize, rng: random.Random
) -> list[tuple[int, str, str]]:
    """The recipient roll; returns (id, member_no, category) of each member."""
    categories = [category.value for category in MemberCategory]
    roll, batch = [], []
    now = _at(date(size.years[0], 1, 1))
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
            connection.execute(_INSERTS["recipient"], batch)
            batch = []
    if batch:
        connection.execute(_INSERTS["recipient"], batch)
    return roll


class _FundBook:
    """One fund's books as they are generated: its chain head, cash, counters and what of
    the unwritten batch may still be reversed."""

    def __init__(
        self,
        code: str,
        fund_id: int,
        count: int,
        span: int,
        members: list[tuple[int, str, str]],
        rows: _Rows,
        ids: _Ids,
        rng: random.Random,
        result: Generated,
    ) -> None:
        self.code, self.fund_id, self.members = code, fund_id, members
        self.rows, self.ids, self.rng, self.result = rows, ids, rng, result
        self.per_day = [0] * span
        for index in range(count):
            self.per_day[index * span // count] += 1
        self.index = 0
        self.counters: dict[str, int] = {}
        self.seq, self.head, self.cash = 0, GENESIS_HASH, 0
        self.month_heads: dict[str, tuple[int, str, int]] = {}
        # What may still be reversed: rows not yet written, with their entry's seq and
        # voucher. Rows once written are final here (a reversal would have to update them).
        self.open_incomes: list[tuple[dict[str, Any], int, str]] = []
        self.paid: list[tuple[dict[str, Any], int, str, str]] = []

    def written(self) -> None:
        self.open_incomes, self.paid = [], []

    def post(self, day: date, memo: str, lines: list[Line], reverses_seq: int | None = None) -> int:
        """Append one entry to the chain, as `posting.post_entry` would; its id."""
        month = f"voucher:{day:%Y%m}"
        self.counters[month] = self.counters.get(month, 0) + 1
        self.seq += 1
        voucher = f"记-{day:%Y%m}-{self.counters[month]:04d}"
        entry = _Entry(self.seq, voucher, day, memo, reverses_seq, self.head)
        digest = entry_hash(entry_public(self.code, entry, lines))  # type: ignore[arg-type]
        entry_id = self.ids.take("journal_entry")
        self.rows.tables["journal_entry"].append(
            {
                "id": entry_id,
                "fund_id": self.fund_id,
                "seq": self.seq,
                "voucher_no": voucher,
                "entry_date": day,
                "memo": memo,
                "reverses_seq": reverses_seq,
                "prev_hash": self.head,
                "hash": digest,
                "created_by": ACTORS["clerk"],
                "created_at": _at(day),
            }
        )
        for line_no, line in enumerate(lines, start=1):
            self.rows.tables["posting"].append(
                {
                    "id": self.ids.take("posting"),
                    "entry_id": entry_id,
                    "fund_id": self.fund_id,
                    "entry_date": day,
                    "line_no": line_no,
                    "account": line.account,
                    "debit_fen": line.debit_fen,
                    "credit_fen": line.credit_fen,
                    "recipient_id": line.recipient_id,
                    "category": line.category,
                    "aspect": line.aspect,
                }
            )
            if line.account == CASH_ACCOUNT:
                self.cash += line.debit_fen - line.credit_fen
        self.head = digest
        self.month_heads[f"{day:%Y-%m}"] = (self.seq, self.head, self.cash)
        self.result.entries += 1
        return entry_id

    def step(self, day: date) -> None:
        """The fund's next entry: mostly an income or a payment, now and then a reversal."""
        index, self.index = self.index, self.index + 1
        roll = self.rng.random()
        if (
            roll < REVERSAL_RATE
            and self.open_incomes
            and (self.open_incomes[-1][0]["amount_fen"] <= self.cash)
        ):
            _reverse_income(self.post, *self.open_incomes.pop(), day=day)
            self.result.reversals += 1
        elif roll < 2 * REVERSAL_RATE and self.paid:
            _reverse_payment(self.post, *self.paid.pop(), day=day)
            self.result.reversals += 1
        elif roll < INCOME_SHARE or self.cash < 2_000_00:
            self.income(day, _SOURCES[index % len(_SOURCES)])
        else:
            self.payment(day, _ASPECTS[index % len(_ASPECTS)])

    def income(self, day: date, source: str) -> None:
        """What `incomes.record_income` writes."""
        amount = self.rng.randrange(500_00, 20_000_00, 100)
        payer = f"第{self.rng.randrange(1, 60)}{self.rng.choice(_PAYERS)}"
        entry_id = self.post(
            day,
            f"收到{SOURCE_NAMES_ZH[IncomeSource(source)]} {payer}",
            [
                Line(CASH_ACCOUNT, debit_fen=amount),
                Line(income_account(source), credit_fen=amount),
            ],
        )
        receipt = f"receipt:{day.year}"
        self.counters[receipt] = self.counters.get(receipt, 0) + 1
        income = {
            "id": self.ids.take("income"),
            "fund_id": self.fund_id,
            "source": source,
            "payer": payer,
            "amount_fen": amount,
            "received_on": day,
            "method": self.rng.choice(_METHODS[:2]),
            "memo": "",
            "receipt_no": f"{self.code}-{day.year}-{self.counters[receipt]:06d}",
            "entry_id": entry_id,
            "status": "posted",
            "reversal_entry_id": None,
            "reverse_reason": None,
            "reversed_by": None,
            "reversed_at": None,
            "created_by": ACTORS["clerk"],
            "created_at": _at(day),
        }
        self.rows.tables["income"].append(income)
        voucher = self.rows.tables["journal_entry"][-1]["voucher_no"]
        self.open_incomes.append((income, self.seq, voucher))
        self.result.incomes += 1

    def payment(self, day: date, aspect: str) -> None:
        """What submitting, approving and paying a disbursement write."""
        recipient_id, member_no, category = self.rng.choice(self.members)
        amount = min(self.rng.randrange(100_00, 2_000_00, 50), self.cash)
        disbursement_id = self.ids.take("disbursement")
        purpose = self.rng.choice(_PURPOSES)
        aspect_zh = ASPECT_NAMES_ZH[Aspect(aspect)]
        entry_id = self.post(
            day,
            f"支付{aspect_zh} {member_no} {purpose}（支出 #{disbursement_id}）",
            [
                Line(
                    expense_account(aspect, category),
                    debit_fen=amount,
                    recipient_id=recipient_id,
                    category=category,
                    aspect=aspect,
                ),
                Line(CASH_ACCOUNT, credit_fen=amount),
            ],
        )
        disbursement = {
            "id": disbursement_id,
            "fund_id": self.fund_id,
            "recipient_id": recipient_id,
            "amount_fen": amount,
            "aspect": aspect,
            "purpose": purpose,
            "memo": "",
            "status": "paid",
            "submitted_by": ACTORS["clerk"],
            "approved_by": ACTORS["approver"],
            "approved_at": _at(day, 9),
            "rejected_by": None,
            "reject_reason": None,
            "cancelled_by": None,
            "paid_by": ACTORS["cashier"],
            "paid_on": day,
            "method": self.rng.choice(_METHODS),
            "entry_id": entry_id,
            "reversal_entry_id": None,
            "reversed_by": None,
            "reverse_reason": None,
            "plan_id": None,
            "due_on": None,
            "created_at": _at(day, 8),
            "updated_at": _at(day),
        }
        self.rows.tables["disbursement"].append(disbursement)
        self.paid.append(
            (disbursement, self.seq, self.rows.tables["journal_entry"][-1]["voucher_no"], category)
        )
        self.result.payments += 1

    def finish(self, connection: Connection, years: tuple[int, ...]) -> None:
        """Counters, the fund's head and cash, and the closed months."""
        _write_counters_and_head(
            connection, self.fund_id, self.counters, self.seq, self.head, self.cash
        )
        _close_first_years(connection, self.ids, self.fund_id, years, self.month_heads)


_SOURCES = [source.value for source in IncomeSource]
_ASPECTS = [aspect.value for aspect in Aspect]


def _reverse_income(
    post: Callable[..., int], income: dict[str, Any], seq: int, voucher: str, *, day: date
) -> None:
    """What `incomes.reverse_income` posts and changes."""
    # The original's lines negated, in their order (as `journal.reverse_entry` does).
    lines = [
        Line(CASH_ACCOUNT, credit_fen=income["amount_fen"]),
        Line(income_account(income["source"]), debit_fen=income["amount_fen"]),
    ]
    entry_id = post(
        day,
        f"冲销 {voucher}（收据 {income['receipt_no']} 作废）：重复入账",
        lines,
        reverses_seq=seq,
    )
    income.update(
        status="reversed",
        reversal_entry_id=entry_id,
        reverse_reason="重复入账",
        reversed_by=ACTORS["approver"],
        reversed_at=_at(day, 11),
    )


def _reverse_payment(
    post: Callable[..., int],
    disbursement: dict[str, Any],
    seq: int,
    voucher: str,
    category: str,
    *,
    day: date,
) -> None:
    """What `disbursements.reverse_disbursement` posts and changes."""
    amount, aspect = disbursement["amount_fen"], disbursement["aspect"]
    lines = [
        Line(
            expense_account(aspect, category),
            credit_fen=amount,
            recipient_id=disbursement["recipient_id"],
            category=category,
            aspect=aspect,
        ),
        Line(CASH_ACCOUNT, debit_fen=amount),
    ]
    entry_id = post(
        day, f"冲销 {voucher}（支出 #{disbursement['id']}）：退回", lines, reverses_seq=seq
    )
    disbursement.update(
        status="reversed",
        reversal_entry_id=entry_id,
        reverse_reason="退回",
        reversed_by=ACTORS["approver"],
        updated_at=_at(day, 11),
    )


def _write_counters_and_head(
    connection: Connection,
    fund_id: int,
    counters: dict[str, int],
    seq: int,
    head: str,
    cash: int,
) -> None:
    if counters:
        connection.execute(
            _INSERTS["counter"],
            [
                {"fund_id": fund_id, "name": name, "last_value": value}
                for name, value in counters.items()
            ],
        )
    fund = Fund.__table__  # type: ignore[attr-defined]
    connection.execute(
        update(fund).where(fund.c.id == fund_id).values(head_seq=seq, head_hash=head, cash_fen=cash)
    )


def _close_first_years(
    connection: Connection,
    ids: _Ids,
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
            end = _month_end(date(year, month, 1))
            periods.append(
                {
                    "id": ids.take("period"),
                    "fund_id": fund_id,
                    "month": label,
                    "closing_balance_fen": last[2],
                    "head_seq": last[0],
                    "head_hash": last[1],
                    "closed_by": ACTORS["approver"],
                    "closed_at": _at(end + timedelta(days=1)),
                    "reopened_by": None,
                    "reopened_at": None,
                    "reopen_reason": None,
                }
            )
    connection.execute(_INSERTS["period"], periods)
    fund = Fund.__table__  # type: ignore[attr-defined]
    connection.execute(
        update(fund).where(fund.c.id == fund_id).values(closed_through=date(years[-2], 12, 31))
    )


def _after_bulk_load(connection: Connection, ids: _Ids) -> None:
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


# ---------------------------------------------------------------------------------------
# Timing the statement over generated books


def time_statement(
    database: Database, code: str, year: int, runs: int = STATEMENT_RUNS
) -> tuple[list[float], dict[str, Any]]:
    """Seconds of each of `runs` statements (build_statement + statement_json, as the JSON
    endpoint computes it) for the year of the fund, and the last statement."""
    seconds, body = [], {}
    for _ in range(runs):

        def read(session: Session) -> Any:
            began = time.perf_counter()
            statement = build_statement(
                session, funds.get_fund(session, code), parse_period(str(year))
            )
            body = statement_json(statement)
            seconds.append(time.perf_counter() - began)
            return body

        body = database.read(read)
    assert body["reconciled"], body["checks"]
    return seconds, body


def explain_statement(database: Database, code: str, year: int) -> list[str]:
    """Each query of the statement with its time and the database's plan for it."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        database.read(
            lambda session: build_statement(
                session, funds.get_fund(session, code), parse_period(str(year))
            )
        )
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    postgres = database.engine.dialect.name == "postgresql"
    lines = []
    with database.engine.connect() as connection:
        for statement, parameters in captured:
            began = time.perf_counter()
            connection.exec_driver_sql(statement, parameters).fetchall()
            took = time.perf_counter() - began
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            plan = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
            lines.append(f"{took * 1000:8.1f} ms  {' '.join(statement.split())[:150]}")
            lines += ["             " + " | ".join(str(cell) for cell in row) for row in plan]
    return lines


def verify_fund(database: Database, code: str) -> tuple[float, int]:
    """Seconds to recompute the fund's chain, and its entries; fails if it does not verify."""
    began = time.perf_counter()
    result = database.read(lambda session: verify(session, funds.get_fund(session, code)))
    assert result.ok, (code, result.problem)
    return time.perf_counter() - began, result.entries


@contextmanager
def scratch_database(backend: str, directory: str, label: str) -> Iterator[str]:
    """An empty database of the backend for one size."""
    if backend == "sqlite":
        yield f"sqlite:///{Path(directory) / f'{label}.db'}"
        return
    server = postgres_server_url()
    assert server, "no PostgreSQL answers"
    with scratch_postgres(server, label) as url:
        yield url


@dataclass(frozen=True)
class SizeResult:
    backend: str
    entries: int
    generate_seconds: float
    largest: list[float]
    district: list[float]
    verify_seconds: float
    verified_entries: int


def measure_size(
    backend: str, entries: int, directory: str, explain: bool = False, size: BookSize | None = None
) -> SizeResult:
    size = size or BookSize(entries=entries)
    year = size.years[-1]
    with scratch_database(backend, directory, f"scale{entries}") as url:
        database = Database.open(url)
        upgrade(database.engine)
        print(
            f"{backend}: generating {size.entries:,} entries in {size.funds} funds, "
            f"{size.roll:,} recipients …",
            flush=True,
        )
        made = generate(database, size, echo=lambda line: print(line, flush=True))
        print(
            f"{backend}: {made.entries:,} entries ({made.incomes:,} incomes, "
            f"{made.payments:,} payments, {made.reversals:,} reversals) in "
            f"{made.seconds:.1f} s = {made.entries / made.seconds:,.0f} entries/s"
        )
        largest_code, district_code = made.fund_codes[0], made.fund_codes[-1]
        largest, body = time_statement(database, largest_code, year)
        district, _ = time_statement(database, district_code, year)
        print(
            f"{backend}: {year} statement of {largest_code} ({body['entry_count']:,} entries "
            f"in the year): " + ", ".join(f"{s * 1000:.0f}" for s in largest) + " ms"
        )
        print(
            f"{backend}: {year} statement of {district_code}: "
            + ", ".join(f"{s * 1000:.0f}" for s in district)
            + " ms"
        )
        if explain:
            print("\n".join(explain_statement(database, largest_code, year)))
        verify_seconds, verified = verify_fund(database, largest_code)
        verify_fund(database, district_code)
        print(
            f"{backend}: verify {largest_code}: {verified:,} entries in {verify_seconds:.1f} s, "
            f"chain intact; {district_code} intact"
        )
        database.dispose()
    return SizeResult(
        backend, made.entries, made.seconds, largest, district, verify_seconds, verified
    )


def measure(
    sizes: tuple[int, ...], backends: tuple[str, ...], explain: bool = False
) -> list[Figure]:
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="carefund-scale-") as directory:
        for backend in backends:
            for entries in sizes:
                results.append(measure_size(backend, entries, directory, explain))
    figures = []
    for backend in backends:
        mine = [result for result in results if result.backend == backend]
        smallest = mine[0]
        print(
            f"\n{backend}: how the year statement's time grows with the books "
            f"(median of {STATEMENT_RUNS}; largest fund holds {LARGEST_SHARE:.0%})"
        )
        for result in mine:
            growth = result.entries / smallest.entries
            largest = statistics.median(result.largest)
            district = statistics.median(result.district)
            slower = largest / statistics.median(smallest.largest)
            print(
                f"  {result.entries:>9,} entries (×{growth:,.0f}): largest fund "
                f"{largest * 1000:7.1f} ms (×{slower:.1f}), a district {district * 1000:6.1f} ms"
            )
            note = f"{backend}, {result.entries:,} entries, ×{growth:,.0f} the smallest"
            figures += [
                Figure(
                    "scale",
                    "year statement JSON, largest fund",
                    largest,
                    "s",
                    baseline=statistics.median(smallest.largest),
                    baseline_what=f"same at {smallest.entries:,} entries",
                    target=Target(TARGET_STATEMENT_SECONDS, at_least=False),
                    note=note,
                ),
                Figure(
                    "scale",
                    "year statement JSON, a district fund",
                    district,
                    "s",
                    baseline=statistics.median(smallest.district),
                    baseline_what=f"same at {smallest.entries:,} entries",
                    target=Target(TARGET_STATEMENT_SECONDS, at_least=False),
                    note=note,
                ),
            ]
        biggest = mine[-1]
        figures += [
            Figure(
                "scale",
                "year statement JSON, largest fund, first run",
                biggest.largest[0],
                "s",
                baseline=statistics.median(biggest.largest),
                baseline_what="median of the runs after it",
                target=Target(TARGET_STATEMENT_SECONDS, at_least=False),
                note=f"{backend}, {biggest.entries:,} entries, caches cold",
            ),
            Figure(
                "scale",
                "generate books",
                biggest.entries / biggest.generate_seconds,
                "entries/s",
                baseline=smallest.entries / smallest.generate_seconds,
                baseline_what=f"at {smallest.entries:,} entries",
                note=f"{backend}, {biggest.entries:,} entries",
            ),
            Figure(
                "scale",
                "verify the largest fund's chain",
                biggest.verified_entries / biggest.verify_seconds,
                "entries/s",
                baseline=smallest.verified_entries / smallest.verify_seconds,
                baseline_what=f"at {smallest.entries:,} entries",
                note=f"{backend}, its {biggest.verified_entries:,} entries of {biggest.entries:,}",
            ),
        ]
    return figures


def available_backends() -> tuple[str, ...]:
    return ("sqlite", "postgresql") if postgres_server_url() else ("sqlite",)


def run(quick: bool) -> list[Figure]:
    """The figures for `python -m bench`; prints the same lines as `main`."""
    return measure(QUICK_SIZES if quick else FULL_SIZES, available_backends())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, FULL_SIZES)),
        help="journal entries of each generated province, comma-separated",
    )
    parser.add_argument("--backends", help="sqlite,postgresql (default: those available)")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server for scratch databases")
    parser.add_argument(
        "--explain", action="store_true", help="print each statement query's time and plan"
    )
    options = parser.parse_args(argv)
    if options.postgres:
        os.environ["CAREFUND_BENCH_POSTGRES_URL"] = options.postgres
    backends = tuple(options.backends.split(",")) if options.backends else available_backends()
    sizes = tuple(int(size) for size in options.sizes.split(","))
    measure(sizes, backends, options.explain)


if __name__ == "__main__":
    main()
