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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from carefund.access.users import Action, require
from carefund.errors import Conflict, ImportRejected, InvalidInput
from carefund.models import Recipient, User
from carefund.models.aid import recipient_lookup_hashes
from carefund.recipients import RECIPIENT_CHECKS, create_recipients, update_recipient
from carefund.sheets import Sheet, read_sheet
from carefund.vocabulary import CATEGORY_NAMES_ZH, MemberCategory

IMPORT_ERRORS_MAX = 5_000
"""The most bad cells listed in one refusal; the message gives the full count."""
LOOKUP_CHUNK = 900
"""Member numbers per `IN (…)` query (SQLite allows a limited number of parameters)."""
WRITE_BATCH = 500
"""New members written per batch of statements."""
PROGRESS_EVERY = 500
"""Rows between two progress reports."""

OPTIONAL_FIELDS = (
    "branch",
    "id_number",
    "phone",
    "address",
    "account_kind",
    "account_no",
    "account_bank",
)

_CATEGORY_BY_TEXT: dict[str, str] = {
    **{member.value: member.value for member in MemberCategory},
    **{
        _zh.replace("（", "(").replace("）", ")"): member.value
        for member, _zh in CATEGORY_NAMES_ZH.items()
    },
}
_CATEGORY_CHOICES = "、".join(CATEGORY_NAMES_ZH.values())
_SPACES = re.compile(r"\s+")

CheckedRow = tuple[int, str, dict[str, Any]]
"""A clean row of the sheet: its number as the clerk sees it, its member number, its fields."""
Progress = Callable[[str, int, int], None]
"""Called as `progress(stage, done, total)` while an import runs (stage: 检查, 写入)."""


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


def check_rows(sheet: Sheet, progress: Progress | None = None) -> list[CheckedRow]:
    """Every row cleaned into (row, member_no, fields), or `ImportRejected` listing every
    bad cell."""
    errors: list[dict[str, Any]] = []
    checked: list[CheckedRow] = []
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
                checked.append((number, member_no, values))
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress("检查", done, total)
    errors.extend(_repeated_id_numbers(checked))
    _refuse_if_any(errors)
    return checked


def _refuse_if_any(errors: list[dict[str, Any]]) -> None:
    if errors:
        shown = errors[:IMPORT_ERRORS_MAX]
        rows_bad = len({error["row"] for error in errors})
        more = f"，仅列出前 {IMPORT_ERRORS_MAX} 处" if len(errors) > len(shown) else ""
        raise ImportRejected(
            f"导入被拒绝：{rows_bad} 行有错误（共 {len(errors)} 处{more}），没有导入任何数据",
            errors=shown,
        )


def _repeated_id_numbers(checked: list[CheckedRow]) -> list[dict[str, Any]]:
    """An ID number given for two members of the file: one person, two member numbers."""
    first_row_of: dict[str, int] = {}
    errors = []
    for number, _, values in checked:
        id_number = values.get("id_number")
        if id_number and id_number in first_row_of:
            message = f"身份证号与第 {first_row_of[id_number]} 行重复"
            errors.append(_error(number, "id_number", message))
        elif id_number:
            first_row_of[id_number] = number
    return errors


def _id_numbers_on_the_roll(session: Session, checked: list[CheckedRow]) -> None:
    """`ImportRejected` for each row whose ID number another member on the roll has
    (found by keyed hash: the roll's ID numbers are stored sealed)."""
    row_of = {values["id_number"]: (n, m) for n, m, values in checked if values.get("id_number")}
    id_number_of = {
        hashed: id_number
        for id_number in row_of
        for hashed in recipient_lookup_hashes("id_number", id_number)
    }
    hashes = list(id_number_of)
    errors = []
    for index in range(0, len(hashes), LOOKUP_CHUNK):
        owners = session.exec(
            select(Recipient.member_no, Recipient.id_number_hash).where(
                col(Recipient.id_number_hash).in_(hashes[index : index + LOOKUP_CHUNK])
            )
        )
        for owner, hashed in owners:
            row, member_no = row_of[id_number_of[hashed or ""]]
            if owner != member_no:
                errors.append(_error(row, "id_number", f"身份证号已属于名册中的党员 {owner}"))
    _refuse_if_any(sorted(errors, key=lambda error: error["row"]))


_BAD = object()


def _at(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _check(errors: list[dict[str, Any]], row: int, name: str, text: str) -> Any:
    """The cleaned value of one cell (by `carefund.recipients`' own rules), or `_BAD`."""
    try:
        if name == "category":
            text = _category_value(text)
        return RECIPIENT_CHECKS[name](text)
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
    _id_numbers_on_the_roll(session, checked)
    existing = _existing(session, [member_no for _, member_no, _ in checked])
    result = ImportResult(ignored_columns=sheet.ignored_columns)
    total = len(checked)
    new: list[tuple[object, dict[str, Any]]] = []
    try:
        for done, (_, member_no, values) in enumerate(checked, start=1):
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
