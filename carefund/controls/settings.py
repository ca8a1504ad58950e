"""A fund's control settings (廉政风险防控): the thresholds of two-person approval and of
income review, which sources may pay which cells (专款专用), and the caps and standards of
aid (超标准). Changed by an administrator with a reason, audit-logged, read by everyone.

A source the restriction matrix does not list may pay every cell (the default: no
restriction). A listed source may pay only the cells listed for it; a cell's `category` or
`aspect` left null means any.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from carefund.models import Fund, FundControl, as_utc
from carefund.money import format_fen
from carefund.vocabulary import (
    ASPECT_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    Aspect,
    MemberCategory,
)

RESTRICTED_CELLS_MAX = len(MemberCategory) * len(Aspect)
"""The most cells one source's restriction lists (every cell of the 6×3 matrix)."""


@dataclass(frozen=True)
class Cell:
    """A cell of the 6×3 matrix, or a row or column of it: None means any."""

    category: str | None = None
    aspect: str | None = None

    def holds(self, category: str, aspect: str) -> bool:
        """Whether the cell (category, aspect) lies in this one."""
        return self.category in (None, category) and self.aspect in (None, aspect)

    def public(self) -> dict[str, str | None]:
        return {"category": self.category, "aspect": self.aspect}

    def zh(self) -> str:
        """In words, e.g. 生活困难党员·生活帮扶, or 全部类别·生活帮扶."""
        category = CATEGORY_NAMES_ZH[MemberCategory(self.category)] if self.category else "全部类别"
        aspect = ASPECT_NAMES_ZH[Aspect(self.aspect)] if self.aspect else "全部方面"
        return f"{category}·{aspect}"


@dataclass(frozen=True)
class Controls:
    """A fund's controls as the checks use them; amounts in fen, None where unset."""

    approval_threshold_fen: int | None = None
    review_threshold_fen: int | None = None
    restrictions: dict[str, tuple[Cell, ...]] = field(default_factory=dict)
    """Source → the cells it may pay; a source not here may pay every cell."""
    cap_fen: int | None = None
    """Per recipient per year, over every aspect."""
    aspect_caps_fen: dict[str, int] = field(default_factory=dict)
    """Per recipient per year, per aspect."""
    standards_fen: dict[str, int] = field(default_factory=dict)
    """The most one disbursement may give, per recipient category."""

    def may_pay(self, source: str, category: str, aspect: str) -> bool:
        """Whether money of `source` may pay the cell (category, aspect)."""
        cells = self.restrictions.get(source)
        return cells is None or any(cell.holds(category, aspect) for cell in cells)

    def breadth(self, source: str) -> int:
        """How many of the 18 cells `source` may pay: the allocation takes narrow money first."""
        return sum(
            self.may_pay(source, category.value, aspect.value)
            for category in MemberCategory
            for aspect in Aspect
        )


def load_controls(session: Session, fund: Fund) -> Controls:
    """The fund's controls (the thresholds from its row, the rest from `fund_control`)."""
    stored = session.get(FundControl, fund.id)
    settings = json.loads(stored.settings) if stored else {}
    return _from_settings(fund, settings)


def _from_settings(fund: Fund, settings: dict[str, Any]) -> Controls:
    restrictions = {
        source: tuple(Cell(**cell) for cell in cells)
        for source, cells in settings.get("restrictions", {}).items()
    }
    return Controls(
        approval_threshold_fen=fund.approval_threshold_fen,
        review_threshold_fen=fund.review_threshold_fen,
        restrictions=restrictions,
        cap_fen=settings.get("cap_fen"),
        aspect_caps_fen=dict(settings.get("aspect_caps_fen", {})),
        standards_fen=dict(settings.get("standards_fen", {})),
    )


def settings_of(controls: Controls) -> dict[str, Any]:
    return {
        "restrictions": {
            source: [cell.public() for cell in cells]
            for source, cells in controls.restrictions.items()
        },
        "cap_fen": controls.cap_fen,
        "aspect_caps_fen": controls.aspect_caps_fen,
        "standards_fen": controls.standards_fen,
    }


def _money_or_none(value: object) -> str | None:
    return format_fen(value) if isinstance(value, int) else None


def controls_public(fund: Fund, controls: Controls, stored: FundControl | None) -> dict[str, Any]:
    """A fund's controls as the API shows them (and as `fund.controls.changed` carries them)."""
    return {
        "fund": fund.code,
        "approval_threshold": _money_or_none(controls.approval_threshold_fen),
        "review_threshold": _money_or_none(controls.review_threshold_fen),
        "restrictions": [
            {"source": source, "cells": [cell.public() for cell in cells]}
            for source, cells in controls.restrictions.items()
        ],
        "caps": {
            "overall": _money_or_none(controls.cap_fen),
            "by_aspect": {k: format_fen(v) for k, v in controls.aspect_caps_fen.items()},
        },
        "standards": {k: format_fen(v) for k, v in controls.standards_fen.items()},
        "updated_by": stored.updated_by if stored else None,
        "updated_at": as_utc(stored.updated_at).isoformat() if stored else None,
    }
