"""The relief card month through the bank in a real browser (Debian's Chromium): the clerk
makes a batch of the plan's run, the approver approves it item by item, the cashier
downloads the bank file, imports the bank's return with two failures and the statement with
a fee, matches it; the approver books the fee, confirms the 银行存款余额调节表 balancing to
the fen and closes the month."""

import io
import os
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from carefund import plans
from carefund.storage.database import Database
from carefund.storage.schema import upgrade
from tests.browser_support import chromium, chromium_missing, desk_page, live_server
from tests.builders import make_fund, make_recipient, make_user, record
from tests.pages_support import PASSWORD, cheap_password_hashing

pytestmark = pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")

FUND = "HC-RELIEF"
ACCOUNTS = [f"62284804025648{n:05d}" for n in range(1, 7)]
SHOTS = "/tmp/bank-shots"  # screenshots to look at; the test asserts what they show


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as patch:
        cheap_password_hashing(patch)
        database = Database.open(f"sqlite:///{tmp_path_factory.mktemp('bank') / 'bank.db'}")
        upgrade(database.engine)
        staff = {
            role: make_user(database, role, username=role, password=PASSWORD)
            for role in ("admin", "clerk", "approver", "cashier")
        }
        make_fund(database, staff["admin"], code=FUND, name="特困党员救助基金")
        record(database, staff["clerk"], "10000.00", fund=FUND, on="2026-11-01")
        members = [
            make_recipient(
                database,
                staff["clerk"],
                name=f"救助对象{n}",
                member_no=f"R{n:03d}",
                account_kind="relief_card",
                account_no=ACCOUNTS[n - 1],
            )
            for n in range(1, 7)
        ]

        def plan_and_run(session: Session) -> int:
            plan = plans.create_plan(
                session,
                fund_code=FUND,
                name="特困党员救助卡月度发放",
                rule="FREQ=MONTHLY;BYMONTHDAY=5",
                start=date(2026, 11, 1),
                until=None,
                amount="300.00",
                aspect="life_assistance",
                purpose="特困党员救助卡",
                recipient_ids=[m.id for m in members],
                actor=staff["clerk"],
            )
            plans.run_plan(session, plan_id=plan.id, through="2026-11-05", actor=staff["clerk"])
            return plan.id or 0

        plan_id = database.write(plan_and_run)
        os.makedirs(SHOTS, exist_ok=True)
        with live_server(database) as base_url, chromium() as browser:
            yield {"url": base_url, "browser": browser, "plan_id": plan_id}
        database.dispose()


def desk(site: dict[str, Any], username: str) -> Any:
    """A new browser context logged in as `username`; its page is on the dashboard."""
    return desk_page(site["browser"], site["url"], username, PASSWORD)


def test_a_relief_month_through_the_bank_in_the_browser(site) -> None:
    clerk = desk(site, "clerk")
    clerk.click("nav >> text=银行")
    clerk.fill("#f-plan", str(site["plan_id"]))
    clerk.click("button:has-text('编制批次')")
    clerk.wait_for_url(re.compile(r".*/bank/batches/\d+\?done=created$"))
    batch_url = clerk.url.split("?")[0]
    number = re.search(r"HC-RELIEF-PF-\d{6}-\d{2}", clerk.inner_text("h1")).group(0)
    assert "6 笔，合计 ¥1,800.00" in clerk.inner_text("main")
    clerk.context.close()

    approver = desk(site, "approver")
    approver.goto(batch_url)
    approver.click("button:has-text('逐笔审批通过')")
    assert "审批完成 6 笔" in approver.inner_text("#step-result")
    approver.context.close()

    cashier = desk(site, "cashier")
    cashier.goto(batch_url)
    with cashier.expect_download() as download:
        cashier.click("button:has-text('下载代发文件（Excel）')")
    with open(download.value.path(), "rb") as handle:
        rows = list(load_workbook(io.BytesIO(handle.read())).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:7]] == ACCOUNTS
    assert [row[:2] for row in rows[-3:]] == [
        ("批次号", number),
        ("笔数", 6),
        ("合计金额", "1800.00"),
    ]
    cashier.screenshot(path=f"{SHOTS}/batch.png", full_page=True)

    lines = ["参考号,金额,状态,失败原因,日期"] + [
        f"{number}-{n:04d},300.00,{'失败' if n in (2, 5) else '成功'},"
        f"{'户名不符' if n in (2, 5) else ''},2026-11-06"
        for n in range(1, 7)
    ]
    cashier.click("text=返回")
    cashier.set_input_files(
        "#f-return",
        files=[
            {
                "name": "return.csv",
                "mimeType": "text/csv",
                "buffer": "\n".join(lines).encode("gb18030"),
            }
        ],
    )
    cashier.click("button:has-text('导入回盘')")
    assert "成功 4 笔（已发放），失败 2 笔" in cashier.inner_text("#return-result")
    statement = (
        "日期,摘要,对方户名,金额,余额\n"
        "2026-11-01,财政拨款,区财政局,10000.00,10000.00\n"
        f"2026-11-06,代发 {number},,-1200.00,8800.00\n"
        "2026-11-06,代发手续费,,-2.50,8797.50\n"
    ).encode("gb18030")
    cashier.set_input_files(
        "#f-statement",
        files=[{"name": "statement.csv", "mimeType": "text/csv", "buffer": statement}],
    )
    cashier.click("button:has-text('导入对账单')")
    assert "新增 3 行" in cashier.inner_text("#statement-result")
    cashier.click("button:has-text('自动对账')")
    assert "对上 2 行，未对上 1 行" in cashier.inner_text("#match-result")
    cashier.screenshot(path=f"{SHOTS}/bank.png", full_page=True)
    cashier.context.close()

    approver = desk(site, "approver")
    approver.goto(f"{site['url']}/bank?fund={FUND}")
    approver.click("#unmatched-lines >> button:has-text('记为银行手续费')")
    approver.wait_for_url(re.compile(r".*/bank\?fund=HC-RELIEF$"))
    assert "没有未对上的行" in approver.inner_text("#unmatched-lines")
    approver.fill("#f-month", "2026-11")
    approver.click("button:has-text('查看调节表')")
    assert approver.inner_text("#adjusted-bank") == approver.inner_text("#adjusted-book")
    assert approver.inner_text("#adjusted-bank") == "¥8,797.50"
    approver.click("button:has-text('确认调节表')")
    assert "调节表已确认" in approver.inner_text("main")
    approver.screenshot(path=f"{SHOTS}/reconciliation.png", full_page=True)
    approver.goto(f"{site['url']}/books/periods?fund={FUND}")
    approver.fill("#f-month", "2026-11")
    approver.once("dialog", lambda dialog: dialog.accept())
    approver.click("button:has-text('结账')")
    approver.wait_for_url(re.compile(r".*done=closed$"))
    assert "已结账" in approver.inner_text("main")
    approver.context.close()
