"""What every document prints the same way: an amount in figures and in Chinese capitals,
and the fund as the heading names it. (Dates and times print in the business time zone:
`carefund.clock.local`.)"""

from dataclasses import dataclass

from carefund.models import Fund
from carefund.money import capital_amount, format_fen, format_fen_grouped


@dataclass(frozen=True)
class Amount:
    """An amount as documents print it: fen, figures and Chinese capitals."""

    fen: int
    plain: str
    """`1234.56`, as the API and the exports write it."""
    figures: str
    """`¥1,234.56`."""
    capitals: str
    """`壹仟贰佰叁拾肆元伍角陆分`."""


def amount_of(fen: int) -> Amount:
    """Net amounts can be negative (a reversal in a later period); capitals then say 负."""
    capitals = capital_amount(fen) if fen >= 0 else "负" + capital_amount(-fen)
    return Amount(fen, format_fen(fen), format_fen_grouped(fen), capitals)


@dataclass(frozen=True)
class FundHeading:
    """The fund as a document's heading names it."""

    code: str
    name: str
    org: str


def fund_heading(fund: Fund) -> FundHeading:
    return FundHeading(fund.code, fund.name, fund.org)
