"""Group commit on SQLite: units of work share a transaction, yet each sees what it would
see alone — its own result or error, gap-free numbers, nothing half-written."""

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from carefund import funds, incomes
from carefund.errors import InvalidInput, NotFound
from carefund.ledger.verify import verify
from carefund.models import Income, User
from carefund.storage.database import Database
from carefund.storage.group_commit import BATCH_SIZE_MAX
from tests.builders import make_fund, make_staff


@pytest.fixture
def sqlite_database(sqlite_template: str, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """Group commit is SQLite's (PostgreSQL commits concurrent writers itself)."""
    path = tmp_path / "carefund.db"
    shutil.copyfile(sqlite_template, path)
    configured = Database.open(f"sqlite:///{path}")
    yield configured
    configured.dispose()


def showing(
    clerk: User,
    amount: str,
    payer: str = "区财政局",
    fund: str = "HC-CARE",
    source: str = "fiscal_support",
) -> Callable[[Session], Any]:
    """A unit of work that records one income and answers it as the API shows it."""

    def record(session: Session) -> dict:
        return incomes.record_income(
            session,
            fund_code=fund,
            source=source,
            payer=payer,
            amount=amount,
            received_on="2026-06-01",
            actor=clerk,
        )

    return record


def recording(clerk: User, amount: str, **income: str) -> Callable[[Session], Any]:
    """`showing`, answering only the receipt number."""
    show = showing(clerk, amount, **income)
    return lambda session: show(session)["receipt_no"]


def run_together(database: Database, units: list[Callable[[Session], Any]]) -> list[Any]:
    """Submit every unit at once on one event loop; each one's result or exception."""

    async def main() -> list[Any]:
        return await asyncio.gather(
            *(database.write_async(unit) for unit in units), return_exceptions=True
        )

    return asyncio.run(main())


def count_commits(database: Database) -> list[int]:
    commits = [0]

    @event.listens_for(database.engine, "commit")
    def _count(_connection) -> None:  # type: ignore[no-untyped-def]
        commits[0] += 1

    return commits


def books(database: Database) -> tuple[list[str], int, bool]:
    """Receipt numbers in order, the fund's cash and whether its chain verifies."""

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        receipts = list(session.exec(select(Income.receipt_no).order_by(col(Income.id))))
        return receipts, fund.cash_fen, verify(session, fund).ok

    return database.read(read)


def receipt(number: int) -> str:
    return f"HC-CARE-2026-{number:06d}"


def test_concurrent_units_share_commits_and_keep_receipts_gap_free(sqlite_database) -> None:
    staff = make_staff(sqlite_database)
    make_fund(sqlite_database, staff["admin"])
    commits = count_commits(sqlite_database)

    results = run_together(
        sqlite_database, [recording(staff["clerk"], f"{n}.00") for n in range(1, 101)]
    )

    assert sorted(results) == [receipt(n) for n in range(1, 101)]
    assert commits[0] < 100 and commits[0] >= 100 // BATCH_SIZE_MAX
    receipts, cash_fen, intact = books(sqlite_database)
    assert receipts == [receipt(n) for n in range(1, 101)]
    assert cash_fen == sum(range(1, 101)) * 100 and intact


def test_a_unit_refused_by_the_domain_fails_alone_and_leaves_no_trace(sqlite_database) -> None:
    staff = make_staff(sqlite_database)
    make_fund(sqlite_database, staff["admin"])

    def record_then_refuse(session: Session) -> None:
        # It writes first (an entry, a receipt number), then is refused: all of it must go.
        recording(staff["clerk"], "999.00", payer="不该入账")(session)
        raise InvalidInput("refused after writing", field="memo")

    results = run_together(
        sqlite_database,
        [
            recording(staff["clerk"], "1.00"),
            recording(staff["clerk"], "-5", payer="金额不对"),
            record_then_refuse,
            recording(staff["clerk"], "2.00"),
        ],
    )

    assert results[0] == receipt(1) and results[3] == receipt(2)
    assert isinstance(results[1], InvalidInput) and results[1].field == "amount"
    assert isinstance(results[2], InvalidInput) and results[2].message == "refused after writing"
    receipts, cash_fen, intact = books(sqlite_database)
    assert receipts == [receipt(1), receipt(2)]  # the refused one's number was given back
    assert cash_fen == 300 and intact


def test_an_unexpected_failure_reruns_the_others_each_alone(sqlite_database) -> None:
    staff = make_staff(sqlite_database)
    make_fund(sqlite_database, staff["admin"])
    commits = count_commits(sqlite_database)

    def record_then_break(session: Session) -> None:
        recording(staff["clerk"], "999.00", payer="出错")(session)
        raise RuntimeError("a bug after writing")

    units = [recording(staff["clerk"], f"{n}.00") for n in (1, 2)]
    results = run_together(sqlite_database, [units[0], record_then_break, units[1]])

    assert results[0] == receipt(1) and results[2] == receipt(2)
    assert isinstance(results[1], RuntimeError)
    assert commits[0] == 2  # the batch was rolled back; the two good ones committed alone
    receipts, cash_fen, intact = books(sqlite_database)
    assert receipts == [receipt(1), receipt(2)] and cash_fen == 300 and intact


def test_a_database_locked_elsewhere_fails_the_batch_then_the_service_recovers(
    sqlite_database, tmp_path
) -> None:
    staff = make_staff(sqlite_database)
    make_fund(sqlite_database, staff["admin"])
    impatient = Database.open(str(sqlite_database.engine.url), lock_timeout_ms=200)
    other_process = sqlite3.connect(sqlite_database.engine.url.database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    try:
        results = run_together(impatient, [recording(staff["clerk"], "1.00")] * 3)
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()

    assert all(isinstance(result, OperationalError) for result in results)
    assert books(sqlite_database)[0] == []
    assert run_together(impatient, [recording(staff["clerk"], "1.00")]) == [receipt(1)]
    impatient.dispose()


def test_a_caller_that_goes_away_does_not_hold_up_the_others(sqlite_database) -> None:
    staff = make_staff(sqlite_database)
    make_fund(sqlite_database, staff["admin"])

    async def main() -> list[Any]:
        tasks = [
            asyncio.create_task(sqlite_database.write_async(recording(staff["clerk"], f"{n}.00")))
            for n in (1, 2, 3)
        ]
        await asyncio.sleep(0)
        tasks[1].cancel()  # the client disconnected while its income was queued
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(main())

    assert isinstance(results[1], asyncio.CancelledError)
    # What was queued still ran: like a request whose client hangs up, it may be recorded.
    receipts, _cash, intact = books(sqlite_database)
    assert {results[0], results[2]} <= set(receipts) and intact
    assert receipts == [receipt(n) for n in range(1, len(receipts) + 1)]


def test_postgresql_has_no_group_committer(database) -> None:
    # A group commit runs its units of work on the loop's own thread; without one, a short
    # write runs in a worker thread of its own transaction.
    async def thread_of_a_short_write() -> int:
        return await database.write_async(lambda _session: threading.get_ident())

    expected_none = database.engine.dialect.name == "postgresql"
    on_the_loop = asyncio.run(thread_of_a_short_write()) == threading.get_ident()
    assert (not on_the_loop) is expected_none


def test_unknown_fund_is_the_callers_error_only(sqlite_database) -> None:
    staff = make_staff(sqlite_database)
    make_fund(sqlite_database, staff["admin"])

    results = run_together(
        sqlite_database,
        [recording(staff["clerk"], "1.00", fund="NO-SUCH"), recording(staff["clerk"], "1.00")],
    )

    assert isinstance(results[0], NotFound) and results[1] == receipt(1)


def test_what_a_refused_unit_left_in_the_session_does_not_reach_the_next(sqlite_database) -> None:
    staff = make_staff(sqlite_database)
    make_fund(sqlite_database, staff["admin"])

    def record_then_refuse(session: Session) -> None:
        recording(staff["clerk"], "999.00", payer="被拒的")(session)
        raise InvalidInput("refused after writing", field="memo")

    # SQLite gives the second income the id the refused one had: its answer must still
    # be its own.
    refused, shown = run_together(
        sqlite_database,
        [
            record_then_refuse,
            showing(staff["clerk"], "2.00", payer="入账的", source="member_donation"),
        ],
    )

    assert isinstance(refused, InvalidInput)
    assert (shown["payer"], shown["amount"], shown["source"]) == (
        "入账的",
        "2.00",
        "member_donation",
    )
