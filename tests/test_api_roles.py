"""Who may call what: every endpoint × every role → allowed, or 403 (DESIGN.md, Roles).

The table is written from DESIGN.md, not derived from `carefund.access.users.PERMISSIONS`, so that
it checks the code instead of repeating it. "Allowed" means the role gets past the
authorization check: the answer may still be 404, 409 or 422 because of the books' state.
"""

from tests.api_support import ROLES, Api

EVERYONE = set(ROLES)
READ_STATEMENTS = {"admin", "approver", "auditor"}
RECORD = {"admin", "clerk", "integration"}  # incomes, recipients, submitting disbursements
APPROVE = {"admin", "approver"}
AUDIT = {"admin", "auditor"}  # alerts: auditors read, acknowledge and resolve them

# (method, path, body, roles allowed); {income}, {recipient}, {disbursement} are filled in.
MATRIX: list[tuple[str, str, dict | None, set[str]]] = [
    ("POST", "/funds", {"code": "HC-NEW", "name": "新基金"}, {"admin"}),
    ("GET", "/funds", None, EVERYONE),
    ("GET", "/funds/HC-CARE", None, EVERYONE),
    (
        "POST",
        "/funds/HC-CARE/incomes",
        {"source": "sponsorship", "payer": "某集团", "amount": "1.00", "received_on": "2026-11-02"},
        RECORD,
    ),
    ("GET", "/funds/HC-CARE/incomes", None, EVERYONE),
    ("GET", "/incomes/{income}", None, EVERYONE),
    ("POST", "/incomes/{income}/reverse", {"reason": "错账"}, APPROVE),
    ("POST", "/recipients", {"member_no": "M-{role}", "name": "王", "category": "cadre"}, RECORD),
    ("GET", "/recipients", None, EVERYONE),
    ("GET", "/recipients/{recipient}", None, EVERYONE),
    ("PATCH", "/recipients/{recipient}", {"branch": "第二支部"}, RECORD),
    (
        "POST",
        "/funds/HC-CARE/disbursements",
        {"recipient_id": "{recipient}", "amount": "1.00", "aspect": "spiritual_care"},
        RECORD,
    ),
    ("POST", "/disbursements/{disbursement}/approve", None, APPROVE),
    ("POST", "/disbursements/{disbursement}/reject", {"reason": "不符合条件"}, APPROVE),
    ("POST", "/disbursements/{disbursement}/cancel", None, {"admin", "clerk"}),
    ("POST", "/disbursements/{disbursement}/pay", {"paid_on": "2026-11-03"}, {"admin", "cashier"}),
    ("POST", "/disbursements/{disbursement}/reverse", {"reason": "重复"}, APPROVE),
    ("GET", "/disbursements", None, EVERYONE),
    ("GET", "/disbursements/{disbursement}", None, EVERYONE),
    ("GET", "/funds/HC-CARE/journal", None, EVERYONE),
    ("GET", "/funds/HC-CARE/balances", None, EVERYONE),
    ("GET", "/funds/HC-CARE/verify", None, {"admin", "auditor"}),
    ("GET", "/funds/HC-CARE/periods", None, EVERYONE),
    ("GET", "/funds/HC-CARE/seals", None, EVERYONE),
    ("POST", "/funds/HC-CARE/periods/2026-09/close", None, APPROVE),
    ("POST", "/funds/HC-CARE/periods/2026-09/reopen", {"reason": "补记"}, {"admin"}),
    ("GET", "/funds/HC-CARE/statements/2026-Q4.json", None, READ_STATEMENTS),
    ("GET", "/events", None, EVERYONE),
    ("GET", "/funds/HC-CARE/controls", None, EVERYONE),
    ("POST", "/funds/HC-CARE/controls", {"reason": "管控方案"}, {"admin"}),
    ("GET", "/funds/HC-CARE/budgets", None, EVERYONE),
    ("GET", "/funds/HC-CARE/budgets/history", None, EVERYONE),
    (
        "POST",
        "/funds/HC-CARE/budgets",
        {
            "year": 2026,
            "category": "cadre",
            "aspect": "work_incentive",
            "amount": "100.00",
            "reason": "年初预算",
        },
        {"admin"},
    ),
    (
        "POST",
        "/disbursements/{disbursement}/overrides",
        {"control": "cap", "reason": "特批"},
        {"admin"},
    ),
    ("GET", "/disbursements/{disbursement}/overrides", None, EVERYONE),
    # The clerk recorded the income, so separation of duties answers the clerk 403 too.
    ("POST", "/incomes/{income}/review", None, {"admin", "approver"}),
    ("GET", "/alerts", None, AUDIT),
    ("GET", "/alerts/counts", None, AUDIT),
    ("GET", "/alerts/rules", None, AUDIT),
    ("PUT", "/alerts/rules/off_hours", {"grade": "C"}, {"admin"}),
    ("GET", "/alerts/{alert}", None, AUDIT),
    ("POST", "/alerts/{alert}/acknowledge", {"note": ""}, AUDIT),
    ("POST", "/alerts/{alert}/resolve", {"note": "已核实"}, AUDIT),
    ("POST", "/units", {"code": "ST-X", "name": "某街道", "parent": "DISTRICT"}, {"admin"}),
    ("GET", "/units", None, EVERYONE),
    ("GET", "/units/DISTRICT", None, EVERYONE),
    ("PATCH", "/units/DISTRICT", {"name": "本区（改名）"}, {"admin"}),
    ("GET", "/units/DISTRICT/statements/2026-Q4.json", None, READ_STATEMENTS),
]


def test_every_endpoint_for_every_role(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    income = api.ok(
        api.post(
            "clerk",
            "/funds/HC-CARE/incomes",
            {
                "source": "fiscal_support",
                "payer": "区财政局",
                "amount": "1000.00",
                "received_on": "2026-11-01",
            },
        ),
        201,
    )
    recipient = api.ok(
        api.post(
            "clerk",
            "/recipients",
            {"member_no": "M1", "name": "王小明", "category": "hardship", "phone": "13800001111"},
        ),
        201,
    )
    # The same phone again: an alert to act on.
    member = {"member_no": "M2", "name": "王大明", "category": "hardship", "phone": "13800001111"}
    api.ok(api.post("clerk", "/recipients", member), 201)
    [alert] = api.ok(api.get("admin", "/alerts"))["items"]
    # Submitted by someone outside the roles under test, so that separation of duties
    # never answers 403 to them.
    disbursement = api.ok(
        api.post(
            "clerk2",
            "/funds/HC-CARE/disbursements",
            {"recipient_id": recipient["id"], "amount": "10.00", "aspect": "life_assistance"},
        ),
        201,
    )
    ids = {
        "income": income["id"],
        "recipient": recipient["id"],
        "disbursement": disbursement["id"],
        "alert": alert["id"],
    }

    wrong = []
    for method, template, body, allowed in MATRIX:
        for role in ROLES:
            path = template.format(**ids)
            filled = (
                None
                if body is None
                else {key: fill(value, ids, role) for key, value in body.items()}
            )
            status = api.request(method, role, path, json=filled).status_code
            if (status == 403) == (role in allowed) or status in (401, 500):
                wrong.append(f"{method} {path} as {role}: {status}")
    assert not wrong, "\n".join(wrong)


def fill(value: object, ids: dict[str, int], role: str) -> object:
    if value == "{recipient}":
        return ids["recipient"]
    return value.replace("{role}", role) if isinstance(value, str) else value


def test_the_matrix_covers_every_operation(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in document["paths"].items()
        for method in item
    }
    listed = {
        (
            method,
            path.replace("{income}", "{income_id}")
            .replace("{recipient}", "{recipient_id}")
            .replace("{disbursement}", "{disbursement_id}")
            .replace("{alert}", "{alert_id}")
            .replace("rules/off_hours", "rules/{code}")
            .replace("2026-09", "{month}")
            .replace("2026-Q4", "{period}"),
        )
        for method, path, _, _ in MATRIX
    }
    listed = {
        (
            m,
            p.replace("/funds/HC-CARE", "/funds/{code}").replace(
                "/units/DISTRICT", "/units/{code}"
            ),
        )
        for m, p in listed
    }
    # Endpoints other helpers add (documents, plans, imports, users, the bank) get their own matrices.
    others = {
        op
        for op in operations
        if "plans" in op[1]
        or "import" in op[1]
        or op[1].startswith("/users")
        or "batches" in op[1]
        or "/bank" in op[1]
        or "reconciliations" in op[1]
        or op[1].endswith((".pdf", ".csv", ".xlsx", "{fmt}"))
    }
    assert operations - listed <= others
    assert listed <= operations
