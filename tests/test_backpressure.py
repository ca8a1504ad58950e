"""Back-pressure: a locked or unreachable database gets 503 with Retry-After, not a 500 or a
hang, and the service recovers by itself when the database is back."""

import contextlib
import socket
import sqlite3
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from api.app import create_app
from carefund.storage.database import Database
from tests import conftest
from tests.builders import make_fund, make_staff, make_token

INCOME = {
    "source": "fiscal_support",
    "payer": "区财政局",
    "amount": "10.00",
    "received_on": "2026-06-01",
}


def test_a_locked_sqlite_database_answers_503_then_recovers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "books.db"
    url = f"sqlite:///{path}"
    database = Database.open(url, lock_timeout_ms=300)
    from carefund.storage.schema import upgrade

    upgrade(database.engine)
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    headers = {"Authorization": f"Bearer {make_token(database, staff['clerk'])}"}
    client = TestClient(create_app(database), raise_server_exceptions=False)

    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        started = time.monotonic()
        answer = client.post("/api/v1/funds/HC-CARE/incomes", json=INCOME, headers=headers)
        assert answer.status_code == 503
        assert answer.headers["retry-after"].isdigit()
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert time.monotonic() - started < 5
        # Readers are not blocked by a writer in WAL mode.
        assert client.get("/api/v1/funds/HC-CARE", headers=headers).status_code == 200
        retried = client.post(
            "/api/v1/funds/HC-CARE/incomes",
            json=INCOME,
            headers=headers | {"Idempotency-Key": "k-1"},
        )
        assert retried.status_code == 503
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert (
        client.post("/api/v1/funds/HC-CARE/incomes", json=INCOME, headers=headers).status_code
        == 201
    )
    again = client.post(
        "/api/v1/funds/HC-CARE/incomes", json=INCOME, headers=headers | {"Idempotency-Key": "k-1"}
    )
    assert again.status_code == 201
    assert again.json()["receipt_no"] == "HC-CARE-2026-000002"


class Proxy:
    """A TCP relay to PostgreSQL that can be cut and restored, like a database going away."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open = False
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.connections.clear()

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_an_unreachable_postgresql_answers_503_then_recovers(
    request: pytest.FixtureRequest,
) -> None:
    if not conftest.POSTGRES_ADMIN_URL:
        pytest.skip("needs PostgreSQL")
    url = make_url(request.getfixturevalue("postgres_database"))
    cleaner = Database.open(url.render_as_string(hide_password=False))
    conftest._truncate_all(cleaner.engine)
    staff = make_staff(cleaner)
    make_fund(cleaner, staff["admin"])
    headers = {"Authorization": f"Bearer {make_token(cleaner, staff['clerk'])}"}
    cleaner.dispose()

    proxy = Proxy(url.port or 5432)
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    database = Database.open(through_proxy, lock_timeout_ms=1000)
    client = TestClient(create_app(database), raise_server_exceptions=False)
    try:
        assert (
            client.post("/api/v1/funds/HC-CARE/incomes", json=INCOME, headers=headers).status_code
            == 201
        )
        proxy.cut()
        for _ in range(3):
            answer = client.post("/api/v1/funds/HC-CARE/incomes", json=INCOME, headers=headers)
            assert answer.status_code == 503 and "retry-after" in answer.headers
            assert client.get("/api/v1/funds/HC-CARE", headers=headers).status_code == 503
        proxy.restore()
        answer = client.post("/api/v1/funds/HC-CARE/incomes", json=INCOME, headers=headers)
        assert answer.status_code == 201
        assert answer.json()["receipt_no"] == "HC-CARE-2026-000002"
    finally:
        database.dispose()
        proxy.close()
