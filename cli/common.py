"""What every command uses: the consoles, `fail`, the configured database, the operator."""

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from carefund.access import users
from carefund.errors import CarefundError
from carefund.settings import get_settings
from carefund.storage.database import Database
from carefund.storage.schema import is_current
from carefund.vocabulary import Role

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
CLI_ACTOR = "cli"
"""Who the audit trail says did what the command line did as the machine's operator."""


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]错误：[/] {message}", highlight=False)
    raise typer.Exit(code)


def database() -> Database:
    """The configured database, which must have been initialised. A missing SQLite file
    is reported, never created empty (only `carefund init` makes one)."""
    url = get_settings().database_url
    _refuse_missing_sqlite_file(url)
    try:
        configured = Database.configured()
        if not is_current(configured.engine):
            fail("数据库尚未初始化或需要升级：请先运行 `carefund init`")
    except CarefundError as exc:
        fail(exc.message)
    except OperationalError as exc:
        fail(f"无法连接数据库：{exc.orig}")
    return configured


def operator(session, username: str | None):  # type: ignore[no-untyped-def]
    """The user a command acts as: `--as USER`, or an admin stand-in for the machine's operator."""
    if username:
        return users.get_user(session, username)
    return users.User(username=CLI_ACTOR, role=Role.admin.value)


def _refuse_missing_sqlite_file(url: str) -> None:
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or name in ("", ":memory:"):
        return
    if name.startswith("file:") or Path(name).exists():
        return
    fail(
        f"没有数据库文件 {name}（CAREFUND_DATABASE_URL={url}）：请在数据库所在目录运行，"
        "或设置 CAREFUND_DATABASE_URL；新建请运行 `carefund init`"
    )
