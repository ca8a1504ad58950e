"""Users and their API tokens (admin), and one's own password."""

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlmodel import Session

from api.deps import CurrentUser, DatabaseDep
from api.routing import ledger_router
from api.schemas_users import (
    PasswordChange,
    PasswordReset,
    TokenIssued,
    TokenPublic,
    UserCreate,
    UserCreated,
    UserDetail,
    UserIdentity,
    UserPublic,
)
from carefund.access import admin
from carefund.storage.database import Database

router = ledger_router("users")


async def _write(database: Database, use_case: Callable[[Session], Any]) -> Any:
    # Password hashing (argon2) is slow on purpose: off the event loop, in a thread.
    return await database.write_async(use_case, short=False)


@router.get("/users", response_model=list[UserPublic])
def list_users(database: DatabaseDep, user: CurrentUser) -> list[dict]:
    """用户列表（admin）。"""
    return database.read(lambda session: admin.list_users(session, actor=user))


@router.post("/users", status_code=201, response_model=UserCreated)
async def add_user(body: UserCreate, database: DatabaseDep, user: CurrentUser) -> dict:
    """添加用户（admin），答复中含其第一个 API 令牌（只显示这一次）。"""
    return await _write(database, partial(admin.add_user, actor=user, **body.model_dump()))


@router.post("/users/me/password", response_model=UserPublic)
async def change_own_password(
    body: PasswordChange, database: DatabaseDep, user: CurrentUser
) -> dict:
    """修改自己的网页登录密码（任何角色）。"""
    return await _write(
        database,
        lambda session: admin.change_own_password(
            session,
            actor=user,
            current_password=body.current_password,
            new_password=body.password,
        ),
    )


@router.get("/users/{username}", response_model=UserDetail)
def get_user(username: str, database: DatabaseDep, user: CurrentUser) -> dict:
    """一个用户及其令牌（admin）。"""
    return database.read(lambda session: admin.read_user(session, actor=user, username=username))


USER_ACTS: dict[str, tuple[Callable[..., dict], str]] = {
    "deactivate": (
        partial(admin.set_active, active=False),
        "停用用户（admin）：其令牌与网页会话立即失效。",
    ),
    "reactivate": (partial(admin.set_active, active=True), "重新启用用户（admin）。"),
    "unlock": (admin.unlock, "解除因连续登录失败而加的锁（admin）。"),
}
"""The acts on a user that take no body, and what the API's docs say of each."""


def _user_act_route(name: str, act: Callable[..., dict], doc: str) -> Callable[..., Any]:
    async def route(username: str, database: DatabaseDep, user: CurrentUser) -> dict:
        return await database.write_async(partial(act, actor=user, username=username))

    route.__name__ = f"{name}_user"
    route.__doc__ = doc
    return route


for _name, (_act, _doc) in USER_ACTS.items():
    router.post(f"/users/{{username}}/{_name}", response_model=UserPublic)(
        _user_act_route(_name, _act, _doc)
    )


@router.post("/users/{username}/password", response_model=UserPublic)
async def reset_password(
    username: str, body: PasswordReset, database: DatabaseDep, user: CurrentUser
) -> dict:
    """重置密码（admin）：用户下次登录时须修改。"""
    return await _write(
        database,
        lambda session: admin.reset_password(
            session, actor=user, username=username, password=body.password
        ),
    )


@router.get("/users/{username}/tokens", response_model=list[TokenPublic])
def list_tokens(username: str, database: DatabaseDep, user: CurrentUser) -> list[dict]:
    """用户的 API 令牌，含已吊销的（admin）。"""
    return database.read(lambda session: admin.list_tokens(session, actor=user, username=username))


@router.post("/users/{username}/tokens", status_code=201, response_model=TokenIssued)
async def issue_token(username: str, database: DatabaseDep, user: CurrentUser) -> dict:
    """签发新令牌（admin），只显示这一次。"""
    return await database.write_async(
        lambda session: admin.issue_token(session, actor=user, username=username)
    )


@router.post("/users/{username}/tokens/{token_id}/revoke", response_model=TokenPublic)
async def revoke_token(
    username: str, token_id: int, database: DatabaseDep, user: CurrentUser
) -> dict:
    """吊销令牌（admin）：下一个请求起即被拒绝。"""
    return await database.write_async(
        partial(admin.revoke_token, actor=user, username=username, token_id=token_id)
    )


@router.post(
    "/users/{username}/tokens/{token_id}/rotate", status_code=201, response_model=TokenIssued
)
async def rotate_token(
    username: str, token_id: int, database: DatabaseDep, user: CurrentUser
) -> dict:
    """轮换令牌（admin）：吊销它并签发新令牌，新令牌只显示这一次。"""
    return await database.write_async(
        partial(admin.rotate_token, actor=user, username=username, token_id=token_id)
    )


@router.put("/users/{username}/identity", response_model=UserPublic)
async def set_identity(
    username: str, body: UserIdentity, database: DatabaseDep, user: CurrentUser
) -> dict:
    """设置工作人员的身份证号与电话（admin），加密保存、脱敏显示；与关爱对象相同即预警（利益关联）。"""
    return await database.write_async(
        partial(admin.set_identity, actor=user, username=username, **body.model_dump())
    )
