"""Rules evaluated when something is written, in the write's own transaction.

Only the rules that name the write's trigger run, and only over what it touched (the
recipient, the fund). The settings come from the process's copy (`rule_settings`), so a
write whose rules find nothing asks no statement for them; the office-hours rule, the
only one an income evaluates, reads the clock and nothing else.
"""

from sqlmodel import Session

from carefund.alerts.raising import raise_alerts
from carefund.alerts.registry import Check, Scope, Touched, Trigger, rules_for
from carefund.alerts.settings import rule_settings
from carefund.models import Alert

_PAUSED = "carefund_alerts_paused"


def pause_watch(session: Session, rules: frozenset[str] | None = None) -> None:
    """Evaluate no rule (or not these `rules`) at write time in this session's transactions:
    the demo's year is written in a minute, and its own story raises the alerts it shows."""
    session.info[_PAUSED] = rules if rules is not None else True


def resume_watch(session: Session) -> None:
    """Evaluate every rule at write time again in this session (after `pause_watch`)."""
    session.info.pop(_PAUSED, None)


def watch(session: Session, touched: Touched) -> list[Alert]:
    """Evaluate the rules of `touched.trigger` over what the write touched; raise what they
    find. Answers the alerts raised."""
    return _evaluate(session, touched.trigger, touched)


def watch_roll(session: Session) -> list[Alert]:
    """The recipient rules over the whole roll, as the scan runs them: after an import,
    a few grouped queries instead of several per member."""
    return _evaluate(session, Trigger.recipient, None)


def _evaluate(session: Session, trigger: Trigger, touched: Touched | None) -> list[Alert]:
    paused = session.info.get(_PAUSED)
    if paused is True:
        return []
    wanted = [known for known in rules_for(trigger) if not paused or known.code not in paused]
    if not wanted:
        return []
    settings = rule_settings(session)
    raised: list[Alert] = []
    for known in wanted:
        if touched is None and known.scope == Scope.fund:
            continue  # a fund's rules run at write time over what the write touched
        fund_code = touched.fund_code if touched and known.scope == Scope.fund else None
        fund_id = touched.fund_id if touched and known.scope == Scope.fund else None
        effective = settings.effective(known, fund_code)
        if not effective.enabled or known.evaluate is None:
            continue
        check = Check(session, effective.params, fund_id, fund_code, touched)
        raised += raise_alerts(
            session,
            known,
            known.evaluate(check),
            grade=effective.grade,
            fund_id=fund_id,
            fund_code=fund_code,
            unit_id=touched.fund_unit_id if touched and fund_id is not None else None,
        )
    return raised
