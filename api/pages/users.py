"""用户管理 (admin): the list of users, adding one with a display name, deactivating and
reactivating, unlocking, resetting a password, issuing, rotating and revoking tokens;
changing one's own
password (everyone, and first of all whoever's password was reset); and the audit trail of
any record (admin and auditor)."""

from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import error_status, page_router
from api.pages.form_posts import post_form
from api.pages.forms import form_errors
from api.pages.rendering import render
from api.pages.sessions import PageUser, Posted
from carefund import trail
from carefund.access import admin
from carefund.errors import CarefundError, InvalidInput
from carefund.models import User
from carefund.vocabulary import ROLE_NAMES_ZH

router = page_router()

USER_FIELDS = ("username", "display_name", "role", "password")
MESSAGES = {
    "created": "用户已添加。API 令牌可用 `carefund user token` 签发。",
    "deactivated": "用户已停用，其令牌与登录立即失效。",
    "reactivated": "用户已重新启用。",
    "unlocked": "账户已解锁。",
    "reset": "密码已重置，用户下次登录时须修改。",
    "revoked": "令牌已吊销。",
    "changed": "密码已修改。",
    "identity": "身份信息已保存（加密保存，只显示脱敏形式）。",
}


@router.get("/users")
def user_list(request: Request, user: PageUser) -> HTMLResponse:
    rows = get_database(request).read(partial(admin.list_users, actor=user))
    return render(
        request,
        "users/list.html",
        title="用户管理",
        rows=rows,
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


def _new_page(
    request: Request, user: User, *, values: dict, errors: dict, status: int = 200
) -> HTMLResponse:
    get_database(request).read(partial(admin.list_users, actor=user))  # admins only
    return render(
        request,
        "users/form.html",
        status=status,
        title="添加用户",
        values=values | {"password": ""},
        errors=errors,
        ROLES=list(ROLE_NAMES_ZH.items()),
    )


@router.get("/users/new")
def new_form(request: Request, user: PageUser) -> HTMLResponse:
    return _new_page(request, user, values={}, errors={})


@router.post("/users/new")
def create(request: Request, user: PageUser, form: Posted) -> Response:
    values = {name: form.get(name) for name in USER_FIELDS}
    return post_form(
        request,
        lambda session: admin.add_user(
            session,
            actor=user,
            username=values["username"].strip(),
            role=values["role"],
            display_name=values["display_name"],
            password=values["password"] or None,
            with_token=False,
        ),
        fields=USER_FIELDS,
        again=lambda errors, status: _new_page(
            request, user, values=values, errors=errors, status=status
        ),
        then=lambda added: f"/users/{added['username']}?done=created",
    )


def _detail_page(
    request: Request,
    user: User,
    username: str,
    *,
    errors: dict,
    status: int = 200,
    new_token: str | None = None,
) -> HTMLResponse:
    shown = get_database(request).read(partial(admin.read_user, actor=user, username=username))
    return render(
        request,
        "users/detail.html",
        status=status,
        title=f"用户 {shown['username']}",
        shown=shown,
        errors=errors,
        done=MESSAGES.get(request.query_params.get("done", "")),
        new_token=new_token,
    )


@router.get("/users/{username}")
def user_detail(request: Request, user: PageUser, username: str) -> HTMLResponse:
    return _detail_page(request, user, username, errors={})


def _act(request: Request, user: User, username: str, act: Any, done: str) -> Response:
    return post_form(
        request,
        lambda session: act(session, actor=user, username=username),
        fields=("password",),
        again=lambda errors, status: _detail_page(
            request, user, username, errors=errors, status=status
        ),
        then=lambda _result: f"/users/{username}?done={done}",
    )


@router.post("/users/{username}/deactivate")
def deactivate(request: Request, user: PageUser, username: str, _form: Posted) -> Response:
    return _act(request, user, username, partial(admin.set_active, active=False), "deactivated")


@router.post("/users/{username}/reactivate")
def reactivate(request: Request, user: PageUser, username: str, _form: Posted) -> Response:
    return _act(request, user, username, partial(admin.set_active, active=True), "reactivated")


@router.post("/users/{username}/unlock")
def unlock(request: Request, user: PageUser, username: str, _form: Posted) -> Response:
    return _act(request, user, username, admin.unlock, "unlocked")


@router.post("/users/{username}/password")
def reset_password(request: Request, user: PageUser, username: str, form: Posted) -> Response:
    act = partial(admin.reset_password, password=form.get("password"))
    return _act(request, user, username, act, "reset")


@router.post("/users/{username}/identity")
def set_identity(request: Request, user: PageUser, username: str, form: Posted) -> Response:
    """A staff member's ID number and phone, for the conflict-of-interest alert."""
    return post_form(
        request,
        partial(
            admin.set_identity,
            actor=user,
            username=username,
            id_number=form.get("id_number"),
            phone=form.get("phone"),
        ),
        fields=("id_number", "phone"),
        again=lambda errors, status: _detail_page(
            request, user, username, errors=errors, status=status
        ),
        then=lambda _result: f"/users/{username}?done=identity",
    )


@router.post("/users/{username}/tokens/{token_id}/revoke")
def revoke(
    request: Request, user: PageUser, username: str, token_id: int, _form: Posted
) -> Response:
    return _act(request, user, username, partial(admin.revoke_token, token_id=token_id), "revoked")


def _token_shown(request: Request, user: User, username: str, issue: Any) -> Response:
    """Issue or rotate a token and show it on this answer alone: it is not stored anywhere it
    could be read again, so the page is answered, not redirected to (a reload shows none)."""
    try:
        made = get_database(request).write(
            lambda session: issue(session, actor=user, username=username)
        )
    except CarefundError as exc:
        errors = form_errors(exc, set())
        return _detail_page(request, user, username, errors=errors, status=error_status(exc))
    return _detail_page(request, user, username, errors={}, new_token=made["token"])


@router.post("/users/{username}/tokens")
def issue(request: Request, user: PageUser, username: str, _form: Posted) -> Response:
    return _token_shown(request, user, username, admin.issue_token)


@router.post("/users/{username}/tokens/{token_id}/rotate")
def rotate(
    request: Request, user: PageUser, username: str, token_id: int, _form: Posted
) -> Response:
    return _token_shown(request, user, username, partial(admin.rotate_token, token_id=token_id))


def _password_page(request: Request, *, errors: dict[str, str], status: int = 200) -> HTMLResponse:
    return render(
        request,
        "users/password.html",
        status=status,
        title="修改密码",
        errors=errors,
        done=MESSAGES.get(request.query_params.get("done", "")),
    )


@router.get("/password")
def password_form(request: Request, _user: PageUser) -> HTMLResponse:
    return _password_page(request, errors={})


@router.post("/password")
def change_password(request: Request, user: PageUser, form: Posted) -> Response:
    def change(session: Session) -> Any:
        if form.get("password") != form.get("password_again"):
            raise InvalidInput("两次输入的新密码不一致", field="password_again")
        return admin.change_own_password(
            session,
            actor=user,
            current_password=form.get("current_password"),
            new_password=form.get("password"),
        )

    return post_form(
        request,
        change,
        fields=("current_password", "password", "password_again"),
        again=lambda errors, status: _password_page(request, errors=errors, status=status),
        # The session's ticket named the old password: log in again with the new one.
        then=lambda _result: "/login",
    )


@router.get("/audit")
def audit_trail(request: Request, user: PageUser) -> HTMLResponse:
    query = request.query_params
    table, record_id = query.get("table", ""), query.get("id", "")
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    try:
        rows = get_database(request).read(
            partial(trail.record_trail, actor=user, table=table, record_id=record_id)
        )
    except InvalidInput as exc:
        errors = form_errors(exc, {"table", "id"})
    return render(
        request,
        "audit.html",
        title="审计记录",
        rows=rows,
        errors=errors,
        values={"table": table, "id": record_id},
        TABLES=list(trail.TRAIL_TABLES.items()),
        status=422 if errors else 200,
    )
