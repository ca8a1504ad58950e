"""The OpenAPI document and its interactive docs, which work without internet access.

FastAPI describes validation errors with its own `HTTPValidationError`; ours are RFC 9457
problem documents, so every error answer is described as `application/problem+json` with
the `Problem` schema. POSTs list the `Idempotency-Key` header. The docs page loads
Swagger UI from the `swagger-ui-bundle-v2` package, served by the app itself (no CDN).
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.errors import PROBLEM_JSON
from api.schemas import Problem
from carefund.access.idempotency import KEY_LENGTH_MAX

ERROR_ANSWERS = {
    "401": "没有或无效的 Bearer 令牌",
    "403": "角色无权执行，或不相容职务分离",
    "404": "不存在",
    "422": "请求内容不符合要求",
}
WRITE_ERROR_ANSWERS = {
    "409": "与账目状态冲突（状态不允许、期间已结账、余额不足、重复）",
    "413": "请求体过大",
}
IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "同一键、同一请求体：返回第一次的答复且不重复执行；键保留至少 24 小时",
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_LENGTH_MAX},
}


def file_answer(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that answers a file: its media type with a binary string
    schema, so that generated clients return the bytes rather than drop the answer."""
    schema = {"type": "string", "format": "binary"}
    return {200: {"content": {media_type: {"schema": schema}}, "description": description}}


def install_openapi(app: FastAPI) -> None:
    """Replace `app.openapi` with one that describes our errors and headers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _describe_errors(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _describe_errors(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem_content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            answers = dict(ERROR_ANSWERS)
            if method in ("post", "patch", "put", "delete"):
                answers |= WRITE_ERROR_ANSWERS
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                responses[status] = {"description": description, "content": problem_content}


def install_docs(app: FastAPI, prefix: str) -> None:
    """Swagger UI at `{prefix}/docs`, its assets served locally."""
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    assets = f"{prefix}/docs/assets"
    app.mount(assets, StaticFiles(directory=swagger_ui_path), name="swagger-ui-assets")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or f"{prefix}/openapi.json",
            title=f"{app.title} — docs",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )
