"""Documents benchmark: receipts per second, and a ~500-page year statement against plain
reportlab laying out the same rows in page-sized tables, in the same run.

    python -m bench.documents [--pages 500] [--receipts 200]

Prints figures and ratios; asserts nothing (timings belong here, not in tests).
Targets (issues 4 and 16): at least 200 receipts/s; the ~556-page statement in under 5 s
at no less than 0.8 of plain reportlab's pages/s, the baseline drawing as many pages with
the same font (the one `receipts.fonts` registers); memory flat as the statement grows
(tracemalloc peak at 100 vs 500 pages). Times are medians of RUNS interleaved runs, with
their spread.
"""

import argparse
import gc
import io
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlmodel import Session

import receipts
from bench.figures import Figure, Target, median_spread
from bench.plain_statement import journal_rows, render_plain
from carefund import clock, disbursements, funds, incomes, recipients
from carefund.access import users
from carefund.reports import documents, slips
from carefund.storage.database import Database
from carefund.storage.schema import upgrade
from receipts.statement_listings import _lines_per_page

TARGET_SECONDS = 5.0
TARGET_RATIO = 0.8
TARGET_RECEIPTS_PER_SECOND = 200
RUNS = 3
"""Runs of each timing; the figure is their median, shown with their spread."""
TARGET_MEMORY_GROWTH = 1.5
"""Flat memory: the peak (less the finished PDF) at 5× the pages stays under 1.5× the small's."""
QUICK_PAGES = 500
"""The 500-page target is the figure, so quick runs keep it and cut the receipts instead."""
QUICK_RECEIPTS = 50
YEAR = clock.today().year - 1
"""A whole year that is over, so that none of its dates is in the future."""
RECIPIENTS = 120
"""Members paid during the year, so the matrix and the per-recipient pages are not empty."""


def _staff(database: Database) -> dict[str, users.User]:
    def write(session: Session) -> Any:
        return {
            role: users.create_user(session, username=f"bench-{role}", role=role, actor="bench")
            for role in ("admin", "clerk", "approver", "cashier", "auditor")
        }

    return database.write(write)


def _book_year(database: Database, staff: dict[str, users.User], code: str, entries: int) -> None:
    """A year of a fund with about `entries` journal entries: incomes every day, and a
    payment to each of RECIPIENTS members."""
    database.write(
        lambda session: funds.create_fund(
            session,
            code=code,
            name=f"基准测试关爱基金{code}",
            org="中共某区委组织部",
            actor=staff["admin"],
        )
    )
    categories = ["cadre", "retired", "rural_community", "non_public", "mobile", "hardship"]
    aspects = ["work_incentive", "spiritual_care", "life_assistance"]
    income_count = max(entries - RECIPIENTS, 1)

    def write(session: Session) -> Any:
        for number in range(income_count):
            day = 1 + number * 364 // income_count
            incomes.record_income(
                session,
                fund_code=code,
                source=["party_dues_subsidy", "fiscal_support", "member_donation", "sponsorship"][
                    number % 4
                ],
                payer=f"第{number % 97 + 1}党支部（{code} 第 {number + 1} 笔）",
                amount=f"{1000 + number % 5000}.{number % 100:02d}",
                received_on=_day(day),
                memo="党员自愿捐款，用于关爱生活困难党员" if number % 7 == 0 else "",
                actor=staff["clerk"],
            )

    database.write(write)
    roll = database.write(
        lambda session: [
            recipients.create_recipient(
                session,
                member_no=f"{code}-{number:05d}",
                name=f"党员{number:04d}",
                category=categories[number % 6],
                branch=f"第{number % 13 + 1}党支部",
                actor=staff["clerk"],
            )
            for number in range(RECIPIENTS)
        ]
    )

    def write(session: Session) -> Any:
        for number, member in enumerate(roll):
            paid = disbursements.submit_disbursement(
                session,
                fund_code=code,
                recipient_id=member.id,
                amount=f"{200 + number}.00",
                aspect=aspects[number % 3],
                purpose="节日慰问",
                actor=staff["clerk"],
            )
            disbursements.approve_disbursement(
                session, disbursement_id=paid.id, actor=staff["approver"]
            )
            disbursements.pay_disbursement(
                session,
                disbursement_id=paid.id,
                paid_on=_day(365 - RECIPIENTS + number),
                actor=staff["cashier"],
            )

    database.write(write)


def _day(day_of_year: int) -> str:
    return (date(YEAR, 1, 1) + timedelta(days=day_of_year - 1)).isoformat()


def _render_ours(
    database: Database, auditor: users.User, code: str, font: receipts.DocumentFont | None = None
) -> bytes:
    """What the endpoint does: build the view (aggregates) and render, streaming the journal."""

    def read(session: Session) -> Any:
        view = documents.statement_view(session, fund_code=code, period=str(YEAR), actor=auditor)
        return receipts.render_statement(view, font)

    return database.read(read)


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    _CPU_SECONDS.append(time.process_time() - cpu)
    return time.perf_counter() - start, result


_CPU_SECONDS: list[float] = []
"""The CPU seconds of each `_timed` action, last last: less moved by other tenants' load
than the wall-clock figures, so the statement's ratio is also given in CPU."""


def _peak_mib(action: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    tracemalloc.start()
    try:
        result = action()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, result


def _pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


def bench_receipts(
    database: Database,
    staff: dict[str, users.User],
    code: str,
    count: int,
    font: receipts.DocumentFont,
) -> list[Figure]:
    ids = database.read(
        lambda session: [
            income["id"]
            for income in incomes.list_incomes(
                session, fund_code=code, actor=staff["clerk"], limit=count
            )
        ]
    )
    receipts.render_receipt(_receipt_view(database, staff["clerk"], ids[0]), font)  # warm up

    def each() -> int:
        for income_id in ids:
            receipts.render_receipt(_receipt_view(database, staff["clerk"], income_id), font)
        return len(ids)

    batch = database.read(
        lambda session: slips.receipt_batch_view(
            session,
            fund_code=code,
            start=f"{YEAR}-01-01",
            end=f"{YEAR}-12-31",
            actor=staff["auditor"],
        )
    )
    batch = slips.ReceiptBatchView(batch.fund, batch.start, batch.end, batch.receipts[:count])
    rates, batch_rates = [], []
    for _run in range(RUNS):  # interleaved, so both see the same load
        seconds, rendered = _timed(each)
        rates.append(rendered / seconds)
        batch_seconds, _pdf = _timed(lambda: receipts.render_receipt_batch(batch, font))
        batch_rates.append(len(batch.receipts) / batch_seconds)
    rate, spread = median_spread(rates)
    batch_rate, _ = median_spread(batch_rates)
    print(
        f"receipts, one PDF each (view from the database + render): "
        f"{rate:7.1f} receipts/s (median of {RUNS}, {spread[0]:.0f}–{spread[1]:.0f}; "
        f"target ≥ {TARGET_RECEIPTS_PER_SECOND})"
    )
    print(
        f"receipts, one batch PDF ({len(batch.receipts)} pages, render only):      "
        f"{batch_rate:7.1f} receipts/s"
    )
    return [
        Figure(
            "documents",
            "receipt PDFs, one each (view + render)",
            rate,
            "receipts/s",
            baseline=batch_rate,
            baseline_what="one batch PDF, render only",
            target=Target(TARGET_RECEIPTS_PER_SECOND),
            note=f"{len(ids)} receipts",
            runs=RUNS,
            spread=spread,
        )
    ]


def _receipt_view(database: Database, actor: users.User, income_id: int) -> slips.ReceiptView:
    return database.read(
        lambda session: slips.receipt_view(session, income_id=income_id, actor=actor)
    )


def run(quick: bool) -> list[Figure]:
    """The figures for `python -m bench`; prints the same lines as `main`."""
    return measure(QUICK_PAGES, QUICK_RECEIPTS if quick else 200, memory=not quick)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="size of the long statement")
    parser.add_argument("--receipts", type=int, default=200, help="receipts to render")
    arguments = parser.parse_args(argv)
    measure(arguments.pages, arguments.receipts)


def measure(pages: int, receipt_count: int, memory: bool = True) -> list[Figure]:
    """Times (and with `memory`, memory peaks under tracemalloc, which is slow) of documents."""
    small_pages = max(pages // 5, 1)
    per_page = _lines_per_page()
    font = receipts.document_font()
    print(f"documents benchmark — font: {font.description}")

    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(database.engine)
        staff = _staff(database)
        started = time.perf_counter()
        # Two postings per entry; the summary and per-recipient pages come on top.
        _book_year(database, staff, "BIG", pages * per_page // 2)
        _book_year(database, staff, "SMALL", small_pages * per_page // 2)
        print(f"set-up: two funds booked in {time.perf_counter() - started:.1f} s")

        figures = bench_receipts(database, staff, "SMALL", receipt_count, font)
        statement_figures, note = _year_statement(database, staff["auditor"], font, pages)
        if memory:
            figures.append(_memory(database, staff["auditor"], font, note))
        database.dispose()
    return figures + statement_figures


def _year_statement(
    database: Database, auditor: users.User, font: receipts.DocumentFont, pages: int
) -> tuple[list[Figure], str]:
    """The big fund's year statement against plain reportlab on the same rows; the figures
    and the note that names the statement's size."""
    _render_ours(database, auditor, "SMALL", font)  # warm up fonts and caches
    ours_pdf = _render_ours(database, auditor, "BIG", font)
    ours_pages = _pages(ours_pdf)
    rows, plain_pages = _as_many_pages(
        journal_rows(database, auditor, "BIG", period=str(YEAR)), ours_pages, font.name
    )
    ours_times, plain_times = [], []
    ours_cpu, plain_cpu = [], []
    for _run in range(RUNS):  # interleaved, so both see the same load
        ours_times.append(_timed(lambda: _render_ours(database, auditor, "BIG", font))[0])
        ours_cpu.append(_CPU_SECONDS[-1])
        plain_times.append(_timed(lambda: render_plain(rows, font.name))[0])
        plain_cpu.append(_CPU_SECONDS[-1])
    ours_seconds, spread = median_spread(ours_times)
    plain_seconds, _ = median_spread(plain_times)
    ours_rate, plain_rate = ours_pages / ours_seconds, plain_pages / plain_seconds
    ratio = ours_rate / plain_rate
    print(
        f"year statement (view + render, journal streamed from the database): "
        f"{ours_pages} pages in {ours_seconds:.2f} s = {ours_rate:.0f} pages/s "
        f"({len(ours_pdf) / 2**20:.1f} MiB)"
    )
    print(
        f"plain reportlab, {len(rows)} journal rows in page-sized tables, font {font.name}: "
        f"{plain_pages} pages in {plain_seconds:.2f} s = {plain_rate:.0f} pages/s"
    )
    print(
        f"ratio (our pages/s ÷ plain pages/s): {ratio:.2f} "
        f"(target ≥ {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'}); "
        f"{pages}-page target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if ours_seconds < TARGET_SECONDS else 'NOT met'}"
    )
    note = f"{ours_pages} pages (baseline {plain_pages}), font {font.name}, SQLite"
    return [
        Figure(
            "documents",
            "year statement PDF, time",
            ours_seconds,
            "s",
            baseline=plain_seconds,
            baseline_what="plain reportlab, same rows",
            target=Target(TARGET_SECONDS, at_least=False),
            note=note,
            runs=RUNS,
            spread=spread,
        ),
        Figure(
            "documents",
            "year statement PDF, rate",
            ours_rate,
            "pages/s",
            baseline=plain_rate,
            baseline_what="plain reportlab, same rows",
            target=Target(TARGET_RATIO, on="ratio"),
            note=note,
            runs=RUNS,
            spread=(ours_pages / spread[1], ours_pages / spread[0]),
        ),
        _cpu_rate(ours_pages, ours_cpu, plain_pages, plain_cpu, note),
    ], note


def _cpu_rate(
    pages: int, ours: list[float], plain_pages: int, plain: list[float], note: str
) -> Figure:
    """The statement's pages per CPU second against plain reportlab's, same runs."""
    seconds, spread = median_spread(ours)
    plain_seconds, _ = median_spread(plain)
    print(
        f"in CPU: {pages / seconds:.0f} pages/s against {plain_pages / plain_seconds:.0f} "
        f"(ratio {(pages / seconds) / (plain_pages / plain_seconds):.2f})"
    )
    return Figure(
        "documents",
        "year statement PDF, rate in CPU time",
        pages / seconds,
        "pages/s",
        baseline=plain_pages / plain_seconds,
        baseline_what="plain reportlab, same rows, CPU",
        target=Target(TARGET_RATIO, on="ratio"),
        note=note,
        runs=RUNS,
        spread=(pages / spread[1], pages / spread[0]),
    )


def _as_many_pages(rows: list[list[str]], pages: int, font: str) -> tuple[list[list[str]], int]:
    """The journal rows, cut or repeated until plain reportlab lays out as many pages as
    the statement has (its summary and per-recipient pages become journal-sized tables
    in the baseline), and the baseline's page count: both draw the same number of pages."""
    source, drawn = rows, _pages(render_plain(rows, font))
    for _attempt in range(4):
        if drawn == pages or not source:
            break
        wanted = max(round(len(rows) * pages / drawn), 1)
        rows = [source[index % len(source)] for index in range(wanted)]
        drawn = _pages(render_plain(rows, font))
    return rows, drawn


def _memory(
    database: Database, auditor: users.User, font: receipts.DocumentFont, note: str
) -> Figure:
    small_peak, small_pdf = _peak_mib(lambda: _render_ours(database, auditor, "SMALL", font))
    big_peak, big_pdf = _peak_mib(lambda: _render_ours(database, auditor, "BIG", font))
    small_mib, big_mib = len(small_pdf) / 2**20, len(big_pdf) / 2**20
    print(
        f"memory (tracemalloc peak): {_pages(small_pdf)} pages {small_peak:.1f} MiB, "
        f"{_pages(big_pdf)} pages {big_peak:.1f} MiB (×{big_peak / small_peak:.2f}); "
        f"less the finished PDF itself: {small_peak - small_mib:.1f} → "
        f"{big_peak - big_mib:.1f} MiB"
    )
    return Figure(
        "documents",
        "statement memory peak less the PDF",
        big_peak - big_mib,
        "MiB",
        baseline=small_peak - small_mib,
        baseline_what=f"{_pages(small_pdf)}-page statement",
        target=Target(TARGET_MEMORY_GROWTH, on="ratio", at_least=False),
        note=note,
    )


if __name__ == "__main__":
    main()
