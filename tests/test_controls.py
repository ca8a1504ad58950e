"""Worksheets for the money controls (issue 14, items 1–4): each control refuses exactly
where it should, with the figures in the message, and lets through what it should."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from carefund import disbursements, funds, incomes, periods
from carefund.controls import budgets, changing, overrides, reviews
from carefund.errors import Conflict, ControlRefused, Forbidden, InsufficientFunds
from carefund.ledger.verify import verify
from carefund.models import Disbursement, Income, User
from carefund.reports import charts
from carefund.storage.database import Database
from tests.builders import (
    make_fund,
    make_recipient,
    make_staff,
    pay,
    record,
    submit,
)

LIFE_ONLY = [{"source": "fiscal_support", "cells": [{"aspect": "life_assistance"}]}]


@pytest.fixture
def fund(database: Database) -> dict[str, Any]:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    return {"database": database, "staff": staff}


def set_controls(database: Database, admin: User, **values: Any) -> dict:
    return database.write(
        lambda s: changing.set_controls(
            s, fund_code="HC-CARE", values={"reason": "年度管控方案"} | values, actor=admin
        )
    )


def approve(database: Database, approver: User, d: Disbursement, **fields: Any) -> Disbursement:
    return database.write(
        lambda s: disbursements.approve_disbursement(
            s, disbursement_id=d.id, actor=approver, **fields
        )
    )


def refused(kind: type[Exception], call: Any) -> str:
    with pytest.raises(kind) as caught:
        call()
    return caught.value.message  # type: ignore[attr-defined]


def sources(database: Database, admin: User) -> dict[tuple, dict]:
    answer = database.read(lambda s: funds.balances(s, code="HC-CARE", actor=admin))
    return {(pool["source"], pool["earmark"]): pool for pool in answer["sources"]}


# ---------------------------------------------------------------------------------------
# 1. Earmarks (专款专用)


def test_fiscal_money_pays_only_life_assistance_and_the_refusal_names_the_figures(fund) -> None:
    database, staff = fund["database"], fund["staff"]
    set_controls(database, staff["admin"], restrictions=LIFE_ONLY)
    record(database, staff["clerk"], "5000.00", source="fiscal_support")
    record(database, staff["clerk"], "300.00", source="member_donation", payer="第一支部")
    wang = make_recipient(database, staff["clerk"], category="hardship")
    # Spiritual care may not use fiscal money: only the 300.00 of donations can pay it.
    visit = submit(database, staff["clerk"], wang, "800.00", aspect="spiritual_care")
    message = refused(InsufficientFunds, lambda: approve(database, staff["approver"], visit))
    assert message == (
        "专款专用：生活困难党员·精神关怀 可由 党费补贴、党员募捐、社会赞助 支付，"
        "各来源可用余额为 党费补贴 0.00 元、党员募捐 300.00 元、社会赞助 0.00 元；"
        "本次 800.00 元，没有一个来源足够"
    )
    # Naming fiscal support for it is refused as well, naming what may pay the cell.
    message = refused(
        InsufficientFunds,
        lambda: approve(database, staff["approver"], visit, source="fiscal_support"),
    )
    assert message.startswith("专款专用：财政支持 不能用于 生活困难党员·精神关怀")
    # Life assistance takes the restricted fiscal money first (the narrowest source).
    aid = submit(database, staff["clerk"], wang, "1200.00", aspect="life_assistance")
    assert approve(database, staff["approver"], aid).source == "fiscal_support"
    small = submit(database, staff["clerk"], wang, "200.00", aspect="spiritual_care")
    assert approve(database, staff["approver"], small).source == "member_donation"
    pools = sources(database, staff["admin"])
    assert pools[("fiscal_support", None)] | {} == pools[("fiscal_support", None)]
    assert (
        pools[("fiscal_support", None)]["restricted"],
        pools[("fiscal_support", None)]["available"],
    ) == (True, "3800.00")
    assert pools[("member_donation", None)]["available"] == "100.00"
    assert pools[("member_donation", None)]["restricted"] is False
    # Paid: the source is in the payment's hashed document, and the books still verify.
    pay(database, staff["cashier"], aid)
    entry = database.read(lambda s: _payment_document(s, aid.id))
    assert (entry["source"], entry["earmark"]) == ("fiscal_support", None)
    assert database.read(lambda s: verify(s, funds.find_fund(s, "HC-CARE"))).ok


def _payment_document(session: Session, disbursement_id: int) -> dict:
    from carefund.ledger.hashing import stored_document
    from carefund.models import JournalEntry

    row = session.get_one(Disbursement, disbursement_id)
    return stored_document(session.get_one(JournalEntry, row.entry_id).document) or {}


def test_an_earmarked_sponsorship_pays_its_cell_first_and_nothing_else(fund) -> None:
    database, staff = fund["database"], fund["staff"]
    sponsored = database.write(
        lambda s: incomes.record_income(
            s,
            fund_code="HC-CARE",
            source="sponsorship",
            payer="某某集团",
            amount="2000.00",
            received_on="2026-04-01",
            earmark={"category": "retired", "aspect": "spiritual_care"},
            actor=staff["clerk"],
        )
    )
    assert sponsored["earmark"] == {"category": "retired", "aspect": "spiritual_care"}
    record(database, staff["clerk"], "1000.00", source="sponsorship", payer="爱心企业")
    old = make_recipient(database, staff["clerk"], category="retired")
    poor = make_recipient(database, staff["clerk"], category="hardship")
    visit = approve(
        database,
        staff["approver"],
        submit(database, staff["clerk"], old, "500.00", aspect="spiritual_care"),
    )
    assert visit.earmark_income_id == sponsored["id"]
    # A hardship member's care may not use the earmarked money: only 1,000.00 is free.
    big = submit(database, staff["clerk"], poor, "1500.00", aspect="spiritual_care")
    message = refused(InsufficientFunds, lambda: approve(database, staff["approver"], big))
    assert f"社会赞助（定向 {sponsored['receipt_no']}）" not in message
    assert "社会赞助 1,000.00 元" in message and "本次 1,500.00 元" in message
    pools = sources(database, staff["admin"])
    earmarked = pools[("sponsorship", sponsored["receipt_no"])]
    assert (earmarked["restricted"], earmarked["reserved"], earmarked["available"]) == (
        True,
        "500.00",
        "1500.00",
    )
    paid = pay(database, staff["cashier"], visit)
    document = database.read(lambda s: _payment_document(s, paid.id))
    assert (document["source"], document["earmark"]) == ("sponsorship", sponsored["receipt_no"])
    assert database.read(lambda s: verify(s, funds.find_fund(s, "HC-CARE"))).ok


# ---------------------------------------------------------------------------------------
# 2. Budgets (预算)


def set_budget(database: Database, admin: User, amount: str, reason: str = "年初预算") -> dict:
    values = {"year": 2026, "category": "hardship", "aspect": "life_assistance"}
    return database.write(
        lambda s: budgets.set_budget(
            s,
            fund_code="HC-CARE",
            values=values | {"amount": amount, "reason": reason},
            actor=admin,
        )
    )


def test_a_cell_budget_refuses_beyond_what_remains_until_an_admin_overrides(fund) -> None:
    database, staff = fund["database"], fund["staff"]
    record(database, staff["clerk"], "20000.00")
    set_budget(database, staff["admin"], "3000.00")
    set_budget(database, staff["admin"], "2500.00", reason="财政拨款减少")
    wang = make_recipient(database, staff["clerk"], category="hardship")
    first = approve(database, staff["approver"], submit(database, staff["clerk"], wang, "1000.00"))
    pay(database, staff["cashier"], first)
    approve(database, staff["approver"], submit(database, staff["clerk"], wang, "800.00"))
    third = submit(database, staff["clerk"], wang, "900.00")
    message = refused(ControlRefused, lambda: approve(database, staff["approver"], third))
    assert message == (
        "超出预算：生活困难党员·生活帮扶 2026 年预算 2,500.00 元，已支出 1,000.00 元，"
        "已审批未支付 800.00 元，剩余 700.00 元，本次 900.00 元"
    )
    # Only an admin overrides, with a reason; the figures of the moment are kept.
    override = lambda actor: database.write(  # noqa: E731
        lambda s: overrides.record_override(
            s,
            disbursement_id=third.id,
            values={"control": "budget", "reason": "突发大病"},
            actor=actor,
        )
    )
    refused(Forbidden, lambda: override(staff["approver"]))
    kept = override(staff["admin"])
    assert kept["figures"]["remaining"] == 70000 and kept["reason"] == "突发大病"
    assert approve(database, staff["approver"], third).status == "approved"
    figures = database.read(
        lambda s: budgets.read_budgets(s, fund_code="HC-CARE", year=2026, actor=staff["auditor"])
    )
    [cell] = [
        c
        for c in figures["cells"]
        if c["category"] == "hardship" and c["aspect"] == "life_assistance"
    ]
    assert cell == {
        "category": "hardship",
        "aspect": "life_assistance",
        "budget": "2500.00",
        "spent": "1000.00",
        "committed": "1700.00",
        "remaining": "-200.00",
    }
    # The charts draw that budget against what was paid (budget cells only).
    drawn = database.read(
        lambda s: charts.statement_charts(
            s, fund_code="HC-CARE", period="2026", actor=staff["auditor"]
        )
    )
    assert drawn.budget is not None
    assert [(r.label, r.budget_fen, r.actual_fen) for r in drawn.budget.rows] == [
        ("生活困难党员·生活帮扶", 250000, 100000)
    ]
    history = database.read(
        lambda s: budgets.budget_history(s, fund_code="HC-CARE", year=2026, actor=staff["clerk"])
    )
    assert [(h["previous"], h["amount"], h["reason"]) for h in history["items"]] == [
        (None, "3000.00", "年初预算"),
        ("3000.00", "2500.00", "财政拨款减少"),
    ]


def test_an_override_of_a_control_that_does_not_refuse_is_refused(fund) -> None:
    database, staff = fund["database"], fund["staff"]
    record(database, staff["clerk"], "1000.00")
    wang = make_recipient(database, staff["clerk"])
    asked = submit(database, staff["clerk"], wang, "100.00")
    message = refused(
        Conflict,
        lambda: database.write(
            lambda s: overrides.record_override(
                s,
                disbursement_id=asked.id,
                values={"control": "cap", "reason": "x"},
                actor=staff["admin"],
            )
        ),
    )
    assert message == f"支出 #{asked.id} 未超出年度上限，无需越权"


# ---------------------------------------------------------------------------------------
# 3. Tiered approval (分级审批) and income review (复核)


def test_above_the_threshold_two_approvers_and_the_meeting_approve(fund) -> None:
    database, staff = fund["database"], fund["staff"]
    set_controls(database, staff["admin"], approval_threshold="5000.00")
    record(database, staff["clerk"], "20000.00")
    wang = make_recipient(database, staff["clerk"])
    small = approve(database, staff["approver"], submit(database, staff["clerk"], wang, "5000.00"))
    assert small.status == "approved" and small.first_approved_by is None
    large = submit(database, staff["clerk"], wang, "6000.00")
    once = approve(database, staff["approver"], large)
    assert (once.status, once.first_approved_by, once.approved_by) == (
        "submitted",
        "approver",
        None,
    )
    refused(Forbidden, lambda: approve(database, staff["approver"], large))
    message = refused(ControlRefused, lambda: approve(database, staff["approver2"], large))
    assert message == "分级审批：超过 5,000.00 元的支出须经集体决策，请填写会议纪要编号与会议日期"
    twice = approve(
        database,
        staff["approver2"],
        large,
        meeting_no="区委组织部会议纪要〔2026〕12号",
        meeting_on="2026-12-20",
    )
    assert (twice.status, twice.approved_by) == ("approved", "approver2")
    public = database.read(
        lambda s: disbursements.get_disbursement(
            s, disbursement_id=large.id, actor=staff["auditor"]
        )
    )
    assert public["approvals"] == ["approver", "approver2"]
    assert public["meeting_no"] == "区委组织部会议纪要〔2026〕12号"
    # Neither approver pays; the document names both.
    refused(Forbidden, lambda: pay(database, staff["approver"], large))
    paid = pay(database, staff["cashier"], large)
    assert (
        database.read(lambda s: _payment_document(s, paid.id))["approved_by"]
        == "approver、approver2"
    )
    assert database.read(lambda s: verify(s, funds.find_fund(s, "HC-CARE"))).ok


def test_a_large_income_needs_a_second_person_and_blocks_its_month_until_reviewed(fund) -> None:
    database, staff = fund["database"], fund["staff"]
    set_controls(database, staff["admin"], review_threshold="10000.00")
    small = record(database, staff["clerk"], "10000.00", on="2026-11-03")
    large = record(database, staff["clerk"], "10000.01", on="2026-11-05")
    assert (small.review_required, large.review_required) == (False, True)
    close = lambda: database.write(  # noqa: E731
        lambda s: periods.close_period(
            s, fund_code="HC-CARE", month="2026-11", actor=staff["approver"]
        )
    )
    assert refused(Conflict, close) == f"2026-11 不能结账：以下大额收入尚未复核：{large.receipt_no}"
    review = lambda actor: database.write(  # noqa: E731
        lambda s: reviews.review_income(s, income_id=large.id, actor=actor)
    )
    assert (
        refused(Forbidden, lambda: review(staff["clerk"]))
        == "不相容职务分离：记录人不能复核自己记录的收入"
    )
    assert review(staff["clerk2"])["reviewed_by"] == "clerk2"
    close()
    result = database.read(lambda s: verify(s, funds.find_fund(s, "HC-CARE")))
    assert result.ok and result.entries == 4  # two incomes, the review, the seal
    row = database.read(lambda s: s.get_one(Income, large.id))
    assert row.reviewed_by == "clerk2" and row.review_entry_id is not None


# ---------------------------------------------------------------------------------------
# 4. Caps and standards (超标准)


def test_caps_and_standards_refuse_with_the_figures(fund) -> None:
    database, staff = fund["database"], fund["staff"]
    set_controls(
        database,
        staff["admin"],
        caps={"overall": "3000.00", "by_aspect": {"spiritual_care": "500.00"}},
        standards={"hardship": "1000.00"},
    )
    record(database, staff["clerk"], "20000.00")
    wang = make_recipient(database, staff["clerk"], category="hardship")
    message = refused(
        ControlRefused,
        lambda: approve(
            database, staff["approver"], submit(database, staff["clerk"], wang, "1000.01")
        ),
    )
    assert message == "超出发放标准：生活困难党员每次标准 1,000.00 元，本次 1,000.01 元"
    for amount in ("1000.00", "1000.00"):
        pay(
            database,
            staff["cashier"],
            approve(database, staff["approver"], submit(database, staff["clerk"], wang, amount)),
        )
    approve(
        database,
        staff["approver"],
        submit(database, staff["clerk"], wang, "400.00", aspect="spiritual_care"),
    )
    care = submit(database, staff["clerk"], wang, "200.00", aspect="spiritual_care")
    message = refused(ControlRefused, lambda: approve(database, staff["approver"], care))
    assert message == "超出精神关怀年度上限：上限 500.00 元，本年已获 400.00 元，本次 200.00 元"
    last = submit(database, staff["clerk"], wang, "800.00")
    message = refused(ControlRefused, lambda: approve(database, staff["approver"], last))
    assert message == "超出年度上限：上限 3,000.00 元，本年已获 2,400.00 元，本次 800.00 元"
    database.write(
        lambda s: overrides.record_override(
            s,
            disbursement_id=last.id,
            values={"control": "cap", "reason": "重病特批"},
            actor=staff["admin"],
        )
    )
    assert approve(database, staff["approver"], last).status == "approved"


# ---------------------------------------------------------------------------------------
# The statement: per-source balances, source × cell, budget against actual


def test_the_statement_shows_sources_and_budget_in_json_pdf_and_xlsx(fund) -> None:
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from carefund.reports.documents import statement_public, statement_view
    from receipts.exports import statement_xlsx
    from receipts.statement import render_statement

    database, staff = fund["database"], fund["staff"]
    set_controls(database, staff["admin"], restrictions=LIFE_ONLY)
    set_budget(database, staff["admin"], "3000.00")
    record(database, staff["clerk"], "5000.00", source="fiscal_support", on="2026-11-02")
    record(database, staff["clerk"], "800.00", source="member_donation", on="2026-11-03")
    wang = make_recipient(database, staff["clerk"], category="hardship")
    paid = approve(database, staff["approver"], submit(database, staff["clerk"], wang, "1200.00"))
    pay(database, staff["cashier"], paid, on="2026-11-20")
    care = submit(database, staff["clerk"], wang, "300.00", aspect="spiritual_care")
    pay(database, staff["cashier"], approve(database, staff["approver"], care), on="2026-11-21")
    approve(database, staff["approver"], submit(database, staff["clerk"], wang, "500.00"))
    answer = database.read(
        lambda s: statement_public(s, fund_code="HC-CARE", period="2026-11", actor=staff["auditor"])
    )
    by_source = {row["source"]: row for row in answer["sources"]}
    assert by_source["fiscal_support"] == {
        "source": "fiscal_support",
        "earmark": None,
        "restricted": True,
        "income": "5000.00",
        "paid": "1200.00",
        "balance": "3800.00",
    }
    assert by_source["member_donation"]["balance"] == "500.00"
    assert answer["source_by_cell"] == {
        "fiscal_support": {"hardship": {"life_assistance": "1200.00"}},
        "member_donation": {"hardship": {"spiritual_care": "300.00"}},
    }
    [cell] = [c for c in answer["budget"]["cells"] if c["budget"] is not None]
    assert (cell["spent"], cell["committed"], cell["remaining"]) == ("1200.00", "500.00", "1300.00")
    assert (
        answer["reconciled"]
        and answer["checks"][-1]["name"] == "各资金来源余额合计＋银行利息−手续费＝期末余额"
    )

    def view_of(s):
        return statement_view(s, fund_code="HC-CARE", period="2026-11", actor=staff["auditor"])  # noqa: E731

    pdf = database.read(lambda s: render_statement(view_of(s)))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("资金来源与专款专用", "3,800.00", "2026 年预算执行", "1,300.00"):
        assert expected in text, expected
    workbook = load_workbook(io.BytesIO(database.read(lambda s: statement_xlsx(view_of(s)))))
    rows = list(workbook["资金来源与预算"].iter_rows(values_only=True))
    fiscal = next(row for row in rows if row[0] == "财政支持")
    assert (fiscal[2], float(fiscal[3]), float(fiscal[4]), float(fiscal[5])) == (
        "是",
        5000,
        1200,
        3800,
    )
    budget = next(row for row in rows if row[:2] == ("生活困难党员", "生活帮扶"))
    assert [float(v) for v in budget[2:6]] == [3000, 1200, 500, 1300]


# ---------------------------------------------------------------------------------------
# Balances on a past day


def test_a_past_balance_keeps_nothing_back_for_todays_approvals(fund) -> None:
    """Approved-but-unpaid money is today's promise: it lowers today's `available`, never a
    past day's (which has nothing committed: available = balance)."""
    database, staff = fund["database"], fund["staff"]
    admin = staff["admin"]
    record(database, staff["clerk"], "1000.00", on="2026-03-05")
    record(database, staff["clerk"], "500.00", on="2026-06-05")
    person = make_recipient(database, staff["clerk"])
    approve(database, staff["approver"], submit(database, staff["clerk"], person, "300.00"))

    def balances(as_of: date | None) -> dict:
        return database.read(lambda s: funds.balances(s, code="HC-CARE", as_of=as_of, actor=admin))

    now = balances(None)
    assert (now["balance"], now["available"]) == ("1500.00", "1200.00")
    assert balances(date(2026, 12, 31))["available"] == "1200.00"  # today (the tests' clock)
    march = balances(date(2026, 3, 31))
    assert (march["as_of"], march["balance"], march["available"]) == (
        "2026-03-31",
        "1000.00",
        "1000.00",
    )
    assert all(pool["reserved"] == "0.00" for pool in march["sources"])
    assert sum(Decimal(pool["reserved"]) for pool in now["sources"]) == Decimal("300.00")
