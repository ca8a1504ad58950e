"""Commands about people: users and their tokens, and the recipient roll's import."""

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from carefund.access import users
from carefund.errors import CarefundError
from carefund.vocabulary import Role
from cli.common import CLI_ACTOR, database, err, fail, operator, out

user_app = typer.Typer(help="Manage users and their API tokens.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name (letters, digits, _ . -).")],
    role: Annotated[str, typer.Option(help="One of: " + ", ".join(r.value for r in Role))],
    password: Annotated[
        str | None, typer.Option(help="Password for the web pages (at least 8 characters).")
    ] = None,
) -> None:
    """Add a user; prints a new API token as the last line (shown only this once)."""
    try:

        def add(session: Session) -> str:
            user = users.create_user(
                session, username=name, role=role, password=password, actor=CLI_ACTOR
            )
            return users.issue_token(session, user)

        token = database().write(add)
    except CarefundError as exc:
        fail(exc.message)
    out.print(f"已添加用户 {name}（{role}）。API 令牌（只显示这一次）：", highlight=False)
    print(token)


@user_app.command("token")
def user_token(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Issue another API token for a user; prints it as the last line."""
    try:
        token = database().write(
            lambda session: users.issue_token(session, users.get_user(session, name))
        )
    except CarefundError as exc:
        fail(exc.message)
    print(token)


def import_recipients(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030) or XLSX, header first.")],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Act as this user (default: the operator).")
    ] = None,
) -> None:
    """Upsert the recipient roll from FILE by member_no, all or nothing.

    Exit 1 listing every bad row (nothing imported), 2 for an unreadable file.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from carefund import imports, sheets
    from carefund.errors import ImportRejected

    if not file.is_file():
        fail(f"文件不存在：{file}")
    if file.stat().st_size > sheets.IMPORT_BYTES_MAX:
        fail(f"文件过大：最大 {sheets.IMPORT_BYTES_MAX // 1024 // 1024} MB")
    data = file.read_bytes()
    configured = database()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    )
    tasks: dict[str, object] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if total < imports.PROGRESS_EVERY:
            return
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done)  # type: ignore[arg-type]

    try:
        with bar:
            result = configured.write(
                lambda session: imports.import_recipients(
                    session, data=data, actor=operator(session, as_user), progress=progress
                )
            )
    except ImportRejected as exc:
        err.print(f"[bold red]{exc.message}[/]", highlight=False)
        for error in exc.errors:
            err.print(f"  第 {error['row']} 行  {error['field']}：{error['msg']}", highlight=False)
        raise typer.Exit(1) from None
    except CarefundError as exc:
        fail(exc.message)
    out.print(
        f"导入完成：新增 {result.created} 人，更新 {result.updated} 人，"
        f"未变 {result.unchanged} 人。",
        highlight=False,
    )
    if result.ignored_columns:
        out.print(f"未识别、已忽略的列：{', '.join(result.ignored_columns)}", highlight=False)
