"""The alerts in the API: the list and its filters, one alert, acknowledging and resolving,
the rules' settings; 404, 409 and 422 as everywhere else."""

from tests.api_support import Api, problem_of


def two_alerts(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    for number in (1, 2):
        member = {
            "member_no": f"M{number}",
            "name": f"王{number}",
            "category": "hardship",
            "phone": "13800001111",
        }
        api.ok(api.post("clerk", "/recipients", member), 201)
    answer = api.request("PUT", "admin", "/users/cashier/identity", json={"phone": "13800001111"})
    assert api.ok(answer)["phone_masked"] == "138****1111"


def test_alerts_are_listed_filtered_acknowledged_and_resolved(api: Api) -> None:
    two_alerts(api)
    everything = api.ok(api.get("auditor", "/alerts"))
    assert [(a["rule"], a["grade"], a["status"]) for a in everything["items"]] == [
        ("identity_duplicate", "B", "open"),
        ("identity_staff", "A", "open"),
        ("identity_staff", "A", "open"),
    ]
    assert everything["next_cursor"] is None
    assert api.ok(api.get("auditor", "/alerts/counts")) == {"A": 2, "B": 1, "C": 0}
    graded = api.ok(api.get("auditor", "/alerts", params={"grade": "A"}))["items"]
    assert len(graded) == 2 and all("cashier" in a["message"] for a in graded)
    assert len(api.all_pages("auditor", "/alerts", limit=1)) == 3
    problem_of(api.get("auditor", "/alerts", params={"grade": "D"}), 422)
    problem_of(api.get("auditor", "/alerts", params={"fund": "HC-NONE"}), 404)
    first = everything["items"][0]
    assert api.ok(api.get("auditor", f"/alerts/{first['id']}")) == first
    problem_of(api.get("auditor", "/alerts/9999"), 404)

    acked = api.ok(api.post("auditor", f"/alerts/{first['id']}/acknowledge", {"note": "核实中"}))
    assert acked["status"] == "acknowledged" and acked["acknowledge_note"] == "核实中"
    problem_of(api.post("auditor", f"/alerts/{first['id']}/acknowledge"), 409)
    missing_note = problem_of(api.post("auditor", f"/alerts/{first['id']}/resolve", {}), 422)
    assert "note" in str(missing_note["errors"])
    blank = problem_of(api.post("auditor", f"/alerts/{first['id']}/resolve", {"note": " "}), 422)
    assert blank["errors"][0]["loc"][-1] == "note"
    done = api.ok(api.post("auditor", f"/alerts/{first['id']}/resolve", {"note": "同一家庭"}))
    assert done["status"] == "resolved" and done["resolved_by"] == "auditor"
    problem_of(api.post("auditor", f"/alerts/{first['id']}/resolve", {"note": "再来"}), 409)
    assert [
        a["id"]
        for a in api.ok(api.get("auditor", "/alerts", params={"status": "resolved"}))["items"]
    ] == [first["id"]]
    assert api.ok(api.get("auditor", "/alerts/counts")) == {"A": 2, "B": 0, "C": 0}
    feed = api.ok(api.get("clerk", "/events", params={"limit": 500}))["items"]
    kinds = [e["type"] for e in feed if e["type"].startswith("alert.")]
    assert kinds == ["alert.raised"] * 3 + ["alert.acknowledged", "alert.resolved"]
    same = ("id", "rule", "grade", "message", "status", "resolved_by", "resolve_note")
    assert {k: feed[-1]["data"][k] for k in same} == {k: done[k] for k in same}
    problem_of(api.post("clerk", f"/alerts/{first['id']}/resolve", {"note": "x"}), 403)


def test_admins_tune_the_rules(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    rules = {r["code"]: r for r in api.ok(api.get("auditor", "/alerts/rules"))}
    assert rules["split_payment"]["params"] == {
        "window_days": "30",
        "threshold": "5000.00",
        "count_min": "2",
    }
    assert rules["split_payment"]["write_time"] == ["payment"]
    changed = api.ok(
        api.request(
            "PUT",
            "admin",
            "/alerts/rules/split_payment",
            json={"fund": "HC-CARE", "params": {"threshold": "3000"}, "grade": "A"},
        )
    )
    assert changed["params"]["threshold"] == "3000.00" and changed["source"] == "HC-CARE"
    district = {r["code"]: r for r in api.ok(api.get("auditor", "/alerts/rules"))}
    assert district["split_payment"]["params"]["threshold"] == "5000.00"
    for_fund = {
        r["code"]: r
        for r in api.ok(api.get("auditor", "/alerts/rules", params={"fund": "HC-CARE"}))
    }
    assert for_fund["split_payment"]["grade"] == "A"
    bad = problem_of(
        api.request(
            "PUT",
            "admin",
            "/alerts/rules/split_payment",
            json={"params": {"threshold": "abc", "nope": "1"}},
        ),
        422,
    )
    assert {e["loc"][-1] for e in bad["errors"]} == {"threshold", "nope"}
    problem_of(api.request("PUT", "admin", "/alerts/rules/no_such_rule", json={}), 404)
    problem_of(api.request("PUT", "auditor", "/alerts/rules/split_payment", json={}), 403)
