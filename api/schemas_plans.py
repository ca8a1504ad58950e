"""Request and response bodies of recurring plans and imports (`PlanCreate`, `PlanPublic`)."""

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas import MoneyIn, RequestBody
from carefund.plans import PLAN_RECIPIENTS_MAX, PLAN_RULE_LENGTH_MAX


class PlanCreate(RequestBody):
    name: str = Field(max_length=200, examples=["特困党员救助卡月度发放"])
    rule: str = Field(
        max_length=PLAN_RULE_LENGTH_MAX,
        description="RFC 5545 RRULE body (without DTSTART and UNTIL: use start and until).",
        examples=["FREQ=MONTHLY;BYMONTHDAY=5", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"],
    )
    start: str = Field(
        max_length=10, description="First possible due date.", examples=["2026-01-01"]
    )
    until: str | None = Field(default=None, max_length=10, description="Last possible due date.")
    amount: MoneyIn = Field(description="Per recipient per due date.", examples=["500.00"])
    aspect: str = Field(max_length=32, examples=["life_assistance"])
    purpose: str = Field(default="", max_length=200, examples=["救助卡"])
    recipient_ids: list[int] = Field(max_length=PLAN_RECIPIENTS_MAX, examples=[[1, 2, 3]])


class PlanPublic(BaseModel):
    id: int
    fund: str
    name: str
    rule: str
    start: str
    until: str | None
    amount: str = Field(examples=["500.00"])
    aspect: str
    purpose: str
    status: str = Field(description="active, paused or ended.")
    recipient_ids: list[int]
    recipient_count: int
    last_generated_due: str | None = Field(description="Latest due date generated so far.")
    next_due: str | None = Field(description="The next due date a run will generate.")
    preview: list[str] = Field(description="The next few due dates from next_due on.")
    created_by: str
    created_at: datetime


class PlanList(BaseModel):
    items: list[PlanPublic]
    next_cursor: str | None


class PlanRunRequest(RequestBody):
    through: str = Field(max_length=10, examples=["2026-06-30"])


class SkippedRecipient(BaseModel):
    recipient_id: int
    member_no: str
    reason: str = Field(examples=["inactive"])
    due_dates: list[str]


class PlanRunPublic(BaseModel):
    plan_id: int
    through: str
    created: int
    skipped: list[SkippedRecipient]
    complete: bool = Field(description="False when the run stopped at its limit; run again.")
    last_due: str | None


class ImportPublic(BaseModel):
    created: int
    updated: int
    unchanged: int = Field(description="Rows that matched a stored member and changed nothing.")
    ignored_columns: list[str] = Field(description="Header names not understood, left alone.")
