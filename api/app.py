"""The FastAPI application: `create_app(database)` wires routes, errors and the database."""

import gc

from fastapi import FastAPI

from api.errors import DatabaseUnavailableMiddleware, install_error_handlers
from api.middleware import BodyLimitMiddleware, IdempotencyMiddleware
from api.openapi import install_docs, install_openapi
from api.pages import install_pages
from api.request_log import RequestLogMiddleware
from api.routes import (
    alerts,
    bank,
    bank_answers,
    books,
    controls,
    disbursements,
    documents,
    events,
    funds,
    imports,
    incomes,
    plans,
    recipients,
    statements,
    units,
    users,
)
from carefund import __version__, clock
from carefund.storage.database import Database

API_PREFIX = "/api/v1"


def create_app(database: Database | None = None) -> FastAPI:
    """The app on `database` (default: CAREFUND_DATABASE_URL)."""
    clock.zone()  # a wrong CAREFUND_TIMEZONE stops the app here, not at its first date
    app = FastAPI(
        title="carefund API",
        version=__version__,
        description="党内关爱基金账本 REST API v1 (see API.md).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.database = database or Database.configured()
    install_error_handlers(app)
    # Added innermost first: the body limit runs before idempotency reads the body.
    app.add_middleware(IdempotencyMiddleware, path_prefix=API_PREFIX)
    app.add_middleware(BodyLimitMiddleware, applies=lambda path: path.startswith(API_PREFIX))
    app.add_middleware(DatabaseUnavailableMiddleware)

    # Async: answered on the event loop, with no thread hop (the benchmarks' baseline).
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"ok": True}

    for router in (
        funds.router,
        incomes.router,
        recipients.router,
        disbursements.router,
        books.router,
        statements.router,
        events.router,
        documents.router,
        plans.router,
        controls.router,
        imports.router,
        users.router,
        alerts.router,
        bank.router,
        bank_answers.router,
        units.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    install_openapi(app)
    install_docs(app, API_PREFIX)
    install_pages(app, API_PREFIX)
    # Added last, so outermost: its log line and request id cover every layer's answer.
    app.add_middleware(RequestLogMiddleware)
    return app


def app_from_environment() -> FastAPI:
    """The app on CAREFUND_DATABASE_URL, for `uvicorn --factory` (several workers)."""
    return settled(create_app())


def settled(app: FastAPI) -> FastAPI:
    """The app, with everything built so far moved out of the garbage collector's way.

    Importing and building the app leaves some 130,000 objects that live as long as the
    process. Each full collection walks them all (about 150 ms on a small machine), and
    under load one comes every few seconds, stalling every request in flight; frozen,
    they are skipped. Only for a serving process: an app frozen in tests would never
    have its reference cycles collected.
    """
    gc.collect()
    gc.freeze()
    return app
