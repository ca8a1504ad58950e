"""Commands that set up and run the service: `init`, `serve`, `demo`."""

import copy
import os
from typing import Annotated, Any

import typer
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from carefund.data_keys import ensure_data_key
from carefund.errors import CarefundError
from carefund.funds import read_funds
from carefund.models import User
from carefund.storage.database import Database
from carefund.storage.schema import upgrade
from cli.common import err, fail, operator, out


def init() -> None:
    """Create the database schema, or upgrade it to the newest version (safe to run again)."""
    try:
        configured = Database.configured()
        created_key = ensure_data_key(configured.engine)
        upgrade(configured.engine)
    except CarefundError as exc:
        fail(exc.message)
    except OperationalError as exc:
        fail(f"无法连接数据库：{exc.orig}")
    if created_key:
        out.print(
            f"已创建数据密钥文件 {created_key}（权限 0600）：请把它与数据库分开备份，"
            "没有它，身份证号、电话和地址无法读出。",
            highlight=False,
        )
    out.print(f"数据库已就绪：{configured.engine.url.render_as_string(hide_password=True)}")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (use PostgreSQL for many).", min=1, max=64)
    ] = 1,
    demo: Annotated[
        bool, typer.Option(help="Fill an empty database with a demo district.")
    ] = False,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (a JSON line: no query string, no body).")
    ] = True,
) -> None:
    """Run the REST API (and web pages) with uvicorn; upgrades the schema first."""
    import uvicorn

    try:
        configured = Database.configured()
        ensure_data_key(configured.engine)
        upgrade(configured.engine)
        if demo:
            _load_demo(configured)
    except CarefundError as exc:
        fail(exc.message)
    except OperationalError as exc:
        fail(f"无法连接数据库：{exc.orig}")
    where = configured.engine.url.render_as_string(hide_password=True)
    err.print(
        f"carefund 服务：网页 http://{host}:{port}/ · API 文档 http://{host}:{port}/api/v1/docs"
        f"（数据库 {where}）",
        highlight=False,
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        # uvicorn's own access log writes query strings (an ID number searched for); the
        # app writes its own lines instead (`api.request_log`).
        "access_log": False,
        "log_config": log_config(access_log=access_log),
        "log_level": "info",
    }
    if workers > 1:
        # Each worker process builds its own app and database from the environment, and
        # takes its share of PostgreSQL's connections (`postgres_pool_size`).
        configured.dispose()
        os.environ["CAREFUND_WORKERS"] = str(workers)
        uvicorn.run("api.app:app_from_environment", factory=True, workers=workers, **options)
    else:
        from api.app import create_app, settled

        uvicorn.run(settled(create_app(configured)), **options)


def log_config(*, access_log: bool) -> dict[str, Any]:
    """uvicorn's logging, plus the app's: the access log's JSON lines on stdout (at INFO, or
    silenced), and carefund's own messages (server errors with their request id) beside
    uvicorn's on stderr. Given to uvicorn, so that every worker process is set up alike."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["json_line"] = {"format": "%(message)s"}
    config["handlers"]["carefund_access"] = {
        "class": "logging.StreamHandler",
        "formatter": "json_line",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["carefund.access"] = {
        "handlers": ["carefund_access"],
        "level": "INFO" if access_log else "WARNING",
        "propagate": False,
    }
    config["loggers"]["carefund"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _load_demo(configured: Database) -> None:
    """Build the demo district into an empty database and print how to log in; a database
    that already holds something is served as it is. Never lets the service start with no
    user to log in: raises `DemoRefused` (the command exits non-zero) when the demo cannot
    be built (before 2026-11-27 its dates would be in the future) and nobody exists."""
    from carefund.demo import DemoRefused, build_demo

    def any_fund(session: Session) -> bool:
        return bool(read_funds(session, actor=operator(session, None), limit=1))

    try:
        if configured.read(any_fund):
            raise DemoRefused("数据库中已有基金，不再加载演示数据")
        err.print("正在生成演示账簿（约两分钟）…", highlight=False)
        result = build_demo(configured)
    except DemoRefused as exc:
        if not configured.read(_any_user):
            raise DemoRefused(f"{exc.message}；数据库中没有任何用户，无法登录，服务不启动") from exc
        err.print(f"{exc.message}；按现有数据启动。", highlight=False)
        return
    for line in result.lines():
        out.print(line, highlight=False)


def _any_user(session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is not None


def demo(
    force: Annotated[
        bool, typer.Option("--force", help="ERASE the database first, if it holds anything.")
    ] = False,
) -> None:
    """Build the demo district of 2026 into the configured database; prints the users'
    passwords and tokens (shown only this once)."""
    from carefund.demo import build_demo

    try:
        configured = Database.configured()
        upgrade(configured.engine)
        err.print("正在生成演示账簿（约两分钟）…", highlight=False)
        result = build_demo(configured, force=force)
    except CarefundError as exc:
        fail(exc.message)
    except OperationalError as exc:
        fail(f"无法连接数据库：{exc.orig}")
    for line in result.lines():
        out.print(line, highlight=False)
