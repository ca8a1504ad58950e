"""The organisation tree: a street's staff see and do only their street; roles inherit
downward; a district auditor sees all; a unit's consolidated statement is the sum of its
funds' own statements, to the fen."""

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from carefund import audit, units
from tests.api_support import Api, problem_of
from tests.test_archive_documents import assert_archive_grade

pytestmark = pytest.mark.usefixtures("database")

TREE = [
    ("ST-A", "甲街道", "DISTRICT"),
    ("ST-B", "乙街道", "DISTRICT"),
    ("ST-A-C1", "甲一社区", "ST-A"),
]
FUNDS = [("HC-CARE", None), ("FUND-A", "ST-A"), ("FUND-A1", "ST-A-C1"), ("FUND-B", "ST-B")]


def _user(api: Api, username: str, role: str, unit: str | None) -> None:
    """A user made through the API, holding `role` on `unit`; their token kept by name."""
    body = {"username": username, "role": role} | ({"unit": unit} if unit else {})
    api.tokens[username] = api.ok(api.post("admin", "/users", json=body), 201)["token"]


def _income(api: Api, who: str, fund: str, amount: str, on: str = "2026-03-05") -> Any:
    body = {"source": "fiscal_support", "payer": "区财政局", "amount": amount, "received_on": on}
    return api.post(who, f"/funds/{fund}/incomes", json=body)


def _recipient(api: Api, who: str, member_no: str, unit: str | None = None) -> Any:
    body = {"member_no": member_no, "name": f"党员{member_no}", "category": "hardship"}
    return api.post(who, "/recipients", json=body | ({"unit": unit} if unit else {}))


def _submit(api: Api, who: str, fund: str, recipient_id: int, amount: str) -> Any:
    body = {"recipient_id": recipient_id, "amount": amount, "aspect": "life_assistance"}
    return api.post(who, f"/funds/{fund}/disbursements", json=body)


@pytest.fixture
def district(api: Api) -> Api:
    """Three units under the district, a fund in each and one at the root, money in each,
    a recipient per street, and street staff: clerk_a, approver_a (ST-A), clerk_b (ST-B)."""
    for code, name, parent in TREE:
        api.ok(
            api.post("admin", "/units", json={"code": code, "name": name, "parent": parent}), 201
        )
    for code, unit in FUNDS:
        body = {"code": code, "name": f"{code} 基金"} | ({"unit": unit} if unit else {})
        api.ok(api.post("admin", "/funds", json=body), 201)
    _user(api, "clerk_a", "clerk", "ST-A")
    _user(api, "approver_a", "approver", "ST-A")
    _user(api, "clerk_b", "clerk", "ST-B")
    for fund, amount in (("HC-CARE", "1000.00"), ("FUND-A", "300.10"), ("FUND-A1", "200.02")):
        api.ok(_income(api, "clerk", fund, amount), 201)
    api.ok(_income(api, "clerk_b", "FUND-B", "555.55"), 201)
    api.ok(_recipient(api, "clerk_a", "A0001"), 201)
    api.ok(_recipient(api, "clerk_b", "B0001"), 201)
    return api


def _ids(api: Api, who: str) -> dict[str, int]:
    roll = api.ok(api.get(who, "/recipients"))["items"]
    return {item["member_no"]: item["id"] for item in roll}


def test_a_street_clerk_sees_and_does_only_their_street(district: Api) -> None:
    api = district
    assert [f["code"] for f in api.ok(api.get("clerk_a", "/funds"))["items"]] == [
        "FUND-A",
        "FUND-A1",
    ]
    assert _ids(api, "clerk_a").keys() == {"A0001"}
    b_id = _ids(api, "admin")["B0001"]
    # Out of scope is not there: 404, as for a fund that does not exist.
    for path in (
        "/funds/FUND-B",
        "/funds/FUND-B/incomes",
        "/funds/FUND-B/journal",
        "/funds/HC-CARE",
        f"/recipients/{b_id}",
        "/units/ST-B",
        "/units/DISTRICT",
    ):
        assert problem_of(api.get("clerk_a", path), 404)["status"] == 404, path
    problem_of(_income(api, "clerk_a", "FUND-B", "1.00"), 404)
    problem_of(api.patch("clerk_a", f"/recipients/{b_id}", json={"branch": "x"}), 404)
    # Inherited downward: the street's clerk records in the community's fund.
    api.ok(_income(api, "clerk_a", "FUND-A1", "0.01"), 201)
    a_id = _ids(api, "clerk_a")["A0001"]
    problem_of(_submit(api, "clerk_a", "FUND-A", b_id, "1.00"), 404)
    problem_of(_submit(api, "clerk_a", "FUND-B", a_id, "1.00"), 404)
    mine = api.ok(_submit(api, "clerk_a", "FUND-A", a_id, "10.00"), 201)
    theirs = api.ok(_submit(api, "clerk_b", "FUND-B", b_id, "20.00"), 201)
    problem_of(api.get("clerk_a", f"/disbursements/{theirs['id']}"), 404)
    problem_of(api.get("clerk_a", f"/disbursements/{theirs['id']}/voucher.pdf"), 404)
    assert [d["id"] for d in api.ok(api.get("clerk_a", "/disbursements"))["items"]] == [mine["id"]]
    b_income = api.ok(api.get("clerk_b", "/funds/FUND-B/incomes"))["items"][0]["id"]
    problem_of(api.get("clerk_a", f"/incomes/{b_income}"), 404)
    problem_of(api.get("clerk_a", f"/incomes/{b_income}/receipt.pdf"), 404)
    # Nothing of ST-B was changed by the refusals.
    assert api.ok(api.get("clerk_b", "/funds/FUND-B"))["balance"] == "555.55"


def test_a_street_approver_works_only_in_their_street(district: Api) -> None:
    api = district
    a_id, b_id = _ids(api, "admin")["A0001"], _ids(api, "admin")["B0001"]
    mine = api.ok(_submit(api, "clerk_a", "FUND-A", a_id, "10.00"), 201)
    theirs = api.ok(_submit(api, "clerk_b", "FUND-B", b_id, "20.00"), 201)
    queue = api.ok(api.get("approver_a", "/disbursements", params={"status": "submitted"}))
    assert [d["id"] for d in queue["items"]] == [mine["id"]]
    problem_of(api.post("approver_a", f"/disbursements/{theirs['id']}/approve"), 404)
    api.ok(api.post("approver_a", f"/disbursements/{mine['id']}/approve"))
    api.ok(api.get("approver_a", "/funds/FUND-A1/statements/2026.json"))
    problem_of(api.get("approver_a", "/funds/FUND-B/statements/2026.json"), 404)
    problem_of(api.get("approver_a", "/funds/FUND-B/statements/2026.xlsx"), 404)
    problem_of(api.get("approver_a", "/funds/HC-CARE/statements/2026.pdf"), 404)
    problem_of(api.get("approver_a", "/funds/FUND-B/disclosure/2026.pdf"), 404)
    problem_of(api.post("approver_a", "/funds/FUND-B/periods/2026-03/close"), 404)
    # A street's approver may close the street's own month.
    api.ok(api.post("approver_a", "/funds/FUND-A/periods/2026-03/close"))


def _feed(api: Api, who: str) -> list[dict]:
    """Every event the caller may read, page by page (3 a page) with `after`."""
    items: list[dict] = []
    after = None
    while True:
        params = {"limit": 3} | ({"after": after} if after else {})
        page = api.ok(api.get(who, "/events", params=params))
        if not page["items"]:
            return items
        items += page["items"]
        after = page["next_cursor"]


def test_the_events_feed_holds_only_the_callers_street(district: Api) -> None:
    api = district
    seen = _feed(api, "clerk_a")
    about = {
        (e["data"].get("fund") or e["data"].get("code") or e["data"].get("member_no")) for e in seen
    }
    assert about == {"FUND-A", "FUND-A1", "A0001"}
    everything = _feed(api, "auditor")
    assert len(everything) == len(_feed(api, "admin")) > len(seen)
    assert {"FUND-B", "B0001", "HC-CARE"} <= {
        e["data"].get("fund") or e["data"].get("code") or e["data"].get("member_no")
        for e in everything
    }


def test_a_district_auditor_sees_all_and_units_are_listed_in_scope(district: Api) -> None:
    api = district
    codes = [(f["code"], f["unit"]) for f in api.ok(api.get("auditor", "/funds"))["items"]]
    assert codes == [
        ("HC-CARE", "DISTRICT"),
        ("FUND-A", "ST-A"),
        ("FUND-A1", "ST-A-C1"),
        ("FUND-B", "ST-B"),
    ]
    assert len(api.ok(api.get("auditor", "/recipients"))["items"]) == 2
    units = api.ok(api.get("auditor", "/units"))
    assert [u["code"] for u in units] == ["DISTRICT", "ST-A", "ST-A-C1", "ST-B"]
    assert [u["code"] for u in api.ok(api.get("clerk_a", "/units"))] == ["ST-A", "ST-A-C1"]
    street = api.ok(api.get("clerk_a", "/units/ST-A"))
    assert street | {"units": street["units"]} == {
        "code": "ST-A",
        "name": "甲街道",
        "kind": "street",
        "kind_name": "街道",
        "parent": "DISTRICT",
        "path": "/DISTRICT/ST-A/",
        "units": ["ST-A-C1"],
    }
    community = api.ok(api.get("admin", "/units/ST-A-C1"))
    assert (community["kind"], community["parent"]) == ("community", "ST-A")


def test_the_consolidated_statement_is_the_sum_of_its_funds(district: Api) -> None:
    api = district
    a_id = _ids(api, "admin")["A0001"]
    paid = api.ok(_submit(api, "clerk_a", "FUND-A1", a_id, "33.33"), 201)
    api.ok(api.post("approver", f"/disbursements/{paid['id']}/approve"))
    api.ok(api.post("cashier", f"/disbursements/{paid['id']}/pay", json={"paid_on": "2026-04-01"}))
    whole = api.ok(api.get("auditor", "/units/DISTRICT/statements/2026.json"))
    own = {
        code: api.ok(api.get("auditor", f"/funds/{code}/statements/2026.json"))
        for code, _unit in FUNDS
    }
    assert [s["fund"] for s in whole["funds"]] == sorted(own)
    for statement in whole["funds"]:
        assert statement == own[statement["fund"]]  # each fund's own statement, exactly

    def summed(*keys: str) -> Decimal:
        total = Decimal("0.00")
        for statement in own.values():
            value: Any = statement
            for key in keys:
                value = value[key]
            total += Decimal(value)
        return total

    totals = whole["totals"]
    assert Decimal(totals["income"]["total"]) == summed("income", "total") == Decimal("2055.67")
    assert Decimal(totals["disbursed"]["total"]) == summed("disbursed", "total") == Decimal("33.33")
    assert Decimal(totals["closing_balance"]) == summed("closing_balance") == Decimal("2022.34")
    assert Decimal(totals["opening_balance"]) == summed("opening_balance") == 0
    assert totals["disbursed"]["by_category_aspect"]["hardship"]["life_assistance"] == "33.33"
    assert totals["income"]["fiscal_support"] == "2055.67"
    assert whole["reconciled"] is True and all(c["passed"] for c in totals["checks"])
    street = api.ok(api.get("approver_a", "/units/ST-A/statements/2026.json"))
    assert [s["fund"] for s in street["funds"]] == ["FUND-A", "FUND-A1"]
    assert street["totals"]["closing_balance"] == "466.79"  # 300.10 + 200.02 − 33.33
    problem_of(api.get("approver_a", "/units/ST-B/statements/2026.json"), 404)
    problem_of(api.get("approver_a", "/units/DISTRICT/statements/2026.pdf"), 404)
    problem_of(api.get("clerk_a", "/units/ST-A/statements/2026.json"), 403)


def test_the_consolidated_documents(district: Api) -> None:
    api = district
    response = api.get("auditor", "/units/DISTRICT/statements/2026.xlsx")
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content))["合并"]
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] is not None]
    by_code = {row[0]: row for row in rows[2:6]}
    assert [Decimal(str(v)) for v in by_code["FUND-B"][2:6]] == [
        0,
        Decimal("555.55"),
        0,
        Decimal("555.55"),
    ]
    total = next(row for row in sheet.iter_rows(values_only=True) if row[1] == "合计")
    assert Decimal(str(total[5])) == Decimal("1000.00") + Decimal("300.10") + Decimal(
        "200.02"
    ) + Decimal("555.55")
    pdf = api.get("auditor", "/units/ST-A/statements/2026.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert_archive_grade(pdf.content)


def test_admin_grants_and_revokes_roles_on_units_audited(district: Api) -> None:
    api = district
    assert [u["code"] for u in api.ok(api.get("clerk_b", "/units"))] == ["ST-B"]
    grant = {"role": "auditor", "unit": "ST-A"}
    grants = api.ok(api.post("admin", "/users/clerk_b/grants", json=grant))
    assert grants == [
        {"role": "auditor", "unit": "ST-A", "unit_name": "甲街道"},
        {"role": "clerk", "unit": "ST-B", "unit_name": "乙街道"},
    ]
    # Seeing ST-A as an auditor does not let clerk_b record there.
    api.ok(api.get("clerk_b", "/funds/FUND-A"))
    assert _income(api, "clerk_b", "FUND-A", "1.00").status_code == 403
    api.ok(api.post("admin", "/users/clerk_b/grants/revoke", json=grant))
    problem_of(api.get("clerk_b", "/funds/FUND-A"), 404)
    problem_of(api.post("clerk_a", "/users/clerk_b/grants", json=grant), 403)
    problem_of(
        api.post("admin", "/users/clerk_b/grants", json={"role": "clerk", "unit": "NOPE"}), 404
    )
    problem_of(
        api.post("admin", "/units", json={"code": "X-1", "name": "x", "parent": "ST-A-C1"}), 422
    )
    problem_of(
        api.post("admin", "/units", json={"code": "ST-A", "name": "x", "parent": "ST-B"}), 409
    )
    trail = api.database.read(
        lambda session: [
            (row.action, row.detail)
            for row in session.exec(
                __import__("sqlmodel").select(
                    __import__("carefund.models", fromlist=["AuditLog"]).AuditLog
                )
            )
            if row.action in ("user.granted", "user.revoked", "unit.created")
        ]
    )
    assert ("user.granted", {"role": "auditor", "unit": "ST-A"}) in trail
    assert ("user.revoked", {"role": "auditor", "unit": "ST-A"}) in trail
    assert sum(1 for action, _ in trail if action == "unit.created") == 3


def test_a_street_clerks_plans_pay_only_their_streets_members(district: Api) -> None:
    api = district
    ids = _ids(api, "admin")
    plan = {
        "name": "街道月度帮扶",
        "rule": "FREQ=MONTHLY;BYMONTHDAY=5",
        "start": "2026-11-01",
        "amount": "100.00",
        "aspect": "life_assistance",
    }
    refused = api.post(
        "clerk_a", "/funds/FUND-A/plans", json=plan | {"recipient_ids": [ids["B0001"]]}
    )
    assert "关爱对象不存在" in problem_of(refused, 422)["errors"][0]["msg"]
    problem_of(api.post("clerk_a", "/funds/FUND-B/plans", json=plan | {"recipient_ids": [1]}), 404)
    made = api.ok(
        api.post("clerk_a", "/funds/FUND-A/plans", json=plan | {"recipient_ids": [ids["A0001"]]}),
        201,
    )
    problem_of(api.get("clerk_b", "/funds/FUND-A/plans"), 404)
    assert [p["id"] for p in api.ok(api.get("clerk_a", "/funds/FUND-A/plans"))["items"]] == [
        made["id"]
    ]
    problem_of(api.get("clerk_b", f"/plans/{made['id']}"), 404)
    problem_of(api.post("clerk_b", f"/plans/{made['id']}/run", json={"through": "2026-12-05"}), 404)
    run = api.ok(api.post("clerk_a", f"/plans/{made['id']}/run", json={"through": "2026-12-05"}))
    assert run["created"] == 2


def test_a_street_admin_manages_only_their_streets_units(district: Api) -> None:
    api = district
    _user(api, "admin_a", "admin", "ST-A")
    unit = {"code": "ST-A-C2", "name": "甲二社区", "parent": "ST-A"}
    assert api.ok(api.post("admin_a", "/units", json=unit), 201)["kind"] == "community"
    problem_of(api.post("admin_a", "/units", json=unit | {"code": "X-B", "parent": "ST-B"}), 404)
    grant = {"role": "auditor", "unit": "ST-A-C2"}
    api.ok(api.post("admin_a", "/users/clerk_b/grants", json=grant))
    problem_of(api.post("admin_a", "/users/clerk_b/grants", json=grant | {"unit": "ST-B"}), 404)
    # Users are the district's: a street's admin neither lists nor adds nor resets them.
    problem_of(api.get("admin_a", "/users"), 403)
    problem_of(api.post("admin_a", "/users", json={"username": "x1", "role": "admin"}), 403)
    problem_of(
        api.post("admin_a", "/funds", json={"code": "FUND-X", "name": "x", "unit": "ST-B"}), 404
    )
    made = api.ok(api.post("admin_a", "/funds", json={"code": "FUND-A2", "name": "甲二"}), 201)
    assert made["code"] == "FUND-A2"
    assert "FUND-A2" in [f["code"] for f in api.ok(api.get("clerk_a", "/funds"))["items"]]


def test_a_street_auditor_sees_only_their_street_s_alerts(district: Api, database) -> None:
    """Alerts follow their fund's unit: a street's auditor lists, reads and handles the
    alerts of the street's funds; another street's, and the district's own (no fund), are
    not there for them (404), while a district auditor sees all."""
    from sqlmodel import select

    from carefund.models import Alert, Fund, utcnow

    api = district
    _user(api, "auditor_a", "auditor", "ST-A")

    def raise_three(session) -> None:
        ids = {f.code: f.id for f in session.exec(select(Fund))}
        for subject, fund_id in (("a", ids["FUND-A1"]), ("b", ids["FUND-B"]), ("d", None)):
            session.add(
                Alert(
                    fund_id=fund_id,
                    rule_code="approval_overdue",
                    grade="C",
                    subject_key=f"test:{subject}",
                    message=f"测试预警 {subject}",
                    details={},
                    status="open",
                    created_at=utcnow(),
                )
            )

    database.write(raise_three)
    everything = api.ok(api.get("auditor", "/alerts"))["items"]
    assert sorted(a["subject"] for a in everything) == ["test:a", "test:b", "test:d"]
    mine = api.ok(api.get("auditor_a", "/alerts"))["items"]
    assert [(a["subject"], a["fund"]) for a in mine] == [("test:a", "FUND-A1")]
    by_subject = {a["subject"]: a["id"] for a in everything}
    for hidden in ("test:b", "test:d"):
        problem_of(api.get("auditor_a", f"/alerts/{by_subject[hidden]}"), 404)
        problem_of(
            api.post("auditor_a", f"/alerts/{by_subject[hidden]}/resolve", json={"note": "x"}), 404
        )
    resolved = api.post(
        "auditor_a", f"/alerts/{by_subject['test:a']}/resolve", json={"note": "已核实"}
    )
    assert api.ok(resolved)["status"] == "resolved"
    counts = api.ok(api.get("auditor_a", "/alerts/counts"))
    assert counts == {"A": 0, "B": 0, "C": 0}


def test_a_member_who_moves_street_is_moved_to_that_unit(district: Api) -> None:
    """A member moving from ST-A to ST-B: the district clerk moves them (audited); ST-A's
    clerk then no longer sees them and ST-B's does; a street clerk cannot move a member
    out of reach (the other street is not theirs: 404) and nothing changes then."""
    api = district
    a_id = _ids(api, "admin")["A0001"]
    refused = problem_of(api.patch("clerk_a", f"/recipients/{a_id}", json={"unit": "ST-B"}), 404)
    assert "ST-B" in refused["detail"]
    assert _ids(api, "clerk_a").keys() == {"A0001"}
    problem_of(api.patch("clerk", f"/recipients/{a_id}", json={"unit": "NO-SUCH"}), 404)
    moved = api.ok(api.patch("clerk", f"/recipients/{a_id}", json={"unit": "ST-B"}))
    assert moved["member_no"] == "A0001"
    assert "A0001" not in _ids(api, "clerk_a") and "A0001" in _ids(api, "clerk_b")
    trail = api.database.read(lambda session: audit.history(session, "recipient", a_id))
    assert trail[-1].detail["changes"] == {"unit": ["ST-A", "ST-B"]}
    assert trail[-1].actor == "clerk"


def test_a_unit_is_renamed_keeping_its_code_and_place(district: Api) -> None:
    api = district
    renamed = api.ok(api.patch("admin", "/units/ST-A", json={"name": "甲街道（新名）"}))
    assert renamed == renamed | {"code": "ST-A", "name": "甲街道（新名）", "parent": "DISTRICT"}
    assert api.ok(api.get("clerk_a", "/units/ST-A"))["name"] == "甲街道（新名）"
    problem_of(api.patch("admin", "/units/ST-A", json={"name": "  "}), 422)
    problem_of(api.patch("clerk_a", "/units/ST-A", json={"name": "x"}), 403)
    problem_of(api.patch("admin", "/units/NO-SUCH", json={"name": "x"}), 404)
    assert api.ok(api.get("admin", "/units/ST-A"))["name"] == "甲街道（新名）"

    def renamed_trail(session) -> list[dict]:
        unit = units.find_unit(session, "ST-A")
        return [row.detail for row in audit.history(session, "unit", unit.id)]

    assert api.database.read(renamed_trail)[-1] == {
        "code": "ST-A",
        "name": ["甲街道", "甲街道（新名）"],
    }
