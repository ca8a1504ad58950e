"""The money controls through the API: settings, budgets, overrides, two approvers, review;
problem+json with the figures; idempotency keys as on every POST."""

from tests.api_support import Api, problem_of
from tests.test_api_contract import add_recipients, open_fund, record, submit

CONTROLS = {
    "approval_threshold": "5000.00",
    "review_threshold": "50000.00",
    "restrictions": [{"source": "fiscal_support", "cells": [{"aspect": "life_assistance"}]}],
    "caps": {"overall": "8000.00", "by_aspect": {"spiritual_care": "1000.00"}},
    "standards": {"hardship": "6000.00"},
    "reason": "2026 年度管控方案",
}


def test_an_admin_sets_the_controls_everyone_reads_them_and_others_may_not(api: Api) -> None:
    open_fund(api)
    problem_of(api.post("approver", "/funds/HC-CARE/controls", CONTROLS), 403)
    bad = problem_of(api.post("admin", "/funds/HC-CARE/controls", CONTROLS | {"reason": ""}), 422)
    assert bad["errors"][0]["loc"][-1] == "reason"
    key = {"Idempotency-Key": "controls-1"}
    first = api.post("admin", "/funds/HC-CARE/controls", CONTROLS, headers=key)
    again = api.post("admin", "/funds/HC-CARE/controls", CONTROLS, headers=key)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    read = api.ok(api.get("cashier", "/funds/HC-CARE/controls"))
    assert read["approval_threshold"] == "5000.00"
    assert read["restrictions"] == [
        {"source": "fiscal_support", "cells": [{"category": None, "aspect": "life_assistance"}]}
    ]
    assert read["caps"] == {"overall": "8000.00", "by_aspect": {"spiritual_care": "1000.00"}}
    assert read["standards"] == {"hardship": "6000.00"} and read["updated_by"] == "admin"
    events = api.ok(api.get("auditor", "/events"))["items"]
    assert [e["type"] for e in events].count("fund.controls.changed") == 1


def test_budget_two_approvers_override_and_review_through_the_api(api: Api) -> None:
    open_fund(api)
    api.ok(api.post("admin", "/funds/HC-CARE/controls", CONTROLS))
    big = record(api, "clerk", "fiscal_support", "60000.00", "2026-11-02")
    assert big["review_required"] is True and big["reviewed_by"] is None
    problem_of(api.post("clerk", f"/incomes/{big['id']}/review"), 403)
    assert api.ok(api.post("clerk2", f"/incomes/{big['id']}/review"))["reviewed_by"] == "clerk2"
    cell = {"year": 2026, "category": "hardship", "aspect": "life_assistance"}
    api.ok(
        api.post("admin", "/funds/HC-CARE/budgets", cell | {"amount": "10000.00", "reason": "年初"})
    )
    roll = add_recipients(api)
    asked = submit(api, roll["hardship"], "5500.00", "life_assistance")
    first = api.ok(api.post("approver", f"/disbursements/{asked['id']}/approve"))
    assert (first["status"], first["approvals"]) == ("submitted", ["approver"])
    meeting = {"meeting_no": "纪要〔2026〕9号", "meeting_on": "2026-12-01"}
    second = api.ok(api.post("approver2", f"/disbursements/{asked['id']}/approve", meeting))
    assert (second["status"], second["approvals"]) == ("approved", ["approver", "approver2"])
    assert second["source"] == "fiscal_support"
    more = submit(api, roll["hardship"], "4600.00", "life_assistance")
    # The cap (8,000.00 a year) refuses first: 5,500.00 already approved for this member.
    refusal = problem_of(api.post("approver", f"/disbursements/{more['id']}/approve"), 409)
    assert (
        refusal["detail"]
        == "超出年度上限：上限 8,000.00 元，本年已获 5,500.00 元，本次 4,600.00 元"
    )
    why = {"control": "cap", "reason": "特困户突发重病"}
    problem_of(api.post("approver", f"/disbursements/{more['id']}/overrides", why), 403)
    kept = api.ok(api.post("admin", f"/disbursements/{more['id']}/overrides", why))
    assert kept["figures"]["received"] == 550000 and kept["control"] == "cap"
    refusal = problem_of(api.post("approver", f"/disbursements/{more['id']}/approve"), 409)
    assert refusal["detail"] == (
        "超出预算：生活困难党员·生活帮扶 2026 年预算 10,000.00 元，已支出 0.00 元，"
        "已审批未支付 5,500.00 元，剩余 4,500.00 元，本次 4,600.00 元"
    )
    api.ok(api.post("admin", f"/disbursements/{more['id']}/overrides", why | {"control": "budget"}))
    # Both overrides are put before the auditors, with the figures and the reason.
    raised = api.ok(api.get("auditor", "/alerts", params={"fund": "HC-CARE"}))["items"]
    overridden = [a for a in raised if a["rule"] == "control_override"]
    assert sorted(a["details"]["control"] for a in overridden) == ["budget", "cap"]
    assert all("特困户突发重病" in a["message"] for a in overridden)
    assert (
        api.ok(api.post("approver", f"/disbursements/{more['id']}/approve"))["status"] == "approved"
    )
    listed = api.ok(api.get("auditor", f"/disbursements/{more['id']}/overrides"))["items"]
    assert [o["control"] for o in listed] == ["cap", "budget"]
    budget = api.ok(api.get("auditor", "/funds/HC-CARE/budgets?year=2026"))
    [row] = [
        c
        for c in budget["cells"]
        if c["category"] == "hardship" and c["aspect"] == "life_assistance"
    ]
    assert (row["budget"], row["committed"], row["remaining"]) == (
        "10000.00",
        "10100.00",
        "-100.00",
    )
    history = api.ok(api.get("clerk", "/funds/HC-CARE/budgets/history?year=2026"))["items"]
    assert [(h["amount"], h["reason"]) for h in history] == [("10000.00", "年初")]
    balances = api.ok(api.get("auditor", "/funds/HC-CARE/balances"))
    [fiscal] = [s for s in balances["sources"] if s["source"] == "fiscal_support"]
    assert (fiscal["restricted"], fiscal["reserved"], fiscal["available"]) == (
        True,
        "10100.00",
        "49900.00",
    )


def test_the_controls_page_shows_settings_sources_and_budget(database, monkeypatch) -> None:
    from carefund.controls import budgets, changing
    from tests.builders import record as record_income
    from tests.pages_support import cheap_password_hashing, make_pages

    cheap_password_hashing(monkeypatch)
    pages = make_pages(database)
    admin = pages.staff["admin"]
    values = {"approval_threshold": "5000.00", "reason": "方案"} | {
        "restrictions": CONTROLS["restrictions"]
    }
    database.write(
        lambda s: changing.set_controls(s, fund_code="HC-CARE", values=values, actor=admin)
    )
    cell = {"year": 2026, "category": "hardship", "aspect": "life_assistance"}
    database.write(
        lambda s: budgets.set_budget(
            s, fund_code="HC-CARE", values=cell | {"amount": "3000", "reason": "年初"}, actor=admin
        )
    )
    clerk = next(user for user in pages.staff.values() if user.role == "clerk")
    record_income(database, clerk, "1234.00")
    html = pages.desk(clerk.username).page("/books/controls?fund=HC-CARE")
    for expected in (
        "资金管控",
        "超过 ¥5,000.00",
        "财政支持只能用于全部类别·生活帮扶",
        "¥1,234.00",
        "¥3,000.00",
    ):
        assert expected in html, expected
