"""A real streaming replica of the test PostgreSQL, for the read-replica tests.

`streaming_replica` (session-scoped) makes a second PostgreSQL cluster on a free port of
127.0.0.1 with `pg_basebackup -R` from the primary at 127.0.0.1:5432, starts it as a hot
standby, and stops it (and removes its files) at the end of the test session. The server
binaries run as user `postgres` (`runuser -u postgres --`), the data directory in a temp
directory owned by it. The primary must stream WAL (`wal_level` replica or logical, a
free WAL sender) and let 127.0.0.1 connect for replication: when its pg_hba.conf has no
such rule, one line (`host replication all 127.0.0.1/32 trust`, as its other rules trust
127.0.0.1) is appended and the configuration reloaded. Whatever the machine cannot do,
the tests that need the replica are skipped with the reason.
"""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPLICATION_RULE = "host replication all 127.0.0.1/32 trust"


def _skip(reason: str) -> None:
    pytest.skip(f"no streaming replica: {reason}")


def _primary_settings(admin_url: str) -> dict[str, str]:
    engine = create_engine(admin_url)
    try:
        with engine.connect() as connection:
            names = (
                "wal_level",
                "max_wal_senders",
                "hba_file",
                "server_version_num",
                "max_connections",
                "max_worker_processes",
                "max_prepared_transactions",
                "max_locks_per_transaction",
            )
            settings = {
                name: connection.execute(text(f"SHOW {name}")).scalar_one() for name in names
            }
            settings["senders_busy"] = str(
                connection.execute(text("SELECT count(*) FROM pg_stat_replication")).scalar_one()
            )
            settings["replication_allowed"] = str(
                connection.execute(
                    text(
                        "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NULL AND "
                        "'replication' = ANY(database) AND type = 'host'"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()
    return settings


def _allow_replication(admin_url: str, hba_file: str) -> None:
    """Append the replication rule to the primary's pg_hba.conf and reload it."""
    path = Path(hba_file)
    if not os.access(path, os.W_OK):
        _skip(f"the primary's {hba_file} allows no replication and cannot be changed here")
    with path.open("a") as hba:
        hba.write(f"\n# added by carefund's tests (tests/replica_support.py)\n{REPLICATION_RULE}\n")
    engine = create_engine(admin_url)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_reload_conf()"))
    engine.dispose()
    time.sleep(0.5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(*command: str, timeout: float = 300) -> subprocess.CompletedProcess:
    argv = ["runuser", "-u", "postgres", "--", *command]
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, -1, "", f"no answer in {timeout} s")


def _checked_primary(admin_url: str) -> tuple[dict[str, str], Path]:
    url = make_url(admin_url)
    if url.host not in ("127.0.0.1", "localhost") or (url.port or 5432) != 5432:
        _skip(f"the test PostgreSQL is {url.host}:{url.port}, not this machine's 127.0.0.1:5432")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        _skip("the tests must run as root to start a cluster as user postgres")
    settings = _primary_settings(admin_url)
    major = int(settings["server_version_num"]) // 10000
    bin_dir = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (bin_dir / "pg_basebackup").exists():
        _skip(f"no PostgreSQL {major} server binaries in {bin_dir}")
    if settings["wal_level"] not in ("replica", "logical"):
        _skip(f"the primary's wal_level is {settings['wal_level']} (needs replica; a restart)")
    if int(settings["max_wal_senders"]) <= int(settings["senders_busy"]):
        _skip("the primary has no free WAL sender (max_wal_senders)")
    if settings["replication_allowed"] == "0":
        _allow_replication(admin_url, settings["hba_file"])
    return settings, bin_dir


def _configure(data: Path, port: int, settings: dict[str, str]) -> None:
    """The standby's own settings (the primary's postgresql.conf lives in /etc on Debian);
    these four may not be lower than the primary's on a hot standby."""
    same = ("max_connections", "max_worker_processes", "max_prepared_transactions",
            "max_locks_per_transaction")  # fmt: skip
    lines = [
        f"port = {port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{data.parent}'",
        "hot_standby = on",
        "hot_standby_feedback = on",
        "fsync = off",
        *(f"{name} = {settings[name]}" for name in same),
    ]
    (data / "postgresql.conf").write_text("\n".join(lines) + "\n")
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    shutil.chown(data / "postgresql.conf", "postgres", "postgres")
    shutil.chown(data / "pg_hba.conf", "postgres", "postgres")


def _start(admin_url: str) -> tuple[str, Path, Path]:
    settings, bin_dir = _checked_primary(admin_url)
    home = Path(tempfile.mkdtemp(prefix="carefund-replica-"))
    shutil.chown(home, "postgres", "postgres")
    data = home / "data"
    made = _as_postgres(
        str(bin_dir / "pg_basebackup"), "-h", "127.0.0.1", "-p", "5432", "-U", "postgres",
        "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
    )  # fmt: skip
    if made.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        _skip(f"pg_basebackup failed: {made.stderr.strip()}")
    port = _free_port()
    _configure(data, port, settings)
    started = _as_postgres(
        str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "replica.log"), "-w",
        "-t", "60", "start",
    )  # fmt: skip
    if started.returncode != 0:
        log = (home / "replica.log").read_text() if (home / "replica.log").exists() else ""
        shutil.rmtree(home, ignore_errors=True)
        _skip(f"the replica did not start: {started.stderr.strip()} {log[-500:]}")
    replica_url = make_url(admin_url).set(port=port).render_as_string(hide_password=False)
    return replica_url, home, bin_dir


def _stop(home: Path, bin_dir: Path) -> None:
    if (home / "data" / "postmaster.pid").exists():
        _as_postgres(str(bin_dir / "pg_ctl"), "-D", str(home / "data"), "-m", "fast", "-w", "stop")
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def streaming_replica() -> Iterator[str]:
    """The admin URL of a hot standby of the test PostgreSQL (same databases, another
    port); skips without PostgreSQL or when the machine cannot make one."""
    from tests.conftest import POSTGRES_ADMIN_URL

    if POSTGRES_ADMIN_URL is None:
        _skip("no PostgreSQL")
    replica_url, home, bin_dir = _start(POSTGRES_ADMIN_URL)
    atexit.register(_stop, home, bin_dir)  # should the session end without teardown
    try:
        yield replica_url
    finally:
        _stop(home, bin_dir)
