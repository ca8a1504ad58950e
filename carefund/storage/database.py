"""The `Database`: one database and everything this process keeps for it.

There is one way to write and one way to read, for the API, the pages, the command line,
the benchmarks and the tests alike:

- `database.write(use_case)` runs `use_case(session)` in one transaction and commits it
  once, when the use case returns; any error rolls it back. On SQLite the writers of this
  process queue on the database's writer lock and the holder writes through its one writer
  connection, beginning with `BEGIN IMMEDIATE`; on PostgreSQL a pooled connection is used.
  It blocks: call it from a thread (a command, a test, a page).
- `await database.write_async(use_case, short=...)` is the API's way. On SQLite a short use
  case joins the group commit of the running event loop (`carefund.storage.group_commit`):
  concurrent requests share one transaction and one fsync, and each gets its answer only
  after the commit. A long use case (an import, a plan run), and every one on PostgreSQL,
  runs `write` in a worker thread. A use case run this way should return plain data.
- `database.read(query)` runs `query(session)` in a session that never commits; the
  objects it returns stay readable afterwards. `database.read(query, replica=True)` runs
  it on the read replica when one is configured (`CAREFUND_READ_DATABASE_URL`, PostgreSQL
  only; `carefund.storage.replica`), seeing everything committed before the call: the
  replica is waited for, a bounded time, or else the primary answers. With
  `settled=check`, a read whose data can no longer change (a closed month) is answered
  from the replica as it is, without the wait, whenever `check(session)` says so there.

Within `around_writes(wrapper)` (an idempotent API request), `write_async` runs
`wrapper(use_case)` instead: the same transaction then also records the use case's result,
or, for a retry of a request that committed, answers that result without running it again.

Use cases take the session as their first argument and never commit (one use case, one
transaction). The per-database state that used to live in module-level registries (the
writer lock and connection, the group committers, the token cache, the pages' cache) lives
here, so a second database in the same process (tests make many) shares none of it.
"""

import asyncio
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from carefund.errors import InvalidInput
from carefund.settings import get_settings
from carefund.storage.direct import DirectStatement
from carefund.storage.engines import SQLITE_BEGIN_OPTION, default_lock_timeout_ms, make_engine
from carefund.storage.group_commit import GroupCommitter
from carefund.storage.replica import ReadReplica

T = TypeVar("T")

SESSION_DATABASE = "carefund_database"
"""Where a session that `Database` opened keeps it (`session.info`), so a use case can reach
what the process keeps for its database (`database_of`)."""

AroundWrite = Callable[[Callable[[Session], Any]], Callable[[Session], Any]]
"""Turns a request's use case into what `write_async` runs in its place (`around_writes`)."""
_around_writes: ContextVar[AroundWrite | None] = ContextVar("carefund_around_writes", default=None)


@contextmanager
def around_writes(wrapper: AroundWrite) -> Iterator[None]:
    """Within this block (this task and the threads it starts), `write_async` runs
    `wrapper(use_case)` in the use case's place, in the same transaction."""
    token = _around_writes.set(wrapper)
    try:
        yield
    finally:
        _around_writes.reset(token)


class Database:
    """One database and everything this process keeps for it."""

    engine: Engine

    def __init__(
        self,
        engine: Engine,
        *,
        lock_timeout_ms: int | None = None,
        replica: ReadReplica | None = None,
    ) -> None:
        """`lock_timeout_ms` (default: the setting) bounds the wait for the writer lock;
        `replica` is where `read(..., replica=True)` reads (none: the primary)."""
        if replica is not None and engine.dialect.name != "postgresql":
            raise InvalidInput("只读副本（CAREFUND_READ_DATABASE_URL）只用于 PostgreSQL 主库")
        self.engine = engine
        self.replica = replica
        if lock_timeout_ms is None:
            lock_timeout_ms = default_lock_timeout_ms()
        self.lock_timeout_s = lock_timeout_ms / 1000
        self.cache: dict[str, Any] = {}
        """What the web pages keep for this database: chain checks, the signing secret."""
        self._is_sqlite = engine.dialect.name == "sqlite"
        self._writer_lock = threading.Lock()
        # The engine's twin whose transactions begin with BEGIN IMMEDIATE.
        self._immediate = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        self._writer_connection: Connection | None = None
        self._lookup_connection: Any = None
        self._lookup_lock = threading.Lock()
        # Reads see one snapshot: PostgreSQL's default (READ COMMITTED) lets each statement
        # see what committed since the last, so a chain verified while others post could
        # count an entry whose fund head it had already read (a false alarm). SQLite's read
        # transaction is a snapshot already.
        self._snapshot = (
            engine
            if self._is_sqlite
            else engine.execution_options(isolation_level="REPEATABLE READ")
        )
        self._committers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitter]
        self._committers = weakref.WeakKeyDictionary()
        if self._is_sqlite:
            event.listen(engine, "engine_disposed", self._on_engine_disposed)

    @classmethod
    def open(
        cls, url: str, *, lock_timeout_ms: int | None = None, read_url: str = ""
    ) -> "Database":
        """The database at `url` (see `carefund.storage.engines.make_engine`), reading
        from the replica at `read_url` when given."""
        engine = make_engine(url, lock_timeout_ms=lock_timeout_ms)
        replica = None
        if read_url:
            replica_engine = make_engine(read_url, lock_timeout_ms=lock_timeout_ms)
            if replica_engine.dialect.name != "postgresql":
                raise InvalidInput("只读副本（CAREFUND_READ_DATABASE_URL）须为 PostgreSQL")
            replica = ReadReplica(replica_engine, wait_ms=get_settings().read_replica_wait_ms)
        return cls(engine, lock_timeout_ms=lock_timeout_ms, replica=replica)

    @classmethod
    def configured(cls) -> "Database":
        """The database of the settings: CAREFUND_DATABASE_URL, and the read replica at
        CAREFUND_READ_DATABASE_URL when set."""
        settings = get_settings()
        return cls.open(settings.database_url, read_url=settings.read_database_url)

    @property
    def is_sqlite(self) -> bool:
        return self._is_sqlite

    def write(self, use_case: Callable[[Session], T]) -> T:
        """Run `use_case(session)` in one transaction, committed once; blocking."""
        with self.write_transaction() as session:
            return use_case(session)

    async def write_async(self, use_case: Callable[[Session], T], *, short: bool = True) -> T:
        """`write` for the event loop: a short use case on SQLite joins the group commit;
        a long one, and every one on PostgreSQL, runs `write` in a worker thread."""
        wrapper = _around_writes.get()
        if wrapper is not None:
            use_case = wrapper(use_case)
        if short and self._is_sqlite:
            return await self._group_committer().run(use_case)
        return await anyio.to_thread.run_sync(self.write, use_case)

    def read(
        self,
        query: Callable[[Session], T],
        *,
        replica: bool = False,
        settled: Callable[[Session], bool] | None = None,
    ) -> T:
        """Run `query(session)` in a session that never commits, on one snapshot of the
        database. Closing it (not rolling back) leaves the loaded objects readable after it.

        `replica=True`: on the read replica, if there is one, once it has replayed all the
        primary had written at the call (waited for a bounded time, else on the primary).
        `settled` (with `replica`): first asked on the replica's snapshot as it is; when
        it answers True, the data asked for is final there and `query` runs on that same
        snapshot without waiting."""
        if replica and self.replica is not None:
            return self._read_replica(self.replica, query, settled)
        with Session(self._snapshot, expire_on_commit=False) as session:
            session.info[SESSION_DATABASE] = self
            return query(session)

    def _read_replica(
        self,
        replica: ReadReplica,
        query: Callable[[Session], T],
        settled: Callable[[Session], bool] | None,
    ) -> T:
        if settled is not None:
            with replica.settled_session(settled) as session:
                if session is not None:
                    return query(session)
        if replica.caught_up_with(self.engine):
            with replica.session() as session:
                return query(session)
        return self.read(query)

    def look_up(self, statement: DirectStatement, params: dict[str, Any]) -> tuple | None:
        """The first row of a direct statement, asked at once and seeing the latest commit:
        for the lookup every API request makes (its bearer token), which must not pay for a
        unit of work. On SQLite it runs on this process's lookup connection, in SQLite's own
        one-statement transaction; on PostgreSQL on a pooled connection in autocommit, so
        that it is one round trip (not BEGIN, the statement and ROLLBACK)."""
        if not self._is_sqlite:
            return self._look_up_autocommit(statement, params)
        with self._lookup_lock:
            if self._lookup_connection is None:
                # A pooled driver connection kept out of the pool for good (the engine's
                # connect event configured it); `dispose` closes it.
                self._lookup_connection = self.engine.raw_connection()
            driver = self._lookup_connection.driver_connection
            return statement.run_on_driver(driver, self.engine.dialect, params)

    def _look_up_autocommit(self, statement: DirectStatement, params: dict[str, Any]) -> Any:
        """`look_up` on PostgreSQL: a pooled driver connection, switched to autocommit for
        the one statement. Straight from the pool, not through an engine `Connection` set
        to AUTOCOMMIT, which costs several times the statement's own CPU (it sets and
        resets the isolation level through SQLAlchemy's machinery at every request)."""
        dialect = self.engine.dialect
        driver_error = dialect.loaded_dbapi.Error
        try:
            # The pool raises the driver's own errors; wrapped as SQLAlchemy's, as
            # `Engine.connect` would, an unreachable server answers 503, not 500.
            pooled = self.engine.raw_connection()
        except driver_error as exc:
            raise DBAPIError.instance(None, None, exc, driver_error, dialect=dialect) from exc
        try:
            driver: Any = pooled.driver_connection
            try:
                driver.autocommit = True
                return statement.run_on_driver(driver, dialect, params)
            except driver_error as exc:  # a connection that died in the pool
                raise DBAPIError.instance(None, None, exc, driver_error, dialect=dialect) from exc
            finally:
                if driver.closed or driver.broken:
                    pooled.invalidate()  # never back into the pool
                else:
                    driver.autocommit = False
        finally:
            pooled.close()

    def dispose(self) -> None:
        """Close the writer connection and every pooled connection (the replica's too)."""
        self.engine.dispose()  # closes the writer connection too (`_on_engine_disposed`)
        if self.replica is not None:
            self.replica.dispose()

    @contextmanager
    def write_transaction(self) -> Iterator[Session]:
        """The transaction `write` runs a use case in; the group committer's way in, since
        it begins and ends the transaction in threads and runs use cases on the loop.
        Everyone else calls `write`."""
        if not self._is_sqlite:
            with _committed_once(self.engine, self) as session:
                yield session
            return
        # Should a thread already hold it (a unit of work inside another), go on without it
        # and let SQLite's busy timeout decide, as it would without the lock.
        locked = self._writer_lock.acquire(timeout=self.lock_timeout_s)
        try:
            # The lock holder writes through the writer connection: no pool round trip per
            # unit of work, and SQLite's page cache stays warm from one to the next.
            bind = self._locked_writer_connection() if locked else self._immediate
            with _committed_once(bind, self) as session:
                yield session
        finally:
            if locked:
                self._writer_lock.release()

    def _locked_writer_connection(self) -> Connection:
        """The writer connection; only the holder of the writer lock uses it.

        SQLite lets one writer in at a time, and a writer that finds it busy sleeps in
        growing steps (up to 100 ms) before it tries again, so under load a few unlucky
        requests wait very long. Queueing this process's writers on a lock instead hands
        the database on at once. Writers in other processes still meet SQLite's own busy
        handling.
        """
        connection = self._writer_connection
        if connection is not None and connection.in_transaction():
            # A unit of work that ended without commit or rollback (it cannot, but should
            # it): never let the next one join its transaction.
            connection.close()
            connection = None
        if connection is None or connection.closed or connection.invalidated:
            connection = self._writer_connection = self._immediate.connect()
        return connection

    def _on_engine_disposed(self, _engine: Engine) -> None:
        connection, self._writer_connection = self._writer_connection, None
        if connection is not None:
            connection.close()
        with self._lookup_lock:
            lookup, self._lookup_connection = self._lookup_connection, None
        if lookup is not None:
            lookup.close()

    def _group_committer(self) -> GroupCommitter:
        """The group committer of the running event loop (one per loop: each has its queue)."""
        loop = asyncio.get_running_loop()
        committer = self._committers.get(loop)
        if committer is None:
            committer = self._committers[loop] = GroupCommitter(self)
        return committer


def database_of(session: Session) -> "Database | None":
    """The `Database` that opened this session, if one did (a test's bare session has none)."""
    return session.info.get(SESSION_DATABASE)


@contextmanager
def _committed_once(bind: Engine | Connection, database: Database) -> Iterator[Session]:
    with Session(bind, expire_on_commit=False) as session:
        session.info[SESSION_DATABASE] = database
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
