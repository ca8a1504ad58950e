"""Test databases: every test that asks for `database` (or `engine`) runs on SQLite and,
when PostgreSQL answers, on PostgreSQL too, each in a clean database.

PostgreSQL is taken from CAREFUND_TEST_POSTGRES_URL (a URL to an existing database the
tests may create databases through). Without it, 127.0.0.1:5432 is tried; set
CAREFUND_TEST_POSTGRES_URL=none to run on SQLite alone.
"""

import os
import shutil
import uuid
from collections.abc import Iterator

# Personal data is sealed under a fixed test key (before anything reads the settings), so
# every test runs with the key configured; tests/test_data_keys.py also runs without one.
TEST_DATA_KEY = "dGVzdC1kYXRhLWtleS1jYXJlZnVuZC0zMi1ieXRlcyE="
os.environ["CAREFUND_DATA_KEY"] = TEST_DATA_KEY

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from carefund import clock  # noqa: E402
from carefund.storage.database import Database  # noqa: E402
from carefund.storage.engines import make_engine, normalize_url  # noqa: E402
from carefund.storage.schema import upgrade  # noqa: E402
from tests.clock_support import tests_noon, ticking_from  # noqa: E402

pytest_plugins = ["tests.api_support"]

# `make fuzz` runs the property tests that use the default example count with this profile.
settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("CAREFUND_FUZZ_EXAMPLES", "3000")), deadline=None
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True, scope="session")
def _tests_today() -> Iterator[None]:
    """Today is `TESTS_TODAY` for every test (tests/clock_support.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "utc_now", ticking_from(tests_noon()))
        yield


def _postgres_admin_url() -> str | None:
    configured = os.environ.get("CAREFUND_TEST_POSTGRES_URL")
    if configured and configured.lower() == "none":
        return None
    url = normalize_url(configured or DEFAULT_POSTGRES_URL)
    try:
        probe = create_engine(url, connect_args={"connect_timeout": 2})
        with probe.connect():
            pass
        probe.dispose()
    except Exception as exc:  # noqa: BLE001 (any failure means "no PostgreSQL here")
        if configured:
            raise pytest.UsageError(f"CAREFUND_TEST_POSTGRES_URL does not answer: {exc}") from exc
        return None
    return url


POSTGRES_ADMIN_URL = _postgres_admin_url()
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_ADMIN_URL else [])


def pytest_report_header(config: pytest.Config) -> str:
    where = f" ({make_url(POSTGRES_ADMIN_URL).render_as_string()})" if POSTGRES_ADMIN_URL else ""
    return f"carefund backends: {', '.join(BACKENDS)}{where}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database for this test run, migrated once, dropped at the end."""
    assert POSTGRES_ADMIN_URL
    name = f"carefund_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # Tampering tests switch the books' guards off; the next test gets them back.
        for table in ("journal_entry", "posting", "income", "disbursement"):
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The URL of a clean, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "carefund.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A clean database of each backend: the one way the tests write and read."""
    configured = Database.open(database_url)
    yield configured
    configured.dispose()


@pytest.fixture
def engine(database: Database) -> Engine:
    """The test database's engine, for tests that go around the ledger (tampering, raw SQL)."""
    return database.engine


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, database_url: str, tmp_path):  # type: ignore[no-untyped-def]
    """A factory of clean databases on the test's backend, for property-based tests whose
    every example needs empty books."""
    databases: list[Database] = []
    counter = iter(range(1_000_000))

    def make() -> Database:
        for old in databases:
            old.dispose()
        if database_url.startswith("sqlite"):
            path = tmp_path / f"example{next(counter)}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
            url = f"sqlite:///{path}"
        else:
            url = database_url
            cleaner = make_engine(url)
            _truncate_all(cleaner)
            cleaner.dispose()
        databases.append(Database.open(url))
        return databases[-1]

    yield make
    for old in databases:
        old.dispose()
