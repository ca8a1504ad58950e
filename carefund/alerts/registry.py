"""The rule registry of early warning (廉情预警): what a rule is, and the rules known.

A rule is a small function with a code, a Chinese name, a default grade and default
parameters. It receives a `Check` — the session, its parameters as the fund's setting has
them, the fund, and what a write touched (or none, in the nightly scan: everything) — and
yields `Finding`s. `carefund.alerts.raising` turns findings into alerts, never twice for
one subject. A new rule is one decorated function in a `rules_*` module.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from carefund.errors import InvalidInput
from carefund.limits import ALERT_PARAM_LENGTH_MAX
from carefund.money import format_fen, parse_amount


class Grade(StrEnum):
    """How serious an alert is."""

    A = "A"
    """Serious: look at it today (a broken chain, money to someone who should get none)."""
    B = "B"
    """Needs a look this week."""
    C = "C"
    """Worth knowing; often explained by the day's work."""


GRADE_NAMES_ZH = {Grade.A: "A 级（严重）", Grade.B: "B 级（较重）", Grade.C: "C 级（一般）"}


class Trigger(StrEnum):
    """The writes that evaluate rules at once, in their own transaction."""

    income = "income"
    """An income was recorded (the fund, its entry)."""
    payment = "payment"
    """A disbursement was paid (the fund, the recipient, the disbursement, its entry)."""
    reversal = "reversal"
    """An entry was reversed (the fund, the reversal entry, who reversed it)."""
    recipient = "recipient"
    """A recipient was added or changed."""
    staff = "staff"
    """A staff member's ID number or phone was set."""
    override = "override"
    """An admin overrode a budget, cap or standard for one disbursement."""
    bank_return = "bank_return"
    """The bank's return file was imported (the fund)."""


class Scope(StrEnum):
    """What one evaluation of a rule covers."""

    fund = "fund"
    """One fund's books at a time."""
    district = "district"
    """The whole district (the roll, the staff): its alerts name no fund."""


@dataclass(frozen=True)
class Touched:
    """What a write touched: a rule evaluated at write time looks at this alone."""

    trigger: Trigger
    fund_id: int | None = None
    fund_code: str | None = None
    recipient_id: int | None = None
    disbursement_id: int | None = None
    entry_id: int | None = None
    voucher_no: str | None = None
    entry_created_at: datetime | None = None
    username: str | None = None
    """Who did it (the reversal's author; the staff member whose identity was set)."""
    fund_unit_id: int | None = None
    """The fund's unit when the write has it in hand (a posting reads it with the fund's
    head), so that an alert's event needs no query for it; None: looked up if needed."""


@dataclass(frozen=True)
class Finding:
    """Something a rule found: one alert, unless one with its subject exists already."""

    subject_key: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """What a rule function is given."""

    session: Session
    params: dict[str, Any]
    """The parameters, parsed (amounts in fen, times, weekday sets, ints)."""
    fund_id: int | None
    """The fund evaluated (none for a district rule)."""
    fund_code: str | None
    touched: Touched | None
    """What the write touched; none in the nightly scan, which looks at everything."""


Evaluate = Callable[[Check], Iterable[Finding]]


@dataclass(frozen=True)
class Param:
    """A parameter an administrator may tune: its kind decides how its text is read."""

    default: str
    kind: str
    """`count`, `days`, `money`, `percent`, `time` (HH:MM) or `weekdays` (`1-5`, `1,3,5`)."""
    label_zh: str


@dataclass(frozen=True)
class Rule:
    """A registered rule."""

    code: str
    name_zh: str
    grade: Grade
    scope: Scope
    triggers: frozenset[Trigger]
    params: dict[str, Param]
    description_zh: str
    evaluate: Evaluate | None
    """None for a rule whose alerts another use case raises (the cross-district import)."""


RULES: dict[str, Rule] = {}
"""Every rule by code, in the order they were registered."""


def rule(
    code: str,
    name_zh: str,
    grade: Grade,
    *,
    description_zh: str,
    scope: Scope = Scope.fund,
    triggers: Iterable[Trigger] = (),
    params: dict[str, Param] | None = None,
) -> Callable[[Evaluate], Evaluate]:
    """Register the decorated function as a rule."""

    def register(evaluate: Evaluate) -> Evaluate:
        add_rule(
            Rule(
                code,
                name_zh,
                grade,
                scope,
                frozenset(triggers),
                params or {},
                description_zh,
                evaluate,
            )
        )
        return evaluate

    return register


def add_rule(new: Rule) -> None:
    assert new.code not in RULES, new.code
    for name, param in new.params.items():
        parse_param(param, param.default, field=name)  # a default must read
    RULES[new.code] = new


def rules_for(trigger: Trigger) -> list[Rule]:
    """The rules a write of this kind evaluates."""
    return [known for known in RULES.values() if trigger in known.triggers]


_TIME = re.compile(r"([01]?\d|2[0-4]):([0-5]\d)")
_WEEKDAYS = re.compile(r"[1-7](-[1-7])?(,[1-7](-[1-7])?)*")


def parse_param(param: Param, text: object, *, field: str) -> Any:
    """A parameter's text in the form the rule uses; `InvalidInput` naming `field`."""
    value = str(text if text is not None else "").strip()
    if not value or len(value) > ALERT_PARAM_LENGTH_MAX:
        raise InvalidInput(
            f"{param.label_zh}：不能为空，最长 {ALERT_PARAM_LENGTH_MAX} 字", field=field
        )
    if param.kind == "money":
        return parse_amount(value, field=field)
    if param.kind in ("count", "days", "percent"):
        return _parse_count(param, value, field=field)
    if param.kind == "time":
        return _parse_time(param, value, field=field)
    assert param.kind == "weekdays", param.kind
    return _parse_weekdays(param, value, field=field)


def _parse_count(param: Param, value: str, *, field: str) -> int:
    top = 100 if param.kind == "percent" else 10_000
    if not value.isdigit() or not 1 <= int(value) <= top:
        raise InvalidInput(f"{param.label_zh}：应为 1 到 {top} 的整数", field=field)
    return int(value)


def _parse_time(param: Param, value: str, *, field: str) -> time:
    matched = _TIME.fullmatch(value)
    if not matched or (int(matched[1]) == 24 and matched[2] != "00"):
        raise InvalidInput(f"{param.label_zh}：应为 时:分，如 08:30", field=field)
    hour, minute = int(matched[1]), int(matched[2])
    return time.max if hour == 24 else time(hour, minute)


def _parse_weekdays(param: Param, value: str, *, field: str) -> frozenset[int]:
    if not _WEEKDAYS.fullmatch(value.replace(" ", "")):
        raise InvalidInput(
            f"{param.label_zh}：应为 1（周一）到 7（周日），如 1-5 或 1,3,5", field=field
        )
    days: set[int] = set()
    for part in value.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        days.update(range(int(first), int(last or first) + 1))
    return frozenset(days)


def param_text(param: Param, text: object) -> str:
    """A parameter's text as it is kept: checked, amounts with two decimals."""
    value = parse_param(param, text, field=param.kind)
    if param.kind == "money":
        return format_fen(value)
    if param.kind in ("count", "days", "percent"):
        return str(value)
    return str(text).replace(" ", "")
