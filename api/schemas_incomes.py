"""Incomes: `IncomeCreate`, `IncomeReverse`, `IncomePublic`."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from api.schemas import DateIn, MoneyIn, MoneyOut, RequestBody
from api.schemas_controls import CellIn, CellPublic
from carefund.limits import METHOD_LENGTH_MAX, NAME_LENGTH_MAX, TEXT_LENGTH_MAX
from carefund.vocabulary import IncomeSource, IncomeStatus


class IncomeCreate(RequestBody):
    source: IncomeSource
    payer: str = Field(max_length=NAME_LENGTH_MAX, examples=["区财政局"])
    amount: MoneyIn
    received_on: DateIn = Field(examples=["2026-11-05"])
    method: str = Field(default="", max_length=METHOD_LENGTH_MAX, examples=["转账"])
    memo: str = Field(default="", max_length=TEXT_LENGTH_MAX)
    earmark: CellIn | None = Field(
        default=None,
        description="定向: the one category and/or aspect this money may pay (null: none)",
    )


class IncomeReverse(RequestBody):
    reason: str = Field(max_length=TEXT_LENGTH_MAX, examples=["重复入账"])
    on: DateIn | None = Field(default=None, description="冲销凭证的日期，默认今天；须在未结账期间")


class IncomePublic(BaseModel):
    id: int
    fund: str
    source: IncomeSource
    payer: str
    amount: MoneyOut
    received_on: date
    method: str
    memo: str
    receipt_no: str = Field(examples=["HC-CARE-2026-000001"])
    voucher_no: str = Field(examples=["记-202611-0001"])
    entry_hash: str
    status: IncomeStatus
    reversal_voucher_no: str | None
    reverse_reason: str | None
    created_by: str
    created_at: datetime
    earmark: CellPublic | None = Field(default=None, description="定向, else null")
    review_required: bool = Field(
        default=False, description="above the fund's review threshold: needs a 复核"
    )
    reviewed_by: str | None = Field(default=None, description="the reviewer (复核人)")
