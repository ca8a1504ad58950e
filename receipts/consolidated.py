"""The consolidated statement (合并收支报表) of a unit: one row per fund and the totals,
the totals' income by source and 6×3 matrix, and their checks; PDF and XLSX."""

import io
from collections.abc import Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable

from carefund.money import fen_to_decimal
from carefund.reports.consolidated import ConsolidatedStatement, fund_rows
from carefund.reports.documents import aspect_headings, income_rows, matrix_rows
from carefund.vocabulary import UNIT_KIND_NAMES
from receipts.cells import xlsx_row, xlsx_text
from receipts.fonts import DocumentFont, document_font
from receipts.layout import GREEN, RED, draw_page_number, draw_text, ledger_amount
from receipts.paged import (
    DEFAULT_MARGINS,
    Heading,
    local_time,
    make_table,
    render_paged,
    table_style,
)
from receipts.statement_listings import BODY_WIDTH, PAGE

SIZE = 9.5
FUND_HEADER = [
    "基金代码",
    "基金名称",
    "期初余额（元）",
    "本期收入（元）",
    "本期支出（元）",
    "期末余额（元）",
]
AMOUNT_FORMAT = "#,##0.00"


def _title(report: ConsolidatedStatement) -> str:
    return f"{report.unit.name}合并收支报表"


def render_consolidated(report: ConsolidatedStatement, font: DocumentFont | None = None) -> bytes:
    """The consolidated statement as PDF (A4 landscape)."""
    font = font or document_font()

    def decorate(canvas: Canvas, _document: BaseDocTemplate) -> None:
        width, height = PAGE
        left, top, right, _bottom = DEFAULT_MARGINS
        heading = f"{_title(report)}　{report.period.label_zh}"
        draw_text(canvas, left, height - top + 18, heading, font=font.name, size=8.5)
        draw_text(
            canvas,
            width - right,
            height - top + 18,
            f"生成于 {local_time(report.generated_at)}　{report.generated_by}",
            font=font.name,
            size=8.5,
            align="right",
        )
        draw_page_number(canvas, x=width / 2, y=12, font=font.name, size=8)

    return render_paged(
        _story(report, font.name),
        pagesize=PAGE,
        font=font,
        title=_title(report),
        decorate=decorate,
        footer_y=12,
    )


def _story(report: ConsolidatedStatement, font: str) -> Iterator[Flowable]:
    period = report.period
    unit = report.unit
    yield Heading(_title(report), font, 19, align="center", space_before=0)
    yield Heading(
        f"{UNIT_KIND_NAMES[unit.kind]} {unit.code}　{period.label_zh}"
        f"（{period.start.isoformat()} 至 {period.end.isoformat()}）　基金 {len(report.funds)} 个",
        font,
        11,
        align="center",
        space_before=2,
        space_after=10,
    )
    yield Heading("一、各基金收支（各行即该基金本身的报表数）", font, 12, space_before=9)
    yield _funds_table(report, font)
    yield Heading("二、合计收入来源", font, 12, space_before=9)
    yield _income_table(report, font)
    yield Heading("三、合计支出分类（6×3：党员类别 × 关爱方面）", font, 12, space_before=9)
    yield _matrix_table(report, font)
    yield Heading("四、对账核对", font, 12, space_before=9)
    yield _checks_table(report, font)
    yield Heading(
        "结论：各基金报表及合计核对全部通过，账账相符。"
        if report.reconciled
        else "结论：存在未通过的核对项，请核查各基金报表。",
        font,
        10,
        space_before=6,
    )


def _funds_table(report: ConsolidatedStatement, font: str) -> Flowable:
    rows: list[list[str]] = [FUND_HEADER]
    for code, name, figures in fund_rows(report):
        rows.append([code, name, *[ledger_amount(fen) for fen in figures]])
    style = table_style(font, SIZE, numeric_from=2, total_rows=1)
    number_width = (BODY_WIDTH - 300.0) / 4
    return make_table(rows, [100.0, 200.0] + [number_width] * 4, style)


def _income_table(report: ConsolidatedStatement, font: str) -> Flowable:
    rows: list[list[str]] = [["收入来源", "金额（元）"]]
    rows += [[name, ledger_amount(fen)] for _source, name, fen in income_rows(report.totals)]
    rows.append(["合计", ledger_amount(report.totals.income_total_fen)])
    return make_table(rows, [200.0, 150.0], table_style(font, SIZE, numeric_from=1, total_rows=1))


def _matrix_table(report: ConsolidatedStatement, font: str) -> Flowable:
    aspects = aspect_headings()
    rows: list[list[str]] = [["党员类别"] + [f"{n}（元）" for _a, n in aspects] + ["合计（元）"]]
    for _category, name, cells, total in matrix_rows(report.totals):
        rows.append([name] + [ledger_amount(fen) for fen in cells] + [ledger_amount(total)])
    columns = report.totals.aspect_totals_fen()
    rows.append(
        ["合计"]
        + [ledger_amount(columns[aspect]) for aspect, _name in aspects]
        + [ledger_amount(report.totals.disbursed_total_fen)]
    )
    width = (BODY_WIDTH - 190.0) / 4
    style = table_style(font, SIZE, numeric_from=1, total_rows=1)
    return make_table(rows, [190.0] + [width] * 4, style)


def _checks_table(report: ConsolidatedStatement, font: str) -> Flowable:
    rows: list[list[str]] = [["核对项目", "左方（元）", "右方（元）", "结果"]]
    extra = []
    checks = [(f"{s.fund_code}：各项核对", s.reconciled) for s in report.funds]
    for number, (name, passed) in enumerate(checks, start=1):
        rows.append([name, "", "", "通过" if passed else "不通过"])
        extra.append(("TEXTCOLOR", (3, number), (3, number), GREEN if passed else RED))
    for number, check in enumerate(report.totals.checks, start=len(rows)):
        left, right = ledger_amount(check.left_fen), ledger_amount(check.right_fen)
        rows.append([check.name, left, right, "通过" if check.passed else "不通过"])
        extra.append(("TEXTCOLOR", (3, number), (3, number), GREEN if check.passed else RED))
    style = table_style(
        font,
        SIZE,
        extra=[("ALIGN", (1, 1), (2, -1), "RIGHT"), ("ALIGN", (3, 1), (3, -1), "CENTER"), *extra],
    )
    return make_table(rows, [BODY_WIDTH - 330.0, 130.0, 130.0, 70.0], style)


def consolidated_xlsx(report: ConsolidatedStatement) -> bytes:
    """The consolidated statement as a workbook: one sheet, 合并, one row per fund and the
    totals, amounts as numbers with two decimals, then the checks."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("合并")
    sheet.append(xlsx_row(sheet, [_title(report), report.unit.code, report.period.label]))
    sheet.append([])
    sheet.append([_bold(sheet, label) for label in FUND_HEADER])
    for code, name, figures in fund_rows(report):
        sheet.append(xlsx_row(sheet, [code, name]) + [_amount(sheet, fen) for fen in figures])
    sheet.append([])
    for check in report.totals.checks:
        passed = "通过" if check.passed else "不通过"
        cells = [_amount(sheet, check.left_fen), _amount(sheet, check.right_fen)]
        sheet.append(xlsx_row(sheet, [check.name, ""]) + cells + xlsx_row(sheet, [passed]))
    conclusion = "全部通过" if report.reconciled else "存在未通过的核对项"
    sheet.append(xlsx_row(sheet, ["对账结论", conclusion]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bold(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = xlsx_text(sheet, text)
    cell.font = Font(bold=True)
    return cell


def _amount(sheet: WriteOnlyWorksheet, fen: int) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=fen_to_decimal(fen))
    cell.number_format = AMOUNT_FORMAT
    return cell
