"""Recipients: `RecipientCreate`, `RecipientUpdate`, `RecipientPublic`.

A full ID number or phone is accepted but never answered: only the masked forms go out.
"""

from pydantic import BaseModel, Field, StrictBool

from api.schemas import RequestBody
from carefund.limits import (
    ACCOUNT_NO_LENGTH_MAX,
    ADDRESS_LENGTH_MAX,
    BANK_NAME_LENGTH_MAX,
    ID_NUMBER_LENGTH_MAX,
    MEMBER_NO_LENGTH_MAX,
    NAME_LENGTH_MAX,
    PERSON_NAME_LENGTH_MAX,
    PHONE_LENGTH_MAX,
)
from carefund.vocabulary import AccountKind, MemberCategory


class RecipientCreate(RequestBody):
    member_no: str = Field(max_length=MEMBER_NO_LENGTH_MAX, examples=["M00001"])
    name: str = Field(max_length=PERSON_NAME_LENGTH_MAX, examples=["王小明"])
    category: MemberCategory
    branch: str = Field(default="", max_length=NAME_LENGTH_MAX, examples=["机关第一党支部"])
    id_number: str | None = Field(default=None, max_length=ID_NUMBER_LENGTH_MAX)
    phone: str | None = Field(default=None, max_length=PHONE_LENGTH_MAX)
    address: str = Field(default="", max_length=ADDRESS_LENGTH_MAX)
    account_kind: AccountKind | None = None
    account_no: str | None = Field(
        default=None,
        max_length=ACCOUNT_NO_LENGTH_MAX + 8,
        description="card, relief-card or passbook (一折通) number; stored encrypted, "
        "answered only masked",
    )
    account_bank: str = Field(default="", max_length=BANK_NAME_LENGTH_MAX)
    unit: str | None = Field(
        default=None,
        max_length=32,
        examples=["LX-JFL-HP"],
        description="所属单位（街道、社区/村）的代码；不填为录入者本人所在的最高单位",
    )


class RecipientUpdate(RequestBody):
    """Only the fields sent are changed; `null` clears `id_number` or `phone`."""

    name: str | None = Field(default=None, max_length=PERSON_NAME_LENGTH_MAX)
    category: MemberCategory | None = None
    branch: str | None = Field(default=None, max_length=NAME_LENGTH_MAX)
    id_number: str | None = Field(default=None, max_length=ID_NUMBER_LENGTH_MAX)
    phone: str | None = Field(default=None, max_length=PHONE_LENGTH_MAX)
    address: str | None = Field(default=None, max_length=ADDRESS_LENGTH_MAX)
    account_kind: AccountKind | None = None
    account_no: str | None = Field(default=None, max_length=ACCOUNT_NO_LENGTH_MAX + 8)
    account_bank: str | None = Field(default=None, max_length=BANK_NAME_LENGTH_MAX)
    active: StrictBool | None = None
    unit: str | None = Field(
        default=None,
        max_length=32,
        examples=["LX-JFL-HP"],
        description="迁往的单位代码（须在录入者可管理的范围内）",
    )


class RecipientPublic(BaseModel):
    id: int
    member_no: str
    name: str
    category: MemberCategory
    branch: str
    id_number_masked: str | None = Field(examples=["370602********1234"])
    phone_masked: str | None = Field(examples=["138****5678"])
    address: str
    account_kind: AccountKind | None
    account_no_masked: str | None = Field(examples=["6228***********0018"])
    account_bank: str
    active: bool
