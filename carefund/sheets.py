"""Reading the recipient roll's spreadsheet (CSV or XLSX bytes) into rows of cell texts.

A district sheet may have a title row or two above the header, Chinese or English column
names, and any of the encodings Excel in China writes. A `Sheet` is what comes out: which
column holds which field, and every non-empty data row with its row number as the clerk
sees it. Checking the cells is `carefund.imports`' work.

The file is the clerk's, so every way it can be damaged or too large is refused with
`InvalidInput` or `ImportTooLarge`, never an exception from the parsing libraries; an XLSX
that would unzip to gigabytes is refused before it is opened.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from carefund.errors import ImportTooLarge, InvalidInput

IMPORT_BYTES_MAX = 8 * 1024 * 1024
"""The largest file accepted: 8 MB holds the row limit in either format (a CSV row of the
roll is about 120 bytes)."""
XLSX_UNPACKED_BYTES_MAX = 128 * 1024 * 1024
"""The most an XLSX file may hold once unzipped: the row limit takes a few tens of MB,
and a small file that unzips to gigabytes (a zip bomb) must not fill the memory."""
IMPORT_ROWS_MAX = 50_000
"""The most data rows in one file (a district has a few thousand members)."""
IMPORT_COLUMNS_MAX = 64
"""Columns read per row; anything to the right of these is ignored."""
HEADER_SEARCH_ROWS = 10
"""District sheets often have a title row or two above the header; look this far down."""

FIELDS = (
    "member_no",
    "name",
    "category",
    "branch",
    "id_number",
    "phone",
    "address",
    "account_kind",
    "account_no",
    "account_bank",
)
REQUIRED_FIELDS = ("member_no", "name", "category")

HEADER_ALIASES: dict[str, str] = {
    **{name: name for name in FIELDS},
    "编号": "member_no",
    "党员编号": "member_no",
    "姓名": "name",
    "类别": "category",
    "党员类别": "category",
    "支部": "branch",
    "所在支部": "branch",
    "党支部": "branch",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "电话": "phone",
    "联系电话": "phone",
    "手机": "phone",
    "手机号": "phone",
    "手机号码": "phone",
    "地址": "address",
    "住址": "address",
    "家庭住址": "address",
    "账户类型": "account_kind",
    "账号": "account_no",
    "卡号": "account_no",
    "银行卡号": "account_no",
    "救助卡号": "account_no",
    "一折通账号": "account_no",
    "开户行": "account_bank",
    "开户银行": "account_bank",
}
"""Column names understood, normalized (see `_normalize_header`) → field."""

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet read into text: its header's fields and its data rows."""

    columns: dict[int, str]
    """Column index → field, for the columns understood."""
    ignored_columns: list[str]
    """Header names not understood, which the import leaves alone."""
    rows: list[tuple[int, list[str]]]
    """(row number as the clerk sees it, cell texts) for every non-empty data row."""


def read_sheet(data: bytes) -> Sheet:
    """Read the roll: CSV (UTF-8 with or without BOM, else GB18030) or XLSX bytes."""
    return read_table(data, Layout(HEADER_ALIASES, ("member_no", "name"), REQUIRED_FIELDS))


@dataclass(frozen=True)
class Layout:
    """What a sheet's header must hold: column names → fields, the fields that make a row
    the header, and the fields it must have."""

    aliases: dict[str, str]
    header_keys: tuple[str, ...]
    required: tuple[str, ...]


def read_table(data: bytes, layout: Layout) -> Sheet:
    """Read CSV (UTF-8 with or without BOM, else GB18030) or XLSX bytes into a `Sheet`
    whose header follows `layout` (the roll, a bank's return file or statement)."""
    if len(data) > IMPORT_BYTES_MAX:
        raise ImportTooLarge(
            f"文件过大：{len(data) / 1024 / 1024:.1f} MB，"
            f"最大 {IMPORT_BYTES_MAX // 1024 // 1024} MB",
            field="file",
        )
    if not data.strip():
        raise InvalidInput("文件是空的", field="file")
    if data.startswith(b"PK\x03\x04"):
        lines = _xlsx_lines(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV", field="file")
    else:
        lines = _csv_lines(data)
    return _sheet(lines, layout)


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            yield number, row[:IMPORT_COLUMNS_MAX]
    except csv.Error as exc:
        message = f"CSV 格式错误（第 {reader.line_num} 行）：{exc}"
        raise InvalidInput(message, field="file") from None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); UTF-16 with BOM (Excel's "Unicode text"); else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidInput("UTF-16 文本无法解码", field="file") from None
    if b"\x00" in data:
        raise InvalidInput("不是 CSV 或 XLSX 文件（含有二进制内容）", field="file")
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # What Excel in China writes when it saves "CSV".
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise InvalidInput(
            "无法识别文件编码：CSV 应为 UTF-8 或 GB18030（GBK）编码", field="file"
        ) from None


# A damaged workbook fails deep inside zipfile, zlib, the XML parser or openpyxl, with
# whatever exception that layer raises (zlib.error, EOFError, NotImplementedError for an
# unknown compression, RuntimeError for an encrypted member, …; fuzzing found these). The
# bytes are the clerk's file, so any such failure means one thing: the file is damaged.
def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    # Imported here: openpyxl is slow to import and only XLSX needs it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _refuse_zip_bomb(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        first = sheet.min_row or 1
        rows = sheet.iter_rows(values_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, IndexError):
        raise InvalidInput("不是有效的 XLSX 文件", field="file") from None
    except Exception:  # noqa: BLE001 (a damaged file, see above)
        raise InvalidInput("XLSX 文件已损坏，无法读取", field="file") from None
    try:
        for number, row in enumerate(rows, start=first):
            yield number, [_cell_text(value) for value in row[:IMPORT_COLUMNS_MAX]]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"XLSX 文件已损坏：{exc}", field="file") from None
    except Exception:  # noqa: BLE001 (a damaged file, see above)
        raise InvalidInput("XLSX 文件已损坏，无法读取", field="file") from None
    finally:
        workbook.close()


def _refuse_zip_bomb(data: bytes) -> None:
    """Refuse a workbook whose members would unzip beyond `XLSX_UNPACKED_BYTES_MAX`.

    The sizes come from the zip's directory; `zipfile` never inflates a member beyond
    the size it declares (it fails the member's CRC instead), so they can be trusted.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InvalidInput("不是有效的 XLSX 文件", field="file") from None
    if unpacked > XLSX_UNPACKED_BYTES_MAX:
        raise ImportTooLarge(
            f"XLSX 文件解压后过大：{unpacked / 1024 / 1024:.0f} MB，"
            f"最大 {XLSX_UNPACKED_BYTES_MAX // 1024 // 1024} MB",
            field="file",
        )


def _cell_text(value: object) -> str:
    """A cell as the clerk sees it: 13812345678 not 13812345678.0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time()
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def normalize_header(text: str) -> str:
    """` 姓名* `, `Member_No`, `农民（社区）` → comparable form."""
    text = _SPACES.sub("", text).strip("*＊").lower()
    return text.replace("（", "(").replace("）", ")")


def _sheet(lines: Iterator[tuple[int, list[str]]], layout: Layout) -> Sheet:
    """Find the header within the first rows, then collect the data rows under it."""
    header: list[str] | None = None
    for number, cells in lines:
        fields = [layout.aliases.get(normalize_header(cell)) for cell in cells]
        if all(key in fields for key in layout.header_keys):
            header = cells
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        raise InvalidInput(
            "找不到表头：第一行应为列名，至少包括 " + "、".join(layout.required), field="file"
        )
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        name = layout.aliases.get(normalize_header(cell))
        if name is None:
            if cell.strip():
                ignored.append(cell.strip())
        elif name in columns.values():
            raise InvalidInput(f"表头中 {name} 对应的列出现了两次（{cell.strip()}）", field="file")
        else:
            columns[index] = name
    missing = [name for name in layout.required if name not in columns.values()]
    if missing:
        raise InvalidInput(f"缺少必需的列：{', '.join(missing)}", field="file")
    rows: list[tuple[int, list[str]]] = []
    for number, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == IMPORT_ROWS_MAX:
            raise ImportTooLarge(f"数据行过多：最多 {IMPORT_ROWS_MAX} 行", field="file")
        rows.append((number, cells))
    if not rows:
        raise InvalidInput("文件中只有表头，没有数据行", field="file")
    return Sheet(columns, ignored, rows)
