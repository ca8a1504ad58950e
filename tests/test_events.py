"""The events feed: every change, in an order a cursor follows without skips or repeats."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from carefund import disbursements, events, incomes, periods, recipients
from carefund.errors import InvalidInput
from carefund.events import EVENT_CURSOR
from tests.builders import approve, make_fund, make_recipient, make_staff, pay, record, submit


def read_page(database, cursor: str | None, limit: int) -> tuple[list, str]:  # type: ignore[no-untyped-def]
    """A page of the feed; an empty one is asked again a few times. On PostgreSQL a
    transaction of another database on the same server that ends just as the feed is read
    holds back the horizon for that read (carefund.events), and the tests' server is
    shared with other test runs."""
    for _ in range(20):
        page, next_cursor = database.read(partial(events.read_events, after=cursor, limit=limit))
        if page:
            break
        time.sleep(0.05)
    return page, next_cursor


def read_all(database, page_size: int = 3, after: str | None = None) -> list:  # type: ignore[no-untyped-def]
    seen, cursor = [], after
    while True:
        page, cursor = read_page(database, cursor, page_size)
        if not page:
            return seen
        seen.extend(page)


def test_every_change_is_an_event_in_order(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    income = record(database, staff["clerk"], "100.00")
    member = make_recipient(database, staff["clerk"])
    database.write(
        lambda session: recipients.update_recipient(
            session, recipient_id=member.id, branch="第二支部", actor=staff["clerk"]
        )
    )
    first = submit(database, staff["clerk"], member, "10.00")
    pay(database, staff["cashier"], approve(database, staff["approver"], first))
    second = submit(database, staff["clerk"], member, "5.00")
    third = submit(database, staff["clerk"], member, "5.00")

    def write(session: Session) -> Any:
        disbursements.reject_disbursement(
            session, disbursement_id=second.id, reason="重复", actor=staff["approver"]
        )
        disbursements.cancel_disbursement(session, disbursement_id=third.id, actor=staff["clerk"])

    database.write(write)

    def write(session: Session) -> Any:
        disbursements.reverse_disbursement(
            session,
            disbursement_id=first.id,
            reason="错发",
            on="2026-03-20",
            actor=staff["approver"],
        )
        incomes.reverse_income(
            session, income_id=income.id, reason="退回", on="2026-03-21", actor=staff["approver"]
        )

    database.write(write)

    def write(session: Session) -> Any:
        periods.close_period(session, fund_code="HC-CARE", month="2026-03", actor=staff["approver"])
        periods.reopen_period(
            session, fund_code="HC-CARE", month="2026-03", reason="补录", actor=staff["admin"]
        )

    database.write(write)

    types = [event.type for event in read_all(database)]
    assert types == [
        "fund.created",
        "income.recorded",
        "recipient.created",
        "recipient.updated",
        "disbursement.submitted",
        "disbursement.approved",
        "disbursement.paid",
        "disbursement.submitted",
        "disbursement.submitted",
        "disbursement.rejected",
        "disbursement.cancelled",
        "disbursement.reversed",
        "income.reversed",
        "period.closed",
        "period.reopened",
    ]
    paid = [e for e in read_all(database) if e.type == "disbursement.paid"][0]
    assert paid.data["voucher_no"].startswith("记-202603-")
    assert paid.data["amount"] == "10.00"


def test_personal_data_never_reaches_the_feed(database) -> None:
    staff = make_staff(database)
    make_recipient(database, staff["clerk"], id_number="11010519491231002X", phone="13812345678")
    text = repr([event.data for event in read_all(database)])
    assert "11010519491231002X" not in text and "13812345678" not in text
    assert "110***********002X" in text and "138****5678" in text


def test_a_cursor_never_skips_or_repeats_while_writers_go_on(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])

    def write() -> None:
        for number in range(60):
            record(database, staff["clerk"], f"{number + 1}.00")

    seen, cursor = [], None
    with ThreadPoolExecutor(max_workers=3) as pool:
        writers = [pool.submit(write) for _ in range(3)]
        while not all(writer.done() for writer in writers):
            page, cursor = database.read(partial(events.read_events, after=cursor, limit=7))
            seen.extend(event.id for event in page)
        for writer in writers:
            writer.result()  # a writer's error fails the test here
    while True:
        page, cursor = read_page(database, cursor, 50)
        if not page:
            break
        seen.extend(event.id for event in page)
    assert len(seen) == len(set(seen)) == 1 + 180


def test_a_slow_transaction_cannot_slip_an_event_behind_a_cursor(database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers, so commit order is id order")
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    make_fund(database, staff["admin"], code="HC-RELIEF", name="特困党员救助基金")
    started, release = threading.Event(), threading.Event()

    def slow() -> None:
        def write(session: Session) -> Any:
            incomes.record_income(
                session,
                fund_code="HC-RELIEF",
                source="fiscal_support",
                payer="慢",
                amount="1",
                received_on="2026-03-01",
                actor=staff["clerk"],
            )
            started.set()
            release.wait(10)

        database.write(write)

    _, cursor = database.read(lambda session: events.read_events(session, after=None, limit=100))
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow_writer = pool.submit(slow)
        assert started.wait(5)
        # Another fund's income takes a later event id and commits first, waiting for
        # nothing; the feed must not show it while the earlier one may still commit.
        pool.submit(record, database, staff["clerk"], "2.00").result(timeout=10)

        def read(session: Session) -> Any:
            return events.read_events(session, after=cursor, limit=100)

        page, held = database.read(read)
        assert page == [] and held == cursor
        release.set()
        slow_writer.result()
    first = read_all(database, after=cursor)
    assert [event.data["payer"] for event in first] == ["慢", "区财政局"]
    assert first[0].id < first[1].id and first[0].tx < first[1].tx


def test_an_event_that_commits_before_an_earlier_ones_transaction_waits_for_it(database) -> None:
    """The later transaction commits first, its event read only once the earlier ends:
    a rolled-back earlier one lets it through, and nothing is shown twice."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers")
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    _, start = database.read(lambda session: events.read_events(session, after=None, limit=100))
    early = Session(database.engine)
    early.execute(text("SELECT pg_current_xact_id()"))  # a transaction id, taken first
    record(database, staff["clerk"], "3.00")  # a later transaction, committed

    def read(session: Session) -> Any:
        return events.read_events(session, after=start, limit=100)

    assert database.read(read)[0] == []
    early.rollback()
    early.close()
    assert [event.type for event in read_all(database, after=start)] == ["income.recorded"]


def test_a_bad_cursor_is_refused_and_an_empty_read_keeps_the_cursor(database) -> None:
    with pytest.raises(InvalidInput):
        events.decode_cursor("not a cursor!")
    assert events.decode_cursor(events.encode_cursor((3, 7))) == (3, 7)
    page, cursor = database.read(
        lambda session: events.read_events(session, after=events.encode_cursor((0, 7)), limit=10)
    )
    assert page == [] and events.decode_cursor(cursor) == (0, 7)


def test_a_cursor_of_an_id_alone_stands_for_that_events_position(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "1.00")
    record(database, staff["clerk"], "2.00")
    every = read_all(database)
    old_cursor = EVENT_CURSOR.encode(every[1].id)  # as the feed made them before (tx, id)
    page, _ = read_page(database, old_cursor, 10)
    assert [event.id for event in page] == [event.id for event in every[2:]] != []
