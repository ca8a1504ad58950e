"""Reads from a read replica (`CAREFUND_READ_DATABASE_URL`): a real streaming standby of
the test PostgreSQL (tests/replica_support.py) answers a closed month's statement as it
is, and a read that must see the latest write waits for it to replay the primary's WAL,
or reads the primary when it does not in time. Without a replica (SQLite, or none set),
`read(..., replica=True)` is a read of the one database."""

import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from carefund import periods
from carefund.books import read_journal
from carefund.errors import InvalidInput
from carefund.reports import documents
from carefund.storage.database import Database
from tests.api_support import make_api
from tests.builders import make_fund, make_staff, record
from tests.conftest import POSTGRES_ADMIN_URL, _truncate_all
from tests.replica_support import streaming_replica  # noqa: F401 (a fixture)


class Statements:
    """Counts the statements an engine runs (which server answered a read)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


@pytest.fixture
def replicated(streaming_replica: str, postgres_database: str) -> Iterator[Database]:  # noqa: F811
    """A clean PostgreSQL test database whose reads may go to the streaming replica."""
    database = Database.open(postgres_database)
    _truncate_all(database.engine)
    database.dispose()
    name = make_url(postgres_database).database
    replica_url = make_url(streaming_replica).set(database=name).render_as_string(False)
    database = Database.open(postgres_database, read_url=replica_url)
    assert database.replica is not None
    # The test database's creation and truncation have been replayed there (until then
    # the replica has no such database, and reads go to the primary).
    for _ in range(300):
        if database.replica.caught_up_with(database.engine):
            break
        time.sleep(0.1)
    assert database.replica.caught_up_with(database.engine)
    yield database
    _set_replay(database, paused=False)
    database.dispose()


def _set_replay(database: Database, *, paused: bool) -> None:
    assert database.replica is not None
    call = "pg_wal_replay_pause()" if paused else "pg_wal_replay_resume()"
    with database.replica.engine.connect() as connection:
        connection.execute(text(f"SELECT {call}"))
        if paused:  # a pause is asked for, then reached
            for _ in range(200):
                state = connection.execute(text("SELECT pg_get_wal_replay_pause_state()"))
                if state.scalar_one() == "paused":
                    break
                time.sleep(0.01)


def _march_closed_and_december_open(database: Database, staff: dict | None = None) -> dict:
    staff = staff or make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "1200.00", on="2026-03-05")
    record(database, staff["clerk"], "300.50", on="2026-03-20")
    database.write(
        lambda session: periods.close_period(
            session, fund_code="HC-CARE", month="2026-03", actor=staff["approver"]
        )
    )
    return staff


def _statement(database: Database, period: str, auditor) -> dict:  # type: ignore[no-untyped-def]
    return database.read(
        lambda session: documents.statement_public(
            session, fund_code="HC-CARE", period=period, actor=auditor
        ),
        replica=True,
        settled=partial(documents.period_is_final, fund_code="HC-CARE", period=period),
    )


def _entries(database: Database, auditor, **where: Any) -> int:  # type: ignore[no-untyped-def]
    def count(session: Session) -> int:
        return len(
            read_journal(session, fund_code="HC-CARE", actor=auditor, after_seq=0, limit=100)
        )

    return database.read(count, **where)


def test_a_closed_months_statement_is_read_from_the_replica_as_it_is(replicated) -> None:
    staff = _march_closed_and_december_open(replicated)
    auditor = staff["auditor"]
    assert replicated.replica.caught_up_with(replicated.engine)
    _set_replay(replicated, paused=True)
    # On the primary only: the replica has stopped replaying, so it has not this income.
    record(replicated, staff["clerk"], "50.00", on="2026-12-01")
    on_primary = Statements(replicated.engine)
    on_replica = Statements(replicated.replica.engine)
    started = time.monotonic()
    march = _statement(replicated, "2026-03", auditor)
    assert time.monotonic() - started < replicated.replica.wait_s  # no wait for the replica
    assert march["income"]["total"] == "1500.50"
    assert on_primary.count == 0 and on_replica.count > 0
    # The replica's own view, seen as it is: the three entries of March (two incomes and
    # the seal) but not December's, which the primary has.
    stale = _entries(replicated, auditor, replica=True, settled=lambda _session: True)
    assert (stale, _entries(replicated, auditor)) == (3, 4)


def test_a_read_of_the_latest_write_waits_for_the_replica_or_reads_the_primary(
    replicated,
) -> None:
    staff = _march_closed_and_december_open(replicated)
    auditor = staff["auditor"]
    _set_replay(replicated, paused=True)
    record(replicated, staff["clerk"], "50.00", on="2026-12-01")
    replicated.replica.wait_s = 0.3
    on_primary = Statements(replicated.engine)
    on_replica = Statements(replicated.replica.engine)
    # December is open: its statement must see the income just written. The paused
    # replica never gets there, so after the bounded wait the primary answers.
    started = time.monotonic()
    year = _statement(replicated, "2026", auditor)
    assert time.monotonic() - started >= 0.3
    assert year["income"]["total"] == "1550.50"
    primary_after_fallback = on_primary.count
    assert primary_after_fallback > 1  # the primary's WAL position, then the statement
    # Replaying again, the replica catches up within the wait and answers itself: the
    # primary is asked for its WAL position alone.
    _set_replay(replicated, paused=False)
    replicated.replica.wait_s = 10
    replica_before = on_replica.count
    year = _statement(replicated, "2026", auditor)
    assert year["income"]["total"] == "1550.50"
    assert on_primary.count == primary_after_fallback + 1
    assert on_replica.count > replica_before + 1


def test_the_api_reads_statements_documents_and_verify_from_the_replica(replicated) -> None:
    for api in make_api(replicated):
        _march_closed_and_december_open(replicated, api.staff)
        assert replicated.replica.caught_up_with(replicated.engine)
        on_replica = Statements(replicated.replica.engine)
        for path in (
            "/funds/HC-CARE/statements/2026-03.json",
            "/funds/HC-CARE/statements/2026-03.csv",
            "/funds/HC-CARE/verify",
        ):
            before = on_replica.count
            answer = api.get("auditor", path)
            assert answer.status_code == 200, (path, answer.text)
            assert on_replica.count > before, path
        assert api.ok(api.get("auditor", "/funds/HC-CARE/verify"))["entries"] == 3


@pytest.mark.skipif(POSTGRES_ADMIN_URL is None, reason="needs PostgreSQL")
def test_an_unreachable_replica_leaves_reads_to_the_primary(postgres_database) -> None:
    database = Database.open(postgres_database)
    _truncate_all(database.engine)
    database.dispose()
    unreachable = make_url(postgres_database).set(port=1).render_as_string(False)
    database = Database.open(postgres_database, read_url=unreachable)
    try:
        staff = _march_closed_and_december_open(database)
        record(database, staff["clerk"], "50.00", on="2026-12-01")
        assert _statement(database, "2026", staff["auditor"])["income"]["total"] == "1550.50"
    finally:
        database.dispose()


def test_without_a_replica_a_replica_read_is_a_read(database) -> None:
    staff = _march_closed_and_december_open(database)
    record(database, staff["clerk"], "50.00", on="2026-12-01")
    assert database.replica is None
    assert _statement(database, "2026-03", staff["auditor"])["income"]["total"] == "1500.50"
    assert _entries(database, staff["auditor"], replica=True) == 4


def test_a_replica_is_for_a_postgresql_primary_only(tmp_path) -> None:
    with pytest.raises(InvalidInput, match="PostgreSQL"):
        Database.open(
            f"sqlite:///{tmp_path / 'a.db'}", read_url="postgresql://postgres@127.0.0.1:1/x"
        )
    with pytest.raises(InvalidInput, match="PostgreSQL"):
        Database.open("postgresql://postgres@127.0.0.1:1/x", read_url=f"sqlite:///{tmp_path}/b.db")


def test_the_settings_name_the_replica(monkeypatch) -> None:
    from carefund.settings import get_settings

    monkeypatch.setenv("CAREFUND_DATABASE_URL", "postgresql://carefund@db-primary/carefund")
    monkeypatch.setenv("CAREFUND_READ_DATABASE_URL", "postgresql://carefund@db-standby/carefund")
    monkeypatch.setenv("CAREFUND_READ_REPLICA_WAIT_MS", "250")
    get_settings.cache_clear()
    try:
        configured = Database.configured()  # engines connect lazily: nothing is reached
        assert configured.replica is not None
        assert configured.replica.engine.url.host == "db-standby"
        assert configured.replica.wait_s == 0.25
        configured.dispose()
        monkeypatch.delenv("CAREFUND_READ_DATABASE_URL")
        get_settings.cache_clear()
        assert Database.configured().replica is None
    finally:
        get_settings.cache_clear()
