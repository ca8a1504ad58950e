"""What the benchmarks share: a fresh migrated database, a clerk to act as, scratch
PostgreSQL databases, and `carefund serve` started for the API benchmarks (and the tests
that drive a served app)."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.client import Connection, http_request
from carefund.access import users
from carefund.alerts.settings import set_rule
from carefund.models import User
from carefund.models.sealed import key_file_path, new_key_text
from carefund.settings import get_settings
from carefund.storage.database import Database
from carefund.storage.engines import normalize_url
from carefund.storage.schema import upgrade


def scratch_data_key() -> None:
    """A data key for this process's scratch books when none is configured: benchmarks
    write personal data (sealed under the key) only into databases they throw away."""
    if get_settings().data_key or key_file_path(get_settings()).is_file():
        return
    os.environ["CAREFUND_DATA_KEY"] = new_key_text()
    get_settings.cache_clear()


def fresh_database(url: str | None, directory: Path) -> Database:
    """A new SQLite file in `directory`, or `url` (which must point at an empty database)."""
    database = Database.open(url or f"sqlite:///{tempfile.mktemp(suffix='.db', dir=directory)}")
    upgrade(database.engine)
    return database


def office_hours_all_week(session: Session, admin: User) -> None:
    """Benchmarks post as a clerk at work. The `off_hours` rule's office hours are set to
    the whole week, so the rule is still checked for every posting but fires for none,
    whatever the hour the benchmark runs: outside office hours each income would also
    raise an alert (a heavier posting, about 0.15 ms of server CPU more), and the figures
    would depend on the time of day."""
    set_rule(
        session,
        code="off_hours",
        actor=admin,
        params={"start": "00:00", "end": "23:59", "weekdays": "1-7"},
    )


def make_clerk(database: Database, username: str = "bench-clerk", role: str = "clerk") -> User:
    return database.write(
        lambda session: users.create_user(session, username=username, role=role, actor="bench")
    )


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as elapsed:` … then `elapsed[0]` holds the seconds taken."""
    elapsed: list[float] = []
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - started)


DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
"""Where the benchmarks look for PostgreSQL when nothing is configured (as the tests do)."""


def postgres_server_url() -> str | None:
    """A PostgreSQL server to make scratch databases on, or None when none answers.

    CAREFUND_BENCH_POSTGRES_URL names it (`none`: do not use PostgreSQL); otherwise the
    default server of the tests is tried.
    """
    configured = os.environ.get("CAREFUND_BENCH_POSTGRES_URL")
    if configured and configured.lower() == "none":
        return None
    url = normalize_url(configured or DEFAULT_POSTGRES_URL)
    try:
        probe = create_engine(url, connect_args={"connect_timeout": 2})
        with probe.connect():
            pass
        probe.dispose()
    except Exception:  # noqa: BLE001 (any failure means "no PostgreSQL here")
        return None
    return url


@contextmanager
def scratch_postgres(server_url: str, label: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on `server_url` for one benchmark, dropped after."""
    name = f"carefund_bench_{label}_{os.getpid()}"
    admin = create_engine(normalize_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalize_url(server_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


SERVER_START_SECONDS = 30
SERVER_STOP_SECONDS = 30

Output = IO[str] | int | None
"""Where the server's output goes: a file, `subprocess.DEVNULL`, or None (inherited)."""


class ServerDidNotStart(RuntimeError):
    """`carefund serve` exited, or did not answer `/healthz` in time."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    database_url: str,
    *,
    workers: int = 1,
    stdout: Output = subprocess.DEVNULL,
    stderr: Output = None,
    own_session: bool = False,
) -> tuple[subprocess.Popen, int]:
    """`carefund serve` (`python -m cli serve`) on `database_url` and a free port, answering
    `/healthz` when this returns it and its port; the caller stops it. `own_session` puts it
    in a process group of its own, so that its workers can be killed with it."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
        ],
        env=os.environ | {"CAREFUND_DATABASE_URL": database_url},
        stdout=stdout,
        stderr=stderr,
        start_new_session=own_session,
    )
    try:
        _wait_until_up(port, server)
    except BaseException:
        _stop(server)
        raise
    return server, port


@contextmanager
def served(
    database_url: str,
    *,
    workers: int,
    stdout: Output = subprocess.DEVNULL,
    stderr: Output = None,
) -> Iterator[int]:
    """`start_server`, yielding its port; stopped afterwards."""
    with served_process(database_url, workers=workers, stdout=stdout, stderr=stderr) as (_, port):
        yield port


@contextmanager
def served_process(
    database_url: str,
    *,
    workers: int,
    stdout: Output = subprocess.DEVNULL,
    stderr: Output = None,
) -> Iterator[tuple[subprocess.Popen, int]]:
    """`start_server`, yielding the server process and its port; stopped afterwards."""
    server, port = start_server(database_url, workers=workers, stdout=stdout, stderr=stderr)
    try:
        yield server, port
    finally:
        _stop(server)


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) of a process and all its descendants so far (a server
    and its worker processes); None where /proc cannot tell (not Linux)."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / tick
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child)) or 0.0
    except (OSError, ValueError):
        return None
    return total


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerDidNotStart("carefund serve exited; see its output")
        try:
            connection = Connection(port)
            status = connection.exchange(http_request("GET", "/healthz"))
            connection.close()
            if status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise ServerDidNotStart("carefund serve did not answer in time")
