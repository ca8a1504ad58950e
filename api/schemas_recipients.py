"""Recipients: `RecipientCreate`, `RecipientUpdate`, `RecipientPublic`.

A full ID number or phone is accepted but never answered: only the masked forms go out.
"""

from pydantic import BaseModel, Field, StrictBool

from api.schemas import RequestBody
from carefund.vocabulary import MemberCategory


class RecipientCreate(RequestBody):
    member_no: str = Field(max_length=32, examples=["M00001"])
    name: str = Field(max_length=64, examples=["王小明"])
    category: MemberCategory
    branch: str = Field(default="", max_length=200, examples=["机关第一党支部"])
    id_number: str | None = Field(default=None, max_length=18)
    phone: str | None = Field(default=None, max_length=20)
    address: str = Field(default="", max_length=300)


class RecipientUpdate(RequestBody):
    """Only the fields sent are changed; `null` clears `id_number` or `phone`."""

    name: str | None = Field(default=None, max_length=64)
    category: MemberCategory | None = None
    branch: str | None = Field(default=None, max_length=200)
    id_number: str | None = Field(default=None, max_length=18)
    phone: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=300)
    active: StrictBool | None = None


class RecipientPublic(BaseModel):
    id: int
    member_no: str
    name: str
    category: MemberCategory
    branch: str
    id_number_masked: str | None = Field(examples=["370602********1234"])
    phone_masked: str | None = Field(examples=["138****5678"])
    address: str
    active: bool
