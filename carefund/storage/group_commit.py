"""Group commit: concurrent units of work of an asyncio server share one SQLite commit.

SQLite lets one writer in at a time, and with `synchronous=FULL` every commit waits for
the disk. A server that commits each request on its own spends much of a posting's time
in BEGIN, COMMIT and fsync, and its worker threads queue for the writer lock and then
for the GIL: each statement lets go of the GIL and must wait to get it back from the
event loop. Here, per database and event loop, the units of work that are waiting are run
together:

1. a thread takes the writer lock and begins the transaction (`BEGIN IMMEDIATE` may wait
   for another process), while the loop serves other requests;
2. on the loop itself, each waiting unit of work (up to `BATCH_SIZE_MAX`) runs inside a
   savepoint of that transaction. Holding the writer lock, SQLite has nothing to wait
   for, so these are short stretches of CPU with no thread hand-offs;
3. a thread commits (one fsync for the lot) while the loop serves other requests.

What each caller sees is what it would see alone:
- its answer comes only after the commit, so nothing is acknowledged that is not on disk;
- a unit of work that raises a domain error (`CarefundError`) is rolled back to its
  savepoint, alone, and its caller gets the error;
- any other error (a constraint the database refuses, a bug) rolls the whole batch back,
  and then every unit of work of the batch runs again in a transaction of its own, so
  that only the one at fault fails;
- when the transaction cannot begin (the database is locked by another process beyond
  the lock timeout) or cannot commit, every caller of the batch gets that error, and
  nothing of the batch is written.

Units of work are for short use cases (recording one income, say): they run on the
event loop, so a long one would hold up every other request. They should return plain
data; ORM objects they return are detached once the batch has committed. PostgreSQL
commits concurrent transactions together by itself and lets different funds post in
parallel, so it has no group committer.

Nothing calls a committer directly: `Database.write_async` hands a short use case on
SQLite to the committer it keeps for the running loop.
"""

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from carefund.errors import CarefundError
from carefund.storage.direct import direct_connection

if TYPE_CHECKING:
    from carefund.storage.database import Database

BATCH_SIZE_MAX = 64
"""Units of work one transaction holds at most, so that one commit never grows unbounded."""

UnitOfWork = Callable[[Session], Any]
"""A use case with its arguments bound: writes through the session, returns plain data."""


@dataclass
class _Job:
    unit_of_work: UnitOfWork
    future: asyncio.Future
    outcome: tuple[bool, Any] | None = field(default=None)
    """(True, result) or (False, exception), once the job has run."""


class _BatchAborted(Exception):
    """A unit of work failed in a way that spoils the whole transaction."""


class _Transaction:
    """One `Database.write_transaction`, begun and ended in threads and used on the loop in
    between."""

    def __init__(self, database: "Database") -> None:
        self._context: AbstractContextManager[Session] = database.write_transaction()
        self.session: Session | None = None

    def begin(self) -> None:
        """Blocking: take the writer lock and BEGIN IMMEDIATE."""
        session = self._context.__enter__()
        try:
            direct_connection(session)  # begins the transaction now, not on the loop
        except BaseException as exc:
            self._context.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self.session = session

    def commit(self) -> None:
        """Blocking: COMMIT (the fsync) and let go of the writer lock."""
        self._context.__exit__(None, None, None)

    def roll_back(self) -> None:
        """Blocking: ROLLBACK and let go of the writer lock."""
        error = _BatchAborted()
        # Should the rollback itself fail, the connection is broken: nothing was committed.
        with suppress(Exception):
            self._context.__exit__(_BatchAborted, error, None)


class GroupCommitter:
    """The queue of units of work of one SQLite database on one event loop (the loop it is
    used on; it keeps no reference to it, so that the database's committer of a finished
    loop can go)."""

    def __init__(self, database: "Database") -> None:
        assert database.is_sqlite, database.engine.dialect.name
        self._database = database
        self._waiting: list[_Job] = []
        self._drainer: asyncio.Task | None = None

    async def run(self, unit_of_work: UnitOfWork) -> Any:
        """Run the unit of work in the next shared transaction; its result once committed."""
        job = _Job(unit_of_work, asyncio.get_running_loop().create_future())
        self._waiting.append(job)
        if self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())
        return await job.future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                await self._run_batch()
        finally:
            self._drainer = None

    async def _in_thread(self, function: Callable[[], None]) -> None:
        await asyncio.get_running_loop().run_in_executor(None, function)

    async def _run_batch(self) -> None:
        transaction = _Transaction(self._database)
        try:
            await self._in_thread(transaction.begin)
        except BaseException as exc:  # locked out: the waiting jobs fail, none is written
            batch = self._take_batch()
            for job in batch:
                job.outcome = (False, exc)
            _answer(batch)
            if not isinstance(exc, Exception):
                raise
            return
        # Taken only now, so that the jobs that came in while BEGIN waited join too.
        batch = self._take_batch()
        try:
            _run_in_savepoints(transaction, batch)
        except _BatchAborted:
            await self._in_thread(transaction.roll_back)
            for job in batch:
                job.outcome = await self._run_alone(job.unit_of_work)
            _answer(batch)
            return
        try:
            await self._in_thread(transaction.commit)
        except BaseException as exc:  # nothing of the batch is on disk
            for job in batch:
                job.outcome = (False, exc)
            if not isinstance(exc, Exception):
                _answer(batch)
                raise
        _answer(batch)

    def _take_batch(self) -> list[_Job]:
        batch, self._waiting = self._waiting[:BATCH_SIZE_MAX], self._waiting[BATCH_SIZE_MAX:]
        return batch

    async def _run_alone(self, unit_of_work: UnitOfWork) -> tuple[bool, Any]:
        """One unit of work in a transaction of its own (after a batch was aborted)."""
        transaction = _Transaction(self._database)
        try:
            await self._in_thread(transaction.begin)
        except Exception as exc:
            return False, exc
        assert transaction.session is not None
        try:
            result = unit_of_work(transaction.session)
            transaction.session.flush()
        except Exception as exc:
            await self._in_thread(transaction.roll_back)
            return False, exc
        try:
            await self._in_thread(transaction.commit)
        except Exception as exc:
            return False, exc
        return True, result


def _run_in_savepoints(transaction: _Transaction, batch: list[_Job]) -> None:
    """Run each job in its own savepoint; `_BatchAborted` when one fails unexpectedly."""
    session = transaction.session
    assert session is not None
    driver = direct_connection(session)
    for job in batch:
        driver.execute("SAVEPOINT carefund_job")
        try:
            result = job.unit_of_work(session)
            session.flush()
        except CarefundError as exc:
            driver.execute("ROLLBACK TO carefund_job")
            driver.execute("RELEASE carefund_job")
            # Forget whatever the failed unit of work loaded, changed or noted in the
            # session (SQLite may give its ids to the next unit's rows); what the others
            # changed is flushed already, and what they noted is only a cache.
            session.expunge_all()
            session.info.clear()
            job.outcome = (False, exc)
        except Exception as exc:
            raise _BatchAborted from exc
        else:
            driver.execute("RELEASE carefund_job")
            job.outcome = (True, result)


def _answer(batch: list[_Job]) -> None:
    for job in batch:
        if job.future.done():  # its caller went away (the client disconnected)
            continue
        assert job.outcome is not None
        succeeded, value = job.outcome
        if succeeded:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)
