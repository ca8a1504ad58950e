"""Engines and units of work.

SQLite gets WAL, `synchronous=FULL`, foreign keys and a busy timeout, and write
transactions begin with `BEGIN IMMEDIATE`: a deferred transaction that reads and then
writes fails with "database is locked" whatever the timeout. PostgreSQL goes through
psycopg 3. A use case runs inside one `write_session()` and is committed once, by it.
"""

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import Session, create_engine

from carefund.errors import InvalidInput
from carefund.settings import get_settings

POSTGRES_CONNECT_TIMEOUT_S = 5
"""How long to wait for PostgreSQL to accept a connection."""
POSTGRES_POOL_SIZE = 10
"""Connections each process keeps open to PostgreSQL."""


def normalize_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use psycopg 3 for all of them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, lock_timeout_ms: int | None = None) -> Engine:
    """An engine for `url`, configured for the ledger; a clear error when the URL is unusable.

    `lock_timeout_ms` (default: the setting) bounds every wait for a lock.
    """
    url = normalize_url(url)
    if lock_timeout_ms is None:
        lock_timeout_ms = get_settings().lock_timeout_ms
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(f"数据库地址无法解析：{url!r}（应如 sqlite:///./carefund.db）") from exc
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(url, lock_timeout_ms)
        if backend == "postgresql":
            return create_engine(
                url,
                pool_size=POSTGRES_POOL_SIZE,
                max_overflow=20,
                pool_pre_ping=True,
                pool_timeout=lock_timeout_ms / 1000,
                connect_args={
                    "connect_timeout": POSTGRES_CONNECT_TIMEOUT_S,
                    "options": f"-c lock_timeout={lock_timeout_ms}",
                },
            )
        raise InvalidInput(f"不支持的数据库：{backend}（只支持 sqlite 与 postgresql）")
    except NoSuchModuleError as exc:
        raise InvalidInput(f"数据库驱动不可用：{url!r}") from exc


def _sqlite_engine(url: str, lock_timeout_ms: int) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": lock_timeout_ms / 1000}
    )
    _LOCK_TIMEOUTS_S[engine] = lock_timeout_ms / 1000

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"


_IMMEDIATE_ENGINES: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()
_WRITER_LOCKS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()
_WRITER_LOCKS_GUARD = threading.Lock()
_LOCK_TIMEOUTS_S: "weakref.WeakKeyDictionary[Engine, float]" = weakref.WeakKeyDictionary()


def _immediate(engine: Engine) -> Engine:
    """The engine's twin whose transactions begin with BEGIN IMMEDIATE (made once, kept)."""
    twin = _IMMEDIATE_ENGINES.get(engine)
    if twin is None:
        twin = _IMMEDIATE_ENGINES[engine] = engine.execution_options(sqlite_begin="IMMEDIATE")
    return twin


def _writer_lock(engine: Engine) -> threading.Lock:
    """One lock per SQLite engine, taken by its writers in this process before BEGIN.

    SQLite lets one writer in at a time, and a writer that finds it busy sleeps in growing
    steps (up to 100 ms) before it tries again, so under load a few unlucky requests wait
    very long. Queueing this process's writers on a lock instead hands the database on at
    once. Writers in other processes still meet SQLite's own busy handling.
    """
    with _WRITER_LOCKS_GUARD:
        lock = _WRITER_LOCKS.get(engine)
        if lock is None:
            lock = _WRITER_LOCKS[engine] = threading.Lock()
        return lock


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One use case's unit of work: commits once at the end, rolls back on any error."""
    if not is_sqlite(engine):
        with _unit_of_work(engine) as session:
            yield session
        return
    lock = _writer_lock(engine)
    # Should a thread already hold it (a unit of work inside another), go on without it
    # and let SQLite's busy timeout decide, as it would without the lock.
    locked = lock.acquire(timeout=_LOCK_TIMEOUTS_S.get(engine, 10.0))
    try:
        with _unit_of_work(_immediate(engine)) as session:
            yield session
    finally:
        if locked:
            lock.release()


@contextmanager
def _unit_of_work(bind: Engine) -> Iterator[Session]:
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work; never commits. Closing it (not rolling back) leaves the
    loaded objects readable after the block."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
