"""Importing the recipient roll from a district's spreadsheet (CSV or XLSX).

Headers may be the API's field names or the Chinese column names a district sheet uses;
categories may be enum values or their Chinese names. Rows upsert by `member_no` through
`carefund.recipients`, so the audit trail and the events feed see every change.

All or nothing: every row is checked first, and if any is bad, nothing is written and the
error lists every bad cell with its row number as the clerk sees it in the file (the header
is row 1 when it is the first row).

On update, a column missing from the file and an empty optional cell both leave the stored
value as it is: a partial sheet must not wipe what the roll already knows. (A PATCH clears a
field on purpose.)
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.errors import Conflict, ImportRejected, ImportTooLarge, InvalidInput
from carefund.models import Recipient, User
from carefund.recipients import (
    clean_fields,
    clean_member_no,
    create_recipients,
    update_recipient,
)
from carefund.vocabulary import CATEGORY_NAMES_ZH, MemberCategory

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
IMPORT_ERRORS_MAX = 5_000
"""The most bad cells listed in one refusal; the message gives the full count."""
HEADER_SEARCH_ROWS = 10
"""District sheets often have a title row or two above the header; look this far down."""
LOOKUP_CHUNK = 900
"""Member numbers per `IN (…)` query (SQLite allows a limited number of parameters)."""
WRITE_BATCH = 500
"""New members written per batch of statements."""
PROGRESS_EVERY = 500
"""Rows between two progress reports."""

FIELDS = ("member_no", "name", "category", "branch", "id_number", "phone", "address")
REQUIRED_FIELDS = ("member_no", "name", "category")
OPTIONAL_FIELDS = ("branch", "id_number", "phone", "address")

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
}
"""Column names understood, normalized (see `_normalize_header`) → field."""

_CATEGORY_BY_TEXT: dict[str, str] = {
    **{member.value: member.value for member in MemberCategory},
    **{
        _zh.replace("（", "(").replace("）", ")"): member.value
        for member, _zh in CATEGORY_NAMES_ZH.items()
    },
}
_CATEGORY_CHOICES = "、".join(CATEGORY_NAMES_ZH.values())
_SPACES = re.compile(r"\s+")

Progress = Callable[[str, int, int], None]
"""Called as `progress(stage, done, total)` while an import runs (stage: 检查, 写入)."""


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet read into text: its header's fields and its data rows."""

    columns: dict[int, str]
    """Column index → field, for the columns understood."""
    ignored_columns: list[str]
    """Header names not understood, which the import leaves alone."""
    rows: list[tuple[int, list[str]]]
    """(row number as the clerk sees it, cell texts) for every non-empty data row."""


@dataclass
class ImportResult:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "ignored_columns": self.ignored_columns,
        }


# ---------------------------------------------------------------------------------------
# Reading the file


def read_sheet(data: bytes) -> Sheet:
    """Read CSV (UTF-8 with or without BOM, else GB18030) or XLSX bytes into a `Sheet`."""
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
    return _sheet(lines)


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


def _normalize_header(text: str) -> str:
    """` 姓名* `, `Member_No`, `农民（社区）` → comparable form."""
    text = _SPACES.sub("", text).strip("*＊").lower()
    return text.replace("（", "(").replace("）", ")")


def _sheet(lines: Iterator[tuple[int, list[str]]]) -> Sheet:
    """Find the header within the first rows, then collect the data rows under it."""
    header: list[str] | None = None
    for number, cells in lines:
        fields = [HEADER_ALIASES.get(_normalize_header(cell)) for cell in cells]
        if "member_no" in fields and "name" in fields:
            header = cells
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        raise InvalidInput(
            "找不到表头：第一行应为列名，"
            "至少包括 编号（member_no）、姓名（name）、类别（category）",
            field="file",
        )
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        name = HEADER_ALIASES.get(_normalize_header(cell))
        if name is None:
            if cell.strip():
                ignored.append(cell.strip())
        elif name in columns.values():
            raise InvalidInput(f"表头中 {name} 对应的列出现了两次（{cell.strip()}）", field="file")
        else:
            columns[index] = name
    missing = [name for name in REQUIRED_FIELDS if name not in columns.values()]
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


# ---------------------------------------------------------------------------------------
# Checking and writing


def check_rows(sheet: Sheet, progress: Progress | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Every row cleaned into (member_no, fields), or `ImportRejected` listing every bad cell."""
    errors: list[dict[str, Any]] = []
    checked: list[tuple[str, dict[str, Any]]] = []
    first_row_of: dict[str, int] = {}
    total = len(sheet.rows)
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        raw = {name: _at(cells, index) for index, name in sheet.columns.items()}
        member_no = _check(errors, number, "member_no", raw["member_no"])
        values: dict[str, Any] = {}
        for name in ("name", "category", *OPTIONAL_FIELDS):
            if name not in raw or (name in OPTIONAL_FIELDS and not raw[name].strip()):
                continue
            cleaned = _check(errors, number, name, raw[name])
            if cleaned is not _BAD:
                values[name] = cleaned
        if member_no is not _BAD:
            if member_no in first_row_of:
                errors.append(
                    _error(
                        number,
                        "member_no",
                        f"党员编号 {member_no} 与第 {first_row_of[member_no]} 行重复",
                    )
                )
            else:
                first_row_of[member_no] = number
                checked.append((member_no, values))
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress("检查", done, total)
    if errors:
        shown = errors[:IMPORT_ERRORS_MAX]
        rows_bad = len({error["row"] for error in errors})
        more = f"，仅列出前 {IMPORT_ERRORS_MAX} 处" if len(errors) > len(shown) else ""
        raise ImportRejected(
            f"导入被拒绝：{rows_bad} 行有错误（共 {len(errors)} 处{more}），没有导入任何数据",
            errors=shown,
        )
    return checked


_BAD = object()


def _at(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _check(errors: list[dict[str, Any]], row: int, name: str, text: str) -> Any:
    """The cleaned value of one cell (by `carefund.recipients`' own rules), or `_BAD`."""
    try:
        if name == "member_no":
            return clean_member_no(text)
        if name == "category":
            text = _category_value(text)
        return clean_fields({name: text})[name]
    except InvalidInput as exc:
        message = exc.message
        if name == "category":
            message = f"未知类别，可选：{_CATEGORY_CHOICES}（或 {', '.join(MemberCategory)}）"
        errors.append(_error(row, exc.field or name, message))
        return _BAD


def _error(row: int, name: str, message: str) -> dict[str, Any]:
    return {"row": row, "field": name, "msg": message}


def _category_value(text: str) -> str:
    key = _SPACES.sub("", text).replace("（", "(").replace("）", ")")
    return _CATEGORY_BY_TEXT.get(key, _CATEGORY_BY_TEXT.get(key.lower(), text))


def import_recipients(
    session: Session, *, data: bytes, actor: User, progress: Progress | None = None
) -> ImportResult:
    """Upsert the roll from a spreadsheet, all or nothing; the caller commits once."""
    require(actor, Action.manage_recipients)
    sheet = read_sheet(data)
    checked = check_rows(sheet, progress)
    existing = _existing(session, [member_no for member_no, _ in checked])
    result = ImportResult(ignored_columns=sheet.ignored_columns)
    total = len(checked)
    new: list[tuple[object, dict[str, Any]]] = []
    try:
        for done, (member_no, values) in enumerate(checked, start=1):
            found = existing.get(member_no)
            if found is None:
                new.append((member_no, values))
            else:
                before = found.updated_at
                update_recipient(session, recipient_id=found.id or 0, actor=actor, **values)
                if found.updated_at != before:
                    result.updated += 1
                else:
                    result.unchanged += 1
            if len(new) == WRITE_BATCH or (new and done == total):
                create_recipients(session, rows=new, actor=actor)
                result.created += len(new)
                new = []
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress("写入", done, total)
        session.flush()
    except IntegrityError:
        # Another import added one of these member numbers meanwhile; nothing is kept.
        raise Conflict("另一次导入同时写入了相同的党员编号，请重试", field="file") from None
    return result


def _existing(session: Session, member_nos: list[str]) -> dict[str, Recipient]:
    """The stored recipients among these member numbers, a few queries in all."""
    found: dict[str, Recipient] = {}
    for index in range(0, len(member_nos), LOOKUP_CHUNK):
        chunk = member_nos[index : index + LOOKUP_CHUNK]
        for recipient in session.exec(select(Recipient).where(col(Recipient.member_no).in_(chunk))):
            found[recipient.member_no] = recipient
    return found
