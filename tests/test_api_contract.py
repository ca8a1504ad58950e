"""The contract of API.md as a worksheet, through HTTP only: a quarter of the care fund.

July: four incomes. August: six recipients, eighteen disbursements over the 6×3 matrix, each
submitted, approved and paid by different people; then August is closed. September: a
reversal of each kind, and an overdraft refused. Every figure is checked against the books.
"""

import hashlib
import json

from carefund.vocabulary import Aspect, MemberCategory
from tests.api_support import Api, problem_of
from tests.builders import valid_id_number

FUND = {"code": "HC-CARE", "name": "某区党内关爱基金", "org": "中共某区委组织部"}
INCOMES = [
    # (who records it, source, amount as sent, day) — amounts as strings and JSON numbers.
    ("clerk", "party_dues_subsidy", "50000.00", "2026-07-05"),
    ("clerk", "fiscal_support", 120000, "2026-07-10"),
    ("integration", "member_donation", 8765.43, "2026-07-15"),
    ("clerk", "sponsorship", "30000.00", "2026-07-20"),
]
AID = {
    Aspect.work_incentive: "500.00",
    Aspect.spiritual_care: "300.00",
    Aspect.life_assistance: "1200.50",
}


def open_fund(api: Api) -> dict:
    return api.ok(api.post("admin", "/funds", FUND), 201)


def record(api: Api, who: str, source: str, amount: object, day: str, **extra: object) -> dict:
    body = {"source": source, "payer": "区委组织部", "amount": amount, "received_on": day} | extra
    return api.ok(api.post(who, "/funds/HC-CARE/incomes", body), 201)


def add_recipients(api: Api) -> dict[str, dict]:
    roll = {}
    for number, category in enumerate(MemberCategory, start=1):
        roll[category.value] = api.ok(
            api.post(
                "clerk",
                "/recipients",
                {
                    "member_no": f"M{number:05d}",
                    "name": f"党员{number}",
                    "category": category.value,
                    "branch": "机关第一党支部",
                    "id_number": valid_id_number(number),
                    "phone": f"1381234567{number}",
                },
            ),
            201,
        )
    return roll


def submit(api: Api, recipient: dict, amount: object, aspect: str, who: str = "clerk") -> dict:
    body = {
        "recipient_id": recipient["id"],
        "amount": amount,
        "aspect": aspect,
        "purpose": "中秋慰问",
    }
    return api.ok(api.post(who, "/funds/HC-CARE/disbursements", body), 201)


def disburse(api: Api, recipient: dict, amount: str, aspect: str, day: str) -> dict:
    submitted = submit(api, recipient, amount, aspect)
    assert submitted["status"] == "submitted" and submitted["submitted_by"] == "clerk"
    approved = api.ok(api.post("approver", f"/disbursements/{submitted['id']}/approve"))
    assert approved["status"] == "approved" and approved["approved_by"] == "approver"
    paid = api.ok(
        api.post(
            "cashier", f"/disbursements/{submitted['id']}/pay", {"paid_on": day, "method": "救助卡"}
        )
    )
    assert paid["status"] == "paid" and paid["paid_by"] == "cashier" and paid["voucher_no"]
    return paid


def fund_figures(api: Api) -> tuple[str, str]:
    fund = api.ok(api.get("auditor", "/funds/HC-CARE"))
    return fund["balance"], fund["available"]


def test_a_quarter_of_the_care_fund_through_the_api(api: Api) -> None:
    fund = open_fund(api)
    assert fund | {"created_at": None} == FUND | {
        "balance": "0.00",
        "available": "0.00",
        "created_at": None,
        "closed_through": None,
        "unit": "DISTRICT",
    }

    # July: money in from the four sources, with consecutive receipts and vouchers.
    incomes = [record(api, *row) for row in INCOMES]
    assert [i["receipt_no"] for i in incomes] == [f"HC-CARE-2026-00000{n}" for n in (1, 2, 3, 4)]
    assert [i["voucher_no"] for i in incomes] == [f"记-202607-000{n}" for n in (1, 2, 3, 4)]
    assert [i["amount"] for i in incomes] == ["50000.00", "120000.00", "8765.43", "30000.00"]
    assert {i["status"] for i in incomes} == {"posted"}
    assert incomes[2]["created_by"] == "integration"
    assert fund_figures(api) == ("208765.43", "208765.43")

    # August: one member of each category, their ID numbers and phones never shown.
    roll = add_recipients(api)
    hardship = roll["hardship"]
    assert (
        hardship["id_number_masked"] == valid_id_number(6)[:3] + "*" * 11 + valid_id_number(6)[-4:]
    )
    assert hardship["phone_masked"] == "138****5676"
    listing = api.get("auditor", "/recipients").text
    assert valid_id_number(6) not in listing and "13812345676" not in listing

    # The 6×3 programme: every category helped in every aspect, by separated duties.
    paid = [
        disburse(api, roll[c.value], AID[a], a.value, "2026-08-10")
        for c in MemberCategory
        for a in Aspect
    ]
    assert len(paid) == 18
    assert fund_figures(api) == ("196762.43", "196762.43")

    # Whoever submitted a disbursement may not approve or reject it, even an admin.
    own = submit(api, hardship, "100.00", "life_assistance", who="admin")
    problem_of(api.post("admin", f"/disbursements/{own['id']}/approve"), 403)
    problem_of(api.post("admin", f"/disbursements/{own['id']}/reject", {"reason": "x"}), 403)
    rejected = api.ok(
        api.post("approver", f"/disbursements/{own['id']}/reject", {"reason": "材料不全"})
    )
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "材料不全"
    problem_of(api.post("approver", f"/disbursements/{own['id']}/approve"), 409)

    # A clerk withdraws one while it waits; after that it cannot be approved or paid.
    withdrawn = submit(api, hardship, "100.00", "life_assistance")
    assert (
        api.ok(api.post("clerk", f"/disbursements/{withdrawn['id']}/cancel"))["status"]
        == "cancelled"
    )
    problem_of(api.post("approver", f"/disbursements/{withdrawn['id']}/approve"), 409)
    problem_of(
        api.post("cashier", f"/disbursements/{withdrawn['id']}/pay", {"paid_on": "2026-08-20"}), 409
    )

    # August is closed (结账): its closing balance is fixed and nothing posts into it.
    closed = api.ok(api.post("approver", "/funds/HC-CARE/periods/2026-08/close"))
    assert closed["period"] == "2026-08" and closed["closing_balance"] == "196762.43"
    problem_of(api.post("approver", "/funds/HC-CARE/periods/2026-08/close"), 409)
    problem_of(
        api.post(
            "clerk",
            "/funds/HC-CARE/incomes",
            {
                "source": "fiscal_support",
                "payer": "区财政局",
                "amount": "1.00",
                "received_on": "2026-08-31",
            },
        ),
        409,
    )
    late = submit(api, roll["retired"], "10.00", "spiritual_care")
    api.ok(api.post("approver", f"/disbursements/{late['id']}/approve"))
    problem_of(
        api.post("cashier", f"/disbursements/{late['id']}/pay", {"paid_on": "2026-08-31"}), 409
    )
    problem_of(
        api.post(
            "approver", f"/incomes/{incomes[3]['id']}/reverse", {"reason": "x", "on": "2026-08-31"}
        ),
        409,
    )
    assert fund_figures(api) == ("196762.43", "196752.43")  # the approved 10.00 is reserved
    api.ok(api.post("cashier", f"/disbursements/{late['id']}/pay", {"paid_on": "2026-09-01"}))

    # September: the sponsorship agreement is withdrawn, and one payment was a duplicate.
    reversed_income = api.ok(
        api.post(
            "approver",
            f"/incomes/{incomes[3]['id']}/reverse",
            {"reason": "赞助协议撤销", "on": "2026-09-02"},
        )
    )
    assert reversed_income["status"] == "reversed"
    assert reversed_income["receipt_no"] == "HC-CARE-2026-000004"  # kept, shown void
    assert reversed_income["reversal_voucher_no"] == "记-202609-0002"
    problem_of(api.post("approver", f"/incomes/{incomes[3]['id']}/reverse", {"reason": "x"}), 409)
    problem_of(api.post("cashier", f"/disbursements/{paid[0]['id']}/reverse", {"reason": "x"}), 403)
    reversed_aid = api.ok(
        api.post(
            "approver",
            f"/disbursements/{paid[0]['id']}/reverse",
            {"reason": "重复发放", "on": "2026-09-03"},
        )
    )
    assert reversed_aid["status"] == "reversed"
    problem_of(
        api.post("approver", f"/disbursements/{paid[0]['id']}/reverse", {"reason": "x"}), 409
    )
    # The next receipt number is new: a void one is never reused.
    assert record(api, "clerk", "member_donation", "0.57", "2026-09-05")["receipt_no"] == (
        "HC-CARE-2026-000005"
    )

    # 208765.43 − 30000.00 + 0.57 in; 18 × … − 500.00 + 10.00 out.
    assert fund_figures(api) == ("167253.00", "167253.00")

    # More than is available cannot be approved (the fund's cash never goes below zero).
    too_much = submit(api, hardship, "167253.01", "life_assistance")
    problem_of(api.post("approver", f"/disbursements/{too_much['id']}/approve"), 409)
    assert api.ok(api.get("clerk", f"/disbursements/{too_much['id']}"))["status"] == "submitted"
    assert fund_figures(api) == ("167253.00", "167253.00")

    balances = api.ok(api.get("auditor", "/funds/HC-CARE/balances"))
    assert balances["income"] == {
        "party_dues_subsidy": "50000.00",
        "fiscal_support": "120000.00",
        "member_donation": "8766.00",
        "sponsorship": "0.00",
    }
    assert balances["disbursed"] == {
        "work_incentive": "2500.00",
        "spiritual_care": "1810.00",
        "life_assistance": "7203.00",
    }
    july = api.ok(api.get("auditor", "/funds/HC-CARE/balances", params={"as_of": "2026-07-31"}))
    assert july["balance"] == "208765.43"

    # The quarter's statement reconciles: opening + income − disbursed = closing.
    statement = api.ok(api.get("auditor", "/funds/HC-CARE/statements/2026-Q3.json"))
    assert statement["period"] == {"label": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"}
    assert statement["opening_balance"] == "0.00"
    assert statement["income"]["total"] == "178766.00"
    assert statement["income"]["sponsorship"] == "0.00"
    assert statement["disbursed"]["total"] == "11513.00"
    assert statement["disbursed"]["by_category_aspect"]["cadre"]["work_incentive"] == "0.00"
    assert statement["disbursed"]["by_category_aspect"]["hardship"]["life_assistance"] == "1200.50"
    assert statement["closing_balance"] == "167253.00"
    assert statement["recipients_paid"] == 6 and statement["reconciled"] is True
    august = api.ok(api.get("approver", "/funds/HC-CARE/statements/2026-08.json"))
    assert august["entry_count"] == 18 + 1  # its payments and its seal
    assert august["closing_balance"] == "196762.43"
    assert august["seal"]["period"] == "2026-08"
    assert august["seal"]["closing_balance"] == "196762.43"
    assert api.ok(api.get("admin", "/funds/HC-CARE/statements/2026.json"))["reconciled"]
    problem_of(api.get("clerk", "/funds/HC-CARE/statements/2026-Q3.json"), 403)
    problem_of(api.get("auditor", "/funds/HC-CARE/statements/2026-13.json"), 422)

    # The journal, read page by page, is a hash chain anyone can recompute.
    entries = api.all_pages("auditor", "/funds/HC-CARE/journal", limit=7)
    assert [e["seq"] for e in entries] == list(range(1, 4 + 18 + 1 + 1 + 2 + 1 + 1))
    previous = "0" * 64
    for entry in entries:
        assert entry["prev_hash"] == previous
        assert entry["hash"] == recompute_hash(entry)
        assert sum_of(entry, "debit") == sum_of(entry, "credit")
        previous = entry["hash"]
    verified = api.ok(api.get("auditor", "/funds/HC-CARE/verify"))
    assert verified == {
        "fund": "HC-CARE",
        "ok": True,
        "entries": len(entries),
        "head_hash": previous,
        "first_bad_seq": None,
        "first_bad_row": None,
        "problem": None,
    }
    august_entries = api.ok(
        api.get(
            "auditor", "/funds/HC-CARE/journal", params={"from": "2026-08-01", "to": "2026-08-31"}
        )
    )["items"]
    assert len(august_entries) == 18 + 1
    assert august_entries[-1]["voucher_no"] == "封-202608-01"
    assert august_entries[-1]["postings"] == [] and august_entries[-1]["document"]["kind"] == "seal"

    # An admin may reopen August with a written reason; then it takes entries again.
    problem_of(
        api.post("approver", "/funds/HC-CARE/periods/2026-08/reopen", {"reason": "补记"}), 403
    )
    reopened = api.ok(
        api.post("admin", "/funds/HC-CARE/periods/2026-08/reopen", {"reason": "补记漏账"})
    )
    assert reopened["reopened_by"] == "admin" and reopened["reopen_reason"] == "补记漏账"
    record(api, "clerk", "fiscal_support", "1.00", "2026-08-31")
    periods = api.ok(api.get("auditor", "/funds/HC-CARE/periods"))["items"]
    assert [(p["period"], p["reopened_by"]) for p in periods] == [("2026-08", "admin")]


def recompute_hash(entry: dict) -> str:
    """API.md, Books: SHA-256 of the JCS form of exactly these keys (chain version 2)."""
    assert entry["chain_version"] == 2
    keys = (
        "fund",
        "seq",
        "voucher_no",
        "date",
        "memo",
        "postings",
        "document",
        "reverses_seq",
        "prev_hash",
    )
    canonical = json.dumps(
        {k: entry[k] for k in keys}, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def sum_of(entry: dict, side: str) -> int:
    return sum(int(p[side].replace(".", "")) for p in entry["postings"])


def test_lists_filter_as_api_md_says(api: Api) -> None:
    open_fund(api)
    record(api, "clerk", "fiscal_support", "100.00", "2026-07-01")
    record(api, "clerk", "member_donation", "20.00", "2026-07-15")
    record(api, "clerk", "fiscal_support", "300.00", "2026-08-01")
    roll = add_recipients(api)

    def incomes(**params: str) -> list[str]:
        page = api.ok(api.get("auditor", "/funds/HC-CARE/incomes", params=params))
        return [item["amount"] for item in page["items"]]

    assert incomes() == ["100.00", "20.00", "300.00"]
    assert incomes(source="fiscal_support") == ["100.00", "300.00"]
    assert incomes(**{"from": "2026-07-10", "to": "2026-07-31"}) == ["20.00"]
    problem_of(api.get("auditor", "/funds/HC-CARE/incomes", params={"source": "lottery"}), 422)
    problem_of(api.get("auditor", "/funds/NO-SUCH/incomes"), 404)

    def recipients(**params: str) -> list[str]:
        page = api.ok(api.get("auditor", "/recipients", params=params))
        return [item["member_no"] for item in page["items"]]

    assert recipients(category="retired") == ["M00002"]
    assert recipients(q="M0000") == [f"M0000{n}" for n in range(1, 7)]
    assert recipients(q="党员3") == ["M00003"]
    assert recipients(q="%") == []
    changed = api.ok(
        api.patch(
            "clerk",
            f"/recipients/{roll['mobile']['id']}",
            {"active": False, "phone": None, "branch": "流动党员党支部"},
        )
    )
    assert changed["active"] is False and changed["phone_masked"] is None
    assert changed["branch"] == "流动党员党支部" and changed["name"] == roll["mobile"]["name"]
    assert recipients(active="false") == ["M00005"]
    assert len(recipients(active="true")) == 5
    problem_of(api.patch("clerk", f"/recipients/{roll['mobile']['id']}", {"name": ""}), 422)
    problem_of(api.patch("clerk", "/recipients/999999", {"name": "x"}), 404)
    # An inactive member receives nothing new.
    problem_of(
        api.post(
            "clerk",
            "/funds/HC-CARE/disbursements",
            {"recipient_id": roll["mobile"]["id"], "amount": "1.00", "aspect": "spiritual_care"},
        ),
        409,
    )
    problem_of(
        api.post(
            "clerk", "/recipients", {"member_no": "M00001", "name": "重复", "category": "cadre"}
        ),
        409,
    )

    first = submit(api, roll["cadre"], "10.00", "work_incentive")
    second = submit(api, roll["retired"], "20.00", "life_assistance")
    api.ok(api.post("approver", f"/disbursements/{second['id']}/approve"))

    def disbursements(**params: object) -> list[int]:
        page = api.ok(api.get("auditor", "/disbursements", params=params))
        return [item["id"] for item in page["items"]]

    assert disbursements() == [first["id"], second["id"]]
    assert disbursements(status="approved") == [second["id"]]
    assert disbursements(recipient_id=roll["cadre"]["id"]) == [first["id"]]
    assert disbursements(fund="HC-CARE", **{"from": "2000-01-01"}) == [first["id"], second["id"]]
    assert disbursements(to="2000-01-01") == []
    problem_of(api.get("auditor", "/disbursements", params={"fund": "NO-SUCH"}), 404)
    problem_of(api.get("auditor", "/disbursements", params={"status": "lost"}), 422)
    one = api.ok(api.get("cashier", f"/disbursements/{second['id']}"))
    assert one["status"] == "approved" and one["amount"] == "20.00"
    assert (
        api.ok(api.get("integration", f"/recipients/{roll['cadre']['id']}"))["member_no"]
        == "M00001"
    )
    incomes_page = api.ok(api.get("auditor", "/funds/HC-CARE/incomes"))["items"]
    assert api.ok(api.get("auditor", f"/incomes/{incomes_page[0]['id']}")) == incomes_page[0]
    funds = api.ok(api.get("integration", "/funds"))
    assert [f["code"] for f in funds["items"]] == ["HC-CARE"] and funds["next_cursor"] is None
