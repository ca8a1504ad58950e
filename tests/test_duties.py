"""Incompatible duties (不相容职务): who approved a payment does not pay it, admins included;
a clerk withdraws only their own submission (an admin any)."""

import pytest

from carefund import disbursements
from carefund.errors import Forbidden
from carefund.models import Disbursement, User
from tests.api_support import Api, problem_of
from tests.builders import approve, make_fund, make_recipient, make_staff, make_user, record, submit
from tests.pages_support import cheap_password_hashing, make_pages


@pytest.fixture
def district(database):  # type: ignore[no-untyped-def]
    staff = make_staff(database)
    staff["admin2"] = make_user(database, "admin", username="admin2")
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "1000.00")
    return staff, make_recipient(database, staff["clerk"])


def _status(database, made: Disbursement) -> str:  # type: ignore[no-untyped-def]
    return database.read(lambda session: session.get_one(Disbursement, made.id).status)


def _pay(database, made: Disbursement, cashier: User) -> Disbursement:  # type: ignore[no-untyped-def]
    return database.write(
        lambda session: disbursements.pay_disbursement(
            session, disbursement_id=made.id, paid_on="2026-03-10", actor=cashier
        )
    )


def _cancel(database, made: Disbursement, actor: User) -> Disbursement:  # type: ignore[no-untyped-def]
    return database.write(
        lambda session: disbursements.cancel_disbursement(
            session, disbursement_id=made.id, actor=actor
        )
    )


def test_whoever_approved_may_not_pay_admins_included(database, district) -> None:
    staff, member = district
    made = submit(database, staff["clerk"], member, "100.00")
    approve(database, staff["admin"], made)
    with pytest.raises(Forbidden, match="不相容职务"):
        _pay(database, made, staff["admin"])
    assert _status(database, made) == "approved"
    _pay(database, made, staff["admin2"])  # another admin may
    assert _status(database, made) == "paid"


def test_a_clerk_withdraws_only_their_own_submission(database, district) -> None:
    staff, member = district
    theirs = submit(database, staff["clerk2"], member, "10.00")
    with pytest.raises(Forbidden, match="只能撤回自己提交的支出"):
        _cancel(database, theirs, staff["clerk"])
    assert _status(database, theirs) == "submitted"
    _cancel(database, theirs, staff["clerk2"])
    assert _status(database, theirs) == "cancelled"
    by_integration = submit(database, staff["integration"], member, "10.00")
    _cancel(database, by_integration, staff["admin"])  # an admin withdraws any
    assert _status(database, by_integration) == "cancelled"


def test_the_api_answers_403_with_the_reason(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    income = {"source": "fiscal_support", "payer": "区财政局", "amount": "100.00"}
    api.ok(api.post("clerk", "/funds/HC-CARE/incomes", income | {"received_on": "2026-03-05"}), 201)
    member = {"member_no": "DY1", "name": "甲", "category": "cadre"}
    member_id = api.ok(api.post("clerk", "/recipients", member), 201)["id"]
    body = {"recipient_id": member_id, "amount": "20.00", "aspect": "work_incentive"}
    made = api.ok(api.post("clerk", "/funds/HC-CARE/disbursements", body), 201)
    cancelled = api.post("clerk2", f"/disbursements/{made['id']}/cancel")
    assert "只能撤回自己提交的支出" in problem_of(cancelled, 403)["detail"]
    api.ok(api.post("admin", f"/disbursements/{made['id']}/approve"))
    paid = api.post("admin", f"/disbursements/{made['id']}/pay", {"paid_on": "2026-03-10"})
    assert "不相容职务" in problem_of(paid, 403)["detail"]
    assert api.ok(api.get("auditor", f"/disbursements/{made['id']}"))["status"] == "approved"
    api.ok(api.post("cashier", f"/disbursements/{made['id']}/pay", {"paid_on": "2026-03-10"}))


def test_the_pages_refuse_the_second_duty(database, monkeypatch) -> None:
    cheap_password_hashing(monkeypatch)
    pages = make_pages(database)
    record(database, pages.staff["clerk"], "1000.00")
    member = make_recipient(database, pages.staff["clerk"])
    made = submit(database, pages.staff["clerk2"], member, "10.00")
    # The page offers clerk no button for it; a crafted post is refused all the same.
    refused = pages.desk("clerk").post(f"/disbursements/{made.id}/cancel", {})
    assert refused.status_code == 403 and "只能撤回自己提交的支出" in refused.text
    admin = pages.desk("admin")
    admin.post(f"/disbursements/{made.id}/approve", {}, form_page=f"/disbursements/{made.id}")
    paid = admin.post(
        f"/disbursements/{made.id}/pay",
        {"paid_on": "2026-03-10", "method": "转账"},
        form_page=f"/disbursements/{made.id}",
    )
    assert paid.status_code == 403 and "不相容职务" in paid.text
    assert _status(database, made) == "approved"
