"""Commands about the bank: a batch's payment file, the bank's return file and statement,
matching, and the monthly reconciliation (银行存款余额调节表)."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from carefund.bank import matching, reconciliation, returns, statement_lines, transfer_file
from carefund.errors import CarefundError, ImportRejected
from cli.common import database, err, fail, operator, out

bank_app = typer.Typer(help="The bank: 代发文件, 回盘, 对账单, 余额调节表.", no_args_is_help=True)

AsUser = Annotated[
    str | None, typer.Option("--as", help="Act as this user (default: the operator).")
]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"无法读取 {path}：{exc.strerror}")


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        fail(f"无法写入 {path}：{exc.strerror}")


def _refused(exc: CarefundError) -> None:
    if isinstance(exc, ImportRejected):
        for error in exc.errors:
            err.print(f"第 {error['row']} 行 {error['field']}：{error['msg']}", highlight=False)
    fail(exc.message)


@bank_app.command("file")
def bank_file(
    batch: Annotated[int, typer.Option(help="The batch's id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write: .xlsx or .csv.")],
    template: Annotated[str, typer.Option(help="generic, rural_credit or card_payroll.")] = (
        "generic"
    ),
    as_user: AsUser = None,
) -> None:
    """Write a batch's payment file (代发文件) with full account numbers (audit-logged)."""
    from receipts.bank_exports import TRANSFER_FORMATS

    suffix = output.suffix.lower().lstrip(".")
    if suffix not in TRANSFER_FORMATS:
        fail("代发文件只能写成 .xlsx 或 .csv")
    try:
        view = database().write(
            lambda session: transfer_file.export_transfer_file(
                session, batch_id=batch, template=template, actor=operator(session, as_user)
            )
        )
    except CarefundError as exc:
        _refused(exc)
    _write(output, TRANSFER_FORMATS[suffix](view))
    out.print(f"已生成 {output}（{view.batch_number}，{view.count} 笔）", highlight=False)


def _import(kind: str, fund: str, file: Path, preset: str | None, as_user: str | None) -> Any:
    use_case = (
        returns.import_bank_return if kind == "return" else (statement_lines.import_bank_statement)
    )
    data = _read(file)
    try:
        return database().write(
            lambda session: use_case(
                session,
                fund_code=fund,
                data=data,
                filename=file.name,
                preset=preset,
                actor=operator(session, as_user),
            )
        )
    except CarefundError as exc:
        _refused(exc)


@bank_app.command("import-return")
def import_return(
    fund: Annotated[str, typer.Option(help="Fund code.")],
    file: Annotated[Path, typer.Argument(help="The bank's return file, CSV or XLSX.")],
    preset: Annotated[str | None, typer.Option(help="generic, rural_credit, card_payroll.")] = None,
    as_user: AsUser = None,
) -> None:
    """Import the bank's return file: paid lines pay, failed lines stay approved."""
    result = _import("return", fund, file, preset, as_user)
    counts = {
        key: len(result[key]) for key in ("succeeded", "failed", "already", "refused", "unmatched")
    }
    out.print(
        json.dumps(counts | {"already_imported": result["already_imported"]}, ensure_ascii=False),
        highlight=False,
    )


@bank_app.command("import-statement")
def import_statement(
    fund: Annotated[str, typer.Option(help="Fund code.")],
    file: Annotated[Path, typer.Argument(help="The bank statement, CSV or XLSX.")],
    preset: Annotated[str | None, typer.Option(help="generic, debit_credit, out_in.")] = None,
    as_user: AsUser = None,
) -> None:
    """Import the bank statement, then match what can be matched without doubt."""
    result = _import("statement", fund, file, preset, as_user)
    matched = database().write(
        lambda session: matching.auto_match(
            session, fund_code=fund, actor=operator(session, as_user)
        )
    )
    out.print(
        f"新增 {result.get('added', 0)} 行；自动对上 {len(matched['matched'])} 行，"
        f"未对上 {matched['unmatched']} 行",
        highlight=False,
    )


@bank_app.command("reconciliation")
def reconciliation_document(
    fund: Annotated[str, typer.Option(help="Fund code.")],
    month: Annotated[str, typer.Option(help="2026-11")],
    output: Annotated[Path, typer.Option("--output", "-o", help=".pdf, .xlsx or .json")],
    as_user: AsUser = None,
) -> None:
    """Write the month's 银行存款余额调节表; exits 1 when it does not balance."""
    from receipts.bank_documents import render_reconciliation
    from receipts.bank_exports import reconciliation_xlsx

    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".xlsx", ".json"):
        fail("调节表只能写成 .pdf、.xlsx 或 .json")
    try:
        view = database().read(
            lambda session: reconciliation.reconcile_month(
                session, fund_code=fund, month=month, actor=operator(session, as_user)
            )
        )
    except CarefundError as exc:
        _refused(exc)
    if suffix == ".json":
        content = json.dumps(view.public(), ensure_ascii=False, indent=2).encode("utf-8")
    else:
        content = (render_reconciliation if suffix == ".pdf" else reconciliation_xlsx)(view)
    _write(output, content)
    verdict = "调节后余额相等" if view.balanced else "调节后余额不相等，请核查"
    out.print(f"已生成 {output}（{verdict}）", highlight=False)
    if not view.balanced:
        raise typer.Exit(1)
