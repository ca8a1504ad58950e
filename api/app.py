"""The FastAPI application: `create_app(engine)` wires routes, errors and the database."""

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from api.errors import install_error_handlers
from api.routes import funds
from api.routes import imports as imports_routes
from api.routes import plans as plans_routes
from carefund import __version__
from carefund.db import make_engine
from carefund.settings import get_settings

API_PREFIX = "/api/v1"


def create_app(engine: Engine | None = None) -> FastAPI:
    """The app on `engine` (default: CAREFUND_DATABASE_URL)."""
    app = FastAPI(
        title="carefund API",
        version=__version__,
        description="党内关爱基金账本 REST API v1 (see API.md).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine or make_engine(get_settings().database_url)
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    for router in (funds.router, plans_routes.router, imports_routes.router):
        app.include_router(router, prefix=API_PREFIX)
    return app
