"""Request and response bodies, in families (`FundCreate`, `FundPublic`).

Request bodies forbid unknown fields, so nobody can mass-assign `balance` or `status`.
Amounts come in as strings or JSON numbers (parsed losslessly into Decimal, never float)
and go to `carefund.money.parse_amount`; they always go out as strings.
"""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

MoneyIn = Decimal | str
"""An amount as sent: "1234.56" or 1234.56; carefund.money decides whether it is valid."""


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FundCreate(RequestBody):
    code: str = Field(max_length=32, examples=["HC-CARE"])
    name: str = Field(max_length=200, examples=["某区党内关爱基金"])
    org: str = Field(default="", max_length=200, examples=["中共某区委组织部"])


class FundPublic(BaseModel):
    code: str
    name: str
    org: str
    balance: str = Field(examples=["1234.56"])
    available: str = Field(examples=["1234.56"])
    created_at: datetime
    closed_through: str | None = None


