"""What the benchmarks share: a fresh migrated database and a clerk to act as."""

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine

from carefund import users
from carefund.db import make_engine, write_session
from carefund.models import User
from carefund.schema import upgrade


def fresh_database(url: str | None, directory: Path) -> Engine:
    """A new SQLite file in `directory`, or `url` (which must point at an empty database)."""
    engine = make_engine(url or f"sqlite:///{tempfile.mktemp(suffix='.db', dir=directory)}")
    upgrade(engine)
    return engine


def make_clerk(engine: Engine, username: str = "bench-clerk", role: str = "clerk") -> User:
    with write_session(engine) as session:
        return users.create_user(session, username=username, role=role, actor="bench")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as elapsed:` … then `elapsed[0]` holds the seconds taken."""
    elapsed: list[float] = []
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - started)
