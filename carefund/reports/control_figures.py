"""What a statement shows of the money controls: the balance of each source and earmarked
income at the period's end (restricted or not), what each source paid per cell in the
period (source × cell), and the year's budget against actual."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from carefund.controls.budgets import budget_figures
from carefund.controls.settings import load_controls
from carefund.controls.sources import source_cell_table, source_pools
from carefund.models import Fund
from carefund.money import format_fen


@dataclass(frozen=True)
class SourceRow:
    """One source's (or earmarked income's) money at the period's end."""

    source: str
    earmark: str | None
    """The earmarked income's receipt number."""
    earmark_cell: str | None
    """What it is earmarked for, in words (生活困难党员·生活帮扶)."""
    restricted: bool
    income_fen: int
    paid_fen: int

    @property
    def balance_fen(self) -> int:
        return self.income_fen - self.paid_fen


@dataclass(frozen=True)
class BudgetRow:
    category: str
    aspect: str
    budget_fen: int | None
    spent_fen: int
    committed_fen: int
    remaining_fen: int | None


@dataclass(frozen=True)
class ControlFigures:
    sources: tuple[SourceRow, ...]
    source_cells_fen: dict[str, dict[str, dict[str, int]]]
    """Paid in the period: source → category → aspect (`unknown` for payments approved
    before sources were recorded)."""
    budget_year: int
    budget: tuple[BudgetRow, ...]
    """Cells with a budget, or with spending or commitments."""

    @property
    def sources_total_fen(self) -> int:
        return sum(row.balance_fen for row in self.sources)


def control_figures(session: Session, fund: Fund, *, start: Any, end: Any) -> ControlFigures:
    """The controls' figures of a statement of `fund` from `start` through `end`."""
    controls = load_controls(session, fund)
    pools = source_pools(session, fund_id=fund.id or 0, controls=controls, through=end)
    sources = tuple(
        SourceRow(
            source=pool.source,
            earmark=pool.receipt_no,
            earmark_cell=pool.earmark.zh() if pool.earmark else None,
            restricted=pool.earmark is not None or pool.source in controls.restrictions,
            income_fen=pool.received_fen,
            paid_fen=pool.paid_fen,
        )
        for pool in pools
    )
    cells = budget_figures(session, fund_id=fund.id or 0, year=end.year, through=end)
    budget = tuple(
        BudgetRow(**cell)
        for cell in cells
        if cell["budget_fen"] is not None or cell["spent_fen"] or cell["committed_fen"]
    )
    return ControlFigures(
        sources=sources,
        source_cells_fen=source_cell_table(session, fund_id=fund.id or 0, start=start, end=end),
        budget_year=end.year,
        budget=budget,
    )


def _money(fen: int | None) -> str | None:
    return None if fen is None else format_fen(fen)


def control_figures_json(figures: ControlFigures) -> dict[str, Any]:
    """The statement JSON's `sources`, `source_by_cell` and `budget`."""
    return {
        "sources": [
            {
                "source": row.source,
                "earmark": row.earmark,
                "restricted": row.restricted,
                "income": format_fen(row.income_fen),
                "paid": format_fen(row.paid_fen),
                "balance": format_fen(row.balance_fen),
            }
            for row in figures.sources
        ],
        "source_by_cell": {
            source: {
                category: {aspect: format_fen(fen) for aspect, fen in aspects.items()}
                for category, aspects in categories.items()
            }
            for source, categories in figures.source_cells_fen.items()
        },
        "budget": {
            "year": figures.budget_year,
            "cells": [
                {
                    "category": row.category,
                    "aspect": row.aspect,
                    "budget": _money(row.budget_fen),
                    "spent": format_fen(row.spent_fen),
                    "committed": format_fen(row.committed_fen),
                    "remaining": _money(row.remaining_fen),
                }
                for row in figures.budget
            ],
        },
    }
