"""RFC 5545 recurrence rules (RRULE) for plans: the grammar carefund accepts and the due
dates a rule yields.

A plan stores only the RRULE body (`FREQ=MONTHLY;BYMONTHDAY=5`); its start and end come
from the plan's own fields. The checks here refuse, with a message naming the problem, what
dateutil would accept but a plan cannot use: times of day, UNTIL in the body, and rules
that never yield a date (which dateutil would search for up to the year 9999).
"""

import calendar
import re
from collections.abc import Iterator
from datetime import date, datetime, time

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from carefund.errors import InvalidInput
from carefund.limits import PLAN_RULE_LENGTH_MAX
from carefund.models import Plan
from carefund.validation import clean_text

PLAN_RULE_HORIZON_YEARS = 5
"""A rule must yield a due date within this many years of the plan's start (leap days do)."""
PLAN_PREVIEW_LENGTH = 6
"""How many upcoming due dates a plan shows."""

_RULE_PARTS = {
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
"""The parts RFC 5545 allows in an RRULE."""
_REFUSED_PARTS = {
    "UNTIL": "不要在规则中写 UNTIL，请用计划的 until（截止日期）",
    "BYHOUR": "计划按日发放，规则中不能有 BYHOUR",
    "BYMINUTE": "计划按日发放，规则中不能有 BYMINUTE",
    "BYSECOND": "计划按日发放，规则中不能有 BYSECOND",
}
_FREQUENCIES = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
_INTERVAL_MAX = 1_000
_PART_PATTERN = re.compile(r"[A-Z]+=[A-Z0-9,+\-]+")


def parse_rule(body: object, *, start: date, until: date | None = None) -> rrule:
    """The recurrence of an RRULE body from `start`, or `InvalidInput` naming the problem.

    The body is the part after `RRULE:`, e.g. `FREQ=MONTHLY;BYMONTHDAY=5`. The start and
    the end come from the plan's own fields, so DTSTART and UNTIL may not be in the body.
    The rule must yield a date within `PLAN_RULE_HORIZON_YEARS` of the start (and by
    `until`, when given).
    """
    # Multi-line only so that a pasted iCalendar block (DTSTART, then RRULE) is told why below.
    text = clean_text(
        body, field="rule", length_max=PLAN_RULE_LENGTH_MAX, required=True, multiline=True
    ).upper()
    if text.startswith("RRULE:"):
        text = text.removeprefix("RRULE:")
    if "DTSTART" in text or "\n" in text or ":" in text:
        raise InvalidInput(
            "规则只写 RRULE 的内容（如 FREQ=MONTHLY;BYMONTHDAY=5），开始日期用计划的 start",
            field="rule",
        )
    parts: dict[str, str] = {}
    for part in text.rstrip(";").split(";"):
        if not _PART_PATTERN.fullmatch(part):
            raise InvalidInput(f"规则无法解析：{part!r} 应为 名称=取值", field="rule")
        name, value = part.split("=", 1)
        if name not in _RULE_PARTS:
            raise InvalidInput(f"规则中有未知的部分：{name}", field="rule")
        if name in parts:
            raise InvalidInput(f"规则中 {name} 重复", field="rule")
        if name in _REFUSED_PARTS:
            raise InvalidInput(_REFUSED_PARTS[name], field="rule")
        parts[name] = value
    if parts.get("FREQ") not in _FREQUENCIES:
        raise InvalidInput("规则需要 FREQ=DAILY、WEEKLY、MONTHLY 或 YEARLY", field="rule")
    if "INTERVAL" in parts and not (
        parts["INTERVAL"].isdigit() and 1 <= int(parts["INTERVAL"]) <= _INTERVAL_MAX
    ):
        raise InvalidInput(f"INTERVAL 应为 1 到 {_INTERVAL_MAX} 的整数", field="rule")
    if "COUNT" in parts and not (parts["COUNT"].isdigit() and int(parts["COUNT"]) >= 1):
        raise InvalidInput("COUNT 应为正整数", field="rule")
    _check_month_days(parts)
    try:
        rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=midnight(start))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise InvalidInput(f"规则无法解析：{exc}", field="rule") from None
    assert isinstance(rule, rrule)
    horizon = _add_years(start, PLAN_RULE_HORIZON_YEARS)
    first = next(iter(rule.replace(until=midnight(min(horizon, until or horizon)))), None)
    if first is None:
        where = (
            f"到截止日期 {until.isoformat()} 为止"
            if until and until < horizon
            else (f"自 {start.isoformat()} 起 {PLAN_RULE_HORIZON_YEARS} 年内")
        )
        raise InvalidInput(f"规则{where}不产生任何发放日期", field="rule")
    return rule


def _check_month_days(parts: dict[str, str]) -> None:
    """Refuse a day of the month that none of the rule's months has (2 月 30 日).

    dateutil would search such a rule up to the year 9999 before finding it empty, which
    takes seconds for a daily rule; this is the usual way a rule ends up empty.
    """
    if "BYMONTHDAY" not in parts:
        return
    try:
        days = [int(day) for day in parts["BYMONTHDAY"].split(",")]
        months = (
            [int(month) for month in parts["BYMONTH"].split(",")]
            if "BYMONTH" in parts
            else (list(range(1, 13)))
        )
    except ValueError:
        raise InvalidInput("BYMONTHDAY 与 BYMONTH 应为整数", field="rule") from None
    if any(not 1 <= month <= 12 for month in months) or any(
        not 1 <= abs(day) <= 31 for day in days
    ):
        raise InvalidInput("BYMONTH 应在 1–12，BYMONTHDAY 应在 ±1–31", field="rule")
    longest = max(calendar.monthrange(2024, month)[1] for month in months)  # 2024 is leap
    if all(abs(day) > longest for day in days):
        raise InvalidInput(
            f"规则的月份中没有第 {parts['BYMONTHDAY']} 日，不会产生任何发放日期", field="rule"
        )


def midnight(day: date) -> datetime:
    """The start of a day, as dateutil counts occurrences in datetimes."""
    return datetime.combine(day, time())


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def occurrences(
    plan: Plan, *, after: date | None = None, through: date | None = None
) -> Iterator[date]:
    """The plan's due dates, oldest first: after `after` (exclusive), up to `through`."""
    ends = [day for day in (plan.until, through) if day is not None]
    end = min(ends) if ends else None
    rule = parse_rule(plan.rule, start=plan.start, until=plan.until)
    if end is not None:
        # With an end, dateutil stops at the first candidate past it instead of searching on.
        rule = rule.replace(until=midnight(end))
    source = rule.xafter(midnight(after), inc=False) if after else iter(rule)
    for moment in source:
        yield moment.date()


def upcoming(plan: Plan, *, after: date | None, count: int = PLAN_PREVIEW_LENGTH) -> list[date]:
    """The next `count` due dates after the last one generated (from the start if none)."""
    days: list[date] = []
    for day in occurrences(plan, after=after):
        days.append(day)
        if len(days) == count:
            break
    return days


def normalized_rule(rule: str) -> str:
    """The body as stored: upper case, without `RRULE:` or a trailing `;`."""
    text = rule.strip().upper()
    return text.removeprefix("RRULE:").rstrip(";")
