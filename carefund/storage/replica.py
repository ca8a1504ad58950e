"""A PostgreSQL read replica (a hot standby streaming from the primary), for reads only.

`carefund.storage.database.Database` keeps one when `CAREFUND_READ_DATABASE_URL` is set
and sends the reads that ask for it here (`database.read(query, replica=True)`). A
standby replays the primary's WAL a little behind it, so a read that must see what was
committed before it began asks the primary how far its WAL has gone
(`pg_current_wal_lsn()`) and waits, a bounded time, until the standby has replayed that
far (`pg_last_wal_replay_lsn()`); past the bound it reads from the primary instead. A
transaction whose commit record has been replayed is visible to every snapshot taken on
the standby after it, so the snapshot is taken only once the wait is over.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

log = logging.getLogger(__name__)

POLL_FIRST_S = 0.001
"""The first pause between two looks at the standby's replay position; it doubles..."""
POLL_MAX_S = 0.02
"""...up to this."""

_PRIMARY_LSN = text("SELECT CAST(pg_current_wal_lsn() AS text)")
# A server that is not in recovery (the primary itself given as the replica) has no
# replay position and is always up to date.
_REPLAYED = text(
    "SELECT coalesce(pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn), NOT pg_is_in_recovery())"
)


class ReadReplica:
    """The standby's engine, its snapshot twin, and the wait for a primary's position."""

    def __init__(self, engine: Engine, *, wait_ms: int) -> None:
        self.engine = engine
        self.wait_s = wait_ms / 1000
        # Reads on the standby see one snapshot, as on the primary (REPEATABLE READ works
        # on a hot standby; SERIALIZABLE does not).
        self._snapshot = engine.execution_options(isolation_level="REPEATABLE READ")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on one snapshot of the standby as it is now; never commits."""
        with Session(self._snapshot, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def settled_session(self, settled: Callable[[Session], bool]) -> Iterator[Session | None]:
        """A session on the standby as it is, if `settled(session)` says that what is asked
        for is final there; else (or when the standby cannot be reached) None."""
        try:
            session = Session(self._snapshot, expire_on_commit=False)
            final = settled(session)
        except OperationalError as exc:
            session.close()
            log.warning("read replica unreachable (%s): reading the primary", exc.orig)
            final = False
        with session:
            yield session if final else None

    def caught_up_with(self, primary: Engine) -> bool:
        """Whether the standby has replayed everything the primary had written when this
        was called, waiting up to `wait_s` for it; False too when the standby cannot be
        reached (the caller then reads from the primary)."""
        with primary.connect() as connection:
            lsn = connection.execute(_PRIMARY_LSN).scalar_one()
        deadline = time.monotonic() + self.wait_s
        pause = POLL_FIRST_S
        try:
            with self.engine.connect() as connection:
                while True:
                    if connection.execute(_REPLAYED, {"lsn": lsn}).scalar_one():
                        return True
                    connection.rollback()  # no snapshot kept between two looks
                    if time.monotonic() + pause > deadline:
                        log.info("read replica behind %s: reading the primary", lsn)
                        return False
                    time.sleep(pause)
                    pause = min(pause * 2, POLL_MAX_S)
        except OperationalError as exc:
            log.warning("read replica unreachable (%s): reading the primary", exc.orig)
            return False

    def dispose(self) -> None:
        self.engine.dispose()
