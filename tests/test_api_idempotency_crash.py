"""An Idempotency-Key whose first request committed but whose answer was never stored (the
worker died in between) is answered with the committed result, not 409 and not a second
effect."""

from typing import Any

import pytest
from sqlmodel import select

from carefund.access import idempotency
from carefund.models import Disbursement, IdempotencyKey, Income
from tests.api_support import Api, make_api, problem_of

INCOME = {
    "source": "member_donation",
    "payer": "机关党支部",
    "amount": "88.00",
    "received_on": "2026-11-05",
}
PATH = "/funds/HC-CARE/incomes"


def with_key(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def count(api: Api, model: type) -> int:
    return api.database.read(lambda session: len(session.exec(select(model)).all()))


def forget_the_answer(api: Api, key: str) -> None:
    """The state a crash between the use case's commit and storing the answer leaves."""

    def write(session: Any) -> None:
        row = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == key)).one()
        assert row.committed_result is not None
        row.status_code = row.response_body = row.response_type = None
        session.add(row)

    api.database.write(write)


@pytest.fixture
def fund(api: Api) -> Api:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    return api


def test_a_retry_after_a_crash_between_commit_and_answer_gets_the_committed_answer(
    fund: Api,
) -> None:
    first = fund.post("clerk", PATH, INCOME, headers=with_key("crash-1"))
    assert first.status_code == 201
    forget_the_answer(fund, "crash-1")

    retried = fund.post("clerk", PATH, INCOME, headers=with_key("crash-1"))
    assert retried.status_code == 201
    assert retried.text == first.text
    assert retried.headers["idempotent-replayed"] == "true"
    assert count(fund, Income) == 1
    # The answer shaped again is stored now, and replayed as any other.
    again = fund.post("clerk", PATH, INCOME, headers=with_key("crash-1"))
    assert again.text == first.text and again.headers["idempotent-replayed"] == "true"
    assert fund.ok(fund.get("auditor", "/funds/HC-CARE"))["balance"] == "88.00"


def test_a_worker_that_fails_to_store_the_answer_keeps_the_committed_claim(
    database, monkeypatch
) -> None:
    for api in make_api(database, raise_server_exceptions=False):
        api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)

        def dying(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("the worker died")

        real = idempotency.store_answer
        monkeypatch.setattr(idempotency, "store_answer", dying)
        problem_of(api.post("clerk", PATH, INCOME, headers=with_key("crash-2")), 500)
        monkeypatch.setattr(idempotency, "store_answer", real)
        assert count(api, Income) == 1

        retried = api.post("clerk", PATH, INCOME, headers=with_key("crash-2"))
        body = api.ok(retried, 201)
        assert body["receipt_no"] == "HC-CARE-2026-000001"
        assert body == api.ok(api.get("clerk", f"/incomes/{body['id']}"))
        assert count(api, Income) == 1


def test_workflow_steps_and_new_records_replay_their_committed_result(fund: Api) -> None:
    member = {"member_no": "M1", "name": "王明", "category": "cadre"}
    recipient = fund.post("clerk", "/recipients", member, headers=with_key("r"))
    fund.ok(fund.post("clerk", PATH, INCOME), 201)
    aid = {"recipient_id": recipient.json()["id"], "amount": "10.00", "aspect": "life_assistance"}
    submitted = fund.post("clerk", "/funds/HC-CARE/disbursements", aid, headers=with_key("s"))
    approve = f"/disbursements/{submitted.json()['id']}/approve"
    approved = fund.post("approver", approve, headers=with_key("a"))
    for who, path, body, key, answer in [
        ("clerk", "/recipients", member, "r", recipient),
        ("clerk", "/funds/HC-CARE/disbursements", aid, "s", submitted),
        ("approver", approve, None, "a", approved),
    ]:
        assert answer.status_code in (200, 201), answer.text
        forget_the_answer(fund, key)
        retried = fund.post(who, path, body, headers=with_key(key))
        assert (retried.status_code, retried.text) == (answer.status_code, answer.text)
    assert count(fund, Disbursement) == 1


def test_every_kind_of_post_replays_its_committed_result_exactly(fund: Api) -> None:
    """Each POST's result survives its trip through the claim (JSON) and is shaped into the
    very answer the first request would have had."""
    state: dict[str, Any] = {}
    member = {"member_no": "M1", "name": "王明", "category": "cadre"}

    def crash_and_retry(who: str, path: str, body: Any, key: str) -> dict:
        first = fund.post(who, path, body, headers=with_key(key))
        assert first.status_code in (200, 201), (path, first.text)
        forget_the_answer(fund, key)
        retried = fund.post(who, path, body, headers=with_key(key))
        assert (retried.status_code, retried.text) == (first.status_code, first.text), path
        return first.json()

    crash_and_retry("admin", "/funds", {"code": "HC-TWO", "name": "第二基金"}, "fund")
    income = crash_and_retry("clerk", PATH, INCOME | {"amount": "500.00"}, "income")
    state["recipient"] = crash_and_retry("clerk", "/recipients", member, "recipient")["id"]
    aid = {"recipient_id": state["recipient"], "amount": "10.00", "aspect": "life_assistance"}
    steps = [
        ("clerk", "/funds/HC-CARE/disbursements", aid),
        ("approver", "/disbursements/{id}/approve", None),
        ("cashier", "/disbursements/{id}/pay", {"paid_on": "2026-11-06"}),
        ("approver", "/disbursements/{id}/reverse", {"reason": "重复发放", "on": "2026-11-07"}),
    ]
    for number, (who, path, body) in enumerate(steps):
        shown = crash_and_retry(who, path.format(id=state.get("aid")), body, f"step-{number}")
        state["aid"] = shown["id"]
    plan = {
        "name": "月度慰问",
        "rule": "FREQ=MONTHLY;BYMONTHDAY=5",
        "start": "2026-01-01",
        "amount": "20.00",
        "aspect": "life_assistance",
        "recipient_ids": [state["recipient"]],
    }
    plan_id = crash_and_retry("clerk", "/funds/HC-CARE/plans", plan, "plan")["id"]
    crash_and_retry("clerk", f"/plans/{plan_id}/run", {"through": "2026-03-31"}, "run")
    crash_and_retry("clerk", f"/plans/{plan_id}/pause", None, "pause")
    crash_and_retry("approver", "/funds/HC-CARE/periods/2026-10/close", None, "close")
    reopen = {"reason": "补记漏账"}
    crash_and_retry("admin", "/funds/HC-CARE/periods/2026-10/reopen", reopen, "reopen")
    crash_and_retry("approver", f"/incomes/{income['id']}/reverse", {"reason": "错账"}, "rev")
    assert count(fund, Income) == 1 and count(fund, Disbursement) == 1 + 3
