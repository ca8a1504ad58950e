"""Posting rate of the domain layer against raw sqlite3 doing the same row writes.

Both run in this process on a file SQLite database with the same durability (WAL,
synchronous=FULL, one transaction per income). Both wait for the same fsyncs, so their
rates say little about overhead; the figure that does is CPU per income (this thread's
CPU time, which waiting on the disk and other tenants' load leave out), a hash-chained
income through carefund against the raw cost of one in plain sqlite3: the median of the
interleaved rounds, with their spread. Target for the rate: the domain keeps ≥ 0.4 of the
raw rate; the issue sets none for CPU, so the CPU ratio is shown without one.

    python -m bench.posting [--incomes N]
"""

import argparse
import hashlib
import sqlite3
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.common import office_hours_all_week
from bench.figures import Figure, Target, median_spread
from carefund import clock, funds, incomes
from carefund.access import users
from carefund.storage.database import Database
from carefund.storage.schema import upgrade

TARGET_RATIO = 0.4
QUICK_INCOMES = 300
"""Incomes posted by each writer in `python -m bench` (without --full)."""
FULL_INCOMES = 2000


def prepare(path: Path):  # type: ignore[no-untyped-def]
    database = Database.open(f"sqlite:///{path}")
    upgrade(database.engine)

    def write(session: Session) -> Any:
        admin = users.create_user(session, username="admin", role="admin", actor="bench")
        clerk = users.create_user(session, username="clerk", role="clerk", actor="bench")
        funds.create_fund(session, code="HC-CARE", name="关爱基金", actor=admin)
        office_hours_all_week(session, admin)
        return clerk

    clerk = database.write(write)
    return database, clerk


ROUND_SIZE = 100
"""Incomes per turn: the two writers take turns, so load from elsewhere hits both alike."""


def domain_writer(path: Path):  # type: ignore[no-untyped-def]
    database, clerk = prepare(path)

    def write(numbers: range) -> None:
        for number in numbers:
            database.write(
                partial(
                    incomes.record_income,
                    fund_code="HC-CARE",
                    source="member_donation",
                    payer=f"党员{number}",
                    amount="12.34",
                    received_on="2026-06-01",
                    actor=clerk,
                )
            )

    return write


def raw_writer(path: Path):  # type: ignore[no-untyped-def]
    """The same rows, written with sqlite3 and hand-written SQL, one transaction each."""
    database, _clerk = prepare(path)
    database.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    now = clock.utc_now().isoformat()

    def write(numbers: range) -> None:
        for number in numbers:
            write_one(connection, number, now)

    return write


def write_one(connection: sqlite3.Connection, number: int, now: str) -> None:
    """One income's rows in one transaction: what record_income writes, by hand."""
    connection.execute("BEGIN IMMEDIATE")
    fund_id, head_seq, head_hash, cash = connection.execute(
        "SELECT id, head_seq, head_hash, cash_fen FROM fund WHERE code = 'HC-CARE'"
    ).fetchone()
    numbers = []
    for name in ("voucher:202606", "receipt:2026"):
        connection.execute(
            "INSERT INTO counter (fund_id, name, last_value) VALUES (?, ?, 1) "
            "ON CONFLICT (fund_id, name) DO UPDATE SET last_value = last_value + 1",
            (fund_id, name),
        )
        numbers.append(
            connection.execute(
                "SELECT last_value FROM counter WHERE fund_id = ? AND name = ?", (fund_id, name)
            ).fetchone()[0]
        )
    entry_hash = hashlib.sha256(f"{head_hash}{number}".encode()).hexdigest()
    entry_id = connection.execute(
        "INSERT INTO journal_entry (fund_id, seq, voucher_no, entry_date, memo, prev_hash, hash, "
        "created_by, created_at) VALUES (?, ?, ?, '2026-06-01', ?, ?, ?, 'clerk', ?)",
        (
            fund_id,
            head_seq + 1,
            f"记-202606-{numbers[0]:04d}",
            f"收到党员募捐 党员{number}",
            head_hash,
            entry_hash,
            now,
        ),
    ).lastrowid
    for line_no, account, debit, credit in (
        (1, "assets:cash", 1234, 0),
        (2, "income:member_donation", 0, 1234),
    ):
        connection.execute(
            "INSERT INTO posting (entry_id, fund_id, entry_date, line_no, account, debit_fen, "
            "credit_fen) VALUES (?, ?, '2026-06-01', ?, ?, ?, ?)",
            (entry_id, fund_id, line_no, account, debit, credit),
        )
    connection.execute(
        "INSERT INTO income (fund_id, source, payer, amount_fen, received_on, method, memo, "
        "receipt_no, entry_id, status, created_by, created_at) VALUES "
        "(?, 'member_donation', ?, 1234, '2026-06-01', '', '', ?, ?, 'posted', 'clerk', ?)",
        (fund_id, f"党员{number}", f"HC-CARE-2026-{numbers[1]:06d}", entry_id, now),
    )
    connection.execute(
        "UPDATE fund SET head_seq = ?, head_hash = ?, cash_fen = ? WHERE id = ?",
        (head_seq + 1, entry_hash, cash + 1234, fund_id),
    )
    connection.execute(
        "INSERT INTO event (type, at, data) VALUES ('income.recorded', ?, ?)",
        (now, '{"receipt_no": "x"}'),
    )
    connection.execute("COMMIT")


def run_writers(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=".") as folder:
        writers = {
            "raw": raw_writer(Path(folder) / "raw.db"),
            "domain": domain_writer(Path(folder) / "domain.db"),
        }
        seconds = {"raw": 0.0, "domain": 0.0}
        cpu_us: dict[str, list[float]] = {"raw": [], "domain": []}
        for start in range(0, count, ROUND_SIZE):
            numbers = range(start, min(start + ROUND_SIZE, count))
            for name, write in writers.items():
                began, began_cpu = time.perf_counter(), time.thread_time()
                write(numbers)
                cpu_us[name].append((time.thread_time() - began_cpu) / len(numbers) * 1e6)
                seconds[name] += time.perf_counter() - began
    domain, raw = count / seconds["domain"], count / seconds["raw"]
    domain_cpu, domain_spread = median_spread(cpu_us["domain"])
    raw_cpu, _ = median_spread(cpu_us["raw"])
    return {
        "domain_per_s": domain,
        "raw_per_s": raw,
        "ratio": domain / raw,
        "domain_cpu_us": domain_cpu,
        "domain_cpu_spread": domain_spread,
        "raw_cpu_us": raw_cpu,
        "rounds": len(cpu_us["domain"]),
    }


def figures(count: int, result: dict[str, float]) -> list[Figure]:
    return [
        Figure(
            "posting",
            "record_income, one transaction each",
            result["domain_per_s"],
            "incomes/s",
            baseline=result["raw_per_s"],
            baseline_what="raw sqlite3, same rows",
            target=Target(TARGET_RATIO, on="ratio"),
            note=f"{count} incomes, SQLite file",
        ),
        Figure(
            "posting",
            "CPU per income, record_income",
            result["domain_cpu_us"],
            "µs",
            baseline=result["raw_cpu_us"],
            baseline_what="raw sqlite3 hash-chained income, same durability",
            note=f"{count} incomes in rounds of {ROUND_SIZE}, SQLite file",
            runs=int(result["rounds"]),
            spread=result["domain_cpu_spread"],  # type: ignore[arg-type]
        ),
    ]


def run(quick: bool) -> list[Figure]:
    """The figures for `python -m bench`; prints the same lines as `main`."""
    count = QUICK_INCOMES if quick else FULL_INCOMES
    result = run_writers(count)
    report(count, result)
    return figures(count, result)


def report(count: int, result: dict[str, float]) -> None:
    print(f"incomes posted          : {count}")
    print(f"domain layer            : {result['domain_per_s']:8.1f} incomes/s")
    print(f"raw sqlite3, same rows  : {result['raw_per_s']:8.1f} incomes/s")
    times = result["domain_cpu_us"] / result["raw_cpu_us"]
    print(
        f"CPU per income          : {result['domain_cpu_us']:8.0f} µs against "
        f"{result['raw_cpu_us']:.0f} µs raw (×{times:.1f}; "
        f"median of {result['rounds']} rounds; no target set)"
    )
    verdict = "meets" if result["ratio"] >= TARGET_RATIO else "MISSES"
    print(
        f"ratio                   : {result['ratio']:8.2f}  ({verdict} the {TARGET_RATIO} target)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incomes", type=int, default=FULL_INCOMES)
    args = parser.parse_args(argv)
    report(args.incomes, run_writers(args.incomes))


if __name__ == "__main__":
    main()
