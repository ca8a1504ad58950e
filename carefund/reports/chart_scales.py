"""How amounts are read off a chart, the same on the page and on paper: round axis ticks and
their labels, the short label above a bar, the colours of the series and the heat map's
shades. Ticks and labels are integer fen throughout; a float appears only as a colour's
share of the largest cell.
"""

AXIS_TICKS_TARGET = 5
"""About how many steps an amount axis is divided into."""
_NICE_STEPS = (1, 2, 5)
SERIES_COLOURS = {
    "party_dues_subsidy": "#b8322a",
    "fiscal_support": "#3a7dbf",
    "member_donation": "#e0a526",
    "sponsorship": "#4a9d5b",
    "work_incentive": "#b8322a",
    "spiritual_care": "#e0a526",
    "life_assistance": "#3a7dbf",
}
"""One colour per income source and per aspect, so that the page and the paper agree."""
HEAT_LOW_RGB, HEAT_HIGH_RGB = (255, 255, 255), (31, 78, 140)
NEGATIVE_FILL = "#f4d6d2"
"""A negative cell of the heat map: pale red, never a pale blue that would read as small."""


def heat_colour(fen: int, max_fen: int) -> str:
    """A heat map cell's shade: white for nothing, deep blue for the largest cell, pale red
    for a negative one (the ratio is a float for the colour only, never an amount)."""
    if fen < 0:
        return NEGATIVE_FILL
    level = fen / max_fen if max_fen > 0 else 0.0
    red, green, blue = (
        round(low + (high - low) * level)
        for low, high in zip(HEAT_LOW_RGB, HEAT_HIGH_RGB, strict=True)
    )
    return f"#{red:02x}{green:02x}{blue:02x}"


def axis_ticks_fen(low_fen: int, high_fen: int, target: int = AXIS_TICKS_TARGET) -> list[int]:
    """Round ticks (1, 2 or 5 × 10ⁿ yuan apart, at least one yuan) from at or below `low_fen`
    to at or above `high_fen`, zero among them; [0] when both are zero."""
    assert low_fen <= 0 <= high_fen, (low_fen, high_fen)
    span = high_fen - low_fen
    if span == 0:
        return [0]
    step, scale = 100, 100
    while True:
        for nice in _NICE_STEPS:
            step = nice * scale
            if span <= step * target:
                first = (low_fen // step) * step
                last = -(-high_fen // step) * step
                return list(range(first, last + 1, step))
        scale *= 10


def yuan_text(fen: int) -> str:
    """An amount as the charts print it: 1,234.56 (元 said once, in the caption or legend)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def axis_label(fen: int) -> str:
    """A tick's label: 5万, 1.5万 or 2,000 (元)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    if fen >= 1_000_000 and fen % 100_000 == 0:
        wan, thousands = divmod(fen // 100_000, 10)
        return f"{sign}{wan}万" if thousands == 0 else f"{sign}{wan}.{thousands}万"
    if fen % 100 == 0:
        return f"{sign}{fen // 100:,}"
    return sign + yuan_text(fen)


def short_amount(fen: int) -> str:
    """A bar's label, short enough to sit above it: 17.9万 (rounded to a thousand yuan from
    ten thousand up), else 2,000 or 1,234.56."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    if fen >= 1_000_000:
        tenths = (fen + 50_000) // 100_000
        wan, tenth = divmod(tenths, 10)
        return f"{sign}{wan}万" if tenth == 0 else f"{sign}{wan}.{tenth}万"
    return sign + (f"{fen // 100:,}" if fen % 100 == 0 else yuan_text(fen))
