"""Logging in and out of the pages.

The login form has no session yet, so its CSRF token lives in a small signed cookie of its
own (double submit). Failed attempts are counted by `carefund.access.users.check_password`, which
locks the account after `LOGIN_ATTEMPTS_MAX` of them; the count is committed even though
the login fails.
"""

import hmac
import secrets

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import page_router
from api.pages.rendering import redirect, render
from api.pages.sessions import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    LoginRequired,
    PageUser,
    Posted,
    page_user,
    signing_secret,
)
from carefund.access import sessions, users
from carefund.errors import Unauthenticated
from carefund.models import User

router = page_router()

LOGIN_TOKEN_BYTES = 24
LOGIN_COOKIE_MAX_AGE_SECONDS = 60 * 60
"""How long a login form stays usable."""
USERNAME_LENGTH_MAX = 64
PASSWORD_LENGTH_MAX = 1_000
"""Longer passwords are refused before hashing, so nobody makes argon2 hash a megabyte."""


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (never `//elsewhere`)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(
    request: Request,
    *,
    status: int = 200,
    error: str = "",
    username: str = "",
    next_path: str = "/",
) -> HTMLResponse:
    token = secrets.token_urlsafe(LOGIN_TOKEN_BYTES)
    response = render(
        request,
        "login.html",
        status=status,
        login_token=token,
        error=error,
        username=username,
        next_path=next_path,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        sessions.sign(signing_secret(request), token),
        max_age=LOGIN_COOKIE_MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    try:
        # Only a session that the pages would accept skips the form; a stale cookie (a
        # deactivated user, a logout elsewhere) must not bounce between here and the page.
        page_user(request)
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    except LoginRequired:
        pass
    return _login_page(request, next_path=_safe_next(request.query_params.get("next")))


@router.post("/login")
async def login(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=10) as form:
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    username = fields.get("username", "").strip()[:USERNAME_LENGTH_MAX]
    next_path = _safe_next(fields.get("next"))
    secret = signing_secret(request)
    expected = sessions.unsign(secret, request.cookies.get(LOGIN_COOKIE))
    given = fields.get(CSRF_FIELD, "")
    if expected is None or not hmac.compare_digest(given, expected):
        return _login_page(
            request,
            status=403,
            username=username,
            next_path=next_path,
            error="登录表单已过期或无效，请重新输入用户名和密码。",
        )
    password = fields.get("password", "")
    if not username or not password:
        return _login_page(
            request,
            status=422,
            username=username,
            next_path=next_path,
            error="请输入用户名和密码。",
        )
    try:
        user = _check_password(request, username, password[: PASSWORD_LENGTH_MAX + 1])
    except Unauthenticated as exc:
        return _login_page(
            request, status=401, username=username, next_path=next_path, error=exc.message
        )
    cookie, _ticket = sessions.issue_ticket(secret, user)
    # A password an administrator reset is changed before anything else.
    response = redirect("/password" if user.must_change_password else next_path)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=sessions.SESSION_LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def _check_password(request: Request, username: str, password: str) -> User:
    """The user, or `Unauthenticated`; a failed attempt is committed, so that it counts."""
    if len(password) > PASSWORD_LENGTH_MAX:
        raise Unauthenticated("用户名或密码错误")

    def attempt(session: Session) -> User | Unauthenticated:
        # The refusal is returned, not raised, so that the attempt's count is committed.
        try:
            return users.check_password(session, username=username, password=password)
        except Unauthenticated as exc:
            return exc

    outcome = get_database(request).write(attempt)
    if isinstance(outcome, Unauthenticated):
        raise outcome
    return outcome


@router.post("/logout")
def logout(request: Request, user: PageUser, _form: Posted) -> Response:
    assert user.id is not None
    get_database(request).write(lambda session: sessions.end_sessions(session, user_id=user.id))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
