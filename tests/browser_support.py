"""Driving the pages in a real browser: a live server in a thread and Debian's Chromium.

Playwright's own browser downloads are never used (no `playwright install`): the tests run
the system's `/usr/bin/chromium`, and are skipped with a reason where it is missing.
"""

import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from api.app import create_app
from bench.common import free_port
from carefund.storage.database import Database

CHROMIUM = os.environ.get("CAREFUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--lang=zh-CN",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_SECONDS = 20.0


def chromium_missing() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def live_server(database: Database) -> Iterator[str]:
    """The app on `database`, served by uvicorn in a thread on a free port; yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(database),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="carefund-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (the system's), closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A Chinese UI locale, as the clerks' browsers have: native date inputs then read
        # 年/月/日 (with Debian's chromium-l10n installed; without it, English, harmlessly).
        environment = os.environ | {"LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN:zh"}
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=environment
        )
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Log in through the login form and wait for the dashboard."""
    page.goto(f"{base_url}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


NAV_TIMEOUT_MS = 15_000
"""How long a browser test waits for a page or an element."""


def desk_page(browser: Any, base_url: str, username: str, password: str) -> Any:
    """A new browser context (zh-CN, 1280 px wide, downloads kept) logged in as
    `username`; its page is on the dashboard."""
    context = browser.new_context(
        accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(NAV_TIMEOUT_MS)
    page = context.new_page()
    log_in(page, base_url, username, password)
    return page


def read_users(path: str) -> dict[str, list[str]]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
