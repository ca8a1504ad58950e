"""The organisation tree: units, the roles granted on them, consolidated statements."""

from pydantic import BaseModel, Field

from api.schemas import MoneyOut, RequestBody
from api.schemas_books import StatementCheck, StatementDisbursed, StatementPeriod, StatementPublic
from carefund.limits import NAME_LENGTH_MAX
from carefund.vocabulary import Role, UnitKind

UnitCode = str


class UnitCreate(RequestBody):
    code: str = Field(max_length=32, examples=["LX-JFL"], description="大写字母、数字或连字符")
    name: str = Field(max_length=NAME_LENGTH_MAX, examples=["解放路街道"])
    parent: str = Field(
        max_length=32,
        examples=["DISTRICT"],
        description="上级单位：区之下为街道，街道之下为社区/村",
    )


class UnitRename(RequestBody):
    name: str = Field(max_length=NAME_LENGTH_MAX, examples=["解放路街道"])


class UnitPublic(BaseModel):
    code: UnitCode
    name: str
    kind: UnitKind
    kind_name: str = Field(examples=["街道"])
    parent: UnitCode | None = Field(description="上级单位的代码；区（根）为 null")
    path: str = Field(
        examples=["/DISTRICT/LX-JFL/"], description="自根而下的代码路径：下级单位的路径以它开头"
    )


class UnitDetail(UnitPublic):
    units: list[UnitCode] = Field(description="直属下级单位的代码")


class GrantChange(RequestBody):
    role: Role
    unit: str = Field(max_length=32, examples=["LX-JFL"])


class GrantPublic(BaseModel):
    role: Role
    unit: UnitCode
    unit_name: str


class ConsolidatedTotals(BaseModel):
    opening_balance: MoneyOut
    income: dict[str, MoneyOut] = Field(description="per source, and `total`")
    disbursed: StatementDisbursed
    closing_balance: MoneyOut
    entry_count: int
    recipients_paid: int = Field(description="各基金受助人数之和（人次）")
    checks: list[StatementCheck]
    reconciled: bool


class ConsolidatedPublic(BaseModel):
    """A unit's consolidated statement: each fund's own statement (the fund statement's
    JSON, to the fen) and their field-by-field sums."""

    unit: UnitPublic
    period: StatementPeriod
    fund_count: int
    funds: list[StatementPublic]
    totals: ConsolidatedTotals
    reconciled: bool = Field(description="every fund's statement and the totals reconciled")
