"""Who may call what of the bank: every bank endpoint × every role → allowed, or 403.

Written from the brief (clerks prepare, approvers approve and book, cashiers pay, export and
import, approvers confirm reconciliations, admins set the fund's rule), not derived from
`PERMISSIONS`. "Allowed" means past the authorization check: 404, 409 or 422 may follow.
"""

from tests.api_support import ROLES, Api

EVERYONE = set(ROLES)
CLERKS = {"admin", "clerk"}
APPROVERS = {"admin", "approver"}
CASHIERS = {"admin", "cashier"}
CSV = "参考号,金额,状态\nX-1,1.00,成功\n".encode()
STATEMENT = "日期,金额,余额\n2026-11-02,1.00,1.00\n".encode()

MATRIX: list[tuple[str, str, dict | None, set[str]]] = [
    ("POST", "/funds/HC-CARE/batches", {"status": "submitted"}, CLERKS),
    ("GET", "/funds/HC-CARE/batches", None, EVERYONE),
    ("GET", "/batches/{batch}", None, EVERYONE),
    ("GET", "/batches/{batch}/items", None, EVERYONE),
    ("POST", "/batches/{batch}/approve", None, APPROVERS),
    ("POST", "/batches/{batch}/reject", {"reason": "不符合条件"}, APPROVERS),
    ("POST", "/batches/{batch}/pay", {"paid_on": "2026-11-03"}, CASHIERS),
    ("GET", "/batches/{batch}/bank-file.csv", None, CASHIERS),
    ("GET", "/batches/{batch}/bank-file.xlsx", None, CASHIERS),
    ("GET", "/batches/{batch}/cover.pdf", None, EVERYONE),
    ("GET", "/funds/HC-CARE/bank/failures", None, EVERYONE),
    ("GET", "/funds/HC-CARE/bank/statement-lines", None, EVERYONE),
    ("POST", "/funds/HC-CARE/bank/auto-match", {}, CASHIERS),
    ("POST", "/bank/statement-lines/999/match", {"vouchers": ["记-202611-0001"]}, CASHIERS),
    ("POST", "/bank/statement-lines/999/unmatch", None, CASHIERS),
    ("POST", "/bank/statement-lines/999/book", {}, APPROVERS),
    ("GET", "/funds/HC-CARE/reconciliations/2026-11.json", None, EVERYONE),
    ("GET", "/funds/HC-CARE/reconciliations/2026-11.pdf", None, EVERYONE),
    ("GET", "/funds/HC-CARE/reconciliations/2026-11.xlsx", None, EVERYONE),
    ("POST", "/funds/HC-CARE/reconciliations/2026-11/confirm", None, APPROVERS),
    ("GET", "/funds/HC-CARE/bank/settings", None, EVERYONE),
    ("POST", "/funds/HC-CARE/bank/settings", {"require_reconciliation": False}, {"admin"}),
]
UPLOADS = [
    ("/funds/HC-CARE/bank/returns", CSV, CASHIERS),
    ("/funds/HC-CARE/bank/statements", STATEMENT, CASHIERS),
]


def test_every_bank_endpoint_for_every_role(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    recipient = api.ok(
        api.post("clerk", "/recipients", {"member_no": "M1", "name": "王", "category": "cadre"}),
        201,
    )
    body = {"recipient_id": recipient["id"], "amount": "10.00", "aspect": "life_assistance"}
    api.ok(api.post("clerk2", "/funds/HC-CARE/disbursements", body), 201)
    batch = api.ok(api.post("clerk2", "/funds/HC-CARE/batches", {}), 201)
    wrong = []
    for method, template, json, allowed in MATRIX:
        for role in ROLES:
            path = template.format(batch=batch["id"])
            status = api.request(method, role, path, json=json).status_code
            if (status == 403) == (role in allowed) or status in (401, 500):
                wrong.append(f"{method} {path} as {role}: {status}")
    for path, data, allowed in UPLOADS:
        for role in ROLES:
            status = api.post(role, path, files={"file": ("f.csv", data)}).status_code
            if (status == 403) == (role in allowed) or status in (401, 500):
                wrong.append(f"POST {path} as {role}: {status}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_bank_operation(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json()
    bank = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in document["paths"].items()
        for method in item
        if "batches" in path or "/bank" in path or "reconciliations" in path
    }
    listed = {
        (
            method,
            path.replace("/funds/HC-CARE", "/funds/{code}")
            .replace("{batch}", "{batch_id}")
            .replace("/999/", "/{line_id}/")
            .replace("2026-11", "{month}"),
        )
        for method, path, _, _ in MATRIX
    } | {("POST", path.replace("/funds/HC-CARE", "/funds/{code}")) for path, _, _ in UPLOADS}
    assert bank == listed
