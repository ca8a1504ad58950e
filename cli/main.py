"""The `carefund` command line: the composition root of the service.

Domain commands call `carefund` use cases; `serve` and `statement` may import `api` and
`receipts`, inside the command, and nothing else here does.
"""

import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from carefund.access import users
from carefund.books import verify_fund
from carefund.errors import CarefundError
from carefund.funds import create_fund, read_fund, read_funds
from carefund.settings import get_settings
from carefund.storage.database import Database
from carefund.storage.schema import is_current, upgrade
from carefund.vocabulary import Role

app = typer.Typer(
    help="carefund — 党内关爱基金账本：复式记账、哈希链、收据与审计报表。\n\n"
    "The database is CAREFUND_DATABASE_URL (default: sqlite:///./carefund.db).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
user_app = typer.Typer(help="Manage users and their API tokens.", no_args_is_help=True)
fund_app = typer.Typer(help="Manage funds.", no_args_is_help=True)
plans_app = typer.Typer(help="Recurring plans (定期发放计划).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(fund_app, name="fund")
app.add_typer(plans_app, name="plans")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
CLI_ACTOR = "cli"
"""Who the audit trail says did what the command line did as the machine's operator."""


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]错误：[/] {message}", highlight=False)
    raise typer.Exit(code)


def database() -> Database:
    """The configured database, which must have been initialised."""
    try:
        configured = Database.open(get_settings().database_url)
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


@app.command()
def init() -> None:
    """Create the database schema, or upgrade it to the newest version (safe to run again)."""
    try:
        configured = Database.open(get_settings().database_url)
        upgrade(configured.engine)
    except CarefundError as exc:
        fail(exc.message)
    except OperationalError as exc:
        fail(f"无法连接数据库：{exc.orig}")
    out.print(f"数据库已就绪：{configured.engine.url.render_as_string(hide_password=True)}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (use PostgreSQL for many).", min=1, max=64)
    ] = 1,
    demo: Annotated[
        bool, typer.Option(help="Fill an empty database with a demo district.")
    ] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Run the REST API (and web pages) with uvicorn; upgrades the schema first."""
    import uvicorn

    try:
        configured = Database.open(get_settings().database_url)
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
        "access_log": access_log,
        "log_level": "info",
    }
    if workers > 1:
        # Each worker process builds its own app and database from the environment.
        configured.dispose()
        uvicorn.run("api.app:app_from_environment", factory=True, workers=workers, **options)
    else:
        from api.app import create_app, settled

        uvicorn.run(settled(create_app(configured)), **options)


def _load_demo(configured: Database) -> None:
    """Build the demo district into an empty database and print how to log in; a database
    that already holds something is served as it is."""
    from carefund.demo import DemoRefused, build_demo

    def any_fund(session: Session) -> bool:
        return bool(read_funds(session, actor=operator(session, None), limit=1))

    if configured.read(any_fund):
        err.print("数据库中已有基金，不再加载演示数据。", highlight=False)
        return
    err.print("正在生成演示账簿（约半分钟）…", highlight=False)
    try:
        result = build_demo(configured)
    except DemoRefused as exc:
        err.print(f"{exc.message}；按现有数据启动。", highlight=False)
        return
    for line in result.lines():
        out.print(line, highlight=False)


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


@fund_app.command("add")
def fund_add(
    code: Annotated[str, typer.Argument(help="Fund code such as HC-CARE.")],
    name: Annotated[str, typer.Option(help="Full name, e.g. 某区党内关爱基金.")],
    org: Annotated[str, typer.Option(help="Organisation printed on receipts.")] = "",
) -> None:
    """Open a fund with empty books."""
    try:
        database().write(
            lambda session: create_fund(
                session, code=code, name=name, org=org, actor=operator(session, None)
            )
        )
    except CarefundError as exc:
        fail(exc.message)
    out.print(f"已开设基金 {code}")


@fund_app.command("list")
def fund_list() -> None:
    """List funds with their balances."""

    def show(session: Session) -> None:
        for public in sorted(
            read_funds(session, actor=operator(session, None)), key=lambda public: public["code"]
        ):
            out.print(
                f"{public['code']}\t{public['name']}\t余额 {public['balance']}"
                f"\t可用 {public['available']}",
                highlight=False,
            )

    database().read(show)


@app.command()
def verify(
    fund: Annotated[str | None, typer.Option(help="Only this fund (default: every fund).")] = None,
) -> None:
    """Recompute every fund's hash chain; exit 1 naming the fund and first bad seq if broken."""
    broken = False
    try:

        def check(session: Session) -> None:
            nonlocal broken
            actor = operator(session, None)
            every = (
                [read_fund(session, code=fund, actor=actor)]
                if fund
                else read_funds(session, actor=actor)
            )
            for code in sorted(public["code"] for public in every):
                result = verify_fund(session, code=code, actor=actor)
                if result["ok"]:
                    out.print(
                        f"{code}: 完好，{result['entries']} 笔，链头 {result['head_hash']}",
                        highlight=False,
                    )
                else:
                    broken = True
                    bad_seq = result["first_bad_seq"]
                    where = f"，第一笔不符 seq {bad_seq}" if bad_seq else ""
                    err.print(
                        f"[bold red]{code}: 已损坏{where}：{result['problem']}[/]",
                        highlight=False,
                    )

        database().read(check)
    except CarefundError as exc:
        fail(exc.message)
    if broken:
        raise typer.Exit(1)


STATEMENT_FORMATS = (".pdf", ".csv", ".xlsx", ".json")
"""What `carefund statement -o FILE` can write, chosen by FILE's suffix."""


@app.command()
def statement(
    fund: Annotated[str, typer.Option(help="Fund code, e.g. HC-CARE.")],
    period: Annotated[str, typer.Option(help="2026-11 (month), 2026-Q4 (quarter) or 2026 (year).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write: .pdf, .csv, .xlsx or .json.")
    ],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Generate as this user (default: the operator).")
    ] = None,
) -> None:
    """Write a fund's audit statement for a month, quarter or year; the format follows FILE.

    Exits 1 (after writing the file) when a reconciliation check fails, like `verify`."""
    import json

    suffix = output.suffix.lower()
    if suffix not in STATEMENT_FORMATS:
        choices = "、".join(STATEMENT_FORMATS)
        fail(f"不支持的文件类型 {output.suffix or '（无后缀）'}：请用 {choices}")
    if not output.parent.is_dir():
        fail(f"目录不存在：{output.parent}")
    from carefund.reports import documents, statements

    try:

        def rendered(session: Session) -> tuple[documents.StatementView, bytes]:
            # Rendered inside the read: the statement's journal streams from the database.
            view = documents.statement_view(
                session, fund_code=fund, period=period, actor=operator(session, as_user)
            )
            if suffix == ".json":
                content = json.dumps(
                    statements.statement_json(view.statement), ensure_ascii=False, indent=2
                ).encode("utf-8")
            else:
                # The composition root may use the renderers; carefund's modules never do.
                import receipts

                render = {
                    ".pdf": receipts.render_statement,
                    ".csv": receipts.statement_csv,
                    ".xlsx": receipts.statement_xlsx,
                }[suffix]
                content = render(view)
            return view, content

        view, content = database().read(rendered)
    except CarefundError as exc:
        fail(exc.message)
    try:
        output.write_bytes(content)
    except OSError as exc:
        fail(f"无法写入 {output}：{exc.strerror}")
    checks = "对账全部通过" if view.statement.reconciled else "对账未通过，请核查"
    out.print(
        f"已生成 {output}（{view.fund.code} {view.period.label_zh}，"
        f"{view.statement.entry_count} 笔凭证，{checks}）",
        highlight=False,
    )
    if not view.statement.reconciled:
        raise typer.Exit(1)


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
) -> None:
    """Copy an SQLite database online into FILE, consistent even while the server writes."""
    configured = database().engine
    if configured.dialect.name != "sqlite":
        fail("PostgreSQL 请用 pg_dump 备份，例如：pg_dump -Fc -f carefund.dump DBNAME")
    if file.exists():
        fail(f"文件已存在：{file}（不覆盖已有文件）")
    source_path = configured.url.database
    if not source_path or source_path == ":memory:":
        fail("内存数据库无法备份")
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(file)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()
    out.print(f"已备份到 {file}")


@app.command()
def export(
    fund: Annotated[str, typer.Option(help="The fund to export.")],
    format: Annotated[
        str, typer.Option("--format", help="Only `beancount` for now.")
    ] = "beancount",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default: standard output)."),
    ] = None,
) -> None:
    """Write a fund's books as a beancount ledger, for an independent check with bean-check."""
    from carefund.reports.export import export_beancount

    if format != "beancount":
        fail(f"不支持的格式：{format}（目前只支持 beancount）")
    try:

        def write_out(session: Session) -> None:
            lines = export_beancount(session, fund_code=fund, actor=operator(session, None))
            if output is None:
                for line in lines:
                    print(line)
            else:
                with output.open("w", encoding="utf-8") as handle:
                    for line in lines:
                        handle.write(line + "\n")

        database().read(write_out)
    except CarefundError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"无法写入 {output}：{exc.strerror}")


@plans_app.command("run")
def plans_run(
    through: Annotated[str, typer.Option(help="Generate due dates up to this day (YYYY-MM-DD).")],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Act as this user (default: the operator).")
    ] = None,
) -> None:
    """Run every active plan through DATE, as a nightly job: one submitted disbursement per
    recipient per due date, never twice. Exit 1 if a plan was refused."""
    from carefund import plans

    configured = database()
    try:
        actor = configured.read(lambda session: operator(session, as_user))
        results = plans.run_all_plans(configured, through=through, actor=actor)
    except CarefundError as exc:
        fail(exc.message)
    refused = False
    for result in results:
        if "error" in result:
            refused = True
            err.print(f"[red]计划 #{result['plan_id']}：{result['error']}[/]", highlight=False)
            continue
        line = f"计划 #{result['plan_id']}：新建 {result['created']} 笔"
        if result["skipped"]:
            names = ", ".join(item["member_no"] for item in result["skipped"])
            line += f"，跳过已停用的关爱对象 {names}"
        if not result["complete"]:
            line += f"（达到单次上限，已处理到 {result['last_due']}，请再次运行）"
        out.print(line, highlight=False)
    total = sum(result.get("created", 0) for result in results)
    out.print(f"共 {len(results)} 个计划，新建 {total} 笔待审批支出。", highlight=False)
    if refused:
        raise typer.Exit(1)


@app.command("import-recipients")
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


@app.command()
def demo(
    force: Annotated[
        bool, typer.Option("--force", help="ERASE the database first, if it holds anything.")
    ] = False,
) -> None:
    """Build the demo district of 2026 into the configured database; prints the users'
    passwords and tokens (shown only this once)."""
    from carefund.demo import build_demo

    try:
        configured = Database.open(get_settings().database_url)
        upgrade(configured.engine)
        err.print("正在生成演示账簿（约半分钟）…", highlight=False)
        result = build_demo(configured, force=force)
    except CarefundError as exc:
        fail(exc.message)
    except OperationalError as exc:
        fail(f"无法连接数据库：{exc.orig}")
    for line in result.lines():
        out.print(line, highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
