"""Idempotency-Key: a retried POST has its effect once (DESIGN.md, invariant 9)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from carefund import incomes
from carefund.access import idempotency
from carefund.models import IdempotencyKey, Income, utcnow
from tests.api_support import Api, make_api, problem_of

INCOME = {
    "source": "member_donation",
    "payer": "机关党支部",
    "amount": "88.00",
    "received_on": "2026-11-05",
}
PATH = "/funds/HC-CARE/incomes"


@pytest.fixture
def fund(api: Api) -> Api:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    return api


def with_key(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def income_count(api: Api) -> int:
    return api.database.read(lambda session: len(list(session.exec(select(Income)))))


def test_a_retry_gets_the_first_answer_and_no_second_receipt(fund: Api) -> None:
    first = fund.post("clerk", PATH, INCOME, headers=with_key("retry-1"))
    again = fund.post("clerk", PATH, INCOME, headers=with_key("retry-1"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.text == first.text
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert income_count(fund) == 1
    assert fund.ok(fund.get("auditor", "/funds/HC-CARE"))["balance"] == "88.00"
    # Without a key, or with another, it is a new income.
    fund.ok(fund.post("clerk", PATH, INCOME), 201)
    assert (
        fund.ok(fund.post("clerk", PATH, INCOME, headers=with_key("retry-2")), 201)["receipt_no"]
        == "HC-CARE-2026-000003"
    )


def test_the_same_key_with_another_request_is_422(fund: Api) -> None:
    fund.ok(fund.post("clerk", PATH, INCOME, headers=with_key("k")), 201)
    other = fund.post("clerk", PATH, INCOME | {"amount": "89.00"}, headers=with_key("k"))
    assert problem_of(other, 422)["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    problem_of(
        fund.post(
            "clerk",
            "/recipients",
            {"member_no": "M1", "name": "王", "category": "cadre"},
            headers=with_key("k"),
        ),
        422,
    )
    assert income_count(fund) == 1


def test_keys_belong_to_their_caller(fund: Api) -> None:
    mine = fund.ok(fund.post("clerk", PATH, INCOME, headers=with_key("shared")), 201)
    theirs = fund.ok(fund.post("clerk2", PATH, INCOME, headers=with_key("shared")), 201)
    assert mine["id"] != theirs["id"] and theirs["created_by"] == "clerk2"


def test_a_refusal_is_replayed_too(fund: Api) -> None:
    refused = fund.post("clerk", PATH, INCOME | {"amount": "0"}, headers=with_key("bad"))
    again = fund.post("clerk", PATH, INCOME | {"amount": "0"}, headers=with_key("bad"))
    assert problem_of(refused, 422) == problem_of(again, 422)
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.headers["idempotent-replayed"] == "true"
    forbidden = fund.post("cashier", PATH, INCOME, headers=with_key("role"))
    problem_of(forbidden, 403)
    problem_of(fund.post("cashier", PATH, INCOME, headers=with_key("role")), 403)
    assert income_count(fund) == 0


def test_while_the_first_is_running_a_retry_gets_409(fund: Api) -> None:
    fund.database.write(
        lambda session: idempotency.claim_key(
            session,
            user_id=fund.staff["clerk"].id,
            key="slow",
            request_hash=idempotency.fingerprint("POST", "/api/v1" + PATH, b"x"),
        )
    )
    problem_of(fund.post("clerk", PATH, INCOME, headers=with_key("slow")), 422)  # other body
    body = b'{"a": 1}'
    fund.database.write(
        lambda session: idempotency.claim_key(
            session,
            user_id=fund.staff["clerk"].id,
            key="slow-2",
            request_hash=idempotency.fingerprint("POST", "/api/v1" + PATH, body),
        )
    )
    running = fund.post(
        "clerk",
        PATH,
        content=body,
        headers=with_key("slow-2") | {"Content-Type": "application/json"},
    )
    problem_of(running, 409)
    assert income_count(fund) == 0


def test_an_unexpected_failure_releases_the_key(database, monkeypatch) -> None:
    for api in make_api(database, raise_server_exceptions=False):
        api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
        real = incomes.record_income

        def failing(*args: object, **kwargs: object) -> None:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(incomes, "record_income", failing)
        problem_of(api.post("clerk", PATH, INCOME, headers=with_key("crash")), 500)
        monkeypatch.setattr(incomes, "record_income", real)
        retried = api.ok(api.post("clerk", PATH, INCOME, headers=with_key("crash")), 201)
        assert retried["receipt_no"] == "HC-CARE-2026-000001"


def test_keys_are_kept_a_day_then_forgotten(fund: Api) -> None:
    fund.ok(fund.post("clerk", PATH, INCOME, headers=with_key("old")), 201)
    fund.ok(fund.post("clerk", PATH, INCOME, headers=with_key("new")), 201)

    def write(session: Session) -> Any:
        old = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == "old")).one()
        old.created_at = utcnow() - idempotency.KEY_RETENTION - timedelta(minutes=1)
        session.add(old)

    fund.database.write(write)
    # An expired key is free again: the request runs anew.
    fresh = fund.post("clerk", PATH, INCOME | {"amount": "1.00"}, headers=with_key("old"))
    assert fresh.status_code == 201 and "idempotent-replayed" not in fresh.headers

    def write(session: Session) -> Any:
        assert idempotency.purge_expired(session) == 0
        assert idempotency.purge_expired(session, now=utcnow() + timedelta(days=2)) == 2

    fund.database.write(write)

    def read(session: Session) -> Any:
        assert list(session.exec(select(col(IdempotencyKey.key)))) == []

    fund.database.read(read)


@pytest.mark.parametrize("key", ["", " lead", "x" * 256, "ключ"])
def test_malformed_keys_are_422(fund: Api, key: str) -> None:
    answer = fund.client.post(
        "/api/v1" + PATH,
        json=INCOME,
        headers=fund.headers("clerk") | {"Idempotency-Key": key.encode("utf-8")},
    )  # type: ignore[dict-item]
    problem_of(answer, 422)
    assert income_count(fund) == 0


def test_without_a_valid_token_a_key_changes_nothing(fund: Api) -> None:
    answer = fund.client.post("/api/v1" + PATH, json=INCOME, headers=with_key("anon"))
    problem_of(answer, 401)
    fund.ok(fund.post("clerk", PATH, INCOME, headers=with_key("anon")), 201)


def test_concurrent_retries_have_one_effect(fund: Api) -> None:
    def attempt(_: int) -> tuple[int, dict]:
        answer = fund.post("clerk", PATH, INCOME, headers=with_key("burst"))
        return answer.status_code, answer.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(attempt, range(16)))
    created = [body for status, body in answers if status == 201]
    assert created and all(body == created[0] for body in created)
    assert {status for status, _ in answers} <= {201, 409}
    assert income_count(fund) == 1
