"""`LeanRoute` (POST …/incomes): a well-formed request skips FastAPI's per-request work and
gets the same answer; anything else is answered by FastAPI itself, word for word."""

import json
from typing import Any

import fastapi.routing
import pytest

from tests.api_support import Api, problem_of
from tests.test_api_contract import open_fund

INCOME = {"source": "member_donation", "payer": "区委组织部", "amount": "12.50"}
_VARYING = {"id", "receipt_no", "voucher_no", "entry_hash", "created_at"}


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times FastAPI solved a request's dependencies (its standard way)."""
    calls: list[int] = []
    standard = fastapi.routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await standard(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return calls


def post_raw(api: Api, body: bytes, content_type: str, query: str = "") -> Any:
    headers = api.headers("clerk", **{"Content-Type": content_type})
    path = "/api/v1/funds/HC-CARE/incomes" + query
    return api.client.post(path, content=body, headers=headers)


def test_a_well_formed_income_skips_fastapi_and_answers_the_same(api: Api, solved) -> None:
    open_fund(api)
    body = INCOME | {"received_on": "2026-11-05", "memo": "十一月", "amount": 12.5}
    for content_type in ("application/json", "Application/JSON; charset=utf-8"):
        solved.clear()
        lean = api.ok(post_raw(api, json.dumps(body).encode(), content_type), 201)
        assert solved == []
    # The same request FastAPI's way (any dependency override turns the lean path off).
    api.client.app.dependency_overrides[object] = object  # type: ignore[attr-defined]
    try:
        standard = api.ok(post_raw(api, json.dumps(body).encode(), "application/json"), 201)
    finally:
        api.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert solved == [1]
    assert {k: v for k, v in lean.items() if k not in _VARYING} == {
        k: v for k, v in standard.items() if k not in _VARYING
    }
    assert lean["amount"] == "12.50" and lean["created_by"] == "clerk"


@pytest.mark.parametrize(
    ("body", "content_type", "query", "status"),
    [
        (b'{"source": "member_donation"', "application/json", "", 422),  # not JSON
        (b"[1, 2]", "application/json", "", 422),  # not an object
        (json.dumps(INCOME).encode(), "application/json", "", 422),  # received_on missing
        (json.dumps(INCOME | {"x": 1}).encode(), "application/json", "", 422),  # extra field
        (json.dumps(INCOME).encode(), "text/plain", "", 422),  # not JSON by its type
        (json.dumps(INCOME | {"received_on": "2026-11-05"}).encode(), "application/json",
         "?dry=1", 422),  # an unknown query parameter
    ],
)  # fmt: skip
def test_anything_else_is_fastapis_own_answer(
    api: Api, body: bytes, content_type: str, query: str, status: int
) -> None:
    open_fund(api)
    answer = problem_of(post_raw(api, body, content_type, query), status)
    api.client.app.dependency_overrides[object] = object  # type: ignore[attr-defined]
    try:
        standard = problem_of(post_raw(api, body, content_type, query), status)
    finally:
        api.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    answer.pop("request_id"), standard.pop("request_id")
    assert answer == standard
    assert answer["errors"] and all("type" in error for error in answer["errors"])


def test_the_lean_path_authenticates_as_fastapi_does(api: Api, solved) -> None:
    open_fund(api)
    solved.clear()
    body = json.dumps(INCOME | {"received_on": "2026-11-05"}).encode()
    answer = api.client.post(
        "/api/v1/funds/HC-CARE/incomes", content=body, headers={"Content-Type": "application/json"}
    )
    problem_of(answer, 401)
    assert solved == []
    wrong = {"Content-Type": "application/json", "Authorization": "Bearer nope"}
    problem_of(api.client.post("/api/v1/funds/HC-CARE/incomes", content=body, headers=wrong), 401)
    # An auditor may not record: the use case's 403, as before.
    problem_of(api.post("auditor", "/funds/HC-CARE/incomes", json.loads(body)), 403)
