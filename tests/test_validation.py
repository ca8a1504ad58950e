"""One table of field checks serves a use case and its form: every bad field at once."""

import pytest

from carefund.errors import InvalidFields
from carefund.validation import check_fields, clean_text, parse_date

CHECKS = {
    "payer": lambda value: clean_text(value, field="payer", length_max=5, required=True),
    "received_on": lambda value: parse_date(value, field="received_on"),
    "memo": lambda value: clean_text(value, field="memo"),
}


def test_good_fields_come_back_clean() -> None:
    clean = check_fields(CHECKS, {"payer": " 区财政 ", "received_on": "2026-11-05"})
    assert clean == {
        "payer": "区财政",
        "received_on": parse_date("2026-11-05", field="x"),
        "memo": "",
    }


def test_every_bad_field_is_named_at_once_in_the_order_checked() -> None:
    with pytest.raises(InvalidFields) as refused:
        check_fields(CHECKS, {"payer": "", "received_on": "2026-13-01", "memo": "ok"})
    assert list(refused.value.errors) == ["payer", "received_on"]
    assert refused.value.field == "payer" and refused.value.message == "不能为空"
    assert refused.value.errors["received_on"] == "日期格式应为 YYYY-MM-DD"
