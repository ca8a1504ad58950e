"""The rule editor of the plan pages: a rule as a clerk builds it (every month on day N,
every week on weekday N, or a raw RRULE body), how a rule reads in Chinese, and a preview
of the due dates before the plan is saved."""

from datetime import date

from carefund.errors import InvalidInput
from carefund.limits import PLAN_RULE_LENGTH_MAX
from carefund.rrule import PLAN_PREVIEW_LENGTH, midnight, normalized_rule, parse_rule
from carefund.validation import clean_text, parse_date

RULE_KINDS = ("monthly", "weekly", "raw")
"""How the rule editor builds a rule: every month on day N, every week on weekday N, or a
raw RRULE body."""
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES_ZH = ("一", "二", "三", "四", "五", "六", "日")


def rule_from_parts(
    *, kind: object, month_day: object = "", weekday: object = "", raw: object = ""
) -> str:
    """The RRULE body the rule editor describes; `InvalidInput` on the field at fault.

    `month_day` is 1–31 (or -1 for the last day of the month), `weekday` 1–7 (Monday = 1).
    """
    if kind == "monthly":
        text = str(month_day or "").strip()
        if text not in {str(day) for day in range(1, 32)} | {"-1"}:
            raise InvalidInput("请选择每月的第几日（1–31，或月末）", field="month_day")
        return f"FREQ=MONTHLY;BYMONTHDAY={text}"
    if kind == "weekly":
        text = str(weekday or "").strip()
        if text not in {str(day) for day in range(1, 8)}:
            raise InvalidInput("请选择每周的星期几", field="weekday")
        return f"FREQ=WEEKLY;BYDAY={WEEKDAYS[int(text) - 1]}"
    if kind == "raw":
        return normalized_rule(
            clean_text(
                raw, field="rule", length_max=PLAN_RULE_LENGTH_MAX, required=True, multiline=True
            )
        )
    raise InvalidInput("请选择规则类型", field="kind")


def rule_parts(rule: str) -> dict[str, str]:
    """The editor's fields for a stored rule (the inverse of `rule_from_parts`)."""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    if (
        set(parts) == {"FREQ", "BYMONTHDAY"}
        and parts["FREQ"] == "MONTHLY"
        and (parts["BYMONTHDAY"] in {str(day) for day in range(1, 32)} | {"-1"})
    ):
        return {"kind": "monthly", "month_day": parts["BYMONTHDAY"]}
    if set(parts) == {"FREQ", "BYDAY"} and parts["FREQ"] == "WEEKLY" and parts["BYDAY"] in WEEKDAYS:
        return {"kind": "weekly", "weekday": str(WEEKDAYS.index(parts["BYDAY"]) + 1)}
    return {"kind": "raw", "raw": rule}


def describe_rule(rule: str) -> str:
    """A rule in words, for the editor's two simple forms: 每月 5 日, 每周星期一, 每月月末;
    anything else is shown as its RRULE."""
    parts = rule_parts(rule)
    if parts["kind"] == "monthly":
        day = parts["month_day"]
        return "每月月末" if day == "-1" else f"每月 {day} 日"
    if parts["kind"] == "weekly":
        return f"每周星期{WEEKDAY_NAMES_ZH[int(parts['weekday']) - 1]}"
    return f"规则 {rule}"


def preview_rule(
    rule: object, *, start: object, until: object = None, count: int = PLAN_PREVIEW_LENGTH
) -> list[date]:
    """The first `count` due dates a new plan with this rule would have, without saving it."""
    start_day = parse_date(start, field="start")
    until_day = parse_date(until, field="until") if until else None
    if until_day is not None and until_day < start_day:
        raise InvalidInput("截止日期不能早于开始日期", field="until")
    recurrence = parse_rule(rule, start=start_day, until=until_day)
    if until_day is not None:
        recurrence = recurrence.replace(until=midnight(until_day))
    days: list[date] = []
    for moment in recurrence:
        days.append(moment.date())
        if len(days) == count:
            break
    return days
