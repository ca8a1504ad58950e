"""The clerks' web pages, in Chinese, served by the API's app on the same `carefund` functions.

`install_pages(app, api_prefix)` adds the page routers, the local static files (no CDN) and
a body limit of the pages' own; the API's middlewares keep to `api_prefix`.
"""

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.middleware import BodyLimitMiddleware
from api.pages import (
    alerts,
    auth,
    bank,
    books,
    controls,
    dashboard,
    disbursements,
    incomes,
    plans,
    recipients,
    units,
    users,
)
from api.pages.errors import SECURITY_HEADERS, refuse_with_page
from api.pages.rendering import HERE, templates
from api.request_log import current_request_id

STATIC_PREFIX = "/static"


def install_pages(app: FastAPI, api_prefix: str) -> None:
    def is_page(path: str) -> bool:
        return not path.startswith(api_prefix) and not path.startswith(STATIC_PREFIX)

    app.mount(STATIC_PREFIX, StaticFiles(directory=HERE / "static"), name="static")
    for module in (
        auth,
        dashboard,
        incomes,
        recipients,
        disbursements,
        plans,
        bank,
        books,
        controls,
        users,
        alerts,
        units,
    ):
        app.include_router(module.router)
    app.add_middleware(BodyLimitMiddleware, applies=is_page, refuse=refuse_with_page)

    api_http_error = app.exception_handlers[StarletteHTTPException]

    async def http_error(request: Request, exc: Exception) -> Response:
        # An unknown page (404) or a wrong method (405) outside the API is a page for a
        # browser; any other client still gets problem+json.
        assert isinstance(exc, StarletteHTTPException)
        wants_html = "text/html" in request.headers.get("accept", "")
        if not is_page(request.url.path) or not wants_html:
            return await api_http_error(request, exc)
        title = "未找到" if exc.status_code == 404 else "无法处理"
        message = "没有这个页面。" if exc.status_code == 404 else "请求无法处理。"
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "title": title,
                "message": message,
                "user": None,
                "nav": [],
                "errors": {},
                "request_id": current_request_id(),
            },
            status_code=exc.status_code,
            headers=SECURITY_HEADERS,
        )

    app.add_exception_handler(StarletteHTTPException, http_error)
