"""Reading and changing a fund's control settings (admin, with a reason; audit-logged and
announced as `fund.controls.changed`); `carefund.controls.settings` holds what they mean."""

import json
from typing import Any

from sqlmodel import Session

from carefund.access.users import Action, require
from carefund.audit import write_audit
from carefund.controls.settings import (
    RESTRICTED_CELLS_MAX,
    Cell,
    Controls,
    controls_public,
    load_controls,
    settings_of,
)
from carefund.errors import InvalidFields, InvalidInput
from carefund.events import record_event
from carefund.funds import get_fund
from carefund.models import FundControl, User, row_id, utcnow
from carefund.money import parse_amount
from carefund.validation import check_fields, choose, clean_text
from carefund.vocabulary import Aspect, IncomeSource, MemberCategory


def read_controls(session: Session, *, fund_code: str, actor: User) -> dict[str, Any]:
    """A fund's controls; every role may read them (an approver sees the figures)."""
    require(actor, Action.read)
    fund = get_fund(session, fund_code, actor=actor)
    return controls_public(fund, load_controls(session, fund), session.get(FundControl, fund.id))


def _optional_amount(value: object, *, field: str) -> int | None:
    return None if value in (None, "") else parse_amount(value, field=field)


def _amounts_by(enum: Any, value: object, *, field: str) -> dict[str, int]:
    """{enum value: amount} from {name: "1000.00"}; empty values are left out."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput('应为对象，如 {"hardship": "1000.00"}', field=field)
    return {
        choose(enum, key, field=field).value: parse_amount(amount, field=field)
        for key, amount in value.items()
        if amount not in (None, "")
    }


def _restrictions(value: object) -> dict[str, tuple[Cell, ...]]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise InvalidInput("应为列表：[{source, cells}]", field="restrictions")
    found: dict[str, tuple[Cell, ...]] = {}
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("cells"), list):
            raise InvalidInput("每项应为 {source, cells: [...]}", field="restrictions")
        source = choose(IncomeSource, item.get("source"), field="restrictions").value
        cells = item["cells"]
        if not cells or len(cells) > RESTRICTED_CELLS_MAX:
            raise InvalidInput(
                f"{source} 的可支付格应有 1–{RESTRICTED_CELLS_MAX} 项", field="restrictions"
            )
        found[source] = tuple(_cell(cell) for cell in cells)
    return found


def _cell(value: object) -> Cell:
    if not isinstance(value, dict):
        raise InvalidInput("每格应为 {category, aspect}", field="restrictions")
    category, aspect = value.get("category"), value.get("aspect")
    return Cell(
        category=choose(MemberCategory, category, field="restrictions").value if category else None,
        aspect=choose(Aspect, aspect, field="restrictions").value if aspect else None,
    )


def _caps(value: object) -> tuple[int | None, dict[str, int]]:
    if value is None:
        return None, {}
    if not isinstance(value, dict):
        raise InvalidInput("应为 {overall, by_aspect}", field="caps")
    overall = _optional_amount(value.get("overall"), field="caps")
    return overall, _amounts_by(Aspect, value.get("by_aspect"), field="caps")


CONTROL_CHECKS = {
    "approval_threshold": lambda v: _optional_amount(v, field="approval_threshold"),
    "review_threshold": lambda v: _optional_amount(v, field="review_threshold"),
    "restrictions": _restrictions,
    "caps": _caps,
    "standards": lambda v: _amounts_by(MemberCategory, v, field="standards"),
    "reason": lambda v: clean_text(v, field="reason", required=True, multiline=True),
}
"""The rules of a fund's control settings, for `set_controls` and the admin form."""


def set_controls(
    session: Session, *, fund_code: str, values: dict[str, Any], actor: User
) -> dict[str, Any]:
    """Replace a fund's controls (admin), with a reason; audit-logged, with an event."""
    require(actor, Action.manage_funds)
    clean = check_fields(CONTROL_CHECKS, values)
    fund = get_fund(session, fund_code, actor=actor, action=Action.manage_funds)
    cap_fen, aspect_caps_fen = clean["caps"]
    controls = Controls(
        approval_threshold_fen=clean["approval_threshold"],
        review_threshold_fen=clean["review_threshold"],
        restrictions=clean["restrictions"],
        cap_fen=cap_fen,
        aspect_caps_fen=aspect_caps_fen,
        standards_fen=clean["standards"],
    )
    _refuse_unpayable(controls)
    fund.approval_threshold_fen = controls.approval_threshold_fen
    fund.review_threshold_fen = controls.review_threshold_fen
    session.add(fund)
    stored = session.get(FundControl, fund.id) or FundControl(
        fund_id=row_id(fund), settings="", updated_by=actor.username
    )
    before = stored.settings
    stored.settings = json.dumps(settings_of(controls), ensure_ascii=False, sort_keys=True)
    stored.updated_by, stored.updated_at = actor.username, utcnow()
    session.add(stored)
    session.flush()
    public = controls_public(fund, controls, stored)
    detail = {"reason": clean["reason"], "before": before, "after": public}
    write_audit(
        session,
        actor=actor.username,
        action="fund.controls.changed",
        obj=("fund", fund.id),
        detail=detail,
    )
    record_event(
        session, "fund.controls.changed", public | {"reason": clean["reason"]}, unit_id=fund.unit_id
    )
    return public


def _refuse_unpayable(controls: Controls) -> None:
    # A cell no source may pay could never be paid: most likely a slip of the form.
    for category in MemberCategory:
        for aspect in Aspect:
            if not any(controls.may_pay(s.value, category, aspect) for s in IncomeSource):
                cell = Cell(category.value, aspect.value).zh()
                raise InvalidFields({"restrictions": f"没有任何来源可以支付 {cell}"})
