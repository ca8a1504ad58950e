"""The rules' settings: enabled, grade and parameters, district-wide or for one fund.

The settings are read at every write that evaluates rules, so they are kept on the
`Database` (`database.cache`) and read again only when one changes in this process or
after `SETTINGS_FRESH_SECONDS` (another worker's change). A write that evaluates rules
thus asks no statement for them: an income's write-time check adds no SQL unless a rule
fires.
"""

import time as monotonic
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.alerts.registry import RULES, Grade, Rule, param_text, parse_param
from carefund.audit import write_audit
from carefund.errors import InvalidFields, InvalidInput, NotFound
from carefund.funds import get_fund
from carefund.models import AlertRuleSetting, User, as_utc, utcnow
from carefund.storage.database import database_of
from carefund.validation import choose

SETTINGS_FRESH_SECONDS = 30.0
"""How long a process trusts the settings it read (another worker may change them)."""
_CACHE_KEY = "alert_rule_settings"


@dataclass(frozen=True)
class Effective:
    """A rule's setting as it applies to one fund."""

    enabled: bool
    grade: Grade
    params: dict[str, Any]
    """Parsed."""
    texts: dict[str, str]
    """As set (or the defaults), for pages and messages."""
    source: str
    """Where it comes from: `default`, `district` or the fund's code."""


class RuleSettings:
    """Every stored setting, read once; answers the effective setting of a rule for a fund."""

    def __init__(self, rows: list[AlertRuleSetting]) -> None:
        self._rows = {(row.rule_code, row.fund_code): row for row in rows}
        self._effective: dict[tuple[str, str], Effective] = {}

    def effective(self, known: Rule, fund_code: str | None) -> Effective:
        key = (known.code, fund_code or "")
        if key not in self._effective:
            self._effective[key] = self._resolve(known, fund_code or "")
        return self._effective[key]

    def _resolve(self, known: Rule, fund_code: str) -> Effective:
        row = self._rows.get((known.code, fund_code)) or self._rows.get((known.code, ""))
        texts = {name: param.default for name, param in known.params.items()}
        if row is None:
            return Effective(True, known.grade, _parsed(known, texts), texts, "default")
        texts |= {k: str(v) for k, v in row.params.items() if k in known.params}
        try:
            params = _parsed(known, texts)
        except InvalidInput:  # a setting stored before a parameter's rule changed
            texts = {name: param.default for name, param in known.params.items()}
            params = _parsed(known, texts)
        source = row.fund_code or "district"
        return Effective(row.enabled, Grade(row.grade), params, texts, source)


def _parsed(known: Rule, texts: dict[str, str]) -> dict[str, Any]:
    return {name: parse_param(known.params[name], texts[name], field=name) for name in texts}


def rule_settings(session: Session) -> RuleSettings:
    """The settings, from this process's copy for the session's database when fresh."""
    database = database_of(session)
    cached = database.cache.get(_CACHE_KEY) if database is not None else None
    now = monotonic.monotonic()
    if cached is not None and now - cached[0] < SETTINGS_FRESH_SECONDS:
        return cached[1]
    settings = RuleSettings(list(session.exec(select(AlertRuleSetting))))
    if database is not None:
        database.cache[_CACHE_KEY] = (now, settings)
    return settings


def forget_rule_settings(session: Session) -> None:
    """Drop this process's copy: the next write reads the settings again."""
    database = database_of(session)
    if database is not None:
        database.cache.pop(_CACHE_KEY, None)


def known_rule(code: object) -> Rule:
    found = RULES.get(str(code))
    if found is None:
        raise NotFound(f"预警规则不存在：{code}")
    return found


def rule_public(known: Rule, effective: Effective, fund_code: str | None) -> dict[str, Any]:
    """A rule and its setting (for a fund, or district-wide) as the API and the page show it."""
    return {
        "code": known.code,
        "name": known.name_zh,
        "description": known.description_zh,
        "scope": known.scope.value,
        "fund": fund_code,
        "enabled": effective.enabled,
        "grade": effective.grade.value,
        "default_grade": known.grade.value,
        "params": dict(effective.texts),
        "param_labels": {name: param.label_zh for name, param in known.params.items()},
        "default_params": {name: param.default for name, param in known.params.items()},
        "source": effective.source,
        "write_time": sorted(trigger.value for trigger in known.triggers),
        "scanned": known.evaluate is not None,
    }


def read_rules(session: Session, *, actor: User, fund_code: str | None = None) -> list[dict]:
    """Every rule with its setting for the fund (or district-wide)."""
    require(actor, Action.read_alerts)
    if fund_code:
        get_fund(session, fund_code, actor=actor, action=Action.read_alerts)
    settings = RuleSettings(list(session.exec(select(AlertRuleSetting))))
    return [
        rule_public(known, settings.effective(known, fund_code), fund_code or None)
        for known in RULES.values()
    ]


def set_rule(
    session: Session,
    *,
    code: str,
    actor: User,
    fund_code: str | None = None,
    enabled: object = None,
    grade: object = None,
    params: dict[str, object] | None = None,
) -> dict[str, Any]:
    """Change a rule's setting, district-wide or for one fund; what is not given stays as it
    applies now. Audit-logged with old and new."""
    require(actor, Action.manage_alert_rules)
    known = known_rule(code)
    scope = (
        get_fund(session, fund_code, actor=actor, action=Action.manage_alert_rules).code
        if fund_code
        else ""
    )
    current = RuleSettings(list(session.exec(select(AlertRuleSetting)))).effective(known, scope)
    texts = _checked_params(known, current.texts, params or {})
    new_grade = current.grade if grade in (None, "") else choose(Grade, grade, field="grade")
    new_enabled = current.enabled if enabled is None else _flag(enabled)
    row = session.exec(
        select(AlertRuleSetting).where(
            AlertRuleSetting.rule_code == known.code, col(AlertRuleSetting.fund_code) == scope
        )
    ).first() or AlertRuleSetting(
        rule_code=known.code, fund_code=scope, grade=new_grade.value, updated_by=actor.username
    )
    before = {"enabled": current.enabled, "grade": current.grade.value, "params": current.texts}
    row.enabled, row.grade, row.params = new_enabled, new_grade.value, texts
    row.updated_by, row.updated_at = actor.username, utcnow()
    session.add(row)
    session.flush()
    after = {"enabled": new_enabled, "grade": new_grade.value, "params": texts}
    write_audit(
        session,
        actor=actor.username,
        action="alert_rule.updated",
        obj=("alert_rule", f"{known.code}@{scope or 'district'}"),
        detail={"before": before, "after": after},
    )
    forget_rule_settings(session)
    effective = RuleSettings(list(session.exec(select(AlertRuleSetting)))).effective(known, scope)
    return rule_public(known, effective, scope or None) | {
        "updated_at": as_utc(row.updated_at).isoformat()
    }


def _checked_params(
    known: Rule, current: dict[str, str], given: dict[str, object]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    texts = dict(current)
    for name, value in given.items():
        param = known.params.get(name)
        if param is None:
            errors[name] = f"规则 {known.code} 没有参数 {name}"
            continue
        try:
            parse_param(param, value, field=name)
            texts[name] = param_text(param, value)
        except InvalidInput as exc:
            errors[name] = exc.message
    if errors:
        raise InvalidFields(errors)
    return texts


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes"):
        return True
    if text in ("false", "0", "off", "no", ""):
        return False
    raise InvalidInput("启用：应为 true 或 false", field="enabled")
