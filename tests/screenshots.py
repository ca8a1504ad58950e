"""Screenshots of every page on the demo district, wide (1280 px) and narrow (390 px), to
look at before calling a change to the pages done.

    .venv/bin/python -m tests.screenshots [OUT_DIR] [NAME,NAME…]   # default /tmp/pages, all

The second argument keeps only the named pages (e.g. `dashboard,reports_year`).

Builds the demo into a temporary SQLite database, serves it, and drives the system's
Chromium like the browser tests do. Not a test: it takes half a minute and asserts nothing.
"""

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

# The demo seals personal data: a throwaway key unless one is configured (as the tests do).
os.environ.setdefault("CAREFUND_DATA_KEY", "dGVzdC1kYXRhLWtleS1jYXJlZnVuZC0zMi1ieXRlcyE=")

from carefund.demo import build_demo  # noqa: E402
from carefund.storage.database import Database
from carefund.storage.schema import upgrade
from tests.browser_support import chromium, chromium_missing, live_server, log_in

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}

PAGES = [  # (who, name, path, also narrow)
    ("clerk", "dashboard", "/", True),
    ("approver", "dashboard_approver", "/", False),
    ("clerk", "incomes", "/incomes", True),
    ("clerk", "income_new", "/incomes/new", True),
    ("clerk", "income_detail", "/incomes/3", False),
    ("clerk", "recipients", "/recipients?q=王", True),
    ("clerk", "recipient_detail", "/recipients/5", True),
    ("clerk", "recipient_edit", "/recipients/5/edit", False),
    ("clerk", "recipient_new", "/recipients/new", False),
    ("clerk", "import", "/recipients/import", False),
    ("clerk", "disbursements", "/disbursements", False),
    ("clerk", "disbursement_search", "/disbursements/new?q=王", False),
    ("clerk", "disbursement_form", "/disbursements/new?recipient_id=5", True),
    ("approver", "disbursement_detail", "/disbursements/2", False),
    ("approver", "approvals", "/disbursements/approvals", True),
    ("cashier", "payments", "/disbursements/payments", True),
    ("clerk", "plans", "/plans", False),
    ("clerk", "plan_new", "/plans/new", True),
    ("clerk", "plan_detail", "/plans/1", False),
    ("auditor", "journal", "/books/journal", True),
    ("auditor", "reports", "/books/reports?period=2026-Q3", True),
    ("auditor", "reports_year", "/books/reports?period=2026", False),
    ("admin", "periods", "/books/periods", False),
    ("clerk", "forbidden", "/books/reports", False),
    ("auditor", "dashboard_auditor", "/", False),
    ("auditor", "alerts", "/alerts", True),
    ("auditor", "alert_detail", "/alerts/1", True),
    ("auditor", "alert_resolved", "/alerts/5", False),
    ("admin", "alert_rules", "/alerts/rules", False),
    ("admin", "units", "/units", True),
    ("admin", "controls_admin", "/books/controls", True),
    ("admin", "approvals_admin", "/disbursements/approvals", False),
    ("cg_clerk", "dashboard_street_clerk", "/", True),
    ("cg_approver", "approvals_street", "/disbursements/approvals", False),
]


def _shoot(browser: Any, base: str, logins: dict[str, str], out: Path, only: set[str]) -> None:
    pages: dict[tuple[str, str], Any] = {}

    def page_of(who: str, size: str) -> Any:
        if (who, size) not in pages:
            context = browser.new_context(
                viewport=WIDE if size == "wide" else NARROW, locale="zh-CN"
            )
            page = context.new_page()
            log_in(page, base, who, logins[who])
            pages[(who, size)] = page
        return pages[(who, size)]

    login = browser.new_page(viewport=WIDE)
    login.goto(base + "/login")
    login.screenshot(path=out / "login.png")
    for who, name, path, narrow in PAGES:
        if only and name not in only:
            continue
        page = page_of(who, "wide")
        page.goto(base + path)
        page.screenshot(path=out / f"{name}.png", full_page=True)
        if narrow:
            page = page_of(who, "narrow")
            page.goto(base + path)
            page.screenshot(path=out / f"narrow_{name}.png", full_page=True)
    if only:
        return
    clerk = page_of("clerk", "wide")
    clerk.goto(base + "/incomes/new")
    clerk.fill("#f-amount", "12.345")
    clerk.click("button:has-text('记录并开具收据')")
    clerk.screenshot(path=out / "income_errors.png", full_page=True)
    clerk.goto(base + "/recipients/import")
    roll = "党员编号,姓名,党员类别,身份证号\nX1,甲,外星人,123\nX2,,流动党员,\n".encode()
    clerk.set_input_files(
        "#f-file", files=[{"name": "roll.csv", "mimeType": "text/csv", "buffer": roll}]
    )
    clerk.click("button:has-text('上传并导入')")
    clerk.screenshot(path=out / "import_errors.png", full_page=True)


def main(out_dir: str = "/tmp/pages", only: str = "") -> None:
    missing = chromium_missing()
    if missing:
        sys.exit(missing)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        database = Database.open(f"sqlite:///{scratch}/demo.db")
        upgrade(database.engine)
        logins = {user.username: user.password for user in build_demo(database).users}
        with live_server(database) as base, chromium() as browser:
            _shoot(browser, base, logins, out, {name for name in only.split(",") if name})
        database.dispose()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
