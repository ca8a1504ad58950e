"""Concurrent clients through HTTP: receipts stay gap-free and the balance exact.

In-process (threads sharing one app) on both backends, and against `carefund serve
--workers 4` on PostgreSQL, where the workers are separate processes.
"""

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bench.common import served
from carefund.storage.database import Database
from tests import conftest
from tests.api_support import Api
from tests.builders import make_fund, make_staff, make_token

CLIENTS = 6
INCOMES_PER_CLIENT = 12
SERVER_START_SECONDS = 30


def amount_of(client: int, number: int) -> str:
    """Distinct amounts, so that a lost or doubled income shows in the total."""
    return f"{client * 100 + number + 1}.{client:02d}"


def expected_total_fen() -> int:
    return sum(
        int(amount_of(c, n).replace(".", ""))
        for c in range(CLIENTS)
        for n in range(INCOMES_PER_CLIENT)
    )


def check_books(get: object, count: int) -> None:
    """Receipts 1..count without gaps, the exact balance, an intact chain."""
    incomes: list[dict] = []
    cursor = None
    while True:
        page = get(
            "/funds/HC-CARE/incomes", {"limit": 500} | ({"cursor": cursor} if cursor else {})
        )
        incomes += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    receipts = sorted(income["receipt_no"] for income in incomes)
    assert receipts == [f"HC-CARE-2026-{n:06d}" for n in range(1, count + 1)]
    vouchers = sorted(income["voucher_no"] for income in incomes)
    assert vouchers == [f"记-202611-{n:04d}" for n in range(1, count + 1)]
    balance = get("/funds/HC-CARE", {})["balance"]
    assert int(balance.replace(".", "")) == expected_total_fen()
    verified = get("/funds/HC-CARE/verify", {})
    assert verified["ok"] and verified["entries"] == count


def post_incomes(post: object, client: int) -> list[int]:
    statuses = []
    for number in range(INCOMES_PER_CLIENT):
        statuses.append(
            post(
                "/funds/HC-CARE/incomes",
                {
                    "source": "member_donation",
                    "payer": f"第{client}党支部",
                    "amount": amount_of(client, number),
                    "received_on": "2026-11-03",
                },
            )
        )
    return statuses


def test_parallel_clients_get_gap_free_receipts_and_an_exact_balance(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)

    def post(path: str, body: dict) -> int:
        return api.post("clerk", path, body).status_code

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = [
            s for batch in pool.map(lambda c: post_incomes(post, c), range(CLIENTS)) for s in batch
        ]
    assert statuses == [201] * CLIENTS * INCOMES_PER_CLIENT
    check_books(
        lambda path, params: api.ok(api.get("admin", path, params=params)),
        CLIENTS * INCOMES_PER_CLIENT,
    )


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> str:
    if not conftest.POSTGRES_ADMIN_URL:
        pytest.skip("needs PostgreSQL")
    url = request.getfixturevalue("postgres_database")
    database = Database.open(url)
    conftest._truncate_all(database.engine)
    database.dispose()
    return url


def test_four_server_workers_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    database = Database.open(postgres_url)
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    token = make_token(database, staff["clerk"])
    admin_token = make_token(database, staff["admin"])
    database.dispose()

    with (
        (tmp_path / "serve.log").open("w") as log,
        served(postgres_url, workers=4, stdout=log, stderr=subprocess.STDOUT) as port,
    ):
        base = f"http://127.0.0.1:{port}"

        def run_client(client: int) -> list[int]:
            with httpx.Client(
                base_url=base + "/api/v1", timeout=30, headers={"Authorization": f"Bearer {token}"}
            ) as http:
                return post_incomes(
                    lambda path, body: http.post(path, json=body).status_code, client
                )

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            statuses = [s for batch in pool.map(run_client, range(CLIENTS)) for s in batch]
        assert statuses == [201] * CLIENTS * INCOMES_PER_CLIENT

        with httpx.Client(
            base_url=base + "/api/v1",
            timeout=30,
            headers={"Authorization": f"Bearer {admin_token}"},
        ) as http:
            check_books(
                lambda path, params: http.get(path, params=params).json(),
                CLIENTS * INCOMES_PER_CLIENT,
            )
