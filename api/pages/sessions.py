"""Who is on a page: the signed session cookie, the page user, and CSRF-checked forms.

Pages authenticate with a signed session cookie (`carefund.access.sessions`), never with
the API's bearer tokens, and every POST carries the session's CSRF token in a hidden field,
beside the form's own one-time token.
"""

import hmac
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import UploadFile

from api.deps import get_database
from api.request_log import note_user
from carefund.access import form_tokens, sessions
from carefund.errors import Unauthenticated
from carefund.models import User
from carefund.settings import get_settings

SESSION_COOKIE = "carefund_session"
LOGIN_COOKIE = "carefund_login"
"""Holds the login form's own CSRF token (there is no session yet to hold it)."""
CSRF_FIELD = "csrf_token"
FORM_TOKEN_FIELD = "form_token"
"""The form's one-time token (`carefund.access.form_tokens`): posted twice, it acts once."""
FORM_FIELDS_MAX = 200
"""The most fields one page form may post."""
_SECRET_KEY = "pages.signing_secret"


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to /login."""


class PasswordChangeRequired(Exception):
    """The user's password was reset: every page but the password form answers with a
    redirect to it."""


PASSWORD_PATHS = ("/password", "/logout")
"""What a user whose password was reset may still reach."""


class CsrfRefused(Exception):
    """A POST without the session's CSRF token: the page answers 403."""


def signing_secret(request: Request) -> bytes:
    """The cookie-signing secret, read (or made) once per process and database."""
    cache = get_database(request).cache
    secret = cache.get(_SECRET_KEY)
    if secret is None:
        secret = cache[_SECRET_KEY] = get_database(request).write(
            partial(sessions.signing_secret, configured=get_settings().secret_key)
        )
    return secret


def page_user(request: Request) -> User:
    """The user of this page's session; `LoginRequired` without a valid one."""
    secret = signing_secret(request)
    try:
        ticket = sessions.read_ticket(secret, request.cookies.get(SESSION_COOKIE))
        user = get_database(request).read(partial(sessions.user_for_ticket, ticket=ticket))
    except Unauthenticated:
        raise LoginRequired from None
    request.state.user = user
    request.state.csrf_token = ticket.csrf_token
    note_user(request.scope, user.username)
    if user.must_change_password and request.url.path not in PASSWORD_PATHS:
        raise PasswordChangeRequired
    return user


PageUser = Annotated[User, Depends(page_user)]


@dataclass
class PostedForm:
    """A posted form whose CSRF token matched: its text fields and its uploaded files."""

    fields: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Field → (file name, content), read whole (uploads are bounded by the body limit)."""

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    def optional(self, name: str) -> str | None:
        """The field's text, or None when it was left empty."""
        value = self.fields.get(name, "").strip()
        return value or None


async def posted_form(request: Request, user: PageUser) -> PostedForm:
    """The form of a POST, refused (403) unless it carries this session's CSRF token."""
    async with request.form(max_files=1, max_fields=FORM_FIELDS_MAX) as form:
        token = form.get(CSRF_FIELD)
        expected = getattr(request.state, "csrf_token", "")
        if not isinstance(token, str) or not hmac.compare_digest(token, expected):
            raise CsrfRefused
        fields: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[name] = (value.filename or "", await value.read())
            elif name == FORM_TOKEN_FIELD:
                request.state.form_token = value if form_tokens.is_form_token(value) else None
            elif name != CSRF_FIELD:
                # A repeated field (checkboxes) keeps every value, comma-joined.
                fields[name] = f"{fields[name]},{value}" if name in fields else value
    return PostedForm(fields, files)


Posted = Annotated[PostedForm, Depends(posted_form)]
