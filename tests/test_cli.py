"""The command line: init, users, verify, backup — clear messages and exit codes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from carefund.storage.engines import make_engine
from tests.builders import make_fund, make_staff, record


def carefund(*args: str, url: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CAREFUND_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_init_is_safe_to_repeat_and_users_get_a_token_last(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    assert carefund("verify", url=url).returncode == 2  # not initialised: a clear message
    assert carefund("init", url=url).returncode == 0
    assert carefund("init", url=url).returncode == 0
    added = carefund("user", "add", "alice", "--role", "clerk", "--password", "secret-pw", url=url)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert token.startswith("cf_") and len(token) > 40
    again = carefund("user", "add", "alice", "--role", "clerk", url=url)
    assert again.returncode != 0 and "已存在" in again.stderr and "Traceback" not in again.stderr
    bad_role = carefund("user", "add", "bob", "--role", "boss", url=url)
    assert bad_role.returncode != 0 and "boss" in bad_role.stderr
    assert carefund("fund", "add", "HC-CARE", "--name", "关爱基金", url=url).returncode == 0
    assert carefund("verify", url=url).returncode == 0


def test_a_bad_database_url_is_a_message_not_a_trace(tmp_path: Path) -> None:
    for url in ("mysql://nobody@nowhere/db", "not a url", "postgresql://nobody@127.0.0.1:1/none"):
        result = carefund("init", url=url)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr and "错误" in result.stderr


def test_verify_exits_1_naming_the_fund_and_first_bad_seq(database, database_url: str) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        record(database, staff["clerk"], "10.00", on=day)
    assert carefund("verify", "--fund", "HC-CARE", url=database_url).returncode == 0
    with database.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER posting_no_update"))
        else:
            connection.execute(text("ALTER TABLE posting DISABLE TRIGGER USER"))
        connection.execute(
            text("UPDATE posting SET debit_fen = 99 WHERE entry_id = 2 AND debit_fen > 0")
        )
    broken = carefund("verify", url=database_url)
    assert broken.returncode == 1
    assert "HC-CARE" in broken.stderr and "seq 2" in broken.stderr
    assert carefund("verify", "--fund", "NOPE", url=database_url).returncode == 2


def test_backup_is_a_copy_that_verifies(database, database_url: str, tmp_path: Path) -> None:
    if database.engine.dialect.name != "sqlite":
        result = carefund("backup", str(tmp_path / "x.db"), url=database_url)
        assert result.returncode != 0 and "pg_dump" in result.stderr
        return
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "10.00")
    copy = tmp_path / "copy.db"
    assert carefund("backup", str(copy), url=database_url).returncode == 0
    assert carefund("verify", url=f"sqlite:///{copy}").returncode == 0
    refused = carefund("backup", str(copy), url=database_url)
    assert refused.returncode != 0 and "已存在" in refused.stderr
    with make_engine(f"sqlite:///{copy}").connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM income")).scalar_one() == 1


@pytest.mark.parametrize(
    "command", [[], ["user"], ["fund"], ["init"], ["verify"], ["backup"], ["user", "add"]]
)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = carefund(*command, "--help", url=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 0 and "Usage" in result.stdout


def test_a_served_app_is_frozen_out_of_the_garbage_collectors_way() -> None:
    # In a process of its own: a frozen heap is never collected, so not in the test run.
    script = (
        "import gc\n"
        "from api.app import create_app, settled\n"
        "from carefund.storage.database import Database\n"
        "settled(create_app(Database.open('sqlite://')))\n"
        "print(gc.get_freeze_count())\n"
    )
    frozen = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert int(frozen) > 10_000


def test_verify_where_there_is_no_database_creates_none(tmp_path: Path) -> None:
    for args in (("verify",), ("fund", "list")):
        done = carefund(*args, url="sqlite:///./carefund.db", cwd=tmp_path)
        assert done.returncode == 2, done
        assert "没有数据库文件" in done.stderr and "carefund init" in done.stderr
        assert "Traceback" not in done.stderr
        assert not (tmp_path / "carefund.db").exists()
