"""Using the web pages in tests without a browser: a client that logs in through the form,
reads each form's CSRF token from the page and posts like a browser does."""

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from api.app import create_app
from carefund.access import users
from carefund.models import User
from carefund.storage.database import Database
from tests.builders import make_fund, make_user

PASSWORD = "correct-horse-1"
"""Every test user's web password."""
STAFF_ROLES = {
    "admin": "admin",
    "clerk": "clerk",
    "clerk2": "clerk",
    "approver": "approver",
    "cashier": "cashier",
    "auditor": "auditor",
}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _form(html: str, action: str | None) -> str:
    """The form that posts to `action` (the first form, without one)."""
    if action is None:
        return html
    forms = re.findall(r"<form[^>]*>.*?</form>", html, re.S)
    posting = [form for form in forms if f'action="{action}"' in form.split(">", 1)[0]]
    assert posting, f"the page has no form posting to {action}"
    return posting[0]


def csrf_token(html: str, action: str | None = None) -> str:
    """The CSRF token of the form that posts to `action` (of the first form, without one),
    as a browser would send it: a form that lacks its token fails here, as it would there."""
    match = _TOKEN.search(_form(html, action))
    assert match and match.group(1), f"the form posting to {action} has no CSRF token"
    return match.group(1)


def form_token(html: str, action: str | None = None) -> str | None:
    """The one-time token of the form that posts to `action`, if it has one."""
    match = _FORM_TOKEN.search(_form(html, action))
    return match.group(1) if match else None


def field_error(html: str, name: str) -> str | None:
    """The error shown next to a form field, if any."""
    match = re.search(rf'<p class="field-error" id="e-{re.escape(name)}">([^<]*)</p>', html)
    return match.group(1) if match else None


@dataclass
class Desk:
    """One person at the pages: their own cookies, logged in as `username`."""

    client: TestClient
    username: str

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def page(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.text

    def post(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        form_page: str | None = None,
        csrf: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """POST a form; its CSRF token is read from the form posting to `path` on `form_page`
        (default: the logout form, present on every page)."""
        data = dict(data or {})
        if csrf:
            page = self.page(form_page or "/")
            data["csrf_token"] = csrf_token(page, path if form_page else "/logout")
            one_time = form_token(page, path) if form_page else None
            if one_time is not None:
                data.setdefault("form_token", one_time)
        return self.client.post(path, data=data, follow_redirects=False, **kwargs)


@dataclass
class Pages:
    """The app on the test database, its staff (all with the password `PASSWORD`)."""

    database: Database
    app: Any
    staff: dict[str, User] = field(default_factory=dict)

    def client(self) -> TestClient:
        return TestClient(self.app)

    def log_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        """A fresh client's attempt to log in; the answer to the login POST."""
        client = self.client()
        token = csrf_token(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        response.client = client  # type: ignore[attr-defined]
        return response

    def desk(self, username: str) -> Desk:
        response = self.log_in(username)
        assert response.status_code == 303, response.text[:500]
        return Desk(response.client, username)  # type: ignore[attr-defined]


def cheap_password_hashing(monkeypatch: Any) -> None:
    """argon2 with the smallest cost, so that tests log in often without waiting; the
    hashes are real argon2 hashes, checked by the same code."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def make_pages(database: Database) -> Pages:
    staff = {
        name: make_user(database, role, username=name, password=PASSWORD)
        for name, role in STAFF_ROLES.items()
    }
    make_fund(database, staff["admin"])
    return Pages(database=database, app=create_app(database), staff=staff)
