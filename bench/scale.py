"""Provincial-scale books, and a year's statement timed over them, on SQLite and PostgreSQL.

`bench.province.generate` writes the books fast (a province of district funds, a roll,
years of incomes, payments and reversals, every chain verifying); see its doc. Then this
times `build_statement` + `statement_json` for the last year of the largest fund and of a
district fund, at growing book sizes, and verifies both chains.

    python -m bench.scale [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]
                          [--postgres URL] [--explain]
"""

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from bench.common import postgres_server_url, scratch_postgres
from bench.figures import Figure, Target
from bench.province import LARGEST_SHARE, BookSize, generate
from carefund import funds
from carefund.ledger.verify import verify
from carefund.reports.statements import build_statement, parse_period, statement_json
from carefund.storage.database import Database
from carefund.storage.schema import upgrade

TARGET_STATEMENT_SECONDS = 2.0
"""Issue 7: a year's statement (JSON) over provincial books in under 2 s, on both backends."""
QUICK_SIZES = (10_000, 100_000)
FULL_SIZES = (10_000, 100_000, 1_000_000)
STATEMENT_RUNS = 5
"""The statement is timed this many times; the median is the figure, the first is shown."""


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
                session, funds.find_fund(session, code), parse_period(str(year))
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
                session, funds.find_fund(session, code), parse_period(str(year))
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
    result = database.read(lambda session: verify(session, funds.find_fund(session, code)))
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
        figures += growth_figures(backend, mine) + biggest_figures(backend, mine)
    return figures


def growth_figures(backend: str, mine: list[SizeResult]) -> list[Figure]:
    """How the year statement's time grows with the books, against the smallest size."""
    smallest = mine[0]
    print(
        f"\n{backend}: how the year statement's time grows with the books "
        f"(median of {STATEMENT_RUNS}; largest fund holds {LARGEST_SHARE:.0%})"
    )
    figures = []
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
    return figures


def biggest_figures(backend: str, mine: list[SizeResult]) -> list[Figure]:
    """At the biggest size: the cold first statement, generating and verifying."""
    smallest, biggest = mine[0], mine[-1]
    return [
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
