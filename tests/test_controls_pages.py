"""The money controls at the pages (issue 14): approving above the threshold with the
meeting (三重一大) and a chosen source, refusals shown on the page with nothing changed,
the income review (复核), and the administrator's forms on /books/controls."""

from typing import Any

import pytest

from carefund import disbursements
from carefund.controls import changing, overrides
from carefund.models import Disbursement
from tests.builders import make_recipient, record, submit
from tests.pages_support import Pages, cheap_password_hashing, field_error, make_pages

QUEUE = "/disbursements/approvals"


@pytest.fixture
def pages(database, monkeypatch) -> Pages:
    cheap_password_hashing(monkeypatch)
    return make_pages(database)


def set_controls(pages: Pages, **values: Any) -> None:
    pages.database.write(
        lambda s: changing.set_controls(
            s,
            fund_code="HC-CARE",
            values={"reason": "年度管控方案"} | values,
            actor=pages.staff["admin"],
        )
    )


def shown(pages: Pages, d: Disbursement) -> dict[str, Any]:
    return pages.database.read(
        lambda s: disbursements.get_disbursement(
            s, disbursement_id=d.id, actor=pages.staff["admin"]
        )
    )


def approve_from_queue(desk, d: Disbursement, **data: str):
    return desk.post(f"/disbursements/{d.id}/approve", {"back": QUEUE} | data, form_page=QUEUE)


def test_two_approvers_and_the_meeting_above_the_threshold(pages: Pages) -> None:
    staff = pages.staff
    set_controls(pages, approval_threshold="5000.00")
    record(pages.database, staff["clerk"], "20000.00", source="fiscal_support")
    record(pages.database, staff["clerk"], "9000.00", source="sponsorship", payer="某企业")
    wang = make_recipient(pages.database, staff["clerk"])
    big = submit(pages.database, staff["clerk"], wang, "8000.00")
    small = submit(pages.database, staff["clerk"], wang, "300.00")
    approver, admin = pages.desk("approver"), pages.desk("admin")
    queue = approver.page(QUEUE)
    assert "超过 ¥5,000.00：须两人审批" in queue and 'name="meeting_no"' in queue
    assert "社会赞助（可用 ¥9,000.00）" in queue and "按规则自动取用" in queue
    # The first approval keeps it submitted and records the meeting given with it.
    first = approve_from_queue(
        approver, big, meeting_no="区委〔2026〕12号", meeting_on="2026-12-20"
    )
    assert first.headers["location"] == f"{QUEUE}?done=first_approved"
    assert shown(pages, big)["status"] == "submitted"
    assert shown(pages, big)["approvals"] == ["approver"]
    again = approver.page(f"{QUEUE}?done=first_approved")
    assert "还须另一位审批人审批" in again and "已由您审批，待另一位审批人" in again
    assert "已审批：approver（会议 区委〔2026〕12号" in again
    # The same approver again is refused on the page (he has no form; a post is refused).
    # The second approver names the sponsorship money.
    second = approve_from_queue(admin, big, pool="sponsorship")
    assert second.headers["location"] == f"{QUEUE}?done=approved"
    done = shown(pages, big)
    assert done["status"] == "approved" and done["approvals"] == ["approver", "admin"]
    assert done["source"] == "sponsorship" and done["meeting_no"] == "区委〔2026〕12号"
    # Below the threshold one approval does; no meeting asked.
    assert approve_from_queue(approver, small).headers["location"] == f"{QUEUE}?done=approved"
    assert shown(pages, small)["source"] == "fiscal_support"


def test_a_second_approval_without_the_meeting_is_refused_on_the_page(pages: Pages) -> None:
    staff = pages.staff
    set_controls(pages, approval_threshold="5000.00")
    record(pages.database, staff["clerk"], "20000.00", source="fiscal_support")
    wang = make_recipient(pages.database, staff["clerk"])
    big = submit(pages.database, staff["clerk"], wang, "8000.00")
    assert approve_from_queue(pages.desk("approver"), big).status_code == 303
    admin = pages.desk("admin")
    refused = approve_from_queue(admin, big)
    assert refused.status_code == 409
    assert f"支出 #{big.id} 未能审批，未作任何更改" in refused.text
    assert "请填写会议纪要编号与会议日期" in field_error(refused.text, "meeting_no")
    assert shown(pages, big)["approvals"] == ["approver"]
    future = approve_from_queue(admin, big, meeting_no="12号", meeting_on="2027-01-05")
    assert future.status_code == 422 and field_error(future.text, "meeting_on")
    assert shown(pages, big)["status"] == "submitted"


def test_cap_and_earmark_refusals_are_shown_and_change_nothing(pages: Pages) -> None:
    staff = pages.staff
    set_controls(
        pages,
        caps={"overall": "1000.00"},
        restrictions=[{"source": "fiscal_support", "cells": [{"aspect": "life_assistance"}]}],
    )
    record(pages.database, staff["clerk"], "5000.00", source="fiscal_support")
    record(pages.database, staff["clerk"], "5000.00", source="member_donation", payer="一支部")
    wang = make_recipient(pages.database, staff["clerk"])
    over = submit(pages.database, staff["clerk"], wang, "1200.00")
    visit = submit(pages.database, staff["clerk"], wang, "500.00", aspect="spiritual_care")
    approver = pages.desk("approver")
    capped = approve_from_queue(approver, over)
    assert capped.status_code == 409
    assert "超出年度上限：上限 1,000.00 元，本年已获 0.00 元，本次 1,200.00 元" in capped.text
    assert shown(pages, over)["status"] == "submitted"
    wrong = approve_from_queue(approver, visit, pool="fiscal_support")
    assert wrong.status_code == 409 and "专款专用" in field_error(wrong.text, "pool")
    assert shown(pages, visit)["status"] == "submitted" and shown(pages, visit)["source"] is None
    # The detail page's form takes the same fields.
    detail = approver.page(f"/disbursements/{visit.id}")
    assert 'name="pool"' in detail and "党员募捐" in detail


def test_a_large_income_is_reviewed_by_someone_else_from_its_page(pages: Pages) -> None:
    staff = pages.staff
    set_controls(pages, review_threshold="50000.00")
    large = record(pages.database, staff["clerk"], "80000.00", source="fiscal_support")
    small = record(pages.database, staff["clerk"], "500.00", source="fiscal_support")
    page = f"/incomes/{large.id}"
    clerk = pages.desk("clerk")
    own = clerk.page(page)
    assert (
        "待复核" in own
        and "须由其他人复核" in own
        and 'action="/incomes/' not in own.split("复核（核对银行回单）")[1].split("</section>")[0]
    )
    # The recorder's post is refused on the page, nothing recorded.
    refused = clerk.post(f"{page}/review", {})
    assert refused.status_code == 403 and "记录人不能复核自己记录的收入" in refused.text
    assert f'href="/incomes/{large.id}#review">待复核' in clerk.page("/incomes")
    assert "复核（核对银行回单）" not in clerk.page(f"/incomes/{small.id}")
    other = pages.desk("clerk2")
    reviewed = other.post(f"{page}/review", {}, form_page=page)
    assert reviewed.status_code == 303 and reviewed.headers["location"] == f"{page}?done=reviewed"
    after = other.page(f"{page}?done=reviewed")
    assert "<dt>复核</dt><dd>clerk2</dd>" in after and "复核（核对银行回单）" not in after
    # Reviewed once only: a second post is refused, naming who reviewed it.
    twice = pages.desk("approver").post(f"{page}/review", {})
    assert twice.status_code == 409 and "已由 clerk2 复核" in twice.text


CONTROLS = "/books/controls"


def test_an_admin_sets_thresholds_and_a_budget_with_a_reason(pages: Pages) -> None:
    staff = pages.staff
    set_controls(pages, caps={"overall": "3000.00"})
    admin = pages.desk("admin")
    page = admin.page(CONTROLS)
    assert "保存限额" in page and "保存预算" in page
    assert "保存限额" not in pages.desk("approver").page(CONTROLS)
    thresholds = f"{CONTROLS}/thresholds?fund=HC-CARE"
    # Bad input: every bad field named on its form, nothing changed.
    bad = admin.post(
        thresholds,
        {"approval_threshold": "五千", "review_threshold": "-1", "threshold_reason": ""},
        form_page=CONTROLS,
    )
    assert bad.status_code == 422
    for name in ("approval_threshold", "review_threshold", "threshold_reason"):
        assert field_error(bad.text, name), name
    assert field_error(bad.text, "budget_reason") is None
    read = lambda: pages.database.read(  # noqa: E731
        lambda s: changing.read_controls(s, fund_code="HC-CARE", actor=staff["admin"])
    )
    assert read()["approval_threshold"] is None
    good = admin.post(
        thresholds,
        {"approval_threshold": "5,000", "review_threshold": "", "threshold_reason": "党委会决定"},
        form_page=CONTROLS,
    )
    assert good.headers["location"] == f"{CONTROLS}?fund=HC-CARE&done=thresholds"
    now = read()
    assert now["approval_threshold"] == "5000.00" and now["review_threshold"] is None
    assert now["caps"]["overall"] == "3000.00"  # the other controls are kept
    budget = f"{CONTROLS}/budget?fund=HC-CARE"
    wrong = admin.post(
        budget,
        {"year": "1999", "category": "", "aspect": "life_assistance", "budget_amount": "0"},
        form_page=CONTROLS,
    )
    assert wrong.status_code == 422
    for name in ("year", "category", "budget_amount", "budget_reason"):
        assert field_error(wrong.text, name), name
    saved = admin.post(
        budget,
        {
            "year": "2026",
            "category": "hardship",
            "aspect": "life_assistance",
            "budget_amount": "12,000.00",
            "budget_reason": "年初预算",
        },
        form_page=CONTROLS,
    )
    assert saved.headers["location"] == f"{CONTROLS}?fund=HC-CARE&done=budget"
    shown_page = admin.page(saved.headers["location"])
    assert "预算已保存" in shown_page and "¥12,000.00" in shown_page
    assert "超过 ¥5,000.00" in shown_page


def test_an_override_lets_a_refused_disbursement_through(pages: Pages) -> None:
    staff = pages.staff
    set_controls(pages, caps={"overall": "1000.00"})
    record(pages.database, staff["clerk"], "5000.00", source="fiscal_support")
    wang = make_recipient(pages.database, staff["clerk"])
    over = submit(pages.database, staff["clerk"], wang, "1200.00")
    within = submit(pages.database, staff["clerk"], wang, "200.00")
    admin = pages.desk("admin")
    form = f"{CONTROLS}/override?fund=HC-CARE"
    assert f"#{over.id} 生活帮扶 1200.00 元" in admin.page(CONTROLS)
    blank = admin.post(
        form, {"disbursement_id": str(over.id), "control": "cap"}, form_page=CONTROLS
    )
    assert blank.status_code == 422 and field_error(blank.text, "override_reason")
    needless = admin.post(
        form,
        {"disbursement_id": str(within.id), "control": "cap", "override_reason": "特殊困难"},
        form_page=CONTROLS,
    )
    assert needless.status_code == 409 and "未超出年度上限，无需越权" in field_error(
        needless.text, "control"
    )
    done = admin.post(
        form,
        {"disbursement_id": str(over.id), "control": "cap", "override_reason": "重病特殊困难"},
        form_page=CONTROLS,
    )
    assert done.headers["location"] == f"{CONTROLS}?fund=HC-CARE&done=override"
    listed = pages.database.read(
        lambda s: overrides.overrides_of(s, disbursement_id=over.id, actor=staff["admin"])
    )
    assert [(o["control"], o["reason"]) for o in listed["items"]] == [("cap", "重病特殊困难")]
    approved = approve_from_queue(pages.desk("approver"), over)
    assert approved.headers["location"] == f"{QUEUE}?done=approved"
