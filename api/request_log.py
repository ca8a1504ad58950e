"""Request ids and the access log: one JSON line per request, without personal data.

Every request gets an id: the client's own `X-Request-ID` when it is sane, else a new one.
It is answered in the `X-Request-ID` header, carried in every problem+json answer
(`request_id`) and on error pages, and named by the log line of a server error, so that a
person reporting a problem and the operator reading the log speak of the same request.

The access log replaces uvicorn's, which writes the query string: a search of the roll
by ID number (`?q=370613198312259869`) must never reach a log file, and neither must a
body. A line holds the time, the request id, the method, the path without its query (long
digit runs, which could only be a phone or an ID number, starred), the status, the duration
and the user's login name when known. It goes to the `carefund.access` logger at INFO; the
command line decides where that goes (`carefund serve --no-access-log` silences it).
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carefund import clock

access_log = logging.getLogger("carefund.access")

REQUEST_ID_HEADER = b"x-request-id"
REQUEST_SCOPE_KEY = "carefund.request"
"""Where this request's `RequestRecord` is kept in the ASGI scope."""
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
"""What a client's own request id may be: short, visible, nothing a log could misread."""
PERSONAL_DIGITS = re.compile(r"[0-9]{10,}")
"""Ten digits or more in a row: a mobile, a landline with its area code or an ID number; no
record id or date is that long."""

_request_id: ContextVar[str | None] = ContextVar("carefund_request_id", default=None)


@dataclass
class RequestRecord:
    """What the access log learns of a request while it runs."""

    request_id: str
    user: str | None = None
    """The login name of the caller, once authenticated."""


def current_request_id() -> str | None:
    """The id of the request being answered (None outside a request)."""
    return _request_id.get()


def note_user(scope: Scope, username: str) -> None:
    """Tell the access log who made the request."""
    record = scope.get(REQUEST_SCOPE_KEY)
    if record is not None:
        record.user = username


def without_personal_digits(text: str) -> str:
    return PERSONAL_DIGITS.sub(lambda match: "*" * len(match.group()), text)


def _request_id_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(text) and not PERSONAL_DIGITS.search(text):
                return text
            break
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Gives each HTTP request its id and writes its access log line when it is answered.

    Outermost of the app's own middleware, so that its line also covers the answers of the
    layers inside it (413, 503, idempotent replays)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(_request_id_of(scope))
        scope[REQUEST_SCOPE_KEY] = record
        # Each request runs in a task of its own, so this is seen by everything that answers
        # it (error handlers included) and by nothing else; it is not reset on purpose: the
        # server error handler runs after this layer has been left.
        _request_id.set(record.request_id)
        header = (b"x-request-id", record.request_id.encode("ascii"))
        started = time.perf_counter()
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status = status or 500
            raise
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(_line(scope, record, status, time.perf_counter() - started))


def _line(scope: Scope, record: RequestRecord, status: int | None, seconds: float) -> str:
    entry: dict[str, Any] = {
        "time": clock.utc_now().isoformat(timespec="milliseconds"),
        "request_id": record.request_id,
        "method": scope["method"],
        "path": without_personal_digits(scope["path"]),
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "user": record.user,
    }
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
