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
