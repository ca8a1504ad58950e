"""The pages in a real browser (headless Chromium from Debian, driven by playwright), against a
live server on a temporary SQLite database: one server and one browser for the module, a
fresh browser context (cookies) per person.

A clerk records an income and opens its receipt; a disbursement goes from the clerk to the
approver to the cashier and back to the clerk's voucher; an auditor downloads a statement; a
clerk imports a roll with a bad row; a wrong password and a form without its CSRF token are
refused.
"""

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from carefund.storage.database import Database
from carefund.storage.schema import upgrade
from tests.browser_support import (
    NAV_TIMEOUT_MS,
    chromium,
    chromium_missing,
    desk_page,
    live_server,
)
from tests.builders import make_fund, make_recipient, make_user, record
from tests.clock_support import TESTS_TODAY
from tests.pages_support import PASSWORD, cheap_password_hashing

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

TODAY = TESTS_TODAY


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """A fund with money in it, a small roll, one user per role; served live."""
    with pytest.MonkeyPatch.context() as patch:
        cheap_password_hashing(patch)
        database = Database.open(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'pages.db'}")
        upgrade(database.engine)
        staff = {
            name: make_user(database, role, username=name, password=PASSWORD)
            for name, role in (
                ("admin", "admin"),
                ("clerk", "clerk"),
                ("approver", "approver"),
                ("cashier", "cashier"),
                ("auditor", "auditor"),
                ("visitor", "clerk"),
            )
        }
        make_fund(database, staff["admin"])
        record(database, staff["clerk"], "20000.00", on=TODAY.replace(day=1).isoformat())
        make_recipient(
            database, staff["clerk"], name="孙桂兰", member_no="DY00777", branch="城关街道第一支部"
        )
        with live_server(database) as base_url, chromium() as browser:
            yield {"url": base_url, "browser": browser, "database": database}
        database.dispose()


def desk(site: dict[str, Any], username: str, password: str = PASSWORD) -> Any:
    """A new browser context logged in as `username`; its page is on the dashboard."""
    return desk_page(site["browser"], site["url"], username, password)


def test_a_clerk_records_an_income_and_opens_its_receipt(site) -> None:
    page = desk(site, "clerk")
    page.click("text=记录收入")
    page.select_option("#f-source", "member_donation")
    page.fill("#f-payer", "城关街道第一党支部")
    page.fill("#f-amount", "1,234.56")
    page.fill("#f-received_on", TODAY.isoformat())
    page.fill("#f-memo", "七一捐款")
    page.click("button:has-text('记录并开具收据')")
    page.wait_for_url(re.compile(r".*/incomes/\d+\?done=recorded$"))
    body = page.inner_text("main")
    assert "收入已记录" in body
    assert "¥1,234.56" in body and "党员募捐" in body
    assert f"{TODAY.year}年{TODAY.month}月{TODAY.day}日" in body
    receipt_no = re.search(r"HC-CARE-\d{4}-\d{6}", body).group(0)

    context = page.context
    is_receipt = lambda r: r.url.endswith("/receipt.pdf")  # noqa: E731
    with context.expect_event("response", is_receipt) as answer, context.expect_page() as opened:
        page.click("text=打印收据（PDF）")
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert receipt_no in response.headers["content-disposition"]
    assert opened.value.url.endswith("/receipt.pdf")
    context.close()


def test_a_disbursement_goes_from_clerk_to_approver_to_cashier_and_back(site) -> None:
    clerk = desk(site, "clerk")
    clerk.click("nav >> text=支出")
    clerk.click("text=提交支出")
    clerk.fill("#f-q", "孙桂兰")
    clerk.click("button:has-text('查找')")
    clerk.click("tr:has-text('DY00777') >> text=选择")
    assert "生活困难党员" in clerk.inner_text(".picked")
    clerk.fill("#f-amount", "800")
    clerk.select_option("#f-aspect", "life_assistance")
    clerk.fill("#f-purpose", "春节慰问")
    clerk.click("button:has-text('提交审批')")
    clerk.wait_for_url(re.compile(r".*/disbursements/\d+\?done=submitted$"))
    number = re.search(r"/disbursements/(\d+)", clerk.url).group(1)
    assert "待审批" in clerk.inner_text("main")

    approver = desk(site, "approver")
    approver.click("nav >> text=待审批")
    row = approver.locator(f"tr:has(a[href='/disbursements/{number}'])")
    assert "¥800.00" in row.inner_text()
    row.locator("button:has-text('通过')").click()
    approver.wait_for_url(re.compile(r".*/disbursements/approvals\?done=approved$"))
    assert "已审批通过" in approver.inner_text("main")
    approver.context.close()

    cashier = desk(site, "cashier")
    cashier.click("nav >> text=待发放")
    row = cashier.locator(f"tr:has(a[href='/disbursements/{number}'])")
    row.locator("input[name=paid_on]").fill(TODAY.isoformat())
    row.locator("select[name=method]").select_option("转账")
    row.locator("button:has-text('确认发放')").click()
    cashier.wait_for_url(re.compile(r".*/disbursements/payments\?done=paid$"))
    cashier.context.close()

    clerk.goto(f"{site['url']}/disbursements/{number}")
    assert "已发放" in clerk.inner_text("main")
    context = clerk.context
    is_voucher = lambda r: r.url.endswith("/voucher.pdf")  # noqa: E731
    with context.expect_event("response", is_voucher) as answer, context.expect_page():
        clerk.click("text=打印领款单（PDF）")
    assert answer.value.status == 200
    assert answer.value.headers["content-type"] == "application/pdf"
    context.close()


def test_an_auditor_downloads_a_statement(site) -> None:
    auditor = desk(site, "auditor")
    auditor.click("nav >> text=报表")
    period = f"{TODAY:%Y-%m}"
    auditor.select_option("#f-period", period)
    auditor.click("button:has-text('查看')")
    assert "勾稽相符" in auditor.inner_text("main")
    with auditor.expect_download() as download:
        auditor.click("text=下载 Excel")
    saved = download.value
    assert saved.suggested_filename == f"statement-HC-CARE-{period}.xlsx"
    with open(saved.path(), "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    assert "汇总" in workbook.sheetnames
    with auditor.expect_download() as download:
        auditor.click("text=下载 CSV")
    with open(download.value.path(), "rb") as handle:
        assert "opening_balance" in handle.read().decode("utf-8-sig")
    auditor.context.close()


def test_a_clerk_imports_a_file_with_a_bad_row_and_sees_its_error(site) -> None:
    clerk = desk(site, "clerk")
    clerk.click("nav >> text=关爱对象")
    clerk.click("text=批量导入")
    sheet = (
        "党员编号,姓名,党员类别,所在支部,身份证号\n"
        "DY10001,周华,流动党员,北园镇第一支部,\n"
        "DY10002,吴芳,生活困难党员,北园镇第一支部,12345\n"
    ).encode()
    clerk.set_input_files(
        "#f-file", files=[{"name": "roll.csv", "mimeType": "text/csv", "buffer": sheet}]
    )
    clerk.click("button:has-text('上传并导入')")
    table = clerk.locator("table.import-errors")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[1] == "身份证号" and "身份证号不正确" in cells[2]
    assert "没有导入任何数据" in clerk.inner_text("main")
    clerk.goto(site["url"] + "/recipients?q=DY1000")
    assert "没有找到" in clerk.inner_text("main")
    clerk.context.close()


def test_a_wrong_password_is_refused(site) -> None:
    context = site["browser"].new_context()
    page = context.new_page()
    page.goto(site["url"] + "/")
    assert page.url.startswith(site["url"] + "/login")
    page.fill("#f-username", "visitor")
    page.fill("#f-password", "not-the-password")
    page.click("button:has-text('登录')")
    assert "用户名或密码错误" in page.inner_text(".alert-error")
    assert "/login" in page.url
    assert not [c for c in context.cookies() if c["name"] == "carefund_session"]
    context.close()


def test_a_form_posted_without_its_csrf_token_is_refused(site) -> None:
    clerk = desk(site, "clerk")
    clerk.goto(site["url"] + "/incomes/new")
    clerk.select_option("#f-source", "sponsorship")
    clerk.fill("#f-payer", "某集团")
    clerk.fill("#f-amount", "99")
    # A forged form, as another site would post it: the same fields, but no token.
    clerk.evaluate(
        "document.querySelector(\"form[action='/incomes/new'] input[name=csrf_token]\").remove()"
    )
    clerk.click("button:has-text('记录并开具收据')")
    clerk.wait_for_load_state()
    assert "请求被拒绝" in clerk.inner_text("main")
    assert "CSRF" in clerk.inner_text("main")
    clerk.goto(site["url"] + "/incomes")
    assert "某集团" not in clerk.inner_text("main")
    clerk.context.close()


def test_the_session_cookie_is_http_only_and_lax(site) -> None:
    page = desk(site, "auditor")
    cookie = next(c for c in page.context.cookies() if c["name"] == "carefund_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""
    page.context.close()


def test_the_charts_render_without_javascript_on_the_dashboard_and_the_reports_page(
    site, tmp_path
) -> None:
    """Server-drawn SVG: with scripts off, the charts still have size, bars and labels.
    Screenshots go to CAREFUND_SCREENSHOTS_DIR when set (to look at), else a temporary one."""
    shots = Path(os.environ.get("CAREFUND_SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    context = site["browser"].new_context(
        java_script_enabled=False, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(NAV_TIMEOUT_MS)
    page = context.new_page()
    page.goto(site["url"] + "/login")
    page.fill("#f-username", "auditor")
    page.fill("#f-password", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(site["url"] + "/")
    for path, name in (("/", "dashboard"), ("/books/reports?period=2026", "reports")):
        page.goto(site["url"] + path)
        section = page.locator("section.charts")
        section.scroll_into_view_if_needed()
        drawn = page.locator("section.charts figure.chart svg[role=img]")
        assert drawn.count() >= 1, name
        box = drawn.first.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, (name, box)
        # December's income (the fixture's 20,000.00 and what other tests add) is a bar
        # with height on screen, its amount in its tooltip title.
        december = page.locator("svg g.bar[data-month='2026-12'] rect.segment").first
        bar = december.bounding_box()
        assert bar is not None and bar["height"] > 5, (name, bar)
        assert "2026年" not in (december.get_attribute("data-series") or "")
        assert "12月" in drawn.first.inner_html()
        assert "各月收入（按来源）" in section.inner_text()
        page.screenshot(path=str(shots / f"charts_{name}.png"), full_page=True)
        assert (shots / f"charts_{name}.png").stat().st_size > 20_000
    context.close()
