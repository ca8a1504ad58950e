"""The one place that maps domain errors to HTTP statuses, as RFC 9457 problem+json."""

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.error_messages import chinese_detail, chinese_message
from api.request_log import current_request_id
from carefund import errors

log = logging.getLogger("carefund.api")

PROBLEM_JSON = "application/problem+json"

STATUS_BY_ERROR: list[tuple[type[errors.CarefundError], int]] = [
    (errors.ImportTooLarge, 413),
    (errors.InvalidInput, 422),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Forbidden, 403),
    (errors.Unauthenticated, 401),
    (errors.DataKeyError, 503),
]
"""Most specific first; every `Conflict` subclass (closed period, short funds…) is 409."""


DOMAIN = "value_error"
"""The `type` of an input the domain's checks refused: pydantic's own for a failed check."""


def status_for(error: errors.CarefundError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 400


def problem(
    status: int,
    detail: str,
    *,
    errors_list: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
) -> JSONResponse:
    """An RFC 9457 problem document, naming the request it answers (`request_id`)."""
    body: dict[str, Any] = {
        "type": f"https://carefund.invalid/problems/{status}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    request_id = current_request_id()
    if request_id is not None:
        body["request_id"] = request_id
    if errors_list is not None:
        body["errors"] = errors_list
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _where(request: Request, field: str) -> str:
    """Whether the field at fault came in the query, the path or the body."""
    if field in request.query_params:
        return "query"
    if field in request.path_params:
        return "path"
    return "body"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.CarefundError)
    status = status_for(exc)
    errors_list = (
        [{"loc": [_where(request, exc.field), exc.field], "msg": exc.message, "type": DOMAIN}]
        if exc.field and status == 422
        else None
    )
    if isinstance(exc, errors.InvalidFields):
        errors_list = [
            {"loc": [_where(request, field), field], "msg": message, "type": DOMAIN}
            for field, message in exc.errors.items()
        ]
    if isinstance(exc, errors.ImportRejected):
        # API.md fixes this shape: every bad row of the file, as the clerk sees it.
        errors_list = exc.errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(status, exc.message, errors_list=errors_list, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors_list = [
        {
            "loc": list(error.get("loc", ())),
            "msg": chinese_message(error),
            "type": str(error.get("type", "value_error")),
        }
        for error in exc.errors()
    ]
    return problem(422, "请求内容不符合要求", errors_list=errors_list)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # Starlette's 400 means a body it could not parse (broken multipart, say): bad
        # input, which this API answers with 422 like every other.
        return problem(
            422,
            f"请求体无法解析：{exc.detail}",
            errors_list=[{"loc": ["body"], "msg": "请求体无法解析", "type": "body_parsing"}],
        )
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers = {**(headers or {}), "Allow": allowed}
    return problem(exc.status_code, chinese_detail(str(exc.detail)), headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method the API documents for the path, for a 405's Allow header (RFC 9110).

    Starlette names only the first route that matches the path, and FastAPI makes one
    route per method, so the OpenAPI document is the one place that knows them all. As in
    OpenAPI, a concrete path (`/recipients/import`) hides the templated ones it also fits."""
    matches: dict[bool, set[str]] = {True: set(), False: set()}
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^\\]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            matches["{" not in template] |= {
                method.upper() for method in operations if method in _HTTP_METHODS
            }
    return ", ".join(sorted(matches[True] or matches[False]))


_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    # Logged with its trace for the operator; the client gets no trace, ever, but the id
    # that finds the trace in the log. This answer is made outside the request id layer
    # (by Starlette's outermost error layer), so it adds the header itself.
    request_id = current_request_id()
    log.exception("unhandled error (request %s)", request_id, exc_info=exc)
    headers = {"X-Request-ID": request_id} if request_id else None
    return problem(500, f"服务器内部错误，已记录（请求编号 {request_id}）。", headers=headers)


RETRY_AFTER_SECONDS = 2
"""What a 503 tells the client to wait before trying again."""


class DatabaseUnavailableMiddleware:
    """503 with Retry-After when the database is locked too long or not answering at all.

    Outermost of the app's middleware, so that it also covers what middleware does with the
    database (token lookups, idempotency keys). The request's transaction rolled back, so it
    changed nothing and a retry is safe; the pool reconnects by itself once the database
    is back.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except (OperationalError, PoolTimeoutError) as exc:
            if started or scope["type"] != "http":
                raise
            log.warning("database unavailable: %s", str(exc).splitlines()[0][:200])
            answer = problem(
                503,
                "数据库暂时不可用或繁忙，请稍后重试。",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await answer(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.CarefundError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
