"""Early warning on the command line: the nightly scan, and the cross-district hash lists."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from carefund import alerts
from carefund.alerts import districts
from carefund.alerts.scan import ScanStep
from carefund.errors import CarefundError
from carefund.limits import DISTRICT_HASHES_BYTES_MAX
from cli.common import database, err, fail, operator, out

alerts_app = typer.Typer(
    help="Early warning (廉情预警): scan the books, raise alerts.", no_args_is_help=True
)
recipients_app = typer.Typer(
    help="The roll across districts: keyed-hash lists, no ID number leaves the district.",
    no_args_is_help=True,
)

AsUser = Annotated[
    str | None, typer.Option("--as", help="Act as this user (default: the operator).")
]
KeyFile = Annotated[
    Path,
    typer.Option("--key-file", help="The city key file the districts share (not the data key)."),
]


@alerts_app.command("scan")
def scan(as_user: AsUser = None) -> None:
    """Run every enabled rule over all the books (nightly); an alert is never raised twice.

    Prints what was raised by rule and grade; exit 0 (alerts are not errors)."""
    configured = database()
    actor = configured.read(lambda session: operator(session, as_user))
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task("扫描", total=None)

    def progress(step: ScanStep, done: int, total: int) -> None:
        where = step.fund_code or "全区"
        bar.update(task, completed=done, total=total, description=f"{step.rule.name_zh}·{where}")

    try:
        with bar:
            result = alerts.scan(configured, actor=actor, progress=progress)
    except CarefundError as exc:
        fail(exc.message)
    out.print(f"扫描完成：{result.steps} 项检查，新预警 {result.raised} 条。", highlight=False)
    if result.raised:
        table = Table("规则", "新预警")
        for code, count in result.raised_by_rule.items():
            table.add_row(f"{alerts.RULES[code].name_zh}（{code}）", str(count))
        out.print(table)
        grades = "，".join(
            f"{grade} 级 {count}" for grade, count in sorted(result.raised_by_grade.items())
        )
        out.print(f"按等级：{grades}", highlight=False)


@recipients_app.command("export-hashes")
def export_hashes(
    key_file: KeyFile,
    year: Annotated[int, typer.Option(help="The year whose aid is listed.", min=2000, max=2100)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the list (JSON).")],
    district: Annotated[
        str, typer.Option(help="This district's name (default: the organisation of its funds).")
    ] = "",
    as_user: AsUser = None,
) -> None:
    """Write the keyed hashes of the year's aided recipients with their aid totals."""
    try:
        key = districts.read_city_key(key_file)
        document = database().read(
            lambda session: districts.export_hashes(
                session, key=key, year=year, district=district, actor=operator(session, as_user)
            )
        )
    except CarefundError as exc:
        fail(exc.message)
    output.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    out.print(
        f"已写出 {document['district']} {year} 年受助对象 {len(document['recipients'])} 人的哈希"
        f"名单：{output}",
        highlight=False,
    )


@recipients_app.command("import-hashes")
def import_hashes(
    file: Annotated[Path, typer.Argument(help="Another district's list.")],
    key_file: KeyFile,
    as_user: AsUser = None,
) -> None:
    """Compare another district's list with this one's aid of the same year; an alert for
    every recipient aided in both. A wrong key or a bad file changes nothing (exit 2)."""
    if not file.is_file():
        fail(f"文件不存在：{file}")
    if file.stat().st_size > DISTRICT_HASHES_BYTES_MAX:
        fail("名单文件过大")
    try:
        key = districts.read_city_key(key_file)
        result = database().write(
            lambda session: districts.import_hashes(
                session, data=file.read_bytes(), key=key, actor=operator(session, as_user)
            )
        )
    except CarefundError as exc:
        fail(exc.message)
    out.print(
        f"比对完成：{result['district']} {result['year']} 年名单 {result['listed']} 人，"
        f"两区同年受助 {result['in_both']} 人，新预警 {result['raised']} 条。",
        highlight=False,
    )
