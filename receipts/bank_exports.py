"""The bank's spreadsheets: a batch's payment file (代发文件) in XLSX or CSV, and the
month's reconciliation (银行存款余额调节表) in XLSX. Every cell is made safe
(`receipts.cells`): a name or purpose never runs as a formula in the bank's spreadsheet."""

import io

from openpyxl import Workbook

from carefund.bank.reconciliation import Reconciliation, TransitItem
from carefund.bank.transfer_file import TransferFile
from carefund.money import format_fen
from receipts.cells import SafeCsvWriter, xlsx_row


def transfer_xlsx(file: TransferFile) -> bytes:
    """The payment file as one sheet: header, a line per payment, then the footer (batch
    number, count, total) below an empty row. Account numbers are text, never numbers
    (a 19-digit card would lose its last digits as a number)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("代发明细")
    sheet.append(xlsx_row(sheet, [header for _name, header in file.columns]))
    for line in file.lines:
        sheet.append(xlsx_row(sheet, [_text(v) for v in file.cells(line)]))
    sheet.append([])
    for row in file.footer():
        sheet.append(xlsx_row(sheet, [_text(v) for v in row]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(value: object) -> object:
    # Amounts stay exact two-decimal text, numbers of lines stay numbers.
    return value if isinstance(value, int) else str(value)


def transfer_csv(file: TransferFile) -> bytes:
    """The payment file as CSV, UTF-8 with BOM (Excel in China opens it so), footer last."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow([header for _name, header in file.columns])
    for line in file.lines:
        writer.writerow(file.cells(line))
    for row in file.footer():
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


TRANSFER_FORMATS = {"xlsx": transfer_xlsx, "csv": transfer_csv}


def reconciliation_xlsx(view: Reconciliation) -> bytes:
    """The reconciliation as one sheet: the two sides, each with its items in transit."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("银行存款余额调节表")

    def row(*values: object) -> None:
        sheet.append(xlsx_row(sheet, list(values)))

    row(f"{view.fund_name}（{view.fund_code}）银行存款余额调节表", view.month)
    row("项目", "日期", "凭证号/参考号", "摘要", "金额（元）")
    row("银行对账单余额", "", "", "", format_fen(view.bank_fen))
    _items(row, "加：企业已收、银行未收", view.book_in)
    _items(row, "减：企业已付、银行未付", view.book_out)
    row("调节后的银行对账单余额", "", "", "", format_fen(view.adjusted_bank_fen))
    row("银行存款日记账余额", "", "", "", format_fen(view.book_fen))
    _items(row, "加：银行已收、企业未收", view.bank_in)
    _items(row, "减：银行已付、企业未付", view.bank_out)
    row("调节后的银行存款日记账余额", "", "", "", format_fen(view.adjusted_book_fen))
    row("调节后余额相等", "", "", "", "是" if view.balanced else "否")
    if view.confirmed_by:
        row("确认人", view.confirmed_by, "", "", "")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _items(row, title: str, items: tuple[TransitItem, ...]) -> None:  # type: ignore[no-untyped-def]
    row(title, "", "", f"{len(items)} 笔", format_fen(sum(i.amount_fen for i in items)))
    for item in items:
        row("", item.day, item.ref, item.text, format_fen(item.amount_fen))
