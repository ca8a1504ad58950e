"""Engines, units of work and the direct statements of the posting path.

SQLite gets WAL, `synchronous=FULL`, foreign keys and a busy timeout, and write
transactions begin with `BEGIN IMMEDIATE`: a deferred transaction that reads and then
writes fails with "database is locked" whatever the timeout. The writers of one process
queue on a lock, and the holder writes through the engine's one writer connection.
PostgreSQL goes through psycopg 3. A use case runs inside one `write_session()` and is
committed once, by it (or joins a group commit, `carefund.storage.group_commit`).

`DirectStatement` runs a Core statement compiled once straight on the driver's cursor,
for the statements that every posting runs.
"""

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, insert
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.sql.base import Executable
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
    in_memory = make_url(url).database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": lock_timeout_ms / 1000},
        # The connection used last has the warmest page cache (a file's pool only).
        **({} if in_memory else {"pool_use_lifo": True}),
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
        # Statement and savepoint journals (needed only to roll back inside a transaction,
        # never for durability) in memory: as files they cost a write per page changed.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        # Straight to the driver: this runs once per unit of work, on the posting path too.
        sql = _BEGIN_SQL[mode]
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql)
        except sqlite3.Error as exc:
            raise _wrapped(connection, sql, [], exc, cursor) from exc

    return engine


_BEGIN_SQL = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE")}


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
        # The lock holder writes through the process's writer connection: no pool round
        # trip per unit of work, and SQLite's page cache stays warm from one to the next.
        bind = _writer_connection(engine) if locked else _immediate(engine)
        with _unit_of_work(bind) as session:
            yield session
    finally:
        if locked:
            lock.release()


_WRITER_CONNECTIONS: dict[int, Connection] = {}
"""By `id(engine)`: the connection the holder of the writer lock writes through. (It keeps
its engine alive, so the id cannot be reused; `engine.dispose()` closes and drops it.)"""


def _writer_connection(engine: Engine) -> Connection:
    """The SQLite engine's writer connection; only the holder of the writer lock uses it."""
    connection = _WRITER_CONNECTIONS.get(id(engine))
    if connection is not None and connection.in_transaction():
        # A unit of work that ended without commit or rollback (it cannot, but should
        # it): never let the next one join its transaction.
        connection.close()
        connection = None
    if connection is None or connection.closed or connection.invalidated:
        connection = _WRITER_CONNECTIONS[id(engine)] = _immediate(engine).connect()
        if not event.contains(engine, "engine_disposed", _close_writer_connection):
            event.listen(engine, "engine_disposed", _close_writer_connection)
    return connection


def _close_writer_connection(engine: Engine) -> None:
    connection = _WRITER_CONNECTIONS.pop(id(engine), None)
    if connection is not None:
        connection.close()


@contextmanager
def _unit_of_work(bind: Engine | Connection) -> Iterator[Session]:
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


_NO_DEFAULT = object()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...] | None
    """For qmark style (SQLite): each position's parameter name, the column type's bind
    processor (dates, JSON…) and the value the statement carries itself, if any."""
    defaults: dict[str, Any]
    """For named style (psycopg): values the statement carries (`.values(last_value=1)`)."""
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    """For named style: the bind processors, by parameter name."""


def insert_row(table: Any) -> Any:
    """An INSERT of every column but the id, each from the parameter named after it."""
    return insert(table).values(
        {column.name: bindparam(column.name) for column in table.columns if column.name != "id"}
    )


class DirectStatement:
    """A Core statement compiled once per dialect and run straight on the DBAPI cursor.

    SQLAlchemy's execution layer costs 60–120 µs a statement on these machines, several
    times what SQLite itself takes. The posting path runs eight statements per entry, so
    it compiles them once and skips that layer: the SQL is SQLAlchemy's own, values go
    through the column types' bind processors (so the stored values are exactly what the
    ORM writes), the statement runs in the session's transaction, and driver errors are
    raised as SQLAlchemy's, so callers (and the API's 503 on a locked database) see the
    same exceptions as for any other statement.

    `statement` is one Core statement, or one per dialect name where the SQL differs.
    """

    def __init__(self, statement: Executable | dict[str, Executable]) -> None:
        self._statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = (
            self._statement[dialect.name] if isinstance(self._statement, dict) else self._statement
        )
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        processors: dict[str, Callable[[Any], Any]] = {}
        defaults: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
            if bind.effective_value is not None:
                defaults[name] = bind.effective_value
        if compiled.positiontup is None:
            return _Compiled(compiled.string, None, defaults, tuple(processors.items()))
        positions = tuple(
            (
                name,
                processors.get(name),
                _NO_DEFAULT
                if name not in defaults
                else processors[name](defaults[name])
                if name in processors
                else defaults[name],
            )
            for name in compiled.positiontup
        )
        return _Compiled(compiled.string, positions, {}, ())

    def run(self, session: Session, params: dict[str, Any] | None = None) -> tuple | None:
        """Execute with `params`; the first row it returns (RETURNING, SELECT), if any."""
        cursor = self._execute(session, [params or {}], many=False)
        return cursor.fetchone() if cursor.description else None

    @classmethod
    def inserting(cls, table: Any) -> "DirectStatement":
        """An INSERT of a whole row (see `insert_row`) whose `new_row_id` is its new id.

        SQLite gives the id as the cursor's `lastrowid` at no cost (its RETURNING doubles
        an insert's time); PostgreSQL needs RETURNING.
        """
        statement = insert_row(table)
        return cls({"sqlite": statement, "postgresql": statement.returning(table.c.id)})

    def new_row_id(self, session: Session, params: dict[str, Any]) -> int:
        """Execute an INSERT made by `inserting`; the new row's id."""
        cursor = self._execute(session, [params], many=False)
        if cursor.description:
            return int(cursor.fetchone()[0])
        return int(cursor.lastrowid)

    def run_all(self, session: Session, params: dict[str, Any] | None = None) -> list[tuple]:
        """Execute with `params`; every row it returns."""
        return list(self._execute(session, [params or {}], many=False).fetchall())

    def run_many(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Execute once per row of parameters (executemany)."""
        self._execute(session, rows, many=True)

    def _execute(self, session: Session, rows: list[dict[str, Any]], *, many: bool) -> Any:
        connection, dbapi_connection = _connections(session)
        dialect = connection.dialect
        compiled = self._for(dialect)
        arguments = [self._arguments(compiled, row) for row in rows]
        cursor = dbapi_connection.cursor()
        try:
            if many:
                cursor.executemany(compiled.sql, arguments)
            else:
                cursor.execute(compiled.sql, arguments[0])
        except dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, compiled.sql, arguments, exc, cursor) from exc
        return cursor

    @staticmethod
    def _arguments(compiled: _Compiled, row: dict[str, Any]) -> Any:
        if compiled.positions is not None:
            return [
                default
                if default is not _NO_DEFAULT
                else processor(row[name])
                if processor is not None
                else row[name]
                for name, processor, default in compiled.positions
            ]
        values = {**compiled.defaults, **row}
        for name, processor in compiled.processors:
            if name in values:
                values[name] = processor(values[name])
        return values


_CONNECTIONS_KEY = "carefund.direct_connections"


def _connections(session: Session) -> tuple[Connection, Any]:
    """The session's connection and its DBAPI connection, for this transaction.

    Asking the session costs more than some statements take, so the pair is kept in
    `session.info` beside the transaction it belongs to, and asked for again when that
    transaction has ended.
    """
    kept = session.info.get(_CONNECTIONS_KEY)
    if kept is not None and kept[0] is session.get_transaction() is not None:
        return kept[1], kept[2]
    connection = session.connection()  # begins the unit of work's transaction if need be
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    session.info[_CONNECTIONS_KEY] = (session.get_transaction(), connection, dbapi_connection)
    return connection, dbapi_connection


def direct_connection(session: Session) -> Any:
    """The DBAPI connection of the session's transaction (beginning it if need be)."""
    return _connections(session)[1]


def _wrapped(
    connection: Connection, sql: str, arguments: list, error: Exception, cursor: Any
) -> BaseException:
    """The driver's error as SQLAlchemy raises it; a lost connection is dropped from the pool."""
    dialect = connection.dialect
    dbapi_connection = connection.connection.dbapi_connection
    invalidated = dialect.is_disconnect(error, dbapi_connection, cursor)  # type: ignore[arg-type]
    if invalidated:
        connection.invalidate(error)
    return DBAPIError.instance(
        sql,
        arguments,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=invalidated,
        dialect=dialect,
    )
