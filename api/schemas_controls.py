"""The money controls (issue 14): a fund's settings, budgets and their history, overrides,
and the per-source balances (`SourcePublic`)."""

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import MoneyIn, MoneyOut, RequestBody
from carefund.limits import TEXT_LENGTH_MAX
from carefund.vocabulary import Aspect, IncomeSource, MemberCategory


class CellIn(RequestBody):
    """A cell of the 6×3 matrix; a null `category` or `aspect` means any (a row or column)."""

    category: MemberCategory | None = None
    aspect: Aspect | None = None


class CellPublic(BaseModel):
    category: MemberCategory | None
    aspect: Aspect | None


class RestrictionIn(RequestBody):
    """The cells money of `source` may pay (专款专用); a source not listed may pay any."""

    source: IncomeSource
    cells: list[CellIn] = Field(min_length=1, max_length=18)


class RestrictionPublic(BaseModel):
    source: IncomeSource
    cells: list[CellPublic]


class CapsIn(RequestBody):
    overall: MoneyIn | None = Field(default=None, description="每人每年累计上限")
    by_aspect: dict[Aspect, MoneyIn] = Field(default_factory=dict, description="每人每年分方面上限")


class CapsPublic(BaseModel):
    overall: MoneyOut | None
    by_aspect: dict[str, MoneyOut]


class ControlsUpdate(RequestBody):
    """A fund's controls, replaced whole, with the reason for the change."""

    approval_threshold: MoneyIn | None = Field(
        default=None, description="超过此额的支出须两名审批人并注明集体决策会议（三重一大）"
    )
    review_threshold: MoneyIn | None = Field(
        default=None, description="超过此额的收入须由记录人以外的人复核"
    )
    restrictions: list[RestrictionIn] = Field(default_factory=list, max_length=4)
    caps: CapsIn | None = None
    standards: dict[MemberCategory, MoneyIn] = Field(
        default_factory=dict, description="各类别每次发放标准"
    )
    reason: str = Field(max_length=TEXT_LENGTH_MAX, examples=["2027 年度管控方案"])


class ControlsPublic(BaseModel):
    fund: str
    approval_threshold: MoneyOut | None
    review_threshold: MoneyOut | None
    restrictions: list[RestrictionPublic]
    caps: CapsPublic
    standards: dict[str, MoneyOut]
    updated_by: str | None
    updated_at: dt.datetime | None


class BudgetSet(RequestBody):
    year: int = Field(ge=2000, le=2099, examples=[2026])
    category: MemberCategory
    aspect: Aspect
    amount: MoneyIn
    reason: str = Field(max_length=TEXT_LENGTH_MAX, examples=["年初预算"])


class BudgetCell(BaseModel):
    category: MemberCategory
    aspect: Aspect
    budget: MoneyOut | None = Field(description="null: no budget, no limit")
    spent: MoneyOut = Field(description="paid in the year, reversals netted")
    committed: MoneyOut = Field(description="approved, not yet paid")
    remaining: MoneyOut | None = Field(description="budget − spent − committed")


class BudgetTotals(BaseModel):
    budget: MoneyOut
    spent: MoneyOut
    committed: MoneyOut


class BudgetsPublic(BaseModel):
    fund: str
    year: int
    cells: list[BudgetCell]
    total: BudgetTotals


class BudgetChangePublic(BaseModel):
    id: int
    fund: str
    year: int
    category: MemberCategory
    aspect: Aspect
    previous: MoneyOut | None
    amount: MoneyOut
    reason: str
    changed_by: str
    changed_at: dt.datetime


class BudgetHistory(BaseModel):
    items: list[BudgetChangePublic]


class OverrideCreate(RequestBody):
    control: Literal["budget", "cap", "standard"]
    reason: str = Field(max_length=TEXT_LENGTH_MAX, examples=["突发重病，经党委会研究特批"])


class OverridePublic(BaseModel):
    id: int
    fund: str
    disbursement_id: int
    control: Literal["budget", "cap", "standard"]
    figures: dict[str, Any] = Field(
        description="the figures the control refused with (fen) and its `message`"
    )
    reason: str
    created_by: str
    created_at: dt.datetime


class OverrideList(BaseModel):
    items: list[OverridePublic]


class SourcePublic(BaseModel):
    """The money of one source not earmarked, or of one earmarked (定向) income."""

    source: IncomeSource
    earmark: str | None = Field(description="the earmarked income's receipt_no, else null")
    earmark_cell: CellPublic | None
    restricted: bool = Field(description="earmarked, or the fund restricts the source")
    income: MoneyOut
    paid: MoneyOut
    reserved: MoneyOut = Field(description="approved, not yet paid")
    balance: MoneyOut
    available: MoneyOut
