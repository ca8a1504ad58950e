"""Checks for text, dates and enum values coming in from outside.

Text is checked at the edge for what a person cannot see or that changes how other text
reads: control characters (a CR/LF in a payer splits a CSV row or a log line), the bidi
overrides and isolates that make `txt.exe` read as `exe.txt` (Trojan Source), and text made
only of zero-width characters, which looks empty but is not. A single-line field (a name, a
payer, a method) refuses every line break and tab; a multi-line one (a memo, a reason) keeps
its line breaks, stored as `\\n`.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeGuard, TypeVar

from sqlmodel import Session, SQLModel

from carefund import clock
from carefund.errors import InvalidFields, InvalidInput, NotFound
from carefund.limits import ID_MAX, TEXT_LENGTH_MAX

_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""C0 and C1 controls (tab and line breaks included) and Unicode's line/paragraph separators."""
_CONTROL_MULTI_LINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
"""The same but for the line feed that ends a line (CR and CRLF are made LF first)."""
_LINE_ENDINGS = re.compile(r"\r\n?")
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
"""Embeddings, overrides and isolates (LRE … RLO, LRI … PDI), which reorder what follows."""
_INVISIBLE_ONLY = re.compile(
    r"[\s\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064\u3164\ufeff\uffa0]+"
)
"""Text that shows nothing: zero-width spaces and joiners, word joiners, BOMs, fillers."""
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2099, 12, 31)
"""Dates outside these are surely typing mistakes."""

E = TypeVar("E", bound=StrEnum)
Row = TypeVar("Row", bound=SQLModel)

FieldCheck = Callable[[object], Any]
"""Checks one input field and answers its clean value, or raises `InvalidInput`."""

CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9\-]{1,31}")
"""Fund and unit codes: upper-case letters, digits and hyphens, as receipt numbers print them."""


def is_code(value: object) -> bool:
    """Whether `value` could be a fund's or unit's code (one that cannot is not looked up:
    it may hold bytes the database refuses)."""
    return isinstance(value, str) and CODE_PATTERN.fullmatch(value) is not None


def code_check(what: str, example: str) -> FieldCheck:
    """The check of a new fund's or unit's `code` field, its message naming `what` it codes."""

    def check(value: object) -> str:
        if not is_code(value):
            raise InvalidInput(
                f"{what}代码应为 2–32 位大写字母、数字或连字符，以字母开头，如 {example}",
                field="code",
            )
        return value  # type: ignore[return-value]

    return check


def check_fields(checks: dict[str, FieldCheck], values: Mapping[str, object]) -> dict[str, Any]:
    """The clean value of every field in `checks` (a missing one is checked as None), or
    `InvalidFields` naming every bad field at once.

    A noun's use case and its web form share one such table of checks, so that a field's
    rule is written once and a form still shows all its mistakes together.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            clean[name] = check(values.get(name))
        except InvalidInput as exc:
            errors[name] = exc.message
    if errors:
        raise InvalidFields(errors)
    return clean


def is_id(value: object) -> TypeGuard[int]:
    """Whether `value` can be a record's id; anything else names no record."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX


def get_row(session: Session, model: type[Row], row_id: object, *, missing: str) -> Row:
    """The `model` row with id `row_id`, or `NotFound` saying `missing`: the id named."""
    row = session.get(model, row_id) if is_id(row_id) else None
    if row is None:
        raise NotFound(f"{missing}：{row_id}")
    return row


def clean_text(
    value: object,
    *,
    field: str,
    length_max: int = TEXT_LENGTH_MAX,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Stripped text within its length, without control or bidi-override characters and not
    made only of invisible ones; `required` refuses empty; `multiline` keeps line breaks."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("应为文本", field=field)
    if multiline:
        value = _LINE_ENDINGS.sub("\n", value)
    value = value.strip()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("含有无效的字符", field=field) from None
    if (multiline and _CONTROL_MULTI_LINE.search(value)) or (
        not multiline and _CONTROL_SINGLE_LINE.search(value)
    ):
        refused = "制表符或其他控制字符" if multiline else "换行、制表符或其他控制字符"
        raise InvalidInput(f"不能含有{refused}", field=field)
    if _BIDI_CONTROLS.search(value):
        raise InvalidInput("不能含有改变文字方向的控制字符（如 U+202E）", field=field)
    if value and _INVISIBLE_ONLY.fullmatch(value):
        raise InvalidInput("不能只由不可见的字符组成", field=field)
    if required and not value:
        raise InvalidInput("不能为空", field=field)
    if len(value) > length_max:
        raise InvalidInput(f"最长 {length_max} 个字", field=field)
    return value


def parse_date(value: object, *, field: str) -> date:
    """A date object or an ISO `YYYY-MM-DD` string, within 2000–2099."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise InvalidInput("日期格式应为 YYYY-MM-DD", field=field)
    if not DATE_MIN <= value <= DATE_MAX:
        raise InvalidInput("日期应在 2000 年到 2099 年之间", field=field)
    return value


def parse_day_so_far(value: object, *, field: str) -> date:
    """A date as `parse_date` reads it that is not after today in the business time zone:
    money is recorded once it has moved, so a future date is a mistake (or worse: the
    balance of today would no longer be the books' closing balance)."""
    day = parse_date(value, field=field)
    today = clock.today()
    if day > today:
        raise InvalidInput(f"日期不能晚于今天（{today.isoformat()}）", field=field)
    return day


def choose(enum: type[E], value: object, *, field: str) -> E:
    """The enum member named by `value`, or a clear error listing the choices (请选择 when
    nothing was chosen: a person picking from a list never sees the code values)."""
    if value is None or value == "":
        raise InvalidInput("请选择", field=field)
    try:
        return enum(value)  # type: ignore[arg-type]  # anything else is refused just below
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise InvalidInput(f"无效的取值 {value!r}，可选：{choices}", field=field) from None
