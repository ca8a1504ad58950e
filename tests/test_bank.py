"""The relief card month through the bank, as a cashier would run it through the API: a
plan's run → a batch approved item by item → the bank file → the bank's return with two
failures → the statement with a fee → auto-match → the reconciliation balancing to the fen
→ the month closed. Bad files are refused whole, every bad line listed."""

import io
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.api_support import Api, problem_of
from tests.test_archive_documents import assert_archive_grade

FUND = "HC-RELIEF"
ACCOUNTS = [f"62284804025648{n:05d}" for n in range(1, 7)]


def _month_of_relief(api: Api) -> dict[str, Any]:
    """A fund with 10,000.00 received on 1 November, six members on the relief card and the
    plan's run of 5 November (6 × 300.00), plus one big disbursement it cannot afford."""
    api.ok(api.post("admin", "/funds", {"code": FUND, "name": "特困党员救助基金"}), 201)
    members = [
        api.ok(
            api.post(
                "clerk",
                "/recipients",
                {
                    "member_no": f"R{n:03d}",
                    "name": f"救助对象{n}",
                    "category": "hardship",
                    "account_kind": "relief_card",
                    "account_no": ACCOUNTS[n - 1],
                    "account_bank": "某农商银行",
                },
            ),
            201,
        )
        for n in range(1, 7)
    ]
    income = {
        "source": "fiscal_support",
        "payer": "区财政局",
        "amount": "10000.00",
        "received_on": "2026-11-01",
    }
    api.ok(api.post("clerk", f"/funds/{FUND}/incomes", income), 201)
    plan = api.ok(
        api.post(
            "clerk",
            f"/funds/{FUND}/plans",
            {
                "name": "特困党员救助卡月度发放",
                "rule": "FREQ=MONTHLY;BYMONTHDAY=5",
                "start": "2026-11-01",
                "amount": "300.00",
                "aspect": "life_assistance",
                "purpose": "特困党员救助卡",
                "recipient_ids": [m["id"] for m in members],
            },
        ),
        201,
    )
    assert (
        api.ok(api.post("clerk", f"/plans/{plan['id']}/run", {"through": "2026-11-05"}))["created"]
        == 6
    )
    big = {
        "recipient_id": members[0]["id"],
        "amount": "9000.00",
        "aspect": "life_assistance",
        "purpose": "医疗救助",
    }
    too_much = api.ok(api.post("clerk", f"/funds/{FUND}/disbursements", big), 201)
    return {"members": members, "plan": plan, "too_much": too_much}


def _return_file(batch: dict[str, Any], items: list[dict[str, Any]]) -> bytes:
    lines = ["参考号,账号,户名,金额,状态,失败原因,银行流水号,日期"]
    for item, account in zip(items, ACCOUNTS, strict=True):
        failed = item["line_no"] in (2, 5)
        lines.append(
            f"{item['reference']},{account},{item['name']},300.00,"
            f"{'失败' if failed else '成功'},{'账户已冻结' if failed else ''},"
            f"B{item['line_no']:06d},2026-11-06"
        )
    lines.append(f"{batch['number']}-9999,6228000000000000,无名,300.00,成功,,B999999,2026-11-06")
    return "\n".join(lines).encode("gb18030")


def test_a_relief_month_through_the_bank(api: Api) -> None:
    month = _month_of_relief(api)
    members = month["members"]
    assert members[0]["account_no_masked"] == "6228***********0001"
    assert ACCOUNTS[0] not in str(api.ok(api.get("clerk", f"/recipients/{members[0]['id']}")))

    # A batch of every submitted disbursement; approving it refuses the one it cannot pay.
    batch = api.ok(api.post("clerk", f"/funds/{FUND}/batches", {"status": "submitted"}), 201)
    assert (batch["item_count"], batch["total"]) == (7, "10800.00")
    step = api.ok(api.post("approver", f"/batches/{batch['id']}/approve"))
    assert len(step["done"]) == 6
    assert step["refused"] == [
        {
            "line_no": 7,
            "disbursement_id": month["too_much"]["id"],
            "reason": "可用余额不足：可用 8200.00 元，申请 9000.00 元",
        }
    ]
    assert step["batch"]["by_status"]["approved"] == 6

    # The bank file: full account numbers, in the generic template, with the footer.
    problem_of(api.get("clerk", f"/batches/{batch['id']}/bank-file.xlsx"), 403)
    answer = api.get("cashier", f"/batches/{batch['id']}/bank-file.xlsx?template=generic")
    assert answer.status_code == 200, answer.text
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("序号", "账号", "户名", "金额", "用途", "参考号")
    assert [row[1] for row in rows[1:7]] == ACCOUNTS
    assert {row[3] for row in rows[1:7]} == {"300.00"}
    assert [row[:2] for row in rows[-3:]] == [
        ("批次号", batch["number"]),
        ("笔数", 6),
        ("合计金额", "1800.00"),
    ]
    cover = api.get("cashier", f"/batches/{batch['id']}/cover.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(cover.content)).pages)
    assert batch["number"] in text and "1,800.00" in text and ACCOUNTS[0] not in text
    assert_archive_grade(cover.content)

    items = api.ok(api.get("cashier", f"/batches/{batch['id']}/items"))["items"][:6]
    data = _return_file(batch, items)

    # A bad return file: every bad line listed, nothing changed.
    bad = data.replace("300.00,失败".encode("gb18030"), "3OO.00,失败".encode("gb18030"))
    bad = bad.replace("成功,,B000003".encode("gb18030"), "也许,,B000003".encode("gb18030"))
    problem = problem_of(
        api.post("cashier", f"/funds/{FUND}/bank/returns", files={"file": ("r.csv", bad)}), 422
    )
    assert sorted((e["row"], e["field"]) for e in problem["errors"]) == [
        (3, "amount"),
        (4, "status"),
        (6, "amount"),
    ]
    assert api.ok(api.get("auditor", f"/funds/{FUND}"))["balance"] == "10000.00"

    # The bank's answer: four paid on its day, two failed with its reason, one unknown line.
    result = api.ok(
        api.post("cashier", f"/funds/{FUND}/bank/returns", files={"file": ("r.csv", data)})
    )
    assert [len(result[k]) for k in ("succeeded", "failed", "unmatched", "refused")] == [4, 2, 1, 0]
    assert result["unmatched"][0]["reference"] == f"{batch['number']}-9999"
    again = api.ok(
        api.post("cashier", f"/funds/{FUND}/bank/returns", files={"file": ("r.csv", data)})
    )
    assert again["already_imported"] is True
    paid = api.ok(api.get("auditor", "/disbursements", params={"fund": FUND, "status": "paid"}))
    assert [(d["paid_on"], d["method"]) for d in paid["items"]] == [("2026-11-06", "银行代发")] * 4
    failures = api.ok(api.get("cashier", f"/funds/{FUND}/bank/failures"))["items"]
    assert [(f["reference"], f["reason"]) for f in failures] == [
        (items[1]["reference"], "账户已冻结"),
        (items[4]["reference"], "账户已冻结"),
    ]
    assert api.ok(api.get("auditor", f"/funds/{FUND}"))["balance"] == "8800.00"
    # Each failed line is put before the auditors once (the second import raised nothing).
    raised = api.ok(api.get("auditor", "/alerts", params={"fund": FUND}))["items"]
    failed_alerts = [a for a in raised if a["rule"] == "bank_payment_failed"]
    assert len(failed_alerts) == 2
    assert all("账户已冻结" in a["message"] for a in failed_alerts)

    # The statement: the income, the batch as one debit, and the bank's fee.
    statement = (
        "日期,摘要,对方户名,参考号,金额,余额\n"
        "2026-11-01,财政拨款,区财政局,,10000.00,10000.00\n"
        f"2026-11-06,代发 {batch['number']},,,-1200.00,8800.00\n"
        "2026-11-06,代发手续费,,,-2.50,8797.50\n"
    ).encode("gb18030")
    imported = api.ok(
        api.post("cashier", f"/funds/{FUND}/bank/statements", files={"file": ("s.csv", statement)})
    )
    assert (imported["added"], imported["already_imported"]) == (3, False)
    matched = api.ok(api.post("cashier", f"/funds/{FUND}/bank/auto-match", {}))
    assert [len(m["vouchers"]) for m in matched["matched"]] == [1, 4]
    assert matched["unmatched"] == 1
    reconciliation = api.ok(api.get("approver", f"/funds/{FUND}/reconciliations/2026-11.json"))
    assert reconciliation["bank_paid_book_not"][0]["amount"] == "2.50"
    assert (reconciliation["book_balance"], reconciliation["bank_balance"]) == (
        "8800.00",
        "8797.50",
    )
    assert (
        reconciliation["adjusted_book_balance"]
        == "8797.50"
        == reconciliation["adjusted_bank_balance"]
    )

    # The fund requires a confirmed reconciliation before closing.
    api.ok(api.post("admin", f"/funds/{FUND}/bank/settings", {"require_reconciliation": True}))
    refused = problem_of(api.post("approver", f"/funds/{FUND}/periods/2026-11/close"), 409)
    assert "银行对账" in refused["detail"]

    # The fee becomes an entry (approver), the month balances and is confirmed, then closed.
    fee_line = api.ok(
        api.get("approver", f"/funds/{FUND}/bank/statement-lines", params={"unmatched": True})
    )["items"][0]
    problem_of(api.post("cashier", f"/bank/statement-lines/{fee_line['id']}/book", {}), 403)
    booked = api.ok(api.post("approver", f"/bank/statement-lines/{fee_line['id']}/book", {}))
    assert booked["match_kind"] == "booked" and len(booked["vouchers"]) == 1
    confirmed = api.ok(api.post("approver", f"/funds/{FUND}/reconciliations/2026-11/confirm"))
    assert confirmed["book_balance"] == confirmed["bank_balance"] == "8797.50"
    assert confirmed["balanced"] is True
    closed = api.ok(api.post("approver", f"/funds/{FUND}/periods/2026-11/close"))
    assert (closed["closing_balance"], closed["warnings"]) == ("8797.50", [])

    figures = api.ok(api.get("auditor", f"/funds/{FUND}/statements/2026-11.json"))
    assert figures["bank"] == {"fee": "2.50", "interest": "0.00"}
    assert figures["reconciled"] is True
    assert api.ok(api.get("auditor", f"/funds/{FUND}/verify"))["ok"] is True
    pdf = api.get("approver", f"/funds/{FUND}/reconciliations/2026-11.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert_archive_grade(pdf.content)
