"""Recurring plans and imports: `PlanCreate`, `PlanRun`, `PlanPublic`, `ImportPublic`."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from api.schemas import DateIn, Id, MoneyIn, MoneyOut, RequestBody
from carefund.limits import NAME_LENGTH_MAX, PLAN_RECIPIENTS_MAX, PLAN_RULE_LENGTH_MAX
from carefund.vocabulary import Aspect


class PlanCreate(RequestBody):
    name: str = Field(max_length=NAME_LENGTH_MAX, examples=["特困党员救助卡月度发放"])
    rule: str = Field(
        max_length=PLAN_RULE_LENGTH_MAX,
        description="RFC 5545 RRULE 的内容（不含 DTSTART 与 UNTIL：用 start 与 until）",
        examples=["FREQ=MONTHLY;BYMONTHDAY=5", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"],
    )
    start: DateIn = Field(description="最早的发放日期", examples=["2026-01-01"])
    until: DateIn | None = Field(default=None, description="最晚的发放日期（可选）")
    amount: MoneyIn = Field(description="每人每期的金额")
    aspect: Aspect
    purpose: str = Field(default="", max_length=NAME_LENGTH_MAX, examples=["特困党员救助卡"])
    recipient_ids: list[Id] = Field(max_length=PLAN_RECIPIENTS_MAX, examples=[[1, 2, 3]])


class PlanPublic(BaseModel):
    id: int
    fund: str
    name: str
    rule: str
    start: date
    until: date | None
    amount: MoneyOut
    aspect: Aspect
    purpose: str
    status: str = Field(description="active、paused 或 ended")
    recipient_ids: list[int]
    recipient_count: int
    last_generated_due: date | None = Field(description="已生成的最后一个发放日期")
    next_due: date | None = Field(description="下次运行将生成的发放日期")
    preview: list[date] = Field(description="自 next_due 起的后续几个发放日期")
    created_by: str
    created_at: datetime


class PlanRun(RequestBody):
    through: DateIn = Field(description="生成到这一天为止（含）", examples=["2026-06-30"])


class SkippedRecipient(BaseModel):
    recipient_id: int
    member_no: str
    reason: str = Field(examples=["inactive"])
    due_dates: list[date]


class PlanRunPublic(BaseModel):
    plan_id: int
    through: date
    created: int = Field(description="本次新建的待审批支出笔数")
    skipped: list[SkippedRecipient] = Field(description="因已停用而跳过的关爱对象")
    complete: bool = Field(description="false 表示达到单次上限而停止，请再次运行")
    last_due: date | None


class ImportPublic(BaseModel):
    created: int
    updated: int
    unchanged: int = Field(description="与已有记录相同、未作改动的行数")
    ignored_columns: list[str] = Field(description="未识别、已忽略的列名")
