"""Users and their API tokens (admin only), and changing one's own password."""

import datetime as dt

from pydantic import BaseModel, Field

from api.schemas import RequestBody
from carefund.limits import DISPLAY_NAME_LENGTH_MAX, ID_NUMBER_LENGTH_MAX, PHONE_LENGTH_MAX
from carefund.vocabulary import Role

PASSWORD_LENGTH_MAX = 200


class UserCreate(RequestBody):
    username: str = Field(max_length=64, examples=["zhangsan"])
    role: Role
    display_name: str = Field(default="", max_length=DISPLAY_NAME_LENGTH_MAX, examples=["张三"])
    password: str | None = Field(
        default=None, max_length=PASSWORD_LENGTH_MAX, description="网页登录密码，至少 8 位"
    )
    unit: str | None = Field(
        default=None,
        max_length=32,
        examples=["LX-JFL"],
        description="在哪个单位（及其下级）担任该角色；不填为区（根单位）",
    )


class PasswordReset(RequestBody):
    password: str = Field(max_length=PASSWORD_LENGTH_MAX, description="新密码；下次登录须修改")


class PasswordChange(RequestBody):
    current_password: str = Field(max_length=PASSWORD_LENGTH_MAX)
    password: str = Field(max_length=PASSWORD_LENGTH_MAX, description="新密码，至少 8 位")


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str = Field(description="文书上打印的姓名；未设置时为登录名")
    role: Role
    active: bool
    locked: bool = Field(description="连续登录失败后暂时锁定")
    must_change_password: bool = Field(description="管理员重置密码后，下次登录须修改")
    created_at: dt.datetime
    id_number_masked: str | None = Field(
        default=None, description="身份证号（脱敏）；用于利益关联预警比对"
    )
    phone_masked: str | None = Field(default=None, description="电话（脱敏）")


class TokenPublic(BaseModel):
    id: int
    user_id: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class TokenIssued(TokenPublic):
    token: str = Field(description="新令牌，只显示这一次")


class UserCreated(UserPublic):
    token: str = Field(description="新用户的第一个 API 令牌，只显示这一次")


class UserDetail(UserPublic):
    tokens: list[TokenPublic]


class UserIdentity(RequestBody):
    """A staff member's ID number and phone, for the conflict-of-interest rule; empty text
    clears one. Stored sealed, answered masked."""

    id_number: str = Field(default="", max_length=ID_NUMBER_LENGTH_MAX)
    phone: str = Field(default="", max_length=PHONE_LENGTH_MAX)
