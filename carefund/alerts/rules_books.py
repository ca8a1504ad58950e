"""Rules about the books themselves: postings outside office hours, a broken chain, a month
past and not closed (sealed)."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func
from sqlmodel import col, select

from carefund import clock
from carefund.alerts.registry import Check, Finding, Grade, Param, Trigger, rule
from carefund.ledger.verify import verify
from carefund.models import Fund, JournalEntry

WEEKDAY_NAMES_ZH = "一二三四五六日"


def outside_hours(moment: datetime, params: dict) -> bool:
    """Whether a stored moment falls outside the office hours, in the business time zone."""
    local = clock.local(moment)
    if local.isoweekday() not in params["weekdays"]:
        return True
    return not params["start"] <= local.time() < params["end"]


@rule(
    "off_hours",
    "非工作时间记账",
    Grade.C,
    description_zh="凭证在办公时间以外记账（按 CAREFUND_TIMEZONE 的当地时间）。",
    triggers=[Trigger.income, Trigger.payment, Trigger.reversal],
    params={
        "start": Param("08:00", "time", "上班时间"),
        "end": Param("18:00", "time", "下班时间"),
        "weekdays": Param("1-5", "weekdays", "工作日（1=周一 … 7=周日）"),
    },
)
def off_hours(check: Check) -> Iterator[Finding]:
    touched = check.touched
    if touched is not None:  # the clock alone: no statement unless it fires
        assert touched.entry_created_at is not None
        rows = [(touched.voucher_no, touched.entry_created_at, touched.username)]
    else:
        rows = list(
            check.session.exec(
                select(JournalEntry.voucher_no, JournalEntry.created_at, JournalEntry.created_by)
                .where(JournalEntry.fund_id == check.fund_id)
                .order_by(col(JournalEntry.seq))
            )
        )
    for voucher_no, created_at, username in rows:
        if not outside_hours(created_at, check.params):
            continue
        local = clock.local(created_at)
        yield Finding(
            f"entry:{voucher_no}",
            f"非工作时间记账：凭证 {voucher_no} 由 {username} 于 {local:%Y-%m-%d %H:%M}"
            f"（周{WEEKDAY_NAMES_ZH[local.weekday()]}）记账",
            {"voucher_no": voucher_no, "created_by": username, "at": local.isoformat()},
        )


@rule(
    "broken_chain",
    "账链断裂",
    Grade.A,
    description_zh="重算哈希链时发现凭证被改动、删除或链头不符（与 carefund verify 相同）。",
)
def broken_chain(check: Check) -> Iterator[Finding]:
    fund = check.session.get_one(Fund, check.fund_id)
    result = verify(check.session, fund)
    if not result.ok:
        yield Finding(
            f"chain:{result.first_bad_seq}:{result.head_hash[:16]}",
            f"账链断裂：基金 {fund.code} 第 {result.first_bad_seq} 笔起校验不符：{result.problem}",
            {"first_bad_seq": result.first_bad_seq, "problem": result.problem},
        )


@rule(
    "missing_seal",
    "逾期未结账",
    Grade.B,
    description_zh="某月结束超过 N 天仍未结账（没有封存凭证）。",
    params={"grace_days": Param("10", "days", "月末后宽限天数")},
)
def missing_seal(check: Check) -> Iterator[Finding]:
    fund = check.session.get_one(Fund, check.fund_id)
    first = check.session.exec(
        select(func.min(JournalEntry.entry_date)).where(JournalEntry.fund_id == fund.id)
    ).one()
    if first is None:
        return
    grace = check.params["grace_days"]
    month = date(first.year, first.month, 1)
    while (end := month + relativedelta(months=1) - timedelta(days=1)) + timedelta(
        days=grace
    ) < clock.today():
        if fund.closed_through is None or fund.closed_through < end:
            late = (clock.today() - end).days
            yield Finding(
                f"seal:{month:%Y-%m}",
                f"逾期未结账：基金 {fund.code} 的 {month:%Y-%m} 已过去 {late} 天仍未结账封存"
                f"（宽限 {grace} 天）",
                {"month": f"{month:%Y-%m}", "days_late": late},
            )
        month += relativedelta(months=1)
