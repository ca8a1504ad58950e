"""What routes depend on: the database and the authenticated caller.

A route reads with `database.read(query)` and writes with `await
database.write_async(use_case)` (see `carefund.storage.database`): the use case commits
before the route answers, so a client never sees 201 for something that did not commit.
A write route's use case returns the presenter's dict from inside the transaction, since on
SQLite it runs in a group commit and its ORM objects are detached afterwards. Long writes
(an import, a plan run) pass `short=False` and run in a worker thread.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.request_log import note_user
from carefund.access import users
from carefund.errors import Unauthenticated
from carefund.models import User
from carefund.storage.database import Database


def get_database(request: Request) -> Database:
    """The app's database (pages call this; routes take `DatabaseDep`)."""
    return request.app.state.database


async def _database(request: Request) -> Database:
    # Async on purpose: FastAPI runs a plain `def` dependency in a worker thread, and that
    # hop cost every API request about a sixth of its time on the posting path.
    return get_database(request)


DatabaseDep = Annotated[Database, Depends(_database)]


USER_SCOPE_KEY = "carefund.user"
"""Where a caller already authenticated for this request (by the idempotency layer) is kept."""


def authenticate(database: Database, authorization: str | None) -> User:
    """The caller named by an `Authorization: Bearer <token>` header; 401 without a valid one."""
    token = _bearer_token(authorization)
    if token is None:
        raise Unauthenticated("缺少 Authorization: Bearer 令牌")
    return users.user_for_token(database, token)


def _bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class BearerUser(HTTPBearer):
    """The OpenAPI bearer scheme, answering with the caller (a `User`) itself.

    One dependency instead of a scheme and a function beside it: every API call
    authenticates, and each dependency FastAPI resolves costs time. The token is looked up
    every time (no cache: a revoked token must fail at once on every worker): on SQLite
    directly (`Database.look_up`), on PostgreSQL in a thread.
    """

    async def __call__(self, request: Request) -> User:  # type: ignore[override]
        user = await self._caller(request)
        note_user(request.scope, user.username)
        return user

    async def _caller(self, request: Request) -> User:
        known = request.scope.get(USER_SCOPE_KEY)
        if known is not None:
            return known
        database = get_database(request)
        authorization = request.headers.get("authorization")
        if database.is_sqlite:
            # One indexed lookup on a kept connection: cheaper than the hop to a thread.
            return authenticate(database, authorization)
        return await run_in_threadpool(authenticate, database, authorization)


current_user = BearerUser(
    auto_error=False,
    scheme_name="HTTPBearer",
    description="`carefund user add` 打印的 API 令牌",
)
CurrentUser = Annotated[User, Depends(current_user)]
