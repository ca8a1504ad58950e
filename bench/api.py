"""Benchmark of the API: `GET /healthz` against `POST /funds/{code}/incomes`, same client, same run.

Starts `carefund serve` on a fresh SQLite file, then drives it with a small keep-alive
HTTP/1.1 client (plain sockets, so that the client costs little of the machine's CPU and
the figures are the server's). Prints requests per second and p50/p99 latency of each and
the ratio of posting to the bare rate. Afterwards it checks the books: one gap-free
receipt per posted income and an intact hash chain.

    python -m bench.api [--seconds 5] [--connections 8] [--workers 1]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.figures import Figure, Target

SERVER_START_SECONDS = 30
QUICK_SECONDS = 2.0
"""Seconds per measurement in `python -m bench` (without --full)."""
TARGET_RATIO = 0.25
TARGET_INCOMES_PER_SECOND = 500
TARGET_P99_MS = 100


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.per_second:8.0f} req/s   p50 {self.percentile(0.5):6.2f} ms"
            f"   p99 {self.percentile(0.99):6.2f} ms   ({self.requests} requests, "
            f"statuses {dict(sorted(self.statuses.items()))})"
        )


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a prepared request and reads the answer."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def exchange(self, request: bytes) -> int:
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(self.buffer) < length:
            self._fill()
        self.buffer = self.buffer[length:]
        return status

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def http_request(
    method: str, path: str, token: str | None = None, body: dict | None = None
) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def drive(
    name: str,
    port: int,
    make_request: object,
    seconds: float,
    connections: int,
    observe: object = None,
) -> Result:
    """Send requests on `connections` connections for `seconds`; latencies of each.

    `observe(index, number, status)`, if given, hears every answer (from the clients'
    threads), e.g. to add up what was acknowledged."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[dict[int, int]] = [{} for _ in range(connections)]
    start = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def worker(index: int) -> None:
        connection = Connection(port)
        number = 0
        start.wait()
        while time.perf_counter() < stop_at[0]:
            request = make_request(index, number)  # type: ignore[operator]
            number += 1
            began = time.perf_counter()
            status = connection.exchange(request)
            latencies[index].append((time.perf_counter() - began) * 1000)
            statuses[index][status] = statuses[index].get(status, 0) + 1
            if observe is not None:
                observe(index, number - 1, status)  # type: ignore[operator]
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    merged: dict[int, int] = {}
    for counts in statuses:
        for status, count in counts.items():
            merged[status] = merged.get(status, 0) + count
    flat = [value for per in latencies for value in per]
    return Result(name, len(flat), elapsed, flat, merged)


def prepare(database_url: str) -> tuple[str, str]:
    """Schema, a clerk and an admin with tokens, one fund."""
    from carefund import funds
    from carefund.access import users
    from carefund.storage.database import Database
    from carefund.storage.schema import upgrade

    database = Database.open(database_url)
    upgrade(database.engine)

    def write(session: Session) -> Any:
        admin = users.create_user(session, username="admin", role="admin", actor="bench")
        clerk = users.create_user(session, username="clerk", role="clerk", actor="bench")
        funds.create_fund(session, code="HC-CARE", name="某区党内关爱基金", actor=admin)
        tokens = users.issue_token(session, clerk), users.issue_token(session, admin)
        return tokens

    tokens = database.write(write)
    database.dispose()
    return tokens


def commit_floor(directory: str, commits: int = 300) -> float:
    """Commits per second of a one-row SQLite transaction with the service's settings, on the
    same disk: the ceiling that fsync (synchronous=FULL) puts on serialized writes."""
    import sqlite3

    connection = sqlite3.connect(Path(directory) / "floor.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    began = time.perf_counter()
    for _ in range(commits):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t (v) VALUES ('x')")
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - began
    connection.close()
    return commits / elapsed


def check_books(database_url: str, posted: int) -> str:
    from sqlmodel import func, select

    from carefund import funds
    from carefund.ledger.verify import verify
    from carefund.models import Income
    from carefund.storage.database import Database

    database = Database.open(database_url)

    def read(session: Session) -> Any:
        count = session.exec(select(func.count()).select_from(Income)).one()
        receipts = [r for r in session.exec(select(Income.receipt_no).order_by(Income.id))]
        verified = verify(session, funds.get_fund(session, "HC-CARE"))
        return count, receipts, verified

    count, receipts, verified = database.read(read)
    database.dispose()
    expected = [f"HC-CARE-2026-{n:06d}" for n in range(1, posted + 1)]
    assert count == posted and receipts == expected, (count, posted)
    assert verified.ok, verified.problem
    return f"books: {count} incomes, receipts gap-free, chain of {verified.entries} entries intact"


@contextmanager
def scratch_database(postgres_url: str | None, directory: str) -> Iterator[str]:
    """A fresh database: an SQLite file in `directory`, or a new PostgreSQL database."""
    if not postgres_url:
        yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from carefund.storage.engines import normalize_url

    admin_url = normalize_url(postgres_url)
    name = f"carefund_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("carefund serve exited; see its output above")
        try:
            connection = Connection(port)
            status = connection.exchange(http_request("GET", "/healthz"))
            connection.close()
            if status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("carefund serve did not answer in time")


def run(quick: bool) -> list[Figure]:
    """The figures for `python -m bench`; prints the same lines as `main`."""
    return measure(seconds=QUICK_SECONDS if quick else 5.0, connections=8, workers=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="instead of SQLite: a PostgreSQL server URL; a scratch database is made and dropped",
    )
    options = parser.parse_args(argv)
    measure(options.seconds, options.connections, options.workers, options.postgres)


def measure(
    seconds: float, connections: int, workers: int, postgres: str | None = None
) -> list[Figure]:
    with (
        tempfile.TemporaryDirectory(prefix="carefund-bench-") as directory,
        scratch_database(postgres, directory) as database_url,
    ):
        clerk_token, _admin_token = prepare(database_url)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "carefund",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-access-log",
            ],
            env=os.environ | {"CAREFUND_DATABASE_URL": database_url},
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_until_up(port, server)
            healthz = http_request("GET", "/healthz")
            drive("warm-up", port, lambda i, n: healthz, 1.0, connections)
            bare = drive("GET /healthz", port, lambda i, n: healthz, seconds, connections)

            def income(index: int, number: int) -> bytes:
                return http_request(
                    "POST",
                    "/api/v1/funds/HC-CARE/incomes",
                    clerk_token,
                    {
                        "source": "member_donation",
                        "payer": f"第{index}党支部",
                        "amount": f"{number % 1000 + 1}.{index:02d}",
                        "received_on": "2026-11-05",
                    },
                )

            posting = drive("POST /funds/{code}/incomes", port, income, seconds, connections)
        finally:
            server.terminate()
            server.wait(timeout=30)
        books = check_books(database_url, posting.statuses.get(201, 0))
        floor = commit_floor(directory)

    ratio = posting.per_second / bare.per_second
    backend = "PostgreSQL" if postgres else "SQLite file"
    print(
        f"carefund API benchmark — {backend}, {workers} worker(s), "
        f"{connections} connections, {seconds:.0f} s each, {os.cpu_count()} CPUs"
    )
    print(bare.line())
    print(posting.line())
    print(
        f"ratio posting / bare: {ratio:.2f}  (target ≥ {TARGET_RATIO}); "
        f"incomes/s target ≥ {TARGET_INCOMES_PER_SECOND}, p99 target < {TARGET_P99_MS} ms"
    )
    print(books)
    print(
        f"disk ceiling: {floor:.0f} commits/s for a one-row SQLite transaction "
        f"(WAL, synchronous=FULL) on the same disk"
    )
    note = f"{backend}, {workers} worker(s), {connections} connections"
    server_errors = sum(n for status, n in posting.statuses.items() if status >= 500)
    return [
        Figure(
            "api",
            "POST …/incomes",
            posting.per_second,
            "req/s",
            baseline=bare.per_second,
            baseline_what="GET /healthz",
            target=Target(TARGET_RATIO, on="ratio"),
            note=note,
        ),
        Figure(
            "api",
            "POST …/incomes, absolute",
            posting.per_second,
            "req/s",
            baseline=floor,
            baseline_what="disk: one-row commits",
            target=Target(TARGET_INCOMES_PER_SECOND),
            note=note,
        ),
        Figure(
            "api",
            "POST …/incomes p99",
            posting.percentile(0.99),
            "ms",
            baseline=bare.percentile(0.99),
            baseline_what="GET /healthz p99",
            target=Target(TARGET_P99_MS, at_least=False),
            note=note,
        ),
        Figure(
            "api",
            "POST …/incomes answered 5xx",
            server_errors,
            "",
            target=Target(1, at_least=False),
            note=note,
        ),
    ]


if __name__ == "__main__":
    main()
