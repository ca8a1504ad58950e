"""A year statement against a peer: `hledger balance` on the same generated books.

`bench.province.generate` writes one fund's books (two years of incomes, payments and
reversals, hash-chained, the first year closed); the same books are then written as an
hledger journal, one transaction per journal entry with the same accounts and amounts.
Timed, interleaved, RUNS times each:

- carefund: the year statement's JSON as `GET /funds/{code}/statements/{year}.json`
  computes it from the database (`documents.statement_public`: the figures by aggregate
  SQL, and the whole chain recomputed, since a statement vouches for its books), and the
  figures alone (`build_statement` + `statement_json`, no chain check);
- hledger: `hledger -f BOOKS.journal balance -p YEAR -O csv`, a process that reads the
  whole journal and prints each account's change over the year.

Like for like is checked, not assumed: each income source, each 6×3 expense account and
the cash's change over the year must be the same number in both, else the benchmark
fails. Times are wall-clock medians with their spread; CPU seconds (this process's for
carefund, the child's for hledger) are shown beside them, since they move less with the
machine's load. Skipped, and said so, when `hledger` is not installed (Debian: `apt-get
install hledger`).

    python -m bench.peer [--entries 10000] [--runs 5]
"""

import argparse
import csv
import io
import json
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.common import scratch_data_key
from bench.figures import Figure, median_spread
from bench.province import ACTORS, BookSize, fund_code, generate
from carefund import funds
from carefund.access import users
from carefund.ledger.accounts import CASH_ACCOUNT, INCOME_PREFIX, expense_account
from carefund.reports import documents
from carefund.reports.listings import period_journal
from carefund.reports.statements import PeriodRange, build_statement, parse_period, statement_json
from carefund.storage.database import Database
from carefund.storage.schema import upgrade

HLEDGER = "hledger"
QUICK_ENTRIES = 10_000
FULL_ENTRIES = 100_000
RUNS = 5
"""Runs of each timing, interleaved; the figure is their median, shown with its spread."""
ALL_TIME = PeriodRange("all", date(2000, 1, 1), date(2099, 12, 31))


def hledger_journal(database: Database, code: str, path: Path) -> int:
    """The fund's whole journal as an hledger journal at `path`: one transaction per entry
    (date, voucher number and memo as its description), one posting per line, debits
    positive; the number of transactions written."""
    written = 0

    def write(session: Session) -> None:
        nonlocal written
        fund = funds.find_fund(session, code)
        previous = None
        with path.open("w", encoding="utf-8") as out:
            for line in period_journal(session, fund, ALL_TIME):
                if line.seq != previous:
                    previous, written = line.seq, written + 1
                    memo = " ".join(line.memo.replace(";", "；").split())
                    out.write(f"\n{line.entry_date.isoformat()} {line.voucher_no} | {memo}\n")
                out.write(f"    {line.account}  {_yuan(line.debit_fen - line.credit_fen)}\n")

    database.read(write)
    return written


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{cents:02d}"


def hledger_balances(journal: Path, year: int) -> dict[str, int]:
    """`hledger balance` of the year: each account's change, in fen."""
    result = subprocess.run(
        [HLEDGER, "-f", str(journal), "balance", "-p", str(year), "-O", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = list(csv.reader(io.StringIO(result.stdout)))
    return {
        account: int(Decimal(amount or "0") * 100)
        for account, amount in rows[1:]
        if account != "total"
    }


def _statement_json(database: Database, auditor: users.User, code: str, year: int) -> str:
    """What the JSON endpoint answers for the fund's year."""
    return database.read(
        lambda session: json.dumps(
            documents.statement_public(session, fund_code=code, period=str(year), actor=auditor)
        )
    )


def _figures_json(database: Database, code: str, year: int) -> str:
    """The year's figures alone, without recomputing the chain."""
    return database.read(
        lambda session: json.dumps(
            statement_json(
                build_statement(session, funds.find_fund(session, code), parse_period(str(year)))
            )
        )
    )


def check_agreement(statement: dict[str, Any], balances: dict[str, int]) -> list[str]:
    """Where carefund's year statement and hledger's balances differ (none: like for like)."""

    def fen(amount: str) -> int:
        return int(Decimal(amount) * 100)

    expected = {
        CASH_ACCOUNT: fen(statement["closing_balance"]) - fen(statement["opening_balance"]),
        **{
            INCOME_PREFIX + source: -fen(amount)
            for source, amount in statement["income"].items()
            if source != "total"
        },
        **{
            expense_account(aspect, category): fen(amount)
            for category, row in statement["disbursed"]["by_category_aspect"].items()
            for aspect, amount in row.items()
        },
    }
    return [
        f"{account}: carefund {amount} fen, hledger {balances.get(account, 0)} fen"
        for account, amount in expected.items()
        if balances.get(account, 0) != amount
    ]


def _timed(action: Callable[[], Any], cpu: Callable[[], float]) -> tuple[float, float]:
    """Wall and CPU seconds of `action`, CPU as `cpu` counts it."""
    cpu_before, began = cpu(), time.perf_counter()
    action()
    return time.perf_counter() - began, cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(entries: int, runs: int = RUNS) -> list[Figure]:
    if shutil.which(HLEDGER) is None:
        print("bench.peer: skipped, hledger is not installed (apt-get install hledger)")
        return []
    scratch_data_key()
    version = subprocess.run([HLEDGER, "--version"], capture_output=True, text=True).stdout
    size = BookSize(entries=entries, funds=1)
    year, code = size.years[-1], fund_code(0)
    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(f"sqlite:///{Path(folder) / 'peer.db'}")
        upgrade(database.engine)
        generate(database, size, echo=lambda line: print(line, flush=True))
        auditor = database.read(lambda session: users.get_user(session, ACTORS["auditor"]))
        journal = Path(folder) / "books.journal"
        began = time.perf_counter()
        transactions = hledger_journal(database, code, journal)
        print(
            f"hledger journal: {transactions:,} transactions, "
            f"{journal.stat().st_size / 2**20:.1f} MiB, written in "
            f"{time.perf_counter() - began:.1f} s; {version.strip()}"
        )
        statement = json.loads(_statement_json(database, auditor, code, year))
        disagreements = check_agreement(statement, hledger_balances(journal, year))
        if disagreements or not statement["reconciled"]:
            raise AssertionError(f"not like for like: {disagreements or statement['checks']}")
        print(f"figures agree: cash, 4 income sources, 18 expense accounts ({year})")
        times: dict[str, list[tuple[float, float]]] = {"json": [], "figures": [], "hledger": []}
        for _run in range(runs):  # interleaved, so all three see the same load
            times["json"].append(
                _timed(lambda: _statement_json(database, auditor, code, year), time.process_time)
            )
            times["hledger"].append(_timed(lambda: hledger_balances(journal, year), _children_cpu))
            times["figures"].append(
                _timed(lambda: _figures_json(database, code, year), time.process_time)
            )
        database.dispose()
    return _report(times, statement["entry_count"], transactions, year, runs)


def _report(
    times: dict[str, list[tuple[float, float]]],
    year_entries: int,
    transactions: int,
    year: int,
    runs: int,
) -> list[Figure]:
    note = f"{year_entries:,} entries in {year}, {transactions:,} in the books, SQLite"
    hledger_wall, _ = median_spread([wall for wall, _cpu in times["hledger"]])
    hledger_cpu, _ = median_spread([cpu for _wall, cpu in times["hledger"]])
    figures = []
    for key, what in (
        ("json", "year statement JSON (figures + chain verified)"),
        ("figures", "year figures alone (no chain check)"),
    ):
        wall, spread = median_spread([wall for wall, _cpu in times[key]])
        cpu, cpu_spread = median_spread([cpu for _wall, cpu in times[key]])
        print(
            f"{what}: {wall * 1000:,.0f} ms wall (median of {runs}, "
            f"{spread[0] * 1000:,.0f}–{spread[1] * 1000:,.0f}), {cpu * 1000:,.0f} ms CPU; "
            f"hledger balance {hledger_wall * 1000:,.0f} ms wall, {hledger_cpu * 1000:,.0f} ms "
            f"CPU; ratio {wall / hledger_wall:.2f} (wall), {cpu / hledger_cpu:.2f} (CPU)"
        )
        for value, value_spread, baseline, kind in (
            (wall, spread, hledger_wall, "wall"),
            (cpu, cpu_spread, hledger_cpu, "CPU"),
        ):
            figures.append(
                Figure(
                    "peer",
                    f"{what}, {kind}",
                    value * 1000,
                    "ms",
                    baseline=baseline * 1000,
                    baseline_what=f"hledger balance -p {year}, same books, {kind}",
                    note=note,
                    runs=runs,
                    spread=(value_spread[0] * 1000, value_spread[1] * 1000),
                )
            )
    return figures


def run(quick: bool) -> list[Figure]:
    """The figures for `python -m bench`; prints the same lines as `main`."""
    return measure(QUICK_ENTRIES if quick else FULL_ENTRIES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=QUICK_ENTRIES, help="entries in the books")
    parser.add_argument("--runs", type=int, default=RUNS, help="interleaved runs of each timing")
    options = parser.parse_args(argv)
    measure(options.entries, options.runs)


if __name__ == "__main__":
    main()
