"""Several workers on PostgreSQL: 32 clients posting incomes into one fund, then into many.

Starts `carefund serve --workers 4` on a scratch PostgreSQL database and drives it with the
keep-alive client of `bench.client`: first every client posts into the same fund (writes to
one fund queue on its row lock), then each client into its own fund (writes to different
funds go in parallel). Afterwards it checks the books of every fund: no 5xx answers, one
receipt per acknowledged income and no gap, the chain intact, and the balance exactly the
sum of the acknowledged amounts (as the database holds it, as the API shows it and as the
year's statement closes it). Baseline: `GET /healthz` on the same server and clients.
Anchor: pgbench running `bench/posting.pgbench` (the same statements as one posting,
without Python) on the same database with as many clients, into one fund and into the
many; target (issue 16) 0.8 of its rate.

    python -m bench.pg_workers [--postgres URL] [--workers 4] [--clients 32] [--seconds 10]
"""

import argparse
import json
import os
import subprocess
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.client import Connection, Result, drive, http_request
from bench.common import office_hours_all_week, postgres_server_url, scratch_postgres, served
from bench.figures import Figure, Target
from carefund.money import format_fen, parse_amount

WORKERS = 4
CLIENTS = 32
MANY_FUNDS = 32
"""Funds in the second phase: one per client, so that no two clients share a lock."""
QUICK_SECONDS = 3.0
FULL_SECONDS = 10.0
ONE_FUND = "ONE-FUND"


def many_fund(number: int) -> str:
    return f"MANY-{number:02d}"


def prepare(database_url: str) -> str:
    """Schema, a clerk with a token, the funds; the clerk's token."""
    from carefund import funds
    from carefund.access import users
    from carefund.storage.database import Database
    from carefund.storage.schema import upgrade

    database = Database.open(database_url)
    upgrade(database.engine)

    def write(session: Session) -> Any:
        admin = users.create_user(session, username="admin", role="admin", actor="bench")
        clerk = users.create_user(session, username="clerk", role="clerk", actor="bench")
        for code in [ONE_FUND] + [many_fund(n) for n in range(MANY_FUNDS)]:
            funds.create_fund(session, code=code, name=f"并发测试基金 {code}", actor=admin)
        office_hours_all_week(session, admin)
        token = users.issue_token(session, clerk)
        return token

    token = database.write(write)
    database.dispose()
    return token


@dataclass
class Ledger:
    """What the clients were told: acknowledged incomes per fund, in fen."""

    amounts: dict[str, list[int]]
    lock: threading.Lock

    @classmethod
    def empty(cls) -> "Ledger":
        return cls(defaultdict(list), threading.Lock())


def amount_of(index: int, number: int) -> str:
    return f"{number % 1000 + 1}.{index % 100:02d}"


def phase(
    port: int,
    token: str,
    seconds: float,
    clients: int,
    fund_of: Callable[[int], str],
    ledger: Ledger,
) -> Result:
    """Every client posts incomes into `fund_of(client)` for `seconds`; the ledger notes
    each acknowledged one."""

    def income(index: int, number: int) -> bytes:
        return http_request(
            "POST",
            f"/api/v1/funds/{fund_of(index)}/incomes",
            token,
            {
                "source": "member_donation",
                "payer": f"客户{index}",
                "amount": amount_of(index, number),
                "received_on": "2026-11-05",
            },
        )

    def observe(index: int, number: int, status: int) -> None:
        if status == 201:
            with ledger.lock:
                ledger.amounts[fund_of(index)].append(parse_amount(amount_of(index, number)))

    return drive("POST …/incomes", port, income, seconds, clients, observe)


def check_books(database_url: str, port: int, token: str, ledger: Ledger) -> list[str]:
    """Every fund's books against what the clients were told; the problems found."""
    from sqlmodel import select

    from carefund import funds
    from carefund.ledger.verify import verify
    from carefund.models import Income
    from carefund.reports.statements import build_statement, parse_period
    from carefund.storage.database import Database

    problems = []
    database = Database.open(database_url)
    connection = Connection(port)

    def read(session: Session) -> Any:
        for fund in funds.all_funds(session):
            told = ledger.amounts.get(fund.code, [])
            receipts = sorted(
                session.exec(select(Income.receipt_no).where(Income.fund_id == fund.id))
            )
            expected = [f"{fund.code}-2026-{n:06d}" for n in range(1, len(told) + 1)]
            if receipts != expected:
                problems.append(
                    f"{fund.code}: {len(receipts)} receipts, {len(told)} acknowledged, or a gap"
                )
            verified = verify(session, fund)
            if not verified.ok:
                problems.append(f"{fund.code}: chain broken: {verified.problem}")
            closing = build_statement(session, fund, parse_period("2026")).closing_fen
            shown = _api_balance(connection, token, fund.code)
            exact = (sum(told), sum(told), format_fen(sum(told)))
            if (fund.cash_fen, closing, shown) != exact:
                problems.append(
                    f"{fund.code}: balance {fund.cash_fen}, statement {closing}, "
                    f"API {shown}, acknowledged {sum(told)}"
                )

    database.read(read)
    connection.close()
    database.dispose()
    return problems


def _api_balance(connection: Connection, token: str, code: str) -> str:
    _, body = connection.fetch(http_request("GET", f"/api/v1/funds/{code}", token))
    return str(json.loads(body)["balance"])


def measure(
    seconds: float, workers: int = WORKERS, clients: int = CLIENTS, server_url: str | None = None
) -> list[Figure]:
    server_url = server_url or postgres_server_url()
    if server_url is None:
        raise SystemExit("no PostgreSQL answers: give --postgres URL")
    ledger = Ledger.empty()
    with scratch_postgres(server_url, "workers") as database_url:
        token = prepare(database_url)
        with served(
            database_url, workers=workers, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ) as port:
            bare, one, many = drive_phases(port, token, seconds, clients, ledger)
            problems = check_books(database_url, port, token, ledger)
        anchors = pgbench_anchors(database_url, seconds, clients)
    print(
        f"PostgreSQL, carefund serve --workers {workers}, {clients} clients, "
        f"{seconds:.0f} s each, {os.cpu_count()} CPUs"
    )
    report(bare, one, many, ledger, problems)
    note = f"PostgreSQL, {workers} workers, {clients} clients"
    return figures(bare, one, many, problems, note=note) + anchor_figures(
        one, many, anchors, note=note
    )


PGBENCH_SCRIPT = Path(__file__).with_name("posting.pgbench")
TARGET_OF_PGBENCH = 0.8


def pgbench_anchors(database_url: str, seconds: float, clients: int) -> dict[str, float]:
    """pgbench's transactions per second with the posting script, into the one fund and
    into the many (by fund id); empty when pgbench is not installed."""
    import shutil

    from sqlalchemy import text

    from carefund.storage.database import Database

    if shutil.which("pgbench") is None:
        print("pgbench is not installed (Debian: postgresql-client): no anchor")
        return {}
    database = Database.open(database_url)
    ranges = database.read(
        lambda session: {
            "one": tuple(
                session.execute(
                    text("SELECT min(id), max(id) FROM fund WHERE code = :code"), {"code": ONE_FUND}
                ).one()
            ),
            "many": tuple(
                session.execute(
                    text("SELECT min(id), max(id) FROM fund WHERE code LIKE 'MANY-%'")
                ).one()
            ),
        }  # fmt: skip
    )
    database.dispose()
    libpq_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    rates = {}
    for name, (first, last) in ranges.items():
        ran = subprocess.run(
            ["pgbench", "-n", "-M", "prepared", "-f", str(PGBENCH_SCRIPT), "-D", f"first={first}",
             "-D", f"last={last}", "-c", str(clients), "-j", "2", "-T", f"{max(int(seconds), 1)}",
             libpq_url],
            capture_output=True, text=True, check=False, timeout=seconds + 120,
        )  # fmt: skip
        found = [line for line in ran.stdout.splitlines() if line.startswith("tps = ")]
        if ran.returncode != 0 or not found:
            print(f"pgbench failed ({name}): {ran.stderr.strip()[-300:]}")
            continue
        rates[name] = float(found[0].split()[2])
        print(f"pgbench, same statements, {name} fund(s), {clients} clients: {rates[name]:.0f} tps")
    return rates


def anchor_figures(
    one: Result, many: Result, anchors: dict[str, float], *, note: str
) -> list[Figure]:
    """Each posting rate against pgbench running the same statements."""
    measured = {"one": (one, "one fund"), "many": (many, f"{MANY_FUNDS} funds")}
    return [
        Figure(
            "pg_workers",
            f"POST incomes, {what}, against pgbench",
            result.per_second,
            "req/s",
            baseline=anchors[name],
            baseline_what="pgbench, same statements, same clients",
            target=Target(TARGET_OF_PGBENCH, on="ratio"),
            note=note,
        )
        for name, (result, what) in measured.items()
        if name in anchors
    ]


def drive_phases(
    port: int, token: str, seconds: float, clients: int, ledger: Ledger
) -> tuple[Result, Result, Result]:
    """The bare rate (after a warm-up), then posting into one fund, then into many."""
    healthz = http_request("GET", "/healthz")
    drive("warm-up", port, lambda i, n: healthz, 1.0, clients)
    bare = drive("GET /healthz", port, lambda i, n: healthz, seconds, clients)
    one = phase(port, token, seconds, clients, lambda index: ONE_FUND, ledger)
    many = phase(port, token, seconds, clients, lambda index: many_fund(index % MANY_FUNDS), ledger)
    return bare, one, many


def report(bare: Result, one: Result, many: Result, ledger: Ledger, problems: list[str]) -> None:
    """The lines a person reads after the header."""
    print(bare.line())
    print(one.line().replace("POST …/incomes", "POST, one fund", 1))
    print(many.line().replace("POST …/incomes", f"POST, {MANY_FUNDS} funds", 1))
    print(
        "books: "
        + (
            "every fund's receipts gap-free, chain intact, balance exact "
            f"({sum(len(v) for v in ledger.amounts.values())} incomes acknowledged)"
            if not problems
            else "; ".join(problems)
        )
    )


def figures(
    bare: Result, one: Result, many: Result, problems: list[str], *, note: str
) -> list[Figure]:
    server_errors = sum(
        n for result in (bare, one, many) for status, n in result.statuses.items() if status >= 500
    )
    return [
        Figure(
            "pg_workers",
            "POST incomes, one fund",
            one.per_second,
            "req/s",
            baseline=bare.per_second,
            baseline_what="GET /healthz",
            note=note,
        ),
        Figure(
            "pg_workers",
            f"POST incomes, {MANY_FUNDS} funds",
            many.per_second,
            "req/s",
            baseline=one.per_second,
            baseline_what="one fund",
            note=note,
        ),
        Figure(
            "pg_workers",
            f"p99, {MANY_FUNDS} funds",
            many.percentile(0.99),
            "ms",
            baseline=one.percentile(0.99),
            baseline_what="one fund",
            note=note,
        ),
        Figure(
            "pg_workers",
            "answers 5xx",
            server_errors,
            "",
            target=Target(1, at_least=False),
            note=note,
        ),
        Figure(
            "pg_workers",
            "funds whose books disagree",
            len(problems),
            "",
            target=Target(1, at_least=False),
            note="receipts, chain, balance",
        ),
    ]


def run(quick: bool) -> list[Figure]:
    """The figures for `python -m bench`; prints the same lines as `main`."""
    return measure(QUICK_SECONDS if quick else FULL_SECONDS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (scratch database)")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=FULL_SECONDS)
    options = parser.parse_args(argv)
    measure(options.seconds, options.workers, options.clients, options.postgres)


if __name__ == "__main__":
    main()
