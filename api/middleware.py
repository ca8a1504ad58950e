"""Two layers around the API: a request body limit, and idempotent POSTs.

Both are plain ASGI middleware (no per-request task or response copying beyond what they
need), because they sit on every request's path.
"""

import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import USER_SCOPE_KEY, authenticate
from api.errors import problem, status_for
from carefund.access import idempotency
from carefund.errors import CarefundError, Unauthenticated
from carefund.models import User
from carefund.sheets import IMPORT_BYTES_MAX
from carefund.storage.database import AroundWrite, Database, around_writes

REQUEST_BODY_MAX_BYTES = 64 * 1024
"""The largest JSON body accepted; the biggest valid one is a few kilobytes."""
UPLOAD_BODY_MAX_BYTES = IMPORT_BYTES_MAX + 64 * 1024
"""The largest multipart upload accepted: a roll of recipients (CSV or XLSX) at the import's
own limit, with room for the multipart envelope."""
BODY_SCOPE_KEY = "carefund.body"
"""Where the body read by `BodyLimitMiddleware` is kept for the layers inside it."""
IDEMPOTENCY_HEADER = b"idempotency-key"
REPLAYED_HEADER = (b"idempotent-replayed", b"true")
IDEMPOTENCY_PURGE_INTERVAL_SECONDS = 600.0
"""How often (at most, per process) expired idempotency keys are deleted."""
_METHODS_WITH_BODY = {"POST", "PUT", "PATCH"}


async def _send_problem(scope: Scope, send: Send, status: int, detail: str, **kwargs: Any) -> None:
    await problem(status, detail, **kwargs)(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands out the already-read body, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


Refusal = Callable[[Scope, Send, int, str], Awaitable[None]]
"""How a layer answers a refused request: (scope, send, status, detail in Chinese)."""


async def refuse_with_problem(scope: Scope, send: Send, status: int, detail: str) -> None:
    await _send_problem(scope, send, status, detail)


def _everywhere(_path: str) -> bool:
    return True


class BodyLimitMiddleware:
    """Reads request bodies up to a limit (413 beyond it) and replays them to the app.

    `applies` picks the paths it guards (the API's, or the pages'), and `refuse` answers
    in that part's language (problem+json, or an HTML page).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        applies: Callable[[str], bool] = _everywhere,
        refuse: Refusal = refuse_with_problem,
    ) -> None:
        self.app = app
        self.applies = applies
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _METHODS_WITH_BODY
            or not self.applies(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").lower()
        limit = (
            UPLOAD_BODY_MAX_BYTES
            if content_type.startswith(b"multipart/form-data")
            else REQUEST_BODY_MAX_BYTES
        )
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self.refuse(scope, send, 413, f"请求体过大：最多 {limit} 字节")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self.refuse(scope, send, 413, f"请求体过大：最多 {limit} 字节")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        scope[BODY_SCOPE_KEY] = body
        await self.app(scope, _replaying(body, receive), send)


class IdempotencyMiddleware:
    """Gives a POST with an `Idempotency-Key` its effect once, across workers (in the DB).

    See `carefund.access.idempotency` for the protocol: claim in its own transaction, run
    (the route's use case records its result on the claim as it commits), store the answer
    (also a 4xx), or release the claim on an unexpected failure before any commit.
    """

    def __init__(self, app: ASGIApp, *, path_prefix: str) -> None:
        self.app = app
        self.path_prefix = path_prefix
        self._next_purge = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        database: Database = scope["app"].state.database
        headers = dict(scope["headers"])
        try:
            user = await run_in_threadpool(
                authenticate, database, headers.get(b"authorization", b"").decode("latin-1")
            )
        except Unauthenticated:
            await self.app(scope, receive, send)  # the route answers 401 itself
            return
        scope[USER_SCOPE_KEY] = user
        query = scope["query_string"].decode("latin-1")
        target = scope["path"] + ("?" + query if query else "")
        request_hash = idempotency.fingerprint("POST", target, scope.get(BODY_SCOPE_KEY, b""))
        try:
            outcome = await run_in_threadpool(self._claim, database, user, key, request_hash)
        except CarefundError as exc:
            errors_list = (
                [{"loc": ["header", exc.field], "msg": exc.message}] if exc.field else None
            )
            await _send_problem(scope, send, status_for(exc), exc.message, errors_list=errors_list)
            return
        if isinstance(outcome, idempotency.StoredAnswer):
            await self._replay(outcome, send)
            return
        if isinstance(outcome, idempotency.Committed):
            # The first request committed but died before its answer was stored: the route
            # runs again and shapes its answer from the committed result, with no new effect.
            around = partial(idempotency.replaying, outcome)
            replayed = _marked_replayed(send)
            await self._run_once(scope, receive, replayed, database, outcome.claim, around)
            return
        around = partial(idempotency.recording, outcome)
        await self._run_once(scope, receive, send, database, outcome, around)

    def _key(self, scope: Scope) -> str | None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        if not scope["path"].startswith(self.path_prefix):
            return None
        for name, value in scope["headers"]:
            if name == IDEMPOTENCY_HEADER:
                return value.decode("latin-1")
        return None

    def _claim(
        self, database: Database, user: User, key: str, request_hash: str
    ) -> idempotency.Claim | idempotency.StoredAnswer | idempotency.Committed:
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + IDEMPOTENCY_PURGE_INTERVAL_SECONDS
            database.write(idempotency.purge_expired)
        user_id = user.id
        assert user_id is not None
        return database.write(
            partial(idempotency.claim_key, user_id=user_id, key=key, request_hash=request_hash)
        )

    async def _replay(self, answer: idempotency.StoredAnswer, send: Send) -> None:
        body = answer.body.encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": answer.status_code,
                "headers": [
                    (b"content-type", answer.content_type.encode("latin-1")),
                    (b"content-length", str(len(body)).encode("ascii")),
                    REPLAYED_HEADER,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _run_once(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        database: Database,
        claim: idempotency.Claim,
        around: AroundWrite,
    ) -> None:
        # The answer is held back until it is stored, so that a client never holds an
        # answer that a retry would not get again.
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        try:
            with around_writes(around):
                await self.app(scope, receive, capture)
        except BaseException:
            await run_in_threadpool(database.write, partial(idempotency.release, claim=claim))
            raise
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        text = _as_text(body)
        if start is None or start["status"] >= 500 or text is None:
            await run_in_threadpool(database.write, partial(idempotency.release, claim=claim))
        else:
            content_type = dict(start["headers"]).get(b"content-type", b"").decode("latin-1")
            stored = partial(
                idempotency.store_answer,
                claim=claim,
                status_code=start["status"],
                body=text,
                content_type=content_type,
            )
            await run_in_threadpool(database.write, stored)
        for message in messages:
            await send(message)


def _marked_replayed(send: Send) -> Send:
    """`send`, marking the answer as a replay (`Idempotent-Replayed: true`)."""

    async def send_replayed(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), REPLAYED_HEADER]}
        await send(message)

    return send_replayed


def _as_text(body: bytes) -> str | None:
    """The answer as text to store; None for bytes that are not UTF-8 (not replayed)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
