"""Bank statements: bad files refused whole with every bad line listed; the same file or an
overlapping one adds nothing twice; matching by hand, and undoing it, in the audit log;
interest booked as income outside the four sources; a month that does not balance is not
confirmed."""

import io

from openpyxl import Workbook, load_workbook

from carefund.audit import history
from tests.api_support import Api, problem_of

FUND = "HC-CARE"


def _fund_with_income(api: Api) -> None:
    api.ok(api.post("admin", "/funds", {"code": FUND, "name": "某区党内关爱基金"}), 201)
    income = {
        "source": "member_donation",
        "payer": "张三",
        "amount": "500.00",
        "received_on": "2026-11-03",
    }
    api.ok(api.post("clerk", f"/funds/{FUND}/incomes", income), 201)


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["某银行 账户明细"])  # a title row above the header, as banks write
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(api: Api, data: bytes, **form: str) -> object:
    return api.post(
        "cashier", f"/funds/{FUND}/bank/statements", files={"file": ("s.xlsx", data)}, data=form
    )


def test_a_bad_statement_lists_every_bad_line_and_adds_none(api: Api) -> None:
    _fund_with_income(api)
    data = _xlsx(
        [
            ["交易日期", "借方发生额", "贷方发生额", "账户余额", "对方户名", "摘要"],
            ["2026-11-03", "", "500.00", "500.00", "张三", "捐款"],
            ["2026-13-01", "", "1.00", "501.00", "", "利息"],
            ["2026-11-20", "2.00", "3.00", "499.00", "", "?"],
            ["2026-11-21", "", "0.35", "abc", "", "结息"],
        ]
    )
    problem = problem_of(_upload(api, data, preset="debit_credit"), 422)
    assert sorted((e["row"], e["field"]) for e in problem["errors"]) == [
        (4, "booked_on"),
        (5, "amount"),
        (6, "balance"),
    ]
    lines = api.ok(api.get("cashier", f"/funds/{FUND}/bank/statement-lines"))["items"]
    assert lines == []


def test_statements_by_mapping_once_and_matched_by_hand(api: Api) -> None:
    _fund_with_income(api)
    header = ["记账日", "收支", "结余", "户名"]
    first = _xlsx([header, ["2026-11-04", "500.00", "500.00", "某人"]])
    mapping = '{"booked_on": "记账日", "amount": "收支", "balance": "结余", "counterparty": "户名"}'
    answer = api.ok(_upload(api, first, mapping=mapping))
    assert (answer["added"], answer["already_imported"]) == (1, False)
    assert api.ok(_upload(api, first, mapping=mapping))["already_imported"] is True
    overlapping = _xlsx(
        [
            header,
            ["2026-11-04", "500.00", "500.00", "某人"],
            ["2026-11-21", "0.35", "500.35", ""],
        ]
    )
    answer = api.ok(_upload(api, overlapping, mapping=mapping))
    assert (answer["added"], answer["repeated"]) == (1, 1)

    # The counterparty names nobody: the machine leaves it; a cashier matches it by hand.
    assert api.ok(api.post("cashier", f"/funds/{FUND}/bank/auto-match", {}))["matched"] == []
    lines = api.ok(api.get("cashier", f"/funds/{FUND}/bank/statement-lines"))["items"]
    deposit, interest = lines
    wrong = api.post(
        "cashier", f"/bank/statement-lines/{interest['id']}/match", {"vouchers": ["记-202611-0001"]}
    )
    assert "不符" in problem_of(wrong, 409)["detail"]
    matched = api.ok(
        api.post(
            "cashier",
            f"/bank/statement-lines/{deposit['id']}/match",
            {"vouchers": ["记-202611-0001"]},
        )
    )
    assert (matched["match_kind"], matched["vouchers"]) == ("manual", ["记-202611-0001"])
    undone = api.ok(api.post("cashier", f"/bank/statement-lines/{deposit['id']}/unmatch"))
    assert (undone["match_kind"], undone["vouchers"]) == (None, [])
    api.ok(
        api.post(
            "cashier",
            f"/bank/statement-lines/{deposit['id']}/match",
            {"vouchers": ["记-202611-0001"]},
        )
    )
    trail = api.database.read(lambda s: history(s, "bank_statement_line", deposit["id"]))
    assert [(t.actor, t.action) for t in trail] == [
        ("cashier", "bank.statement.matched"),
        ("cashier", "bank.statement.unmatched"),
        ("cashier", "bank.statement.matched"),
    ]

    # Not balanced while the interest is not booked? It is: an item in transit explains it.
    month = api.ok(api.get("approver", f"/funds/{FUND}/reconciliations/2026-11.json"))
    assert month["bank_received_book_not"][0]["amount"] == "0.35"
    assert month["balanced"] is True
    api.ok(
        api.post(
            "approver",
            f"/bank/statement-lines/{interest['id']}/book",
            {"description": "第四季度结息"},
        )
    )
    figures = api.ok(api.get("auditor", f"/funds/{FUND}/statements/2026-11.json"))
    assert figures["bank"] == {"fee": "0.00", "interest": "0.35"}
    assert figures["closing_balance"] == "500.35" and figures["reconciled"] is True
    assert figures["income"]["total"] == "500.00"
    sheet = api.get("approver", f"/funds/{FUND}/reconciliations/2026-11.xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert ("调节后的银行对账单余额", None, None, None, "500.35") in rows
    assert api.ok(api.get("auditor", f"/funds/{FUND}/verify"))["ok"] is True


def test_a_month_that_does_not_balance_is_not_confirmed(api: Api) -> None:
    _fund_with_income(api)
    data = _xlsx([["日期", "金额", "余额"], ["2026-11-03", "500.00", "600.00"]])
    api.ok(_upload(api, data))
    refused = problem_of(
        api.post("approver", f"/funds/{FUND}/reconciliations/2026-11/confirm"), 409
    )
    assert "调节后余额不相等" in refused["detail"]
    closed = api.ok(api.post("approver", f"/funds/{FUND}/periods/2026-11/close"))
    assert closed["warnings"] == [f"{FUND} 2026-11 的银行对账（银行存款余额调节表）尚未确认"]
