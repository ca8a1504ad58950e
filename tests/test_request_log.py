"""Logs without personal data: one JSON line per request, no query string, no body; a request
id answered in a header, in every problem+json and on error pages, and named by the log line
of a server error."""

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import API_PREFIX
from bench.common import free_port
from tests.api_support import Api, make_api, problem_of
from tests.builders import valid_id_number
from tests.pages_support import cheap_password_hashing, make_pages

ID_NUMBER = valid_id_number(7)
PHONE = "13812345678"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record of every logger, from DEBUG up."""
    caplog.set_level(logging.DEBUG)
    return caplog


def access_lines(logs: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in logs.records if r.name == "carefund.access"]


def everything_logged(logs: pytest.LogCaptureFixture) -> str:
    """What the server logged (httpx, the tests' client, logs the URLs it asks for)."""
    return "\n".join(r.getMessage() for r in logs.records if not r.name.startswith("httpx"))


def test_a_search_by_id_number_leaves_no_trace_in_the_logs(api: Api, logs) -> None:
    created = api.post(
        "clerk",
        "/recipients",
        {
            "member_no": "A1",
            "name": "王明",
            "category": "cadre",
            "id_number": ID_NUMBER,
            "phone": PHONE,
        },
    )
    api.ok(created, 201)
    found = api.get("clerk", "/recipients", params={"q": ID_NUMBER})
    api.ok(found)
    missing = api.get("clerk", f"/recipients/{ID_NUMBER}")
    assert missing.status_code in (404, 422)

    text = everything_logged(logs)
    for secret in (ID_NUMBER, ID_NUMBER[:10], PHONE, "q="):
        assert secret not in text
    lines = access_lines(logs)
    assert [(line["method"], line["status"]) for line in lines] == [
        ("POST", 201),
        ("GET", 200),
        ("GET", missing.status_code),
    ]
    search = lines[1]
    assert search["path"] == f"{API_PREFIX}/recipients"
    assert search["user"] == "clerk"
    assert search["request_id"] == found.headers["x-request-id"]
    assert set(search) == {"time", "request_id", "method", "path", "status", "duration_ms", "user"}
    assert lines[2]["path"] == f"{API_PREFIX}/recipients/" + "*" * len(ID_NUMBER)


def test_a_sane_request_id_is_kept_and_any_other_replaced(api: Api) -> None:
    kept = api.get("clerk", "/funds", headers={"X-Request-ID": "trace-42.a:b"})
    assert kept.headers["x-request-id"] == "trace-42.a:b"
    for insane in ("has space", "x" * 65, f"id-{ID_NUMBER}", "-leading", "中文".encode()):
        answer = api.get("clerk", "/funds", headers={"X-Request-ID": insane})  # type: ignore[dict-item]
        assert answer.headers["x-request-id"] not in (insane, "")
        assert len(answer.headers["x-request-id"]) == 32
    first = api.get("clerk", "/funds").headers["x-request-id"]
    assert first != api.get("clerk", "/funds").headers["x-request-id"]


def test_error_answers_carry_the_request_id(api: Api) -> None:
    for answer, status in [
        (api.get("clerk", "/funds/NOPE"), 404),
        (api.get(None, "/funds"), 401),
        (api.post("clerk", "/recipients", {"member_no": "A1"}), 422),
        (api.get("clerk", "/funds", params={"sorce": "x"}), 422),
        (api.post("clerk", "/recipients", content=b"x" * 70_000), 413),
    ]:
        body = problem_of(answer, status)
        assert body["request_id"] == answer.headers["x-request-id"]


def test_error_pages_show_the_request_id(api: Api) -> None:
    answer = api.client.get("/no-such-page", headers={"accept": "text/html"})
    assert answer.status_code == 404
    assert answer.headers["x-request-id"] in answer.text


def test_a_server_error_names_its_request_id_in_the_answer_and_the_log(database, logs) -> None:
    api = next(make_api(database, raise_server_exceptions=False))

    async def boom() -> None:
        raise RuntimeError("boom")

    api.client.app.add_api_route(f"{API_PREFIX}/boom", boom)  # type: ignore[attr-defined]
    answer = api.client.get(f"{API_PREFIX}/boom?q={ID_NUMBER}", headers={"X-Request-ID": "r-500"})
    body = problem_of(answer, 500)
    assert body["request_id"] == "r-500" == answer.headers["x-request-id"]
    errors = [r for r in logs.records if r.name == "carefund.api" and r.levelno == logging.ERROR]
    assert errors and "r-500" in errors[0].getMessage()
    assert access_lines(logs)[-1]["status"] == 500
    assert ID_NUMBER not in everything_logged(logs)


@pytest.fixture
def served_sqlite(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    env = os.environ | {"CAREFUND_DATABASE_URL": f"sqlite:///{tmp_path / 'books.db'}"}
    yield tmp_path, env


def _serve(tmp_path: Path, env: dict[str, str], *extra: str) -> tuple[str, str]:
    """`carefund serve` for one request with an ID number in its query; its stdout, stderr."""
    port = free_port()
    out, err = tmp_path / f"out-{port}.log", tmp_path / f"err-{port}.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), *extra],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    answer = httpx.get(f"{url}{API_PREFIX}/recipients?q={ID_NUMBER}")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and server.poll() is None, err.read_text()
                    time.sleep(0.2)
            assert answer.status_code == 401
        finally:
            server.terminate()
            server.wait(timeout=30)
    return out.read_text(), err.read_text()


def test_carefund_serve_logs_json_lines_without_the_query(served_sqlite) -> None:
    tmp_path, env = served_sqlite
    stdout, stderr = _serve(tmp_path, env)
    assert ID_NUMBER not in stdout + stderr
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    assert any(
        line["path"] == f"{API_PREFIX}/recipients" and line["status"] == 401 for line in lines
    )

    stdout, stderr = _serve(tmp_path, env, "--no-access-log")
    assert ID_NUMBER not in stdout + stderr
    assert not [line for line in stdout.splitlines() if line.startswith("{")]


def test_the_log_line_escapes_what_a_path_could_smuggle(api: Api, logs) -> None:
    api.client.get(f"{API_PREFIX}/funds/a%0Ab")
    (line,) = [r.getMessage() for r in logs.records if r.name == "carefund.access"]
    assert "\n" not in line and json.loads(line)["path"] == f"{API_PREFIX}/funds/a\nb"


def test_a_page_names_its_user_in_the_log(database, logs) -> None:
    with pytest.MonkeyPatch.context() as patch:
        cheap_password_hashing(patch)
        desk = make_pages(database).desk("clerk")
        desk.page("/incomes")
    line = access_lines(logs)[-1]
    assert (line["path"], line["user"], line["status"]) == ("/incomes", "clerk", 200)
