"""The nightly scan (`carefund alerts scan`): every enabled rule over everything.

Each rule is evaluated per fund (or once, for the district's rules) in a transaction of
its own, so a long scan never holds a fund for long and a failure loses one step only.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.alerts.raising import raise_alerts
from carefund.alerts.registry import RULES, Check, Rule, Scope
from carefund.alerts.settings import RuleSettings
from carefund.models import AlertRuleSetting, Fund, User
from carefund.storage.database import Database


@dataclass(frozen=True)
class ScanStep:
    """One rule over one fund (or over the district)."""

    rule: Rule
    fund_id: int | None
    fund_code: str | None


@dataclass
class ScanResult:
    """What a scan did: steps run, and the alerts raised by rule and by grade."""

    steps: int = 0
    raised_by_rule: dict[str, int] = field(default_factory=dict)
    raised_by_grade: dict[str, int] = field(default_factory=dict)

    @property
    def raised(self) -> int:
        return sum(self.raised_by_rule.values())


def scan_plan(session: Session, *, actor: User) -> list[ScanStep]:
    """The steps of a scan: each enabled rule for each fund, the district's rules once."""
    require(actor, Action.scan_alerts)
    settings = RuleSettings(list(session.exec(select(AlertRuleSetting))))
    funds = list(session.exec(select(Fund.id, Fund.code).order_by(col(Fund.code))))
    steps = []
    for known in RULES.values():
        if known.evaluate is None:
            continue
        scopes = funds if known.scope == Scope.fund else [(None, None)]
        steps += [
            ScanStep(known, fund_id, code)
            for fund_id, code in scopes
            if settings.effective(known, code).enabled
        ]
    return steps


def run_step(session: Session, *, step: ScanStep, actor: User) -> list[tuple[str, str]]:
    """One step of the scan; answers (rule, grade) of each alert raised."""
    require(actor, Action.scan_alerts)
    effective = RuleSettings(list(session.exec(select(AlertRuleSetting)))).effective(
        step.rule, step.fund_code
    )
    assert step.rule.evaluate is not None
    check = Check(session, effective.params, step.fund_id, step.fund_code, None)
    raised = raise_alerts(
        session,
        step.rule,
        step.rule.evaluate(check),
        grade=effective.grade,
        fund_id=step.fund_id,
        fund_code=step.fund_code,
    )
    return [(alert.rule_code, alert.grade) for alert in raised]


def scan(
    database: Database,
    *,
    actor: User,
    progress: Callable[[ScanStep, int, int], None] | None = None,
) -> ScanResult:
    """Run every step, each in its own transaction; `progress(step, done, total)` after each."""
    steps = database.read(lambda session: scan_plan(session, actor=actor))
    result = ScanResult()
    for done, step in enumerate(steps, start=1):
        for code, grade in database.write(partial(run_step, step=step, actor=actor)):
            result.raised_by_rule[code] = result.raised_by_rule.get(code, 0) + 1
            result.raised_by_grade[grade] = result.raised_by_grade.get(grade, 0) + 1
        result.steps += 1
        if progress is not None:
            progress(step, done, len(steps))
    return result
