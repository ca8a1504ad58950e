"""Commands about the organisation tree (区 → 街道 → 社区/村): units and consolidated
statements. Roles on units are granted with `carefund user grant`."""

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from carefund import units
from carefund.errors import CarefundError
from cli.common import database, fail, operator, out

units_app = typer.Typer(
    help="The organisation tree (区 → 街道 → 社区/村) and consolidated statements.",
    no_args_is_help=True,
)
CONSOLIDATED_SUFFIXES = (".json", ".pdf", ".xlsx")


@units_app.command("add")
def unit_add(
    code: Annotated[str, typer.Argument(help="Unit code such as LX-JFL (A-Z, 0-9, -).")],
    name: Annotated[str, typer.Option(help="Chinese name, e.g. 解放路街道.")],
    parent: Annotated[
        str,
        typer.Option(help="The unit above: the district for a street, a street for a community."),
    ],
) -> None:
    """Add a street under the district, or a community (社区/村) under a street."""
    try:
        added = database().write(
            lambda session: units.create_unit(
                session, code=code, name=name, parent=parent, actor=operator(session, None)
            )
        )
    except CarefundError as exc:
        fail(exc.message)
    out.print(
        f"已添加{added['kind_name']} {added['code']} {added['name']}（上级 {parent}）",
        highlight=False,
    )


@units_app.command("rename")
def unit_rename(
    code: Annotated[str, typer.Argument(help="The unit's code (it stays).")],
    name: Annotated[str, typer.Option(help="Its new Chinese name.")],
) -> None:
    """Give a unit a new name; its code and place in the tree stay (audited)."""
    try:
        renamed = database().write(
            lambda session: units.rename_unit(
                session, code=code, name=name, actor=operator(session, None)
            )
        )
    except CarefundError as exc:
        fail(exc.message)
    out.print(f"已改名：{renamed['code']} {renamed['name']}", highlight=False)


@units_app.command("list")
def unit_list(
    as_user: Annotated[
        str | None, typer.Option("--as", help="List as this user sees it (default: everything).")
    ] = None,
) -> None:
    """List the units in tree order, indented by level."""
    try:
        found = database().read(
            lambda session: units.read_units(session, actor=operator(session, as_user))
        )
    except CarefundError as exc:
        fail(exc.message)
    for unit in found:
        depth = unit["path"].count("/") - 2
        out.print(
            f"{'  ' * depth}{unit['code']}\t{unit['name']}\t{unit['kind_name']}", highlight=False
        )


@units_app.command("statement")
def unit_statement(
    unit: Annotated[str, typer.Argument(help="Unit code, e.g. DISTRICT or LX-JFL.")],
    period: Annotated[str, typer.Option(help="2026-11 (month), 2026-Q4 (quarter) or 2026 (year).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write: .pdf, .xlsx or .json.")
    ],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Generate as this user (default: the operator).")
    ] = None,
) -> None:
    """Write a unit's consolidated statement (its funds and their totals); the format
    follows FILE. Exits 1 (after writing the file) when a check fails."""
    suffix = output.suffix.lower()
    if suffix not in CONSOLIDATED_SUFFIXES:
        fail(
            f"不支持的文件类型 {output.suffix or '（无后缀）'}："
            f"请用 {'、'.join(CONSOLIDATED_SUFFIXES)}"
        )
    if not output.parent.is_dir():
        fail(f"目录不存在：{output.parent}")
    from carefund.reports import consolidated

    def rendered(session: Session) -> tuple[bool, bytes]:
        actor = operator(session, as_user)
        if suffix == ".json":
            answer = consolidated.consolidated_public(
                session, unit_code=unit, period=period, actor=actor
            )
            return answer["reconciled"], json.dumps(answer, ensure_ascii=False, indent=2).encode()
        # The composition root may use the renderers; carefund's modules never do.
        import receipts

        report = consolidated.consolidated_statement(
            session, unit_code=unit, period=period, actor=actor
        )
        render, _media_type = receipts.CONSOLIDATED_FORMATS[suffix.removeprefix(".")]
        return report.reconciled, render(report)

    try:
        reconciled, content = database().read(rendered)
    except CarefundError as exc:
        fail(exc.message)
    output.write_bytes(content)
    out.print(f"已写入 {output}", highlight=False)
    if not reconciled:
        fail("合并报表存在未通过的核对项", code=1)
