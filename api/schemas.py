"""Request and response bodies, in families (`FundCreate`, `FundPublic`).

Request bodies forbid unknown fields, so nobody can mass-assign `balance` or `status`.
Amounts come in as strings or JSON numbers (parsed losslessly into Decimal, never float:
see `api.routing`) and go to `carefund.money.parse_amount`; they always go out as strings.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from carefund.limits import (
    FUND_CODE_LENGTH_MAX,
    ID_MAX,
    NAME_LENGTH_MAX,
    SEARCH_LENGTH_MAX,
)


def _money_as_sent(value: Any) -> Any:
    # Only text and exact numbers reach carefund.money; it decides whether they are valid.
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        # pydantic reports a ValueError as a validation error (a TypeError it would not).
        raise ValueError('金额应为数字字符串（如 "1234.56"）或最多两位小数的数字')  # noqa: TRY004
    return value


MoneyIn = Annotated[
    Decimal | str,
    BeforeValidator(_money_as_sent),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    # Full-width digits (typed with a Chinese input method) count too.
                    "pattern": r"^([0０]|[1-9１-９][0-9０-９]{0,9})([.．][0-9０-９]{1,2})?$",
                },
                {"type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000_000},
            ],
            "description": "元，最多两位小数，> 0，≤ 1000000000.00",
            "examples": ["1234.56"],
        }
    ),
]
"""An amount as sent: "1234.56" or 1234.56; carefund.money decides whether it is valid."""

MoneyOut = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["1234.56"])]
"""An amount as answered: a yuan string with exactly two decimals."""


def _iso_date_only(value: Any) -> Any:
    # pydantic would take a Unix timestamp for a date; the contract says ISO 8601 only.
    if isinstance(value, date) or (isinstance(value, str) and len(value) == 10):
        return value
    raise ValueError("日期格式应为 YYYY-MM-DD")


DateIn = Annotated[date, BeforeValidator(_iso_date_only)]
"""A date as sent: `2026-11-05`."""
FromDate = Annotated[DateIn | None, Query(alias="from", description="从该日（含）起")]
ToDate = Annotated[DateIn | None, Query(description="到该日（含）止")]

Id = Annotated[int, Field(ge=1, le=ID_MAX, strict=True)]
"""A record's id as sent in a body: a JSON integer within the database's range."""
PathId = Annotated[int, Path(ge=1, le=ID_MAX)]
QueryId = Annotated[int | None, Query(ge=1, le=ID_MAX)]
SearchText = Annotated[
    str | None, Query(max_length=SEARCH_LENGTH_MAX, description="姓名、党员编号或支部中包含的文字")
]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        # FastAPI validates bodies with from_attributes, so any object passes as a model
        # whose fields all have defaults: a JSON number (read as Decimal) did. Found by
        # schemathesis; a body is a JSON object or nothing.
        if not isinstance(value, dict | BaseModel):
            raise ValueError("请求体应为 JSON 对象")
        return value


class FundCreate(RequestBody):
    code: str = Field(max_length=FUND_CODE_LENGTH_MAX, examples=["HC-CARE"])
    name: str = Field(max_length=NAME_LENGTH_MAX, examples=["某区党内关爱基金"])
    org: str = Field(default="", max_length=NAME_LENGTH_MAX, examples=["中共某区委组织部"])
    unit: str | None = Field(
        default=None,
        max_length=32,
        examples=["LX-JFL"],
        description="基金所属单位的代码；不填为开设者本人所在的最高单位",
    )


class FundPublic(BaseModel):
    code: str
    name: str
    org: str
    unit: str | None = Field(examples=["DISTRICT"], description="基金所属单位的代码")
    balance: MoneyOut
    available: MoneyOut
    created_at: datetime
    closed_through: date | None = None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` as `cursor` for the next, until it is null."""

    items: list[T]
    next_cursor: str | None


class ProblemError(BaseModel):
    """One invalid input: where it is (`["body", "amount"]`) and what is wrong."""

    loc: list[str | int]
    msg: str
    """What is wrong, in Chinese."""
    type: str | None = None
    """Machine-readable: pydantic's error type (`missing`, `string_too_long`, …), or
    `value_error` for a value the ledger's checks refused."""


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error is answered."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None
    request_id: str | None = None
    """The id of the request answered (also its `X-Request-ID` header), for finding it in
    the server's log."""
