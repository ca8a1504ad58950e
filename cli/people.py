"""Commands about people: users and their tokens, and the recipient roll's import."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from carefund import units
from carefund.access import admin, users
from carefund.errors import CarefundError
from carefund.vocabulary import Role
from cli.common import database, err, fail, operator, out

user_app = typer.Typer(help="Manage users and their API tokens.", no_args_is_help=True)


def _administer(use_case: Callable[..., Any], **arguments: Any) -> Any:
    """Run an administrative use case as the machine's operator; exit 2 on a domain error."""
    try:
        return database().write(
            lambda session: use_case(session, actor=operator(session, None), **arguments)
        )
    except CarefundError as exc:
        fail(exc.message)


def _show_user(user: dict[str, Any]) -> None:
    flags = [
        "" if user["active"] else "已停用",
        "已锁定" if user["locked"] else "",
        "须改密码" if user["must_change_password"] else "",
    ]
    out.print(
        f"{user['username']:<20} {user['display_name']:<12} {user['role']:<12} "
        + " ".join(flag for flag in flags if flag),
        highlight=False,
    )


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name (letters, digits, _ . -).")],
    role: Annotated[str, typer.Option(help="One of: " + ", ".join(r.value for r in Role))],
    password: Annotated[
        str | None, typer.Option(help="Password for the web pages (at least 8 characters).")
    ] = None,
    display_name: Annotated[
        str, typer.Option(help="The person's name, printed on documents (default: NAME).")
    ] = "",
    unit: Annotated[
        str | None,
        typer.Option(help="The unit where the role holds, and below (default: the district)."),
    ] = None,
) -> None:
    """Add a user; prints a new API token as the last line (shown only this once)."""
    added = _administer(
        admin.add_user,
        username=name,
        role=role,
        password=password,
        display_name=display_name,
        unit=unit,
    )
    out.print(f"已添加用户 {name}（{role}）。API 令牌（只显示这一次）：", highlight=False)
    print(added["token"])


def _show_grants(name: str, grants: list[dict[str, Any]]) -> None:
    out.print(f"{name} 的角色：", highlight=False)
    for grant in grants:
        out.print(
            f"  {grant['role']:<12} {grant['unit']:<16} {grant['unit_name']}", highlight=False
        )


@user_app.command("grant")
def user_grant(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="One of: " + ", ".join(r.value for r in Role))],
    unit: Annotated[str, typer.Option(help="Unit code; the role holds there and below.")],
) -> None:
    """Grant a user a role on a unit (区、街道 or 社区/村) and every unit below it."""
    _show_grants(name, _administer(units.grant_role, username=name, role=role, unit=unit))


@user_app.command("ungrant")
def user_ungrant(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="The role to take back.")],
    unit: Annotated[str, typer.Option(help="The unit it was granted on.")],
) -> None:
    """Take back a role a user holds on a unit."""
    _show_grants(name, _administer(units.revoke_role, username=name, role=role, unit=unit))


@user_app.command("grants")
def user_grants(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """The roles a user holds, and on which units."""
    _show_grants(name, _administer(units.read_grants, username=name))


@user_app.command("list")
def user_list() -> None:
    """List users: login name, display name, role, and whether inactive or locked."""
    for user in _administer(admin.list_users):
        _show_user(user)


@user_app.command("deactivate")
def user_deactivate(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Deactivate a user: no login, and every token refused, at once."""
    _show_user(_administer(admin.set_active, username=name, active=False))


@user_app.command("reactivate")
def user_reactivate(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Reactivate a deactivated user."""
    _show_user(_administer(admin.set_active, username=name, active=True))


@user_app.command("unlock")
def user_unlock(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Lift the lock that repeated failed logins put on an account."""
    _show_user(_administer(admin.unlock, username=name))


@user_app.command("reset-password")
def user_reset_password(
    name: Annotated[str, typer.Argument(help="Login name.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="The new password (8+ characters).")
    ],
) -> None:
    """Give a user a new password, which they must change at their next login."""
    _show_user(_administer(admin.reset_password, username=name, password=password))


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="Your login name.")],
    current: Annotated[str, typer.Option(prompt=True, hide_input=True, help="Current password.")],
    password: Annotated[
        str,
        typer.Option(
            prompt="New password", hide_input=True, confirmation_prompt=True, help="New password."
        ),
    ],
) -> None:
    """Change your own password (you must know the current one)."""
    try:
        database().write(
            lambda session: admin.change_own_password(
                session,
                actor=users.get_user(session, name),
                current_password=current,
                new_password=password,
            )
        )
    except CarefundError as exc:
        fail(exc.message)
    out.print("密码已修改。", highlight=False)


@user_app.command("tokens")
def user_tokens(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """List a user's API tokens by id (the tokens themselves are never stored)."""
    for token in _administer(admin.list_tokens, username=name):
        revoked = token["revoked_at"]
        state = f"已吊销 {revoked:%Y-%m-%d %H:%M}" if revoked else "有效"
        out.print(f"{token['id']:>6}  {token['created_at']:%Y-%m-%d %H:%M}  {state}")


@user_app.command("token")
def user_token(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Issue another API token for a user; prints it as the last line."""
    print(_administer(admin.issue_token, username=name)["token"])


@user_app.command("revoke")
def user_revoke(
    name: Annotated[str, typer.Argument(help="Login name.")],
    token_id: Annotated[int, typer.Argument(help="The token's id (see `user tokens`).")],
) -> None:
    """Revoke a token: refused from the next request on, by every worker."""
    _administer(admin.revoke_token, username=name, token_id=token_id)
    out.print(f"令牌 {token_id} 已吊销。", highlight=False)


@user_app.command("rotate")
def user_rotate(
    name: Annotated[str, typer.Argument(help="Login name.")],
    token_id: Annotated[int, typer.Argument(help="The token's id (see `user tokens`).")],
) -> None:
    """Revoke a token and issue its successor; prints the new one as the last line (once)."""
    issued = _administer(admin.rotate_token, username=name, token_id=token_id)
    out.print(f"令牌 {token_id} 已吊销；新令牌（只显示这一次）：", highlight=False)
    print(issued["token"])


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
