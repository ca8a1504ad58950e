"""Calling the API in tests: an app on the test database, one token per role.

Registered as a pytest plugin in conftest.py, so every test module may ask for `api`.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import API_PREFIX, create_app
from carefund.models import User
from carefund.storage.database import Database
from tests.builders import make_staff, make_token

ROLES = ("admin", "clerk", "approver", "cashier", "auditor", "integration")


@dataclass
class Api:
    """A client of the API that acts as one of the staff, by name (`"clerk"`, `"clerk2"`)."""

    client: TestClient
    staff: dict[str, User]
    tokens: dict[str, str]
    database: Database

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return headers | extra

    def request(
        self,
        method: str,
        who: str | None,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self.client.request(
            method, API_PREFIX + path, headers=self.headers(who) | (headers or {}), **kwargs
        )

    def get(self, who: str | None, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", who, path, **kwargs)

    def post(self, who: str | None, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", who, path, json=json, **kwargs)

    def patch(self, who: str | None, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", who, path, json=json, **kwargs)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        """The JSON of an answer that must have `status`; shows the problem otherwise."""
        assert response.status_code == status, (response.status_code, response.text)
        return response.json()

    def all_pages(self, who: str, path: str, *, limit: int, **params: Any) -> list[dict]:
        """Every item of a list, read page by page with the cursor."""
        items: list[dict] = []
        cursor = None
        while True:
            query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
            page = self.ok(self.get(who, path, params=query))
            assert len(page["items"]) <= limit
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items


def make_api(database: Database, *, raise_server_exceptions: bool = True) -> Iterator[Api]:
    staff = make_staff(database)
    tokens = {name: make_token(database, user) for name, user in staff.items()}
    app = create_app(database)
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield Api(client, staff, tokens, database)


@pytest.fixture
def api(database: Database) -> Iterator[Api]:
    """The API on a clean database of each backend, with staff of every role and a fund-less
    district."""
    yield from make_api(database)


def problem_of(response: httpx.Response, status: int) -> dict:
    """The RFC 9457 body of an error answer, checked for its shape."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    assert "Traceback" not in response.text
    return body
