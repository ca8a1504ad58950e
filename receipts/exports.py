"""Statement exports: CSV (UTF-8 with a BOM, so Excel opens it in Chinese) and XLSX.

Both are written from the same `StatementView` as the PDF, and the summary rows carry the
JSON's keys (`income.fiscal_support`, `disbursed.hardship.life_assistance`), so the four
forms of a statement can be compared line by line and always agree. The journal is
streamed: the XLSX is written in openpyxl's write-only mode, row by row.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from carefund.money import fen_to_decimal, format_fen
from carefund.reports.documents import (
    StatementView,
    aspect_headings,
    category_zh,
    income_rows,
    matrix_rows,
)
from receipts.cells import SafeCsvWriter, xlsx_row, xlsx_text
from receipts.paged import local_time
from receipts.statement_controls import Fen, controls_sheet_rows

CSV_BOM = "\ufeff"
AMOUNT_FORMAT = "#,##0.00"
"""Excel's number format for yuan with two decimals and thousands separators."""
JOURNAL_HEADER = ["链序", "凭证号", "日期", "摘要", "科目代码", "科目", "借方（元）", "贷方（元）"]


@dataclass(frozen=True)
class SummaryLine:
    """One line of the summary: a label, the JSON key it matches, and fen or text."""

    label: str
    key: str
    fen: int | None = None
    text: str | int | date | None = None
    """Text, a count or a date: typed in XLSX, written as text in CSV."""


def heading_lines(view: StatementView) -> list[SummaryLine]:
    """Who, what period, when: the lines above the figures."""
    statement = view.statement
    period = statement.period
    return [
        SummaryLine("基金代码", "fund", text=view.fund.code),
        SummaryLine("基金名称", "fund_name", text=view.fund.name),
        SummaryLine("管理单位", "org", text=view.fund.org),
        SummaryLine("报表期间", "period.label", text=f"{period.label}（{period.label_zh}）"),
        SummaryLine("期间起", "period.start", text=period.start),
        SummaryLine("期间止", "period.end", text=period.end),
        SummaryLine("结账状态", "closed", text="已结账" if view.closed else "未全部结账"),
        SummaryLine("生成时间", "generated_at", text=local_time(view.generated_at)),
        SummaryLine("生成人", "generated_by", text=view.generated_by),
        SummaryLine("凭证笔数", "entry_count", text=statement.entry_count),
        SummaryLine("受助人数", "recipients_paid", text=statement.recipients_paid),
        SummaryLine("链头哈希", "head_hash", text=statement.head_hash),
        SummaryLine(
            "账链校验", "chain", text=statement.chain.text if statement.chain else "未校验"
        ),
    ]


def figure_lines(view: StatementView) -> list[SummaryLine]:
    """Opening, income by source, the 6×3 matrix cell by cell, totals, closing."""
    statement = view.statement
    lines = [SummaryLine("期初余额", "opening_balance", statement.opening_fen)]
    for source, name_zh, fen in income_rows(statement):
        lines.append(SummaryLine(f"收入-{name_zh}", f"income.{source}", fen))
    lines.append(SummaryLine("本期收入合计", "income.total", statement.income_total_fen))
    aspects = aspect_headings()
    for category, name_zh, cells, _total in matrix_rows(statement):
        for (aspect, aspect_zh), fen in zip(aspects, cells, strict=True):
            lines.append(
                SummaryLine(
                    f"支出-{name_zh}-{aspect_zh}",
                    f"disbursed.by_category_aspect.{category}.{aspect}",
                    fen,
                )
            )
    for aspect, aspect_zh in aspects:
        lines.append(
            SummaryLine(
                f"支出小计-{aspect_zh}",
                f"disbursed.by_aspect.{aspect}",
                statement.aspect_totals_fen()[aspect],
            )
        )
    lines.append(SummaryLine("本期支出合计", "disbursed.total", statement.disbursed_total_fen))
    lines.append(SummaryLine("期末余额", "closing_balance", statement.closing_fen))
    return lines


def _journal_values(view: StatementView) -> Iterator[list[object]]:
    """Journal rows with amounts in fen (converted by each writer)."""
    for row in view.journal:
        yield [
            row.seq,
            row.voucher_no,
            row.entry_date,
            row.memo,
            row.account,
            row.account_zh,
            row.debit_fen,
            row.credit_fen,
        ]


def _recipient_header() -> list[str]:
    return (
        ["党员编号", "姓名", "党员类别", "所在支部"]
        + [f"{name}（元）" for _aspect, name in aspect_headings()]
        + ["合计（元）"]
    )


def statement_csv(view: StatementView) -> bytes:
    """The statement as one CSV: heading, figures, checks, journal, recipients, in blocks
    separated by an empty row. Amounts are plain `1234.56` so spreadsheets read numbers."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = SafeCsvWriter(buffer)
    writer.writerow(["项目", "代码", "内容"])
    for line in heading_lines(view):
        writer.writerow([line.label, line.key, line.text])
    writer.writerow([])
    writer.writerow(["项目", "代码", "金额（元）"])
    for line in figure_lines(view):
        writer.writerow([line.label, line.key, format_fen(line.fen or 0)])
    writer.writerow([])
    writer.writerow(["核对项目", "左方（元）", "右方（元）", "结果"])
    for check in view.statement.checks:
        writer.writerow(
            [
                check.name,
                format_fen(check.left_fen),
                format_fen(check.right_fen),
                "通过" if check.passed else "不通过",
            ]
        )
    writer.writerow([])
    writer.writerow(JOURNAL_HEADER)
    for values in _journal_values(view):
        debit, credit = values[6], values[7]
        assert isinstance(debit, int) and isinstance(credit, int)
        writer.writerow(
            values[:6] + [format_fen(debit) if debit else "", format_fen(credit) if credit else ""]
        )
    writer.writerow(
        [
            "合计",
            "",
            "",
            "",
            "",
            "",
            format_fen(view.statement.debits_fen),
            format_fen(view.statement.credits_fen),
        ]
    )
    writer.writerow([])
    writer.writerow(_recipient_header())
    aspects = [aspect for aspect, _name in aspect_headings()]
    for item in view.recipients:
        writer.writerow(
            [item.member_no, item.name, category_zh(item.category), item.branch]
            + [format_fen(item.aspects_fen[aspect]) for aspect in aspects]
            + [format_fen(item.total_fen)]
        )
    return buffer.getvalue().encode("utf-8")


_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEF1F5")


def statement_xlsx(view: StatementView) -> bytes:
    """The statement as a workbook: 汇总 (summary, matrix, checks), 日记账 (journal),
    关爱对象 (per recipient) and 资金来源与预算 (per-source balances, source × cell, budget
    against actual); amounts are numbers formatted with two decimals."""
    workbook = Workbook(write_only=True)
    _summary_sheet(workbook.create_sheet("汇总"), view)
    _journal_sheet(workbook.create_sheet("日记账"), view)
    _recipient_sheet(workbook.create_sheet("关爱对象"), view)
    _controls_sheet(workbook.create_sheet("资金来源与预算"), view)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet: WriteOnlyWorksheet, value: str, *, header: bool = False) -> WriteOnlyCell:
    cell = xlsx_text(sheet, value)
    if header:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    return cell


def _amount(sheet: WriteOnlyWorksheet, fen: int | None, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=None if fen is None else fen_to_decimal(fen))
    cell.number_format = AMOUNT_FORMAT
    if bold:
        cell.font = _BOLD
    return cell


def _append(sheet: WriteOnlyWorksheet, values: list[object]) -> None:
    """One row, every cell typed and safe from formula injection (`receipts.cells`)."""
    sheet.append(xlsx_row(sheet, values))


def _filter_table(sheet: WriteOnlyWorksheet, *, columns: int, rows: int) -> None:
    """An autofilter over the header row and `rows` data rows below it."""
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"


def _header_row(sheet: WriteOnlyWorksheet, labels: list[str]) -> list[WriteOnlyCell]:
    return [_cell(sheet, label, header=True) for label in labels]


def _summary_sheet(sheet: WriteOnlyWorksheet, view: StatementView) -> None:
    for column, width in zip("ABCDEF", (30, 44, 18, 18, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    title = _cell(sheet, f"{view.fund.name}收支审计报表 {view.statement.period.label_zh}")
    title.font = Font(bold=True, size=14)
    _append(sheet, [title])
    sheet.append([])
    _append(sheet, _header_row(sheet, ["项目", "代码", "内容"]))
    for line in heading_lines(view):
        _append(sheet, [line.label, line.key, line.text])
    sheet.append([])
    _append(sheet, _header_row(sheet, ["项目", "代码", "金额（元）"]))
    for line in figure_lines(view):
        is_total = line.key in (
            "income.total",
            "disbursed.total",
            "opening_balance",
            "closing_balance",
        )
        _append(
            sheet, [_cell(sheet, line.label), line.key, _amount(sheet, line.fen, bold=is_total)]
        )
    sheet.append([])
    aspects = aspect_headings()
    _append(
        sheet,
        _header_row(
            sheet, ["党员类别", "代码"] + [f"{name}（元）" for _a, name in aspects] + ["合计（元）"]
        ),
    )
    for category, name_zh, cells, total in matrix_rows(view.statement):
        _append(
            sheet,
            [name_zh, category]
            + [_amount(sheet, fen) for fen in cells]
            + [_amount(sheet, total, bold=True)],
        )
    column_totals = view.statement.aspect_totals_fen()
    _append(
        sheet,
        [_cell(sheet, "合计"), ""]
        + [_amount(sheet, column_totals[aspect], bold=True) for aspect, _name in aspects]
        + [_amount(sheet, view.statement.disbursed_total_fen, bold=True)],
    )
    sheet.append([])
    _append(sheet, _header_row(sheet, ["核对项目", "结果", "左方（元）", "右方（元）"]))
    for check in view.statement.checks:
        _append(
            sheet,
            [
                check.name,
                "通过" if check.passed else "不通过",
                _amount(sheet, check.left_fen),
                _amount(sheet, check.right_fen),
            ],
        )


def _journal_sheet(sheet: WriteOnlyWorksheet, view: StatementView) -> None:
    for column, width in zip("ABCDEFGH", (8, 16, 12, 48, 36, 34, 16, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    _append(sheet, _header_row(sheet, JOURNAL_HEADER))
    rows = 0
    for values in _journal_values(view):
        debit, credit = values[6], values[7]
        assert isinstance(debit, int) and isinstance(credit, int)
        _append(sheet, values[:6] + [_amount(sheet, debit or None), _amount(sheet, credit or None)])
        rows += 1
    _filter_table(sheet, columns=len(JOURNAL_HEADER), rows=rows)
    _append(
        sheet,
        [
            _cell(sheet, "合计"),
            "",
            "",
            "",
            "",
            "",
            _amount(sheet, view.statement.debits_fen, bold=True),
            _amount(sheet, view.statement.credits_fen, bold=True),
        ],
    )


def _recipient_sheet(sheet: WriteOnlyWorksheet, view: StatementView) -> None:
    for column, width in zip("ABCDEFGH", (14, 12, 24, 30, 16, 16, 16, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    header = _recipient_header()
    _append(sheet, _header_row(sheet, header))
    _filter_table(sheet, columns=len(header), rows=len(view.recipients))
    aspects = [aspect for aspect, _name in aspect_headings()]
    for item in view.recipients:
        _append(
            sheet,
            [item.member_no, item.name, category_zh(item.category), item.branch]
            + [_amount(sheet, item.aspects_fen[aspect]) for aspect in aspects]
            + [_amount(sheet, item.total_fen, bold=True)],
        )


def _controls_sheet(sheet: WriteOnlyWorksheet, view: StatementView) -> None:
    for column, width in zip("ABCDEF", (22, 40, 22, 18, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    for row in controls_sheet_rows(view):
        sheet.append(
            [_amount(sheet, value) if isinstance(value, Fen) else value for value in row]
            if any(isinstance(value, Fen) for value in row)
            else xlsx_row(sheet, row)
        )
