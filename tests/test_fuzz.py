"""Fuzzing the edges where outside text comes in: money, the recipient import, RRULEs.

Whatever arrives, the answer is a value or a clear domain error (`InvalidInput` and its
kin, which the API turns into 4xx), never another exception (which would be a 500).

Each property runs CAREFUND_FUZZ_EXAMPLES examples: a few dozen in `make test`, thousands
under `make fuzz`.
"""

import io
import os
import shutil
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlmodel import Session

from carefund.errors import CarefundError, InvalidInput
from carefund.imports import check_rows, import_recipients
from carefund.money import AMOUNT_MAX_FEN, capital_amount, format_fen, parse_amount
from carefund.reports.statements import parse_period
from carefund.rrule import PLAN_RULE_HORIZON_YEARS, parse_rule
from carefund.sheets import FIELDS, HEADER_ALIASES, read_sheet
from carefund.storage.database import Database
from carefund.validation import DATE_MAX, DATE_MIN
from carefund.vocabulary import CATEGORY_NAMES_ZH, MemberCategory
from tests.builders import make_user

FUZZ_EXAMPLES = int(os.environ.get("CAREFUND_FUZZ_EXAMPLES", "40"))
"""Examples per property; `make fuzz` raises it."""
fuzz = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


def clear(error: CarefundError) -> None:
    """A domain error a person can act on: a message in words, no trace."""
    assert error.message and "Traceback" not in error.message


# ---------------------------------------------------------------------------------------
# Money


amount_like = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789.-+eE ,_", max_size=16),
    st.from_regex(r"\A[0-9]{1,12}(\.[0-9]{0,4})?\Z"),
)


@fuzz
@given(amount_like)
@example("0.00")
@example("１２３")  # full-width digits
@example("1000000000.01")
def test_any_text_is_an_exact_amount_or_invalid_input(text: str) -> None:
    try:
        fen = parse_amount(text)
    except InvalidInput as error:
        clear(error)
        return
    assert isinstance(fen, int) and 1 <= fen <= AMOUNT_MAX_FEN
    assert Decimal(text) * 100 == fen
    assert parse_amount(format_fen(fen)) == fen


@fuzz
@given(
    st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.floats(),
        st.none(),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
    )
)
@example(Decimal("1E-1000000"))
@example(Decimal("1E+1000000"))
@example(Decimal("12.3400000000"))
def test_any_value_is_an_exact_amount_or_invalid_input(value: object) -> None:
    try:
        fen = parse_amount(value)
    except InvalidInput as error:
        clear(error)
        return
    assert not isinstance(value, float | bool)
    assert isinstance(fen, int) and 1 <= fen <= AMOUNT_MAX_FEN
    assert Decimal(value) * 100 == fen  # type: ignore[arg-type]


CAPITAL_CHARACTERS = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")


@fuzz
@given(st.integers(min_value=0, max_value=AMOUNT_MAX_FEN))
@example(0)
def test_capitals_use_only_capital_characters_and_differ_for_different_amounts(fen: int) -> None:
    text = capital_amount(fen)
    assert set(text) <= CAPITAL_CHARACTERS
    assert text.count("元") <= 1 and text.count("整") <= 1
    if fen % 100:
        assert text.endswith(("角", "分"))
    assert capital_amount(fen + 1) != text


# ---------------------------------------------------------------------------------------
# The recipient import


def _xlsx_with_unknown_compression() -> bytes:
    """A workbook whose members claim compression method 99: zipfile raises
    NotImplementedError (once a 500, like zlib.error from a damaged deflate stream)."""
    workbook = Workbook(write_only=True)
    workbook.create_sheet().append(["编号", "姓名", "类别"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        while at != -1:
            data[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
            at = data.find(signature, at + 4)
    return bytes(data)


@fuzz
@given(st.binary(max_size=2_000))
@example(_xlsx_with_unknown_compression())
@example(b"PK\x03\x04garbage")
@example(b"\xd0\xcf\x11\xe0")
@example(b"\xff\xfe" + "编号,姓名,类别\n".encode("utf-16-le"))
@example(b"\x00" * 10)
def test_any_bytes_are_a_sheet_or_a_clear_refusal(data: bytes) -> None:
    try:
        check_rows(read_sheet(data))
    except CarefundError as error:
        clear(error)


header_names = st.sampled_from(sorted(HEADER_ALIASES) + ["备注", "", "姓 名*", "Member_No"])
cells = st.one_of(
    st.text(max_size=24),
    st.sampled_from([*CATEGORY_NAMES_ZH.values(), *MemberCategory, "", " ", "=1+1", '"']),
    st.from_regex(r"\A[0-9X]{15,19}\Z"),
)
sheets = st.lists(st.lists(cells, max_size=9), max_size=12)


def as_csv(header: list[str], rows: list[list[str]], encoding: str) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


@fuzz
@given(
    st.lists(header_names, min_size=1, max_size=9),
    sheets,
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_any_csv_is_rows_or_a_clear_refusal(
    header: list[str], rows: list[list[str]], encoding: str
) -> None:
    try:
        checked = check_rows(read_sheet(as_csv(header, rows, encoding)))
    except CarefundError as error:
        clear(error)
        return
    assert all(
        isinstance(member_no, str) and member_no and set(values) <= set(FIELDS)
        for member_no, values in checked
    )


@fuzz
@given(
    st.lists(header_names, min_size=1, max_size=6),
    sheets.map(lambda rows: rows[:5]),
    st.integers(min_value=0, max_value=4_000),
    st.binary(min_size=1, max_size=8),
)
def test_a_damaged_xlsx_is_rows_or_a_clear_refusal(
    header: list[str], rows: list[list[str]], at: int, junk: bytes
) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in [header, *rows]:
        sheet.append([_printable(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    damaged = data[:at] + junk + data[at + len(junk) :]
    for candidate in (data, damaged):
        try:
            check_rows(read_sheet(candidate))
        except CarefundError as error:
            clear(error)


def _printable(text: str) -> str:
    """openpyxl itself refuses control characters in cells: a sheet cannot hold them."""
    return "".join(char for char in text if char.isprintable())


@pytest.fixture
def sqlite_engine(sqlite_template: str, tmp_path):  # type: ignore[no-untyped-def]
    """A clean SQLite database and a clerk; each example's import is rolled back."""
    path = tmp_path / "fuzz.db"
    shutil.copyfile(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    yield database, make_user(database, "clerk")
    database.dispose()


@fuzz
@given(st.lists(header_names, min_size=1, max_size=8), sheets)
def test_an_import_writes_rows_or_refuses_clearly(
    sqlite_engine, header: list[str], rows: list[list[str]]
) -> None:
    """The whole use case, on a database: a result or a domain error, never anything else;
    rolled back after each example."""
    database, clerk = sqlite_engine
    with Session(database) as session:
        try:
            result = import_recipients(session, data=as_csv(header, rows, "utf-8"), actor=clerk)
            assert result.created + result.updated + result.unchanged >= 1
        except CarefundError as error:
            clear(error)
        finally:
            session.rollback()


# ---------------------------------------------------------------------------------------
# RRULEs


_PARTS = [
    "FREQ",
    "INTERVAL",
    "COUNT",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYSETPOS",
    "WKST",
    "UNTIL",
    "BYHOUR",
    "DTSTART",
    "X-NAME",
]
_VALUES = st.one_of(
    st.sampled_from(
        [
            "DAILY",
            "WEEKLY",
            "MONTHLY",
            "YEARLY",
            "HOURLY",
            "MO",
            "TU,FR",
            "-1FR",
            "1MO,-1SU",
            "5",
            "-1",
            "0",
            "31",
            "30",
            "29",
            "2",
            "2,3",
            "366",
            "53",
            "-366",
            "99999999999999999999",
            "1000",
            "1001",
            "",
            "20261231T000000Z",
        ]
    ),
    st.text(alphabet="0123456789,+-MOTUWEFRSA", max_size=12),
)
rule_like = st.one_of(
    st.text(max_size=60),
    st.lists(st.tuples(st.sampled_from(_PARTS), _VALUES), max_size=6).map(
        lambda parts: ";".join(f"{name}={value}" for name, value in parts)
    ),
    st.lists(st.tuples(st.sampled_from(_PARTS[:9]), _VALUES), max_size=4).map(
        lambda parts: "FREQ=MONTHLY;" + ";".join(f"{name}={value}" for name, value in parts)
    ),
)
days = st.dates(min_value=DATE_MIN, max_value=DATE_MAX)


@fuzz
@given(rule_like, days, st.one_of(st.none(), days))
@example("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", date(2026, 1, 1), None)
@example("FREQ=DAILY;BYYEARDAY=366;BYMONTH=2", date(2026, 1, 1), None)
@example("FREQ=WEEKLY;BYSETPOS=-1", date(2026, 1, 1), date(2026, 1, 2))
@example("FREQ=MONTHLY;COUNT=99999999999999999999", date(2026, 1, 1), None)
def test_any_rule_is_a_recurrence_or_invalid_input(
    rule: str, start: date, until: date | None
) -> None:
    try:
        recurrence = parse_rule(rule, start=start, until=until)
    except InvalidInput as error:
        clear(error)
        return
    first = next(iter(recurrence)).date()
    assert first >= start
    assert (first - start).days <= 366 * PLAN_RULE_HORIZON_YEARS + 1
    assert until is None or first <= until


# ---------------------------------------------------------------------------------------
# Statement periods (a path segment of the statement URLs)


@fuzz
@given(st.one_of(st.text(max_size=12), st.from_regex(r"\A[0-9]{4}(-([0-9]{2}|Q[0-9]))?\Z")))
@example("0000")  # once a 500: date() refuses year 0 before any range check ran
@example("0000-Q1")
@example("2026-00")
def test_any_period_is_a_range_or_invalid_input(text: str) -> None:
    try:
        period = parse_period(text)
    except InvalidInput as error:
        clear(error)
        return
    assert DATE_MIN <= period.start <= period.end <= DATE_MAX
