"""Benchmark of a plan run: 2,000 recipients paid monthly over a year (24,000 disbursements).

The baseline, in the same run and database, is submitting one month's 2,000 disbursements
directly, one `submit_disbursement` each; the ratio says what a plan adds (reading its
rule, its roll and what it already generated). A second run, which must create nothing, is
timed too.

    python -m bench.plans [--recipients 2000] [--url postgresql://…/empty_db]
"""

import argparse
import tempfile
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.common import fresh_database, make_clerk, stopwatch
from bench.figures import Figure
from carefund import disbursements, funds, plans, recipients
from carefund.models import User
from carefund.storage.database import Database

FULL_RECIPIENTS = 2_000
QUICK_RECIPIENTS = 200
"""Members on the plan in `python -m bench` (without --full)."""


def run(quick: bool) -> list[Figure]:
    """The figures for `python -m bench`; prints the same lines as `main`."""
    return measure(QUICK_RECIPIENTS if quick else FULL_RECIPIENTS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=FULL_RECIPIENTS)
    parser.add_argument("--url", help="An empty database to use (default: a new SQLite file).")
    options = parser.parse_args(argv)
    measure(options.recipients, options.url)


def measure(count: int, url: str | None = None) -> list[Figure]:
    with tempfile.TemporaryDirectory() as directory:
        database = fresh_database(url, Path(directory))
        clerk, ids = _fund_and_roll(database, count)
        with stopwatch() as direct:
            database.write(partial(_submit_one_by_one, ids=ids, actor=clerk))
        first, again = _time_plan_runs(database, clerk, ids)
        database.dispose()
    base = count / direct[0]
    rate = 12 * count / first
    print(f"计划基准：{count} 名对象 × 12 个月（{database.engine.dialect.name}）")
    print(f"  直接提交（基线）   {base:8.0f} 笔/秒  ({count} 笔 {direct[0]:.2f} 秒)")
    print(
        f"  计划运行一年       {rate:8.0f} 笔/秒  ({12 * count} 笔 {first:.2f} 秒)"
        f"  为基线的 {rate / base:.2f} 倍"
    )
    print(f"  再次运行（无新建） {again:8.2f} 秒")
    note = f"{count} recipients × 12 months, {database.engine.dialect.name}"
    return [
        Figure(
            "plans",
            "plan run, a year of disbursements",
            rate,
            "disb/s",
            baseline=base,
            baseline_what="submit one by one",
            note=note,
        ),
        Figure("plans", "plan run again, nothing new", again, "s", note=note),
    ]


def _fund_and_roll(database: Database, count: int) -> tuple[User, list[int]]:
    """The relief fund and `count` members; the clerk to act as and the members' ids."""
    admin = make_clerk(database, "bench-admin", "admin")
    clerk = make_clerk(database)

    def write(session: Session) -> Any:
        funds.create_fund(session, code="HC-RELIEF", name="救助基金", actor=admin)
        rows = [(f"R{n:06d}", {"name": f"党员{n}", "category": "hardship"}) for n in range(count)]
        return recipients.create_recipients(session, rows=rows, actor=clerk)

    roll = database.write(write)
    return clerk, [r.id for r in roll]


def _submit_one_by_one(session: Session, *, ids: list[int], actor: User) -> None:
    """The baseline: one month's disbursements, one `submit_disbursement` each."""
    for recipient_id in ids:
        disbursements.submit_disbursement(
            session,
            fund_code="HC-RELIEF",
            recipient_id=recipient_id,
            amount="400",
            aspect="life_assistance",
            purpose="救助卡",
            actor=actor,
        )


def _time_plan_runs(database: Database, clerk: User, ids: list[int]) -> tuple[float, float]:
    """Seconds of the plan's first run through the year, and of a second that adds nothing."""
    plan = database.write(
        lambda session: plans.create_plan(
            session,
            fund_code="HC-RELIEF",
            name="救助卡",
            rule="FREQ=MONTHLY;BYMONTHDAY=5",
            start=date(2026, 1, 1),
            amount="400",
            aspect="life_assistance",
            recipient_ids=ids,
            actor=clerk,
        )
    )

    def run_year(session: Session) -> Any:
        return plans.run_plan(session, plan_id=plan.id, through="2026-12-31", actor=clerk)

    with stopwatch() as first:
        result = database.write(run_year)
    assert result.created == 12 * len(ids) and result.complete, result
    with stopwatch() as again:
        result = database.write(run_year)
    assert result.created == 0, result
    return first[0], again[0]


if __name__ == "__main__":
    main()
