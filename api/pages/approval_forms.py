"""What an approval form offers beside its button (分级审批、专款专用): whether the
disbursement is above its fund's approval threshold (and so needs the meeting that decided
it, 三重一大), the approvals so far, and the money pools it may be drawn from. The domain
decides; this only reads what the form shows and turns the chosen pool back into the
approval's `source` and `earmark` fields."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from carefund import funds
from carefund.controls import changing
from carefund.models import User
from carefund.money import FEN_PER_YUAN, format_fen_grouped
from carefund.vocabulary import SOURCE_NAMES_ZH

APPROVE_FIELDS = {"pool", "meeting_no", "meeting_on"}
"""The approval form's own fields (besides those of the other steps)."""
APPROVE_ALIASES = {"source": "pool", "earmark": "pool"}
"""The domain's approval fields as the form names them."""
POOL_SEPARATOR = ":"


@dataclass(frozen=True)
class ApprovalForm:
    """What one disbursement's approval form shows."""

    needs_meeting: bool
    """Above the fund's approval threshold: two approvers and the meeting (三重一大)."""
    threshold: str | None
    """The fund's approval threshold, as the API shows it."""
    pools: list[tuple[str, str]]
    """(option value, label) for each pool of the fund, in allocation order."""


def pool_value(pool: dict[str, Any]) -> str:
    """A pool as a form option: its source, and the earmarked receipt when it is one."""
    earmark = pool.get("earmark")
    return f"{pool['source']}{POOL_SEPARATOR}{earmark}" if earmark else pool["source"]


def _fen(text: str) -> int:
    """An amount as the domain's public forms give it ("0.00" included), in fen."""
    return int(Decimal(text) * FEN_PER_YUAN)


def pool_label(pool: dict[str, Any]) -> str:
    """A pool as a person chooses it: 社会赞助 · 定向 HC-2026-0003（可用 ¥1,000.00）."""
    name = SOURCE_NAMES_ZH.get(pool["source"], pool["source"])
    earmark = f" · 定向 {pool['earmark']}" if pool.get("earmark") else ""
    available = format_fen_grouped(_fen(pool["available"]))
    return f"{name}{earmark}（可用 {available}）"


def approval_fields(form: dict[str, Any]) -> dict[str, Any]:
    """The domain's approval fields from the form: the pool split into source and earmark
    (both empty: allocated by the documented rule), and the meeting."""
    pool = form.get("pool") or ""
    source, _, earmark = str(pool).partition(POOL_SEPARATOR)
    return {
        "source": source or None,
        "earmark": earmark or None,
        "meeting_no": form.get("meeting_no"),
        "meeting_on": form.get("meeting_on"),
    }


def approval_forms(
    session: Session, user: User, rows: list[dict[str, Any]]
) -> dict[int, ApprovalForm]:
    """Each submitted disbursement's approval form, by id; one read of controls and pools
    per fund."""
    by_fund: dict[str, tuple[str | None, list[tuple[str, str]]]] = {}
    for code in {d["fund"] for d in rows if d["status"] == "submitted"}:
        threshold = changing.read_controls(session, fund_code=code, actor=user)[
            "approval_threshold"
        ]
        pools = funds.balances(session, code=code, actor=user)["sources"]
        by_fund[code] = threshold, [(pool_value(p), pool_label(p)) for p in pools]
    forms = {}
    for d in rows:
        if d["fund"] in by_fund and d["status"] == "submitted":
            threshold, pools = by_fund[d["fund"]]
            above = threshold is not None and _fen(d["amount"]) > _fen(threshold)
            forms[d["id"]] = ApprovalForm(needs_meeting=above, threshold=threshold, pools=pools)
    return forms
