"""Crash safety: the server is killed with SIGKILL in the middle of concurrent writes and
restarted; every acknowledged write is there, nothing is half there, the chain verifies
and receipt numbers have no gap. Repeated, on SQLite and PostgreSQL."""

import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, text
from sqlmodel import Session, select

from bench.common import start_server
from carefund import funds
from carefund.ledger.verify import verify
from carefund.models import Disbursement, Income, JournalEntry, Posting
from carefund.storage.database import Database
from tests.builders import make_fund, make_recipient, make_staff, make_token, record

CYCLES = 3
CLIENTS = 6
KILL_AFTER_SECONDS = 1.5


class Server:
    """`carefund serve` as a child process in its own process group."""

    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log = url, log
        self.base = ""
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process, port = start_server(
            self.url, stdout=self.log.open("a"), stderr=subprocess.STDOUT, own_session=True
        )
        self.base = f"http://127.0.0.1:{port}"

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)


def client_work(
    base: str,
    tokens: dict[str, str],
    recipient_id: int,
    client: int,
    stop: threading.Event,
    acknowledged: list,
) -> None:  # type: ignore[type-arg]
    """Post incomes and run disbursements through until the server dies."""
    headers = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    with httpx.Client(base_url=base + "/api/v1", timeout=5) as http:
        number = 0
        while not stop.is_set():
            number += 1
            try:
                answer = http.post(
                    "/funds/HC-CARE/incomes",
                    headers=headers["clerk"],
                    json={
                        "source": "member_donation",
                        "payer": f"客户{client}-{number}",
                        "amount": "10.00",
                        "received_on": "2026-06-01",
                    },
                )
                if answer.status_code == 201:
                    acknowledged.append(
                        ("income", answer.json()["id"], answer.json()["receipt_no"])
                    )
                answer = http.post(
                    "/funds/HC-CARE/disbursements",
                    headers=headers["clerk"],
                    json={
                        "recipient_id": recipient_id,
                        "amount": "3.00",
                        "aspect": "life_assistance",
                    },
                )
                if answer.status_code != 201:
                    continue
                item = answer.json()["id"]
                if (
                    http.post(
                        f"/disbursements/{item}/approve", headers=headers["approver"]
                    ).status_code
                    != 200
                ):
                    continue
                paid = http.post(
                    f"/disbursements/{item}/pay",
                    headers=headers["cashier"],
                    json={"paid_on": "2026-06-02"},
                )
                if paid.status_code == 200:
                    acknowledged.append(("paid", item, paid.json()["voucher_no"]))
            except httpx.TransportError:
                return  # the server was killed under us


def check_books(url: str, acknowledged: list) -> None:  # type: ignore[type-arg]
    database = Database.open(url)

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        result = verify(session, fund)
        assert result.ok, result
        for kind, row_id, number in acknowledged:
            if kind == "income":
                income = session.get(Income, row_id)
                assert income is not None and income.receipt_no == number
            else:
                paid = session.get(Disbursement, row_id)
                assert paid is not None and paid.status == "paid" and paid.entry_id is not None
        receipts = sorted(
            int(no.rsplit("-", 1)[1]) for no in session.exec(select(Income.receipt_no)).all()
        )
        assert receipts == list(range(1, len(receipts) + 1))
        # Nothing half there: every income and paid disbursement has its entry, and every
        # entry has balanced postings (verify checked the balance).
        entries = session.exec(select(func.count()).select_from(JournalEntry)).one()
        incomes_count = session.exec(select(func.count()).select_from(Income)).one()
        paid_count = session.exec(
            select(func.count()).select_from(Disbursement).where(Disbursement.status == "paid")
        ).one()
        assert entries == incomes_count + paid_count
        orphans = session.execute(
            text(
                "SELECT count(*) FROM journal_entry e WHERE NOT EXISTS "
                "(SELECT 1 FROM posting p WHERE p.entry_id = e.id)"
            )
        ).scalar_one()
        assert orphans == 0
        assert session.exec(select(func.count()).select_from(Posting)).one() == 2 * entries

    database.read(read)
    database.dispose()


def test_acknowledged_writes_survive_sigkill(database, database_url: str, tmp_path: Path) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "100000.00", on="2026-01-02")
    member = make_recipient(database, staff["clerk"])
    tokens = {role: make_token(database, staff[role]) for role in ("clerk", "approver", "cashier")}
    server = Server(database_url, tmp_path / "serve.log")
    acknowledged: list = []  # type: ignore[type-arg]
    for _cycle in range(CYCLES):
        server.start()
        stop = threading.Event()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            workers = [
                pool.submit(client_work, server.base, tokens, member.id, client, stop, acknowledged)
                for client in range(CLIENTS)
            ]
            time.sleep(KILL_AFTER_SECONDS)
            server.kill()
            stop.set()
            for worker in workers:
                worker.result()
        check_books(database_url, acknowledged)
    assert sum(1 for kind, *_ in acknowledged if kind == "income") > CYCLES
    # And after the last crash the service starts and takes writes again.
    server.start()
    try:
        answer = httpx.post(
            server.base + "/api/v1/funds/HC-CARE/incomes",
            headers={"Authorization": f"Bearer {tokens['clerk']}"},
            json={
                "source": "fiscal_support",
                "payer": "区财政局",
                "amount": "1",
                "received_on": "2026-06-03",
            },
            timeout=10,
        )
        assert answer.status_code == 201
    finally:
        server.kill()
    check_books(database_url, acknowledged)
