"""Commands about the books: funds, verify, statements, export, backup, plan runs."""

import json
import sqlite3
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from carefund.books import JOURNAL_PAGE_MAX, read_journal, verify_fund
from carefund.errors import CarefundError
from carefund.funds import create_fund, read_fund, read_funds
from carefund.models import User, utcnow
from cli.common import database, err, fail, operator, out

fund_app = typer.Typer(help="Manage funds.", no_args_is_help=True)
plans_app = typer.Typer(help="Recurring plans (定期发放计划).", no_args_is_help=True)


@fund_app.command("add")
def fund_add(
    code: Annotated[str, typer.Argument(help="Fund code such as HC-CARE.")],
    name: Annotated[str, typer.Option(help="Full name, e.g. 某区党内关爱基金.")],
    org: Annotated[str, typer.Option(help="Organisation printed on receipts.")] = "",
    unit: Annotated[str | None, typer.Option(help="Its unit (default: the district).")] = None,
) -> None:
    """Open a fund with empty books."""
    try:
        database().write(
            lambda session: create_fund(
                session, code=code, name=name, org=org, unit=unit, actor=operator(session, None)
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


def verify(
    fund: Annotated[str | None, typer.Option(help="Only this fund (default: every fund).")] = None,
    journal: Annotated[
        Path | None,
        typer.Option(
            "--journal",
            help="Check this exported journal (`export --format journal`) alone: "
            "no database, no server.",
        ),
    ] = None,
    seals: Annotated[
        Path | None,
        typer.Option(
            "--seals",
            help="Check that the books still contain every seal or receipt in FILE: a JSON "
            "list of seals or receipt QR texts, or one QR text a line.",
        ),
    ] = None,
) -> None:
    """Recompute every fund's hash chain; exit 1 naming the fund and first bad seq if broken.

    With --journal FILE, check an exported journal on this machine instead; with --seals
    FILE, name every kept seal or receipt the books no longer contain (exit 1 if any)."""
    if journal is not None and seals is not None:
        fail("--journal 与 --seals 请分两次运行")
    if journal is not None:
        _verify_journal_file(journal, fund=fund)
    elif seals is not None:
        _verify_kept(seals, fund=fund)
    else:
        _verify_database(fund=fund)


def _verify_database(*, fund: str | None) -> None:
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

        database().read(check, replica=True)
    except CarefundError as exc:
        fail(exc.message)
    if broken:
        raise typer.Exit(1)


def _verify_journal_file(path: Path, *, fund: str | None) -> None:
    """Check an exported journal with the chain's rule alone (`carefund.ledger.offline`)."""
    from carefund.ledger.offline import UnreadableJournal, verify_journal_file

    try:
        result = verify_journal_file(path)
    except UnreadableJournal as exc:
        fail(f"无法核对 {path}：{exc}")
    code = result.fund or "（无凭证）"
    if fund is not None and result.fund != fund:
        err.print(f"[bold red]{path} 是基金 {code} 的日记账，不是 {fund}[/]", highlight=False)
        raise typer.Exit(1)
    if not result.ok:
        err.print(
            f"[bold red]{code}: 已损坏，第一笔不符 seq {result.first_bad_seq}："
            f"{result.problem}[/]（之前 {result.entries} 笔完好）",
            highlight=False,
        )
        raise typer.Exit(1)
    out.print(
        f"{code}: 完好，{result.entries} 笔，链头 {result.head_hash}（{path}，离线核对）",
        highlight=False,
    )


def _verify_kept(path: Path, *, fund: str | None) -> None:
    """Name every seal or receipt in `path` that the books no longer contain."""
    from carefund.books import missing_from_books
    from carefund.ledger.kept import UnreadableKept, read_kept

    try:
        kept = read_kept(path.read_text(encoding="utf-8-sig"), fund=fund)
    except OSError as exc:
        fail(f"无法读取 {path}：{exc.strerror}")
    except UnicodeDecodeError:
        fail(f"无法读取 {path}：不是 UTF-8 文本")
    except UnreadableKept as exc:
        fail(f"无法核对 {path}：{exc}")
    if not kept:
        fail(f"{path} 中没有封存记录或收据二维码文本")
    try:
        missing = database().read(
            lambda session: missing_from_books(session, kept=kept, actor=operator(session, None))
        )
    except CarefundError as exc:
        fail(exc.message)
    for item, reason in missing:
        err.print(f"[bold red]{item.label}：{reason}[/]", highlight=False)
    if missing:
        err.print(
            f"[bold red]{len(kept)} 项中 {len(missing)} 项账上已没有：账本被删改或回退过[/]",
            highlight=False,
        )
        raise typer.Exit(1)
    out.print(f"{len(kept)} 项封存记录与收据都在账上", highlight=False)


STATEMENT_FORMATS = (".pdf", ".csv", ".xlsx", ".json")
"""What `carefund statement -o FILE` can write, chosen by FILE's suffix."""


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

        view, content = database().read(
            rendered,
            replica=True,
            settled=partial(documents.period_is_final, fund_code=fund, period=period),
        )
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


EXPORT_FORMATS = ("beancount", "journal")
"""What `carefund export --format` writes."""


def export(
    fund: Annotated[str, typer.Option(help="The fund to export.")],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="`beancount` (for bean-check) or `journal` (JSON as GET …/journal returns "
            "it, for `carefund verify --journal`).",
        ),
    ] = "beancount",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default: standard output)."),
    ] = None,
) -> None:
    """Write a fund's books for a check nobody here wrote: a beancount ledger for bean-check,
    or the whole journal as JSON for `carefund verify --journal` on an auditor's machine."""
    from carefund.reports.export import export_beancount

    if format not in EXPORT_FORMATS:
        fail(f"不支持的格式：{format}（支持 {'、'.join(EXPORT_FORMATS)}）")
    if output is not None and not output.parent.is_dir():
        fail(f"目录不存在：{output.parent}")
    try:

        def write_out(session: Session) -> None:
            actor = operator(session, None)
            if format == "journal":
                lines = journal_export_lines(session, fund_code=fund, actor=actor)
            else:
                lines = export_beancount(session, fund_code=fund, actor=actor)
            _write_lines(lines, output)

        database().read(write_out, replica=True)
    except CarefundError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"无法写入 {output or '标准输出'}：{exc.strerror}")


def journal_export_lines(session: Session, *, fund_code: str, actor: User) -> Iterator[str]:
    """The fund's whole journal as JSON lines, a page of entries read at a time:
    `{"fund", "exported_at", "entries": [...]}`, one entry a line, as GET …/journal
    returns them. The first page is read before anything is written, so an unknown fund
    is an error and not half a file."""

    def page_after(after_seq: int) -> list[dict]:
        return read_journal(
            session, fund_code=fund_code, actor=actor, after_seq=after_seq, limit=JOURNAL_PAGE_MAX
        )

    page = page_after(0)
    head = {"fund": fund_code, "exported_at": utcnow().isoformat(), "entries": []}
    opening = json.dumps(head, ensure_ascii=False)
    yield opening[: -len("]}")]
    pending: str | None = None
    while page:
        for entry in page:
            if pending is not None:
                yield pending + ","
            pending = json.dumps(entry, ensure_ascii=False)
        page = page_after(page[-1]["seq"])
    if pending is not None:
        yield pending
    yield "]}"


def _write_lines(lines: Iterable[str], output: Path | None) -> None:
    """Each line to standard output, or to `output` through a temporary file beside it, so
    that a failed export leaves no half-written file behind."""
    if output is None:
        for line in lines:
            print(line)
        return
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line + "\n")
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


@plans_app.command("run")
def plans_run(
    through: Annotated[
        str | None,
        typer.Option(help="Generate due dates up to this day (YYYY-MM-DD); default: today."),
    ] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Act as this user (default: the operator).")
    ] = None,
) -> None:
    """Run every active plan through DATE (default: today in the business time zone), as a
    nightly job: one submitted disbursement per recipient per due date, never twice. Exit 1
    if a plan was refused."""
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
