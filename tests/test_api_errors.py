"""Bad input through HTTP: always an RFC 9457 problem, never a 500, nothing written."""

import re

import pytest

from api.middleware import REQUEST_BODY_MAX_BYTES
from api.paging import PAGE_SIZE_MAX
from carefund import clock
from tests.api_support import Api, make_api, problem_of

INCOME = {"source": "fiscal_support", "payer": "区财政局", "received_on": "2026-11-05"}


@pytest.fixture
def fund(api: Api) -> Api:
    api.ok(api.post("admin", "/funds", {"code": "HC-CARE", "name": "某区党内关爱基金"}), 201)
    return api


def post_raw(api: Api, path: str, body: bytes, who: str = "clerk") -> object:
    return api.post(who, path, content=body, headers={"Content-Type": "application/json"})


def books_untouched(api: Api) -> None:
    fund = api.ok(api.get("auditor", "/funds/HC-CARE"))
    assert fund["balance"] == "0.00"
    assert api.ok(api.get("auditor", "/funds/HC-CARE/journal"))["items"] == []


@pytest.mark.parametrize(
    "amount",
    [
        "1.234",
        -1,
        "-1",
        0,
        "0",
        "0.00",
        "abc",
        "",
        " 1",
        "1,000.00",
        "1e3",
        "NaN",
        "Infinity",
        "1000000000.01",
        1000000000.01,
        "99999999999",
        1.234,
        True,
        None,
        [1],
        {"yuan": 1},
        0.001,
    ],
)
def test_bad_amounts_are_refused_with_422(fund: Api, amount: object) -> None:
    problem = problem_of(
        fund.post("clerk", "/funds/HC-CARE/incomes", INCOME | {"amount": amount}), 422
    )
    assert problem["errors"] and problem["errors"][0]["loc"][:2] == ["body", "amount"]
    books_untouched(fund)


@pytest.mark.parametrize(
    "raw",
    [
        b"1e400",
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"1E2",
        b"12345678901234567890.12",
        b"1.0000000000000001",
        b"9" * 5000,
        b"100.000",  # three decimals, even as zeros (issue 13)
        b'"100.000"',
    ],
)
def test_numbers_that_float_would_mangle_are_refused(fund: Api, raw: bytes) -> None:
    body = b'{"source": "fiscal_support", "payer": "x", "received_on": "2026-11-05", "amount": '
    problem_of(post_raw(fund, "/funds/HC-CARE/incomes", body + raw + b"}"), 422)
    books_untouched(fund)


@pytest.mark.parametrize(
    "raw, fen",
    [
        (b"1234.56", "1234.56"),
        (b"0.1", "0.10"),
        (b"7", "7.00"),
        (b"1000000000.00", "1000000000.00"),
        (b"2.50", "2.50"),
        (b'"\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90"', "1000.00"),  # "１０００"
    ],
)
def test_json_numbers_with_two_decimals_are_taken_exactly(fund: Api, raw: bytes, fen: str) -> None:
    body = b'{"source": "fiscal_support", "payer": "x", "received_on": "2026-11-05", "amount": '
    assert (
        fund.ok(post_raw(fund, "/funds/HC-CARE/incomes", body + raw + b"}"), 201)["amount"] == fen
    )


@pytest.mark.parametrize("field", ["balance", "status", "created_by", "id", "receipt_no"])
def test_unknown_fields_are_refused_not_assigned(fund: Api, field: str) -> None:
    problem = problem_of(
        fund.post("clerk", "/funds/HC-CARE/incomes", INCOME | {"amount": "1.00", field: "x"}), 422
    )
    assert problem["errors"][0]["loc"] == ["body", field]
    books_untouched(fund)


def test_every_body_forbids_unknown_fields(fund: Api) -> None:
    recipient = fund.ok(
        fund.post(
            "clerk", "/recipients", {"member_no": "M1", "name": "王小明", "category": "hardship"}
        ),
        201,
    )
    problem_of(
        fund.post(
            "clerk",
            "/recipients",
            {"member_no": "M2", "name": "李", "category": "hardship", "active": False},
        ),
        422,
    )
    problem_of(fund.patch("clerk", f"/recipients/{recipient['id']}", {"member_no": "M9"}), 422)
    problem_of(fund.post("admin", "/funds", {"code": "X-1", "name": "x", "balance": "9"}), 422)
    submitted = fund.ok(
        fund.post(
            "clerk",
            "/funds/HC-CARE/disbursements",
            {"recipient_id": recipient["id"], "amount": "1", "aspect": "life_assistance"},
        ),
        201,
    )
    problem_of(
        fund.post(
            "clerk",
            "/funds/HC-CARE/disbursements",
            {
                "recipient_id": recipient["id"],
                "amount": "1",
                "aspect": "life_assistance",
                "status": "paid",
            },
        ),
        422,
    )
    problem_of(
        fund.post(
            "approver", f"/disbursements/{submitted['id']}/approve", {"approved_by": "clerk"}
        ),
        422,
    )
    problem_of(
        fund.post(
            "cashier",
            f"/disbursements/{submitted['id']}/pay",
            {"paid_on": "2026-11-05", "paid_by": "x"},
        ),
        422,
    )
    # An empty object is as good as no body where none is asked for.
    assert fund.ok(fund.post("clerk", f"/disbursements/{submitted['id']}/cancel", {}))


@pytest.mark.parametrize(
    "change",
    [
        {"received_on": "2026-13-01"},
        {"received_on": 1730764800},
        {"received_on": "05/11/2026"},
        {"received_on": "1999-12-31"},
        {"source": "lottery"},
        {"payer": ""},
        {"payer": "x" * 201},
        {"payer": "a\x00b"},
        {"memo": 5},
        {"source": None},
    ],
)
def test_other_bad_fields_are_refused_with_422(fund: Api, change: dict) -> None:
    problem_of(fund.post("clerk", "/funds/HC-CARE/incomes", INCOME | {"amount": "1"} | change), 422)
    books_untouched(fund)


def test_missing_and_malformed_bodies(fund: Api) -> None:
    problem_of(fund.post("clerk", "/funds/HC-CARE/incomes"), 422)
    problem_of(post_raw(fund, "/funds/HC-CARE/incomes", b"{not json"), 422)
    problem_of(post_raw(fund, "/funds/HC-CARE/incomes", b"[1, 2]"), 422)
    problem_of(post_raw(fund, "/funds/HC-CARE/incomes", b"\xff\xfe\x00"), 422)
    problem_of(
        fund.post(
            "clerk",
            "/funds/HC-CARE/disbursements",
            {"recipient_id": "1", "amount": "1", "aspect": "life_assistance"},
        ),
        422,
    )


def test_bodies_over_the_limit_get_413(fund: Api) -> None:
    padding = "x" * REQUEST_BODY_MAX_BYTES
    problem_of(fund.post("clerk", "/funds/HC-CARE/incomes", INCOME | {"memo": padding}), 413)

    def chunked():  # no Content-Length: the limit counts what arrives
        yield b'{"memo": "'
        for _ in range(REQUEST_BODY_MAX_BYTES // 1000 + 1):
            yield b"x" * 1000
        yield b'"}'

    problem_of(fund.post("clerk", "/funds/HC-CARE/incomes", content=chunked()), 413)
    books_untouched(fund)


def test_unknown_paths_methods_and_ids(fund: Api) -> None:
    problem_of(fund.get("clerk", "/no-such-thing"), 404)
    problem_of(fund.client.get("/no-such-thing"), 404)
    problem_of(fund.request("DELETE", "admin", "/funds/HC-CARE"), 405)
    problem_of(fund.request("PUT", "admin", "/funds"), 405)
    problem_of(fund.get("clerk", "/funds/NO-SUCH"), 404)
    problem_of(fund.get("clerk", "/funds/bad%00code"), 404)
    problem_of(fund.get("clerk", "/incomes/1"), 404)
    problem_of(fund.get("clerk", "/incomes/abc"), 422)
    problem_of(fund.get("clerk", "/incomes/0"), 422)
    problem_of(fund.get("clerk", f"/incomes/{2**63}"), 422)
    problem_of(fund.get("clerk", "/disbursements/2147483647"), 404)
    problem_of(fund.post("approver", "/disbursements/2147483647/approve"), 404)
    problem_of(fund.get("clerk", "/recipients", params={"q": "a\x00b"}), 422)
    this_month = clock.today().strftime("%Y-%m")  # not over yet, so it cannot be closed
    problem_of(fund.post("approver", f"/funds/HC-CARE/periods/{this_month}/close"), 409)
    problem_of(fund.post("approver", "/funds/HC-CARE/periods/2026-1/close"), 422)
    problem_of(fund.post("approver", "/funds/HC-CARE/periods/2026-00/close"), 422)


def test_unknown_query_parameters_are_refused(fund: Api) -> None:
    # A mistyped filter must not quietly answer the whole, unfiltered list.
    problem = problem_of(fund.get("auditor", "/funds/HC-CARE/incomes", params={"sorce": "x"}), 422)
    assert problem["errors"][0]["loc"] == ["query", "sorce"]
    problem_of(fund.get("auditor", "/disbursements", params={"from": "0"}), 422)
    problem_of(fund.get("auditor", "/funds/HC-CARE/balances", params={"as_of": "1"}), 422)


@pytest.mark.parametrize("limit", [0, -1, PAGE_SIZE_MAX + 1, "x"])
def test_limits_outside_the_bounds_are_422(fund: Api, limit: object) -> None:
    for path in (
        "/funds",
        "/recipients",
        "/disbursements",
        "/funds/HC-CARE/incomes",
        "/funds/HC-CARE/journal",
        "/funds/HC-CARE/periods",
        "/events",
    ):
        problem_of(fund.get("auditor", path, params={"limit": limit}), 422)


@pytest.mark.parametrize("cursor", ["garbage", "YWJj", "Yzo6LTE", "x" * 65])
def test_cursors_not_made_by_the_server_are_422(fund: Api, cursor: str) -> None:
    problem = problem_of(fund.get("auditor", "/recipients", params={"cursor": cursor}), 422)
    assert problem["errors"][0]["loc"][0] == "query"
    problem_of(fund.get("auditor", "/events", params={"after": cursor}), 422)


def test_no_token_or_a_bad_one_is_401(fund: Api) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic YTpi"},
        {"Authorization": "Bearer "},
    ):
        answer = fund.client.get("/api/v1/funds", headers=headers)
        problem_of(answer, 401)
        assert answer.headers["www-authenticate"] == "Bearer"
    problem_of(
        fund.client.post("/api/v1/funds/HC-CARE/incomes", json=INCOME | {"amount": "1"}), 401
    )
    assert fund.client.get("/healthz").json() == {"ok": True}


def test_an_unexpected_failure_is_a_500_without_a_trace(database, monkeypatch) -> None:
    from carefund import funds

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals at /etc/carefund")

    monkeypatch.setattr(funds, "read_funds", broken)
    for api in make_api(database, raise_server_exceptions=False):
        answer = api.get("auditor", "/funds")
        problem = problem_of(answer, 500)
        assert "secret" not in answer.text and "RuntimeError" not in answer.text
        assert problem["detail"]


ENGLISH = re.compile(r"Input should|Field required|Value error|String should|Extra inputs|valid")


def chinese_errors(problem: dict) -> list[tuple[tuple, str, str]]:
    """(loc, type, msg) of each error, after checking that each msg is Chinese."""
    assert problem["errors"], problem
    for error in problem["errors"]:
        assert re.search("[\u4e00-\u9fff]", error["msg"]) and not ENGLISH.search(error["msg"]), (
            error
        )
        assert error["type"], error
    return [(tuple(e["loc"]), e["type"], e["msg"]) for e in problem["errors"]]


def test_validation_messages_are_chinese_and_keep_their_type(fund: Api) -> None:
    refused = chinese_errors(
        problem_of(fund.post("clerk", "/funds/HC-CARE/incomes", {"payer": 7, "nope": 1}), 422)
    )
    assert (("body", "source"), "missing", "必填") in refused
    assert (("body", "amount"), "missing", "必填") in refused
    assert (("body", "payer"), "string_type", "应为文本") in refused
    assert (("body", "nope"), "extra_forbidden", "未知的字段") in refused
    bad_date = INCOME | {"amount": "1.00", "received_on": "2026-13-01"}
    [(loc, kind, msg)] = chinese_errors(
        problem_of(fund.post("clerk", "/funds/HC-CARE/incomes", bad_date), 422)
    )
    assert (loc, kind, msg) == (
        ("body", "received_on"),
        "date_from_datetime_parsing",
        "日期格式应为 YYYY-MM-DD",
    )
    [(loc, kind, msg)] = chinese_errors(
        problem_of(fund.post("clerk", "/funds/HC-CARE/incomes", INCOME | {"amount": "x"}), 422)
    )
    assert loc[:2] == ("body", "amount") and kind == "value_error" and "金额" in msg
    [(loc, kind, msg)] = chinese_errors(
        problem_of(fund.get("auditor", "/funds", params={"limit": PAGE_SIZE_MAX + 1}), 422)
    )
    assert (loc, kind, msg) == (("query", "limit"), "less_than_equal", f"应不大于 {PAGE_SIZE_MAX}")
    [(loc, kind, msg)] = chinese_errors(
        problem_of(fund.get("auditor", "/funds", params={"sorce": "x"}), 422)
    )
    assert (loc, kind, msg) == (("query", "sorce"), "extra_forbidden", "未知的查询参数")
    # The domain's own refusals carry a type too.
    domain = problem_of(fund.post("clerk", "/funds/HC-CARE/incomes", INCOME | {"amount": "0"}), 422)
    assert all(error["type"] == "value_error" for error in domain["errors"])
    assert problem_of(fund.get("auditor", "/no-such-thing"), 404)["detail"] == "不存在"
