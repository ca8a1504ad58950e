"""Money at the edges: yuan strings in, integer fen inside, yuan strings and 大写 out.

Inside carefund every amount is an `int` of fen (分). `Decimal` appears only here, to parse
and format, and `float` never does.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from carefund.errors import InvalidInput

FEN_PER_YUAN = 100
AMOUNT_MAX_FEN = 1_000_000_000 * FEN_PER_YUAN
"""The largest single amount accepted: 1,000,000,000.00 yuan."""

# Plain digits with at most two decimals: no sign, exponent, separator or space.
_AMOUNT_PATTERN = re.compile(r"(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?")


def parse_amount(value: object, *, field: str = "amount") -> int:
    """Parse a positive yuan amount (`"1234.56"`, `1234`, `Decimal("1234.5")`) into fen.

    Rejects zero, negatives, more than two decimals (`100.000` too: a third decimal says
    the amount was not meant in fen), more than 1,000,000,000.00, NaN, exponents, thousands
    separators and floats (a float has already lost the exact value). Text is NFKC-normalised
    first, so full-width digits typed with a Chinese input method (`１０００．５`) count.
    """
    if isinstance(value, bool | float):
        raise InvalidInput('金额必须是最多两位小数的数字字符串，如 "1234.56"', field=field)
    if isinstance(value, int):
        fen = value * FEN_PER_YUAN
    elif isinstance(value, Decimal):
        fen = _decimal_to_fen(value, field)
    elif isinstance(value, str):
        value = unicodedata.normalize("NFKC", value)
        if not value.strip():
            raise InvalidInput("不能为空", field=field)
        if not _AMOUNT_PATTERN.fullmatch(value):
            raise InvalidInput(
                f'金额格式不正确：{value[:40]!r}；应为最多两位小数的正数，如 "1234.56"',
                field=field,
            )
        fen = _decimal_to_fen(Decimal(value), field)
    else:
        raise InvalidInput('金额必须是数字字符串，如 "1234.56"', field=field)
    return _checked_fen(fen, field)


def _decimal_to_fen(value: Decimal, field: str) -> int:
    try:
        if not value.is_finite():
            raise InvalidInput("金额必须是有限的数", field=field)
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        # A positive exponent means scientific notation such as 1E+3, which we refuse.
        if exponent > 0 or exponent < -2:
            raise InvalidInput("金额最多两位小数，且不能用科学计数法", field=field)
        return int((value * FEN_PER_YUAN).to_integral_exact())
    except InvalidOperation as exc:
        raise InvalidInput("金额不是有效的数", field=field) from exc


def _checked_fen(fen: int, field: str) -> int:
    if fen <= 0:
        raise InvalidInput("金额必须大于 0", field=field)
    if fen > AMOUNT_MAX_FEN:
        raise InvalidInput("金额不能超过 1000000000.00 元", field=field)
    return fen


def format_fen(fen: int) -> str:
    """Format fen as a yuan string with exactly two decimals: 123456 → "1234.56"."""
    assert isinstance(fen, int) and not isinstance(fen, bool), fen
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan}.{cents:02d}"


def format_fen_grouped(fen: int) -> str:
    """Format fen for people: 123456789 → "¥1,234,567.89"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def yuan_text(fen: int) -> str:
    """Fen in a sentence for people: 300000 → "3,000.00 元" (the controls' refusals)."""
    return format_fen_grouped(fen).replace("¥", "") + " 元"


def fen_to_decimal(fen: int) -> Decimal:
    """Fen as an exact Decimal of yuan with two places, for spreadsheets."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("仟", "佰", "拾", "")
_SECTIONS = ("", "万", "亿")


def capital_amount(fen: int) -> str:
    """Write an amount in Chinese capitals (大写金额), as on a receipt or cheque.

    Follows 《支付结算办法》: "整" after 元 when there are no 角 and 分, none after 角 or 分;
    one 零 for a run of zeros inside the number, and 零 between 元 and 角 (or 分) when
    the units digit is zero.  8765.43 → 捌仟柒佰陆拾伍元肆角叁分.
    """
    assert isinstance(fen, int) and fen >= 0, fen
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    jiao, fen_digit = divmod(cents, 10)
    text = _capital_integer(yuan) + "元" if yuan else ""
    if jiao == 0 and fen_digit == 0:
        return (text or "零元") + "整"
    if jiao:
        if yuan and yuan % 10 == 0:
            text += "零"
        text += _DIGITS[jiao] + "角"
    if fen_digit:
        if yuan and not jiao:
            text += "零"
        text += _DIGITS[fen_digit] + "分"
    return text


def _capital_integer(number: int) -> str:
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    text = ""
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"
        text += _capital_group(group) + _SECTIONS[index]
        pending_zero = False
    return text


def _capital_group(group: int) -> str:
    """One group of four digits, inner runs of zeros written as one 零, none trailing."""
    text = ""
    zero_run = False
    for place, digit in zip(_PLACES, f"{group:04d}", strict=True):
        if digit == "0":
            zero_run = bool(text)
            continue
        if zero_run:
            text += "零"
            zero_run = False
        text += _DIGITS[int(digit)] + place
    return text
