"""Engines configured for the ledger, on SQLite and PostgreSQL.

SQLite gets WAL, `synchronous=FULL`, foreign keys and a busy timeout, and a transaction
begins with the mode its connection asks for (`sqlite_begin`): the writers' connections
ask for `BEGIN IMMEDIATE`, because a deferred transaction that reads and then writes
fails with "database is locked" whatever the timeout. PostgreSQL goes through psycopg 3
with a bounded pool (`postgres_pool_size`: every process's pool together fits the
server's `max_connections`) and a lock timeout. `carefund.storage.database.Database` wraps an
engine with everything else a process keeps for its database.
"""

import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError
from sqlmodel import Session, create_engine

from carefund.errors import InvalidInput
from carefund.settings import get_settings
from carefund.storage.direct import wrapped_driver_error

POSTGRES_CONNECT_TIMEOUT_S = 5
"""How long to wait for PostgreSQL to accept a connection."""
POSTGRES_POOL_MAX = 20
"""Connections one process keeps to PostgreSQL at most, however many the server allows
(a worker serves far fewer requests at once than that: 2 cores, a few ms each)."""
POSTGRES_POOL_MIN = 2
POSTGRES_PING_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is handed out
(`_ping_when_idle`); one back in the pool more recently is used as it is."""
POSTGRES_CONNECTIONS_SPARE = 10
"""Connections left to everything but the server's workers: the command line, psql,
migrations, replication, monitoring."""
SQLITE_BEGIN_OPTION = "sqlite_begin"
"""The execution option that picks how an SQLite transaction begins (DEFERRED, IMMEDIATE)."""


def normalize_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use psycopg 3 for all of them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_lock_timeout_ms() -> int:
    """How long any wait for a lock lasts unless the caller says otherwise (the setting)."""
    return get_settings().lock_timeout_ms


def make_engine(url: str, *, lock_timeout_ms: int | None = None) -> Engine:
    """An engine for `url`, configured for the ledger; a clear error when the URL is unusable.

    `lock_timeout_ms` (default: the setting) bounds every wait for a lock. Statement
    parameters are left out of error messages (`hide_parameters`): a failed insert of a
    recipient must not write an ID number into the server's error log.
    """
    url = normalize_url(url)
    if lock_timeout_ms is None:
        lock_timeout_ms = default_lock_timeout_ms()
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(f"数据库地址无法解析：{url!r}（应如 sqlite:///./carefund.db）") from exc
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(url, lock_timeout_ms)
        if backend == "postgresql":
            return _ping_when_idle(create_engine(
                url,
                pool_size=postgres_pool_size(url),
                max_overflow=0,
                hide_parameters=True,
                pool_timeout=lock_timeout_ms / 1000,
                connect_args={
                    "connect_timeout": POSTGRES_CONNECT_TIMEOUT_S,
                    "options": f"-c lock_timeout={lock_timeout_ms}",
                },
            ))  # fmt: skip
        raise InvalidInput(f"不支持的数据库：{backend}（只支持 sqlite 与 postgresql）")
    except NoSuchModuleError as exc:
        raise InvalidInput(f"数据库驱动不可用：{url!r}") from exc


def postgres_pool_size(url: str) -> int:
    """Connections this process may keep to the PostgreSQL server at `url`: the setting
    (CAREFUND_POOL_SIZE) when given; else its share, among CAREFUND_WORKERS processes, of
    the connections the server takes (`max_connections` less those reserved for
    superusers and `POSTGRES_CONNECTIONS_SPARE`), at most `POSTGRES_POOL_MAX`. The server
    is asked once, here; unreachable, it is taken to allow PostgreSQL's default (100)."""
    settings = get_settings()
    if settings.pool_size > 0:
        return settings.pool_size
    available = (_server_connections(url) or 100 - 3) - POSTGRES_CONNECTIONS_SPARE
    share = available // max(settings.workers, 1)
    return max(POSTGRES_POOL_MIN, min(POSTGRES_POOL_MAX, share))


_CHECKED_IN_AT = "carefund_checked_in_at"


def _ping_when_idle(engine: Engine) -> Engine:
    """Ping a pooled connection before handing it out when it has been idle a while.

    A connection the server dropped (a restart, an idle timeout) must not fail the request
    that draws it, so one that has waited in the pool longer than `POSTGRES_PING_IDLE_S` is
    pinged, and a dead one replaced by a new connection (the pool does that when the
    checkout raises `DisconnectionError`). `pool_pre_ping` would ping at every checkout: a
    round trip, and some 0.1 ms of this process's CPU, twice per API request (the token
    lookup and the unit of work) for connections that were in use a moment ago.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None or time.monotonic() - checked_in_at < POSTGRES_PING_IDLE_S:
            return  # a new connection, or one in use a moment ago
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError("连接已断开，换一条新连接") from exc
            raise

    return engine


_SERVER_CONNECTIONS = (
    "SELECT current_setting('max_connections')::int"
    " - current_setting('superuser_reserved_connections')::int"
    " - coalesce(current_setting('reserved_connections', true)::int, 0)"
)


def _server_connections(url: str) -> int | None:
    """How many connections the server takes from roles like ours; None if it cannot say."""
    import psycopg

    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(libpq_url, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S) as probe:
            row = probe.execute(_SERVER_CONNECTIONS).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else None


def _sqlite_engine(url: str, lock_timeout_ms: int) -> Engine:
    in_memory = make_url(url).database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": lock_timeout_ms / 1000},
        hide_parameters=True,
        # The connection used last has the warmest page cache (a file's pool only).
        **({} if in_memory else {"pool_use_lifo": True}),
    )

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
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        # Straight to the driver: this runs once per unit of work, on the posting path too.
        sql = _BEGIN_SQL[mode]
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql)
        except sqlite3.Error as exc:
            raise wrapped_driver_error(connection, sql, [], exc, cursor) from exc

    return engine


_BEGIN_SQL = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE")}


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"
