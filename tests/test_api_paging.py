"""Lists and the events feed: pages follow a cursor without skipping or repeating."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.api_support import Api, problem_of

FEED_WAIT_SECONDS = 60
"""On PostgreSQL the feed shows a transaction's events once every older transaction on the
cluster has ended; a test's own writes become visible as soon as nothing else is running,
but another suite on the same cluster may hold that back for a moment."""


def feed_when_it_has(api: Api, count: int) -> dict:
    deadline = time.monotonic() + FEED_WAIT_SECONDS
    while True:
        everything = api.ok(api.get("auditor", "/events", params={"limit": 500}))
        if len(everything["items"]) >= count or time.monotonic() > deadline:
            return everything
        time.sleep(0.1)


def add_recipient(api: Api, number: int) -> dict:
    return api.ok(
        api.post(
            "clerk",
            "/recipients",
            {"member_no": f"M{number:05d}", "name": f"党员{number}", "category": "retired"},
        ),
        201,
    )


def test_pages_of_a_list_follow_the_cursor_while_records_are_added(api: Api) -> None:
    for number in range(1, 24):
        add_recipient(api, number)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = api.ok(api.get("auditor", "/recipients", params=params))
        seen += [item["member_no"] for item in page["items"]]
        if len(seen) == 10:
            add_recipient(api, 24)  # added behind the reader: read at the end
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == 5
    assert seen == [f"M{number:05d}" for number in range(1, 25)]
    # A full last page says so by a null cursor, not by an empty page after it.
    assert api.ok(api.get("auditor", "/recipients", params={"limit": 24}))["next_cursor"] is None
    assert len(api.all_pages("auditor", "/recipients", limit=500)) == 24


def test_default_page_size_is_50(api: Api) -> None:
    for number in range(1, 52):
        add_recipient(api, number)
    first = api.ok(api.get("auditor", "/recipients"))
    assert len(first["items"]) == 50 and first["next_cursor"]
    rest = api.ok(api.get("auditor", "/recipients", params={"cursor": first["next_cursor"]}))
    assert [item["member_no"] for item in rest["items"]] == ["M00051"]


def test_the_events_feed_pages_from_a_cursor_that_is_never_null(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    recipient = add_recipient(api, 1)
    for day in range(1, 6):
        api.ok(
            api.post(
                "clerk",
                "/funds/HC-CARE/incomes",
                {
                    "source": "fiscal_support",
                    "payer": "区财政局",
                    "amount": f"{day}.00",
                    "received_on": f"2026-10-0{day}",
                },
            ),
            201,
        )
    api.ok(api.patch("clerk", f"/recipients/{recipient['id']}", {"branch": "第二支部"}))
    api.ok(api.post("approver", "/funds/HC-CARE/periods/2026-10/close"))

    everything = feed_when_it_has(api, 9)
    types = [event["type"] for event in everything["items"]]
    assert types == ["fund.created", "recipient.created"] + ["income.recorded"] * 5 + [
        "recipient.updated",
        "period.closed",
    ]
    assert everything["items"][2]["data"]["receipt_no"] == "HC-CARE-2026-000001"

    read: list[dict] = []
    cursor = None
    for _ in range(20):
        page = api.ok(
            api.get(
                "integration",
                "/events",
                params={"limit": 2} | ({"after": cursor} if cursor else {}),
            )
        )
        assert page["next_cursor"]
        if not page["items"]:
            assert page["next_cursor"] == cursor  # caught up: keep polling with the same
            break
        read += page["items"]
        cursor = page["next_cursor"]
    assert read == everything["items"]
    assert cursor == everything["next_cursor"]
    empty = api.ok(api.get("integration", "/events"))  # from the start
    assert empty["items"][0]["type"] == "fund.created"
    problem_of(api.get("integration", "/events", params={"after": "!!"}), 422)


def test_a_mirror_polling_while_clerks_write_misses_nothing(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    writers_done = threading.Event()

    def write(worker: int) -> None:
        for number in range(10):
            api.ok(
                api.post(
                    "clerk",
                    "/funds/HC-CARE/incomes",
                    {
                        "source": "member_donation",
                        "payer": f"支部{worker}",
                        "amount": f"{number + 1}.00",
                        "received_on": "2026-11-02",
                    },
                ),
                201,
            )

    mirrored: list[dict] = []
    expected = 1 + 4 * 10

    def mirror() -> None:
        cursor = None
        deadline = time.monotonic() + FEED_WAIT_SECONDS
        while not (writers_done.is_set() and len(mirrored) >= expected):
            if time.monotonic() > deadline:
                return
            page = api.ok(
                api.get(
                    "integration",
                    "/events",
                    params={"limit": 7} | ({"after": cursor} if cursor else {}),
                )
            )
            mirrored.extend(page["items"])
            cursor = page["next_cursor"]

    reader = threading.Thread(target=mirror)
    reader.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    writers_done.set()
    reader.join(timeout=FEED_WAIT_SECONDS + 10)
    ids = [event["id"] for event in mirrored]
    assert len(ids) == len(set(ids)) == expected
    final = feed_when_it_has(api, expected)["items"]
    assert mirrored == final
