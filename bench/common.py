"""What the benchmarks share: a fresh migrated database and a clerk to act as."""

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from carefund.access import users
from carefund.models import User
from carefund.storage.database import Database
from carefund.storage.engines import normalize_url
from carefund.storage.schema import upgrade


def fresh_database(url: str | None, directory: Path) -> Database:
    """A new SQLite file in `directory`, or `url` (which must point at an empty database)."""
    database = Database.open(url or f"sqlite:///{tempfile.mktemp(suffix='.db', dir=directory)}")
    upgrade(database.engine)
    return database


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
