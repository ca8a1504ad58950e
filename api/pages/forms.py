"""Reading page forms: amounts as people type them, dates, choices, record ids, and the
domain's errors placed beside their fields."""

import re
from collections.abc import Callable
from datetime import date

from api.pages.errors import message_for
from carefund.errors import CarefundError, InvalidFields, InvalidInput, NotFound
from carefund.money import parse_amount
from carefund.validation import choose


def form_errors(
    error: CarefundError, fields: set[str], aliases: dict[str, str] | None = None
) -> dict[str, str]:
    """The domain error as {form field: message}; `_form` when it belongs to no field.
    `InvalidFields` gives every bad field its own message."""
    if isinstance(error, InvalidFields):
        return {
            name if name in fields else "_form": message
            for field, message in error.errors.items()
            if (name := (aliases or {}).get(field, field))
        }
    name = (aliases or {}).get(error.field or "", error.field or "")
    message = message_for(error)
    return {name: message} if name in fields else {"_form": message}


def record_id(text: str) -> int:
    """A path's record id; a path that can name no record is simply not found."""
    if not text.isdigit() or len(text) > 10:
        raise NotFound(f"记录不存在：{text[:20]}", field="id")
    return int(text)


def parse_optional_date(value: str | None, *, field: str) -> date | None:
    """A filter's date: None when empty, else an ISO date (InvalidInput on its field)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", field=field) from None


def checked_amount(value: str, *, field: str = "amount") -> int:
    """A form's amount in fen, by `carefund.money.parse_amount`; 不能为空 when left empty."""
    if not value.strip():
        raise InvalidInput("不能为空", field=field)
    return parse_amount(amount_text(value), field=field)


def amount_text(value: str) -> str:
    """An amount as typed by a person, in the form `carefund.money.parse_amount` reads:
    spaces and a leading ¥ dropped, and thousands separators when they group correctly
    (`1,234.56`), never a comma that could be a decimal point (`1,5` stays and is refused)."""
    text = value.strip().replace(" ", "").lstrip("¥￥")
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    return text


_GROUPED = re.compile(r"[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]{1,2})?")


def field_errors(checks: dict[str, Callable[[], object]]) -> dict[str, str]:
    """Every field's own error, found by running the domain's check of each field alone, so
    that a form shows all its mistakes at once (a use case stops at the first)."""
    errors: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except CarefundError as exc:
            errors[name] = exc.message
    return errors


def chosen(enum: type, value: str, *, field: str) -> object:
    """A select's value checked by the domain's `choose`, with 请选择 when none was chosen
    (instead of a list of code values that a person never sees)."""
    if not value:
        raise InvalidInput("请选择", field=field)
    return choose(enum, value, field=field)


def date_filter(
    start_text: str | None, end_text: str | None, errors: dict[str, str]
) -> tuple[date | None, date | None]:
    """A list's `from`–`to` filter; a bad date is told in `errors` and the filter dropped."""
    try:
        start = parse_optional_date(start_text, field="from")
        return start, parse_optional_date(end_text, field="to")
    except InvalidInput as exc:
        errors[exc.field or "from"] = exc.message
        return None, None
