"""Disbursements: `DisbursementCreate`, the transition bodies, `DisbursementPublic`."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from api.schemas import DateIn, Id, MoneyIn, MoneyOut, RequestBody
from carefund.limits import (
    MEETING_NO_LENGTH_MAX,
    METHOD_LENGTH_MAX,
    NAME_LENGTH_MAX,
    RECEIPT_NO_LENGTH_MAX,
    TEXT_LENGTH_MAX,
)
from carefund.vocabulary import Aspect, DisbursementStatus, IncomeSource


class DisbursementCreate(RequestBody):
    recipient_id: Id
    amount: MoneyIn
    aspect: Aspect
    purpose: str = Field(default="", max_length=NAME_LENGTH_MAX, examples=["春节慰问"])
    memo: str = Field(default="", max_length=TEXT_LENGTH_MAX)


class NoFields(RequestBody):
    """An empty object (or no body at all)."""


class DisbursementApprove(RequestBody):
    """All optional: the source to draw from (else the allocation rule picks), and the
    meeting that decided it (needed above the fund's approval threshold)."""

    source: IncomeSource | None = None
    earmark: str | None = Field(
        default=None, max_length=RECEIPT_NO_LENGTH_MAX, description="an earmarked receipt_no"
    )
    meeting_no: str | None = Field(
        default=None, max_length=MEETING_NO_LENGTH_MAX, examples=["组织部会议纪要〔2026〕12号"]
    )
    meeting_on: DateIn | None = None


class DisbursementReject(RequestBody):
    reason: str = Field(max_length=TEXT_LENGTH_MAX, examples=["材料不全"])


class DisbursementPay(RequestBody):
    paid_on: DateIn = Field(examples=["2026-11-10"])
    method: str = Field(default="", max_length=METHOD_LENGTH_MAX, examples=["救助卡"])


class DisbursementReverse(RequestBody):
    reason: str = Field(max_length=TEXT_LENGTH_MAX, examples=["重复发放"])
    on: DateIn | None = Field(default=None, description="冲销凭证的日期，默认今天；须在未结账期间")


class DisbursementPublic(BaseModel):
    id: int
    fund: str
    recipient_id: int
    amount: MoneyOut
    aspect: Aspect
    purpose: str
    memo: str
    status: DisbursementStatus
    submitted_by: str
    approved_by: str | None
    rejected_by: str | None
    reject_reason: str | None
    paid_by: str | None
    paid_on: date | None
    method: str
    voucher_no: str | None
    plan_id: int | None
    due_on: date | None
    created_at: datetime
    approvals: list[str] = Field(
        default_factory=list,
        description="who approved so far: two names above the fund's approval threshold "
        "(it stays `submitted` until the second)",
    )
    meeting_no: str | None = Field(default=None, description="三重一大 集体决策 minutes number")
    meeting_on: date | None = None
    source: IncomeSource | None = Field(default=None, description="the source it draws from")
    earmark_income_id: int | None = Field(
        default=None, description="the earmarked income it draws from"
    )
