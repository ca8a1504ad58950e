"""Money parsing, formatting and Chinese capital amounts."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carefund.errors import InvalidInput
from carefund.money import AMOUNT_MAX_FEN, capital_amount, format_fen, parse_amount

fens = st.integers(min_value=1, max_value=AMOUNT_MAX_FEN)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("1234.56", 123456), ("0.01", 1), ("1.5", 150), ("7", 700), ("1000000000.00", AMOUNT_MAX_FEN)],
)
def test_parse_accepts_plain_yuan(text: str, fen: int) -> None:
    assert parse_amount(text) == fen


@pytest.mark.parametrize(
    "bad",
    [
        "0",
        "0.00",
        "-1",
        "1.234",
        "1e3",
        "1E3",
        "1,000",
        " 1",
        "1 ",
        "NaN",
        "Infinity",
        "",
        "¥5",
        "1000000000.01",
        "01.5",
        ".5",
        "5.",
        "+5",
        "١٢",
        1.5,
        True,
        None,
        [],
        Decimal("1E+2"),
        Decimal("NaN"),
        Decimal("0.001"),
        # More than two decimals is refused even when they are zeros (issue 13).
        Decimal("12.300"),
        "100.000",
        "１０００．０００",
        0,
        -3,
        10**10,
    ],
)
def test_parse_rejects_everything_else(bad: object) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(bad)


def test_parse_accepts_integers_and_decimals_with_two_places() -> None:
    assert parse_amount(12) == 1200
    assert parse_amount(Decimal("12.30")) == 1230


def test_full_width_digits_typed_with_a_chinese_input_method_count() -> None:
    assert parse_amount("１０００") == 1000_00
    assert parse_amount("１２３４．５６") == 1234_56
    assert parse_amount("1０.5") == 10_50


@given(fens)
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_amount(format_fen(fen)) == fen


@given(st.integers(min_value=-AMOUNT_MAX_FEN, max_value=AMOUNT_MAX_FEN))
def test_format_has_exactly_two_decimals(fen: int) -> None:
    text = format_fen(fen)
    assert Decimal(text) * 100 == fen
    assert text.split(".")[1].isdigit() and len(text.split(".")[1]) == 2


@pytest.mark.parametrize(
    ("fen", "capitals"),
    [
        (12_000_000, "壹拾贰万元整"),
        (876_543, "捌仟柒佰陆拾伍元肆角叁分"),
        (10_005, "壹佰元零伍分"),
        (100_000_010, "壹佰万元零壹角"),
        (100_000, "壹仟元整"),
        (1_000, "壹拾元整"),
        (100_500, "壹仟零伍元整"),
        (168_032, "壹仟陆佰捌拾元零叁角贰分"),
        (100_050_000, "壹佰万零伍佰元整"),
        (10_001_000_000, "壹亿零壹万元整"),
        (AMOUNT_MAX_FEN, "壹拾亿元整"),
        (5, "伍分"),
        (50, "伍角"),
        (15, "壹角伍分"),
        (1_050, "壹拾元零伍角"),
        (1_250, "壹拾贰元伍角"),
    ],
)
def test_capital_amounts(fen: int, capitals: str) -> None:
    assert capital_amount(fen) == capitals


_DIGIT_VALUES = dict(zip("零壹贰叁肆伍陆柒捌玖", range(10), strict=True))
_UNIT_VALUES = {"拾": 10, "佰": 100, "仟": 1000}


def _read_capitals(text: str) -> int:
    """An independent reader of 大写金额, back to fen, to check the writer."""
    fen = 0
    if "元" in text:
        integer_part, text = text.split("元")
        total = section = digit = 0
        for char in integer_part:
            if char in _DIGIT_VALUES:
                digit = _DIGIT_VALUES[char]
            elif char in _UNIT_VALUES:
                section += digit * _UNIT_VALUES[char]
                digit = 0
            elif char == "万":
                total += (section + digit) * 10_000
                section = digit = 0
            elif char == "亿":
                total = (total + section + digit) * 100_000_000
                section = digit = 0
        fen = (total + section + digit) * 100
    digit = 0
    for char in text:
        if char in _DIGIT_VALUES:
            digit = _DIGIT_VALUES[char]
        elif char == "角":
            fen += digit * 10
        elif char == "分":
            fen += digit
    return fen


@given(fens)
def test_capitals_read_back_to_the_amount(fen: int) -> None:
    text = capital_amount(fen)
    assert _read_capitals(text) == fen
    assert "零零" not in text
    assert text.endswith("整") == (fen % 100 == 0)
    assert not text.startswith("零")
