"""Early warning (廉情预警): alerts, the acts on them, and the rules' settings."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas import RequestBody
from carefund.alerts import AlertStatus, Grade
from carefund.limits import ALERT_NOTE_LENGTH_MAX, ALERT_PARAM_LENGTH_MAX


class AlertPublic(BaseModel):
    """An alert, as the list, the events `alert.raised` / `alert.acknowledged` /
    `alert.resolved` and the page show it."""

    id: int
    fund: str | None = Field(description="所涉基金；全区性的预警（对象名册、工作人员）为 null")
    rule: str = Field(examples=["split_payment"])
    rule_name: str = Field(examples=["化整为零"])
    grade: Grade = Field(description="A 严重 · B 较重 · C 一般")
    subject: str = Field(description="预警对象的键：同一规则同一对象只预警一次")
    message: str = Field(description="中文说明，含金额等数字；个人信息已脱敏")
    details: dict[str, Any]
    status: AlertStatus
    created_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledge_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolve_note: str | None


class AlertAcknowledge(RequestBody):
    note: str = Field(default="", max_length=ALERT_NOTE_LENGTH_MAX, description="备注（可空）")


class AlertResolve(RequestBody):
    note: str = Field(max_length=ALERT_NOTE_LENGTH_MAX, description="办结说明（必填）")


class AlertCounts(BaseModel):
    """Alerts not yet resolved, by grade."""

    A: int
    B: int
    C: int


class AlertRulePublic(BaseModel):
    """A rule and its setting, district-wide (`fund` null) or for one fund."""

    code: str
    name: str
    description: str
    scope: str = Field(description="fund：逐个基金检查；district：全区（对象名册、工作人员）")
    fund: str | None
    enabled: bool
    grade: Grade
    default_grade: Grade
    params: dict[str, str] = Field(description="参数（文本形式，金额为元）")
    param_labels: dict[str, str]
    default_params: dict[str, str]
    source: str = Field(description="default、district 或基金代码：设置从哪里来")
    write_time: list[str] = Field(description="写入时即检查的操作；空则只在夜间扫描中检查")
    scanned: bool = Field(description="夜间扫描是否检查；跨区比对只在导入名单时检查")
    updated_at: datetime | None = None


class AlertRuleChange(RequestBody):
    """What to change; what is not given stays as it applies now."""

    fund: str | None = Field(
        default=None, max_length=32, description="只改该基金的设置；不填为全区"
    )
    enabled: bool | None = None
    grade: Grade | None = None
    params: dict[str, str] | None = Field(
        default=None,
        description='参数名 → 文本值，如 {"threshold": "5000.00"}',
        json_schema_extra={
            "additionalProperties": {"type": "string", "maxLength": ALERT_PARAM_LENGTH_MAX}
        },
    )
