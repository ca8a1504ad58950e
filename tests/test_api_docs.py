"""The OpenAPI document and the interactive docs, which must work with no internet access."""

import re

from tests.api_support import Api


def test_docs_load_everything_from_the_app_itself(api: Api) -> None:
    page = api.client.get("/api/v1/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(asset.startswith("/api/v1/docs/assets/") for asset in assets)
    assert "cdn" not in page.text.lower()
    for asset in assets:
        assert api.client.get(asset).status_code == 200
    assert (
        api.client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
        .headers["content-type"]
        .startswith(("application/javascript", "text/javascript"))
    )


def test_the_openapi_document_describes_auth_errors_and_idempotency(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "HTTPValidationError" not in document["components"]["schemas"]
    record = document["paths"]["/api/v1/funds/{code}/incomes"]["post"]
    assert {"201", "401", "403", "404", "409", "413", "422"} <= set(record["responses"])
    assert list(record["responses"]["422"]["content"]) == ["application/problem+json"]
    assert "Idempotency-Key" in [p["name"] for p in record["parameters"]]
    income = document["components"]["schemas"]["IncomePublic"]["properties"]
    assert income["amount"]["type"] == "string" and income["receipt_no"]["type"] == "string"


# Every operation's id, pinned: generated clients name their methods after these, so a
# change here breaks every client and must be deliberate.
OPERATION_IDS = {
    "createFund",
    "listFunds",
    "getFund",
    "recordIncome",
    "listIncomes",
    "getIncome",
    "reverseIncome",
    "createRecipient",
    "listRecipients",
    "getRecipient",
    "updateRecipient",
    "submitDisbursement",
    "approveDisbursement",
    "rejectDisbursement",
    "cancelDisbursement",
    "payDisbursement",
    "reverseDisbursement",
    "listDisbursements",
    "getDisbursement",
    "listJournal",
    "getBalances",
    "verifyFund",
    "listSeals",
    "listPeriods",
    "closePeriod",
    "reopenPeriod",
    "getStatement",
    "listEvents",
    "getIncomeReceiptPdf",
    "getDisbursementVoucherPdf",
    "getStatementPdf",
    "getStatementCsv",
    "getStatementXlsx",
    "getDisclosurePdf",
    "getReceiptsPdf",
    "createPlan",
    "listPlans",
    "getPlan",
    "runPlan",
    "pausePlan",
    "resumePlan",
    "endPlan",
    "getControls",
    "setControls",
    "getBudgets",
    "setBudget",
    "getBudgetHistory",
    "recordOverride",
    "listOverrides",
    "reviewIncome",
    "importRecipients",
    "listUsers",
    "addUser",
    "changeOwnPassword",
    "getUser",
    "deactivateUser",
    "reactivateUser",
    "unlockUser",
    "resetPassword",
    "listTokens",
    "issueToken",
    "revokeToken",
    "rotateToken",
    "setIdentity",
    "listAlerts",
    "getAlertCounts",
    "listAlertRules",
    "setAlertRule",
    "getAlert",
    "acknowledgeAlert",
    "resolveAlert",
    "createBatch",
    "listBatches",
    "getBatch",
    "listBatchItems",
    "approveBatch",
    "rejectBatch",
    "payBatch",
    "getBankFileXlsx",
    "getBankFileCsv",
    "getBatchCoverPdf",
    "importBankReturn",
    "listBankFailures",
    "importBankStatement",
    "listBankStatementLines",
    "autoMatch",
    "matchLine",
    "unmatchLine",
    "bookLine",
    "getReconciliation",
    "getReconciliationPdf",
    "getReconciliationXlsx",
    "confirmReconciliation",
    "getBankSettings",
    "setBankSettings",
    "listUnits",
    "createUnit",
    "getUnit",
    "renameUnit",
    "getConsolidated",
    "getConsolidatedPdf",
    "getConsolidatedXlsx",
    "listGrants",
    "grantRole",
    "revokeRole",
}


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_operation_has_a_stable_unique_camel_case_id(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json()
    ids = [operation.get("operationId") for _, _, operation in operations(document)]
    assert all(ids), "every route names its operation"
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i) for i in ids), ids
    assert set(ids) == OPERATION_IDS
    post = document["paths"]["/api/v1/funds/{code}/incomes"]
    assert (post["post"]["operationId"], post["get"]["operationId"]) == (
        "recordIncome",
        "listIncomes",
    )


def test_file_answers_are_described_as_binary(api: Api) -> None:
    """PDF, XLSX and CSV answers carry a binary string schema (generated clients otherwise
    drop the body); JSON answers keep their models."""
    document = api.client.get("/api/v1/openapi.json").json()
    files = 0
    for path, _method, operation in operations(document):
        for media, content in operation["responses"].get("200", {}).get("content", {}).items():
            if media == "application/json":
                continue
            assert content.get("schema") == {"type": "string", "format": "binary"}, (path, media)
            files += 1
    assert files == 14  # receipts, vouchers, statements, public list, bank files, …
    receipt = document["paths"]["/api/v1/incomes/{income_id}/receipt.pdf"]["get"]
    assert list(receipt["responses"]["200"]["content"]) == ["application/pdf"]
