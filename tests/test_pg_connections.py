"""PostgreSQL's connections: every worker's pool together fits the server's
`max_connections`, and statements sent in one pipeline fail as any other statement."""

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from carefund.settings import get_settings
from carefund.storage import engines
from carefund.storage.database import Database
from carefund.storage.direct import DirectStatement, pipelined
from carefund.storage.engines import (
    POSTGRES_CONNECTIONS_SPARE,
    POSTGRES_POOL_MAX,
    make_engine,
    postgres_pool_size,
)
from tests.conftest import POSTGRES_ADMIN_URL

needs_postgres = pytest.mark.skipif(POSTGRES_ADMIN_URL is None, reason="no PostgreSQL")


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


@needs_postgres
@pytest.mark.parametrize("workers", [1, 4, 16])
def test_every_workers_pool_together_fits_max_connections(settings_env, workers: int) -> None:
    assert POSTGRES_ADMIN_URL is not None
    settings_env.setenv("CAREFUND_WORKERS", str(workers))
    engine = make_engine(POSTGRES_ADMIN_URL)
    with engine.connect() as connection:
        allowed = connection.execute(
            text(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
            )
        ).scalar_one()
    size = engine.pool.size()  # type: ignore[attr-defined]
    engine.dispose()
    assert size == postgres_pool_size(POSTGRES_ADMIN_URL) <= POSTGRES_POOL_MAX
    assert workers * size <= allowed - POSTGRES_CONNECTIONS_SPARE or size == 2


def test_the_pool_size_setting_wins_and_an_unanswering_server_is_assumed_default(
    settings_env,
) -> None:
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    settings_env.setenv("CAREFUND_WORKERS", "4")
    get_settings.cache_clear()
    expected = min(POSTGRES_POOL_MAX, (100 - 3 - POSTGRES_CONNECTIONS_SPARE) // 4)
    assert postgres_pool_size(nowhere) == expected
    settings_env.setenv("CAREFUND_POOL_SIZE", "7")
    get_settings.cache_clear()
    assert postgres_pool_size(nowhere) == 7


def test_a_statement_refused_in_a_pipeline_is_raised_as_sqlalchemys(database: Database) -> None:
    orphan = DirectStatement(
        text("INSERT INTO counter (fund_id, name, last_value) VALUES (999999, 'orphan', 1)")
    )

    def write(session: Session) -> None:
        with pipelined(session):
            orphan.run(session)

    with pytest.raises(IntegrityError):
        database.write(write)


def test_a_connection_the_server_dropped_is_replaced_not_failed(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled connection idle a while is pinged when drawn: one the server has dropped is
    replaced by a new one and the request goes through; one in use a moment ago is not
    pinged at all (no round trip per checkout)."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL's pool")
    backend_pid = text("SELECT pg_backend_pid()")
    pings: list[object] = []
    ping = database.engine.dialect.do_ping
    monkeypatch.setattr(database.engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    database.engine.pool.dispose()  # one connection in the pool from here on: this test's
    first = database.write(lambda session: session.execute(backend_pid).scalar_one())
    assert database.write(lambda session: session.execute(backend_pid).scalar_one()) == first
    assert pings == []  # back in the pool a moment ago: used as it is

    assert POSTGRES_ADMIN_URL is not None
    admin = make_engine(POSTGRES_ADMIN_URL)
    with admin.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        other.commit()
    admin.dispose()
    monkeypatch.setattr(engines, "POSTGRES_PING_IDLE_S", 0.0)
    second = database.write(lambda session: session.execute(backend_pid).scalar_one())
    assert second != first and len(pings) >= 1


def test_the_token_lookup_leaves_its_connection_transactional(database: Database) -> None:
    """`look_up` runs in autocommit on PostgreSQL and hands its connection back as it
    found it: a unit of work drawing it next still rolls back as one."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL's pool")
    database.engine.pool.dispose()  # one connection in the pool from here on
    one = DirectStatement(text("SELECT 1"))
    assert database.look_up(one, {}) == (1,)

    def write_then_fail(session: Session) -> None:
        session.execute(text("CREATE TABLE lookup_probe (id int)"))
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        database.write(write_then_fail)
    exists = "SELECT to_regclass('lookup_probe') IS NOT NULL"
    assert database.read(lambda session: session.execute(text(exists)).scalar_one()) is False
