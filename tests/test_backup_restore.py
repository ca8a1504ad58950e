"""Backup and restore: a copy taken with the documented tool, used as a new database, holds
the same books — every chain verifies with the same head, every statement is the same —
and carries on where the original stopped.

SQLite: `carefund backup FILE`. PostgreSQL: `pg_dump -Fc` then `pg_restore` into a new
database (what `carefund backup` tells PostgreSQL users to do), when those tools exist.
"""

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.province import ACTORS, BookSize, generate
from carefund import funds, incomes
from carefund.access import users
from carefund.ledger.verify import verify
from carefund.models import Income
from carefund.reports.statements import build_statement, parse_period, statement_json
from carefund.storage.database import Database
from carefund.storage.engines import normalize_url
from carefund.storage.schema import is_current
from tests.builders import record

PERIODS = [f"2026-{month:02d}" for month in range(1, 13)] + ["2025-12", "2026-Q4", "2026"]
"""Every month of the year, and a month, a quarter and a year besides."""
TABLES = (
    "fund",
    "journal_entry",
    "posting",
    "income",
    "disbursement",
    "recipient",
    "counter",
    "period",
    "event",
    "audit_log",
    "app_user",
    "api_token",
)


def carefund(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CAREFUND_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def books_of(database: Database) -> dict[str, Any]:
    """Everything a restore must give back: chains, statements, row counts."""
    snapshot: dict[str, Any] = {}

    def read(session: Session) -> Any:
        for fund in funds.all_funds(session):
            verified = verify(session, fund)
            assert verified.ok, (fund.code, verified.problem)
            snapshot[fund.code] = {
                "head": (verified.entries, verified.head_hash, fund.cash_fen),
                "statements": {
                    label: statement_json(build_statement(session, fund, parse_period(label)))
                    for label in PERIODS
                },
            }
        snapshot["rows"] = {
            table: session.connection().execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in TABLES
        }

    database.read(read)
    return snapshot


@pytest.fixture
def original(database: Database) -> Database:
    """Two funds with two years of books (a closed year among them) and some history."""
    generate(database, BookSize(entries=400, funds=2, recipients=30), seed=3, echo=lambda _: None)
    clerk = database.read(lambda session: users.get_user(session, ACTORS["clerk"]))
    record(database, clerk, "88.00", fund="PROV-CARE", on="2026-12-30", payer="区财政局")
    return database


def carries_on(url: str) -> None:
    """The copy is a working database: it is current, and takes the next receipt number."""
    database = Database.open(url)
    try:
        assert is_current(database.engine)

        def write(session: Session) -> Any:
            clerk = users.get_user(session, ACTORS["clerk"])
            before = funds.find_fund(session, "PROV-CARE").head_seq
            recorded = incomes.record_income(
                session,
                fund_code="PROV-CARE",
                source="sponsorship",
                payer="恢复后第一笔",
                amount="1.00",
                received_on="2026-12-31",
                actor=clerk,
            )
            income = session.get_one(Income, recorded["id"])
            return before, income

        before, income = database.write(write)

        def read(session: Session) -> Any:
            fund = funds.find_fund(session, "PROV-CARE")
            assert fund.head_seq == before + 1 and verify(session, fund).ok

        database.read(read)
        assert income.receipt_no.startswith("PROV-CARE-2026-")
    finally:
        database.dispose()


@contextmanager
def sqlite_copy(database_url: str, tmp_path: Path) -> Iterator[str]:
    """`carefund backup FILE`: the URL of the copy."""
    copy = tmp_path / "restored.db"
    made = carefund("backup", str(copy), url=database_url)
    assert made.returncode == 0, made.stderr
    yield f"sqlite:///{copy}"


@contextmanager
def postgresql_copy(database_url: str) -> Iterator[str]:
    """`pg_dump -Fc` then `pg_restore` into a new database: its URL (dropped after)."""
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: PostgreSQL backup not tested")
    source = make_url(normalize_url(database_url))
    libpq = source.set(drivername="postgresql")
    name = f"carefund_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        dump = subprocess.run(
            ["pg_dump", "-Fc", "-d", libpq.render_as_string(hide_password=False)],
            capture_output=True,
            timeout=120,
        )
        assert dump.returncode == 0, dump.stderr.decode()
        target = libpq.set(database=name).render_as_string(hide_password=False)
        restore = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", target],
            input=dump.stdout,
            capture_output=True,
            timeout=120,
        )
        assert restore.returncode == 0, restore.stderr.decode()
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_restored_backup_holds_the_same_books(
    original: Database, database_url: str, tmp_path: Path
) -> None:
    sqlite = database_url.startswith("sqlite")
    with sqlite_copy(database_url, tmp_path) if sqlite else postgresql_copy(database_url) as url:
        assert carefund("verify", url=url).returncode == 0
        restored = Database.open(url)
        assert books_of(restored) == books_of(original)
        restored.dispose()
        carries_on(url)
