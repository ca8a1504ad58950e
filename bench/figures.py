"""What a benchmark reports: figures as data, each beside its same-run baseline and target.

Every benchmark module has `run(quick: bool) -> list[Figure]`; `python -m bench` collects
them and prints one table (`table`). A figure's ratio is value ÷ baseline, both measured in
the same run on the same machine, so it means something even on a busy, shared machine.
"""

import statistics
from dataclasses import dataclass
from typing import Literal


def median_spread(samples: list[float]) -> tuple[float, tuple[float, float]]:
    """The median of several runs and their spread (lowest, highest)."""
    return statistics.median(samples), (min(samples), max(samples))


@dataclass(frozen=True)
class Target:
    """What a figure should reach: a bound on its value or on its ratio to the baseline."""

    bound: float
    on: Literal["value", "ratio"] = "value"
    at_least: bool = True
    """True: the figure must be ≥ bound; False: it must stay below it (times, latencies)."""

    def met(self, figure: "Figure") -> bool | None:
        measured = figure.ratio if self.on == "ratio" else figure.value
        if measured is None:
            return None
        return measured >= self.bound if self.at_least else measured < self.bound

    def describe(self, unit: str) -> str:
        sign = "≥" if self.at_least else "<"
        if self.on == "ratio":
            return f"ratio {sign} {_number(self.bound)}"
        return f"{sign} {_number(self.bound)} {unit}".rstrip()


@dataclass(frozen=True)
class Figure:
    """One measured figure, e.g. 412 incomes/s, beside its baseline (e.g. raw sqlite3)."""

    benchmark: str
    """The module that measured it: posting, api, documents, scale, …"""
    what: str
    """What was measured, in a few words."""
    value: float
    unit: str
    baseline: float | None = None
    """The same kind of figure for the baseline, measured in the same run."""
    baseline_what: str = ""
    """What the baseline is, in a few words."""
    target: Target | None = None
    note: str = ""
    """Anything the reader needs to weigh the figure (sizes, backend)."""
    runs: int = 1
    """How many runs `value` is the median of (and `baseline`, measured between them)."""
    spread: tuple[float, float] | None = None
    """The lowest and highest of those runs."""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    @property
    def met(self) -> bool | None:
        return self.target.met(self) if self.target else None


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e6:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.01:
        return f"{value:.2f}"
    return f"{value:.2g}"


def _spread(figure: Figure) -> str:
    if figure.spread is None or figure.runs < 2:
        return ""
    low, high = figure.spread
    return f" (median of {figure.runs}: {_number(low)}–{_number(high)})"


def table(figures: list[Figure]) -> str:
    """The figures as one Markdown table (it reads well in a terminal and in RESULTS.md)."""
    header = ["benchmark", "figure", "value", "baseline (same run)", "ratio", "target", "met"]
    rows = [header, ["---"] * len(header)]
    for figure in figures:
        baseline = (
            f"{_number(figure.baseline)} {figure.unit} ({figure.baseline_what})"
            if figure.baseline is not None
            else "—"
        )
        met = {True: "met", False: "MISSED", None: "—"}[figure.met]
        what = figure.what + (f" [{figure.note}]" if figure.note else "")
        rows.append(
            [
                figure.benchmark,
                what,
                f"{_number(figure.value)} {figure.unit}".rstrip() + _spread(figure),
                baseline,
                f"{figure.ratio:.3g}" if figure.ratio is not None else "—",
                figure.target.describe(figure.unit) if figure.target else "—",
                met,
            ]
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)
