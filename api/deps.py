"""What routes depend on: the engine, units of work and the authenticated caller.

A route that writes opens `unit_of_work(request)` itself, so the commit happens before the
answer is sent: a client never sees 201 for something that did not commit.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from carefund.access import users
from carefund.errors import Unauthenticated
from carefund.models import User
from carefund.storage import db
from carefund.storage.group_commit import UnitOfWork, group_commit_for


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


@contextmanager
def unit_of_work(request: Request) -> Iterator[Session]:
    """One use case's transaction, committed when the block ends without error."""
    with db.write_session(get_engine(request)) as session:
        yield session


async def in_unit_of_work(request: Request, unit_of_work: UnitOfWork) -> Any:
    """Run a use case in its own transaction and return what it returns, once committed.

    On SQLite the use case joins the engine's group commit (`carefund.storage.group_commit`), so
    concurrent requests share one commit and one fsync; the use case must then return
    plain data. On PostgreSQL it runs in a thread of its own transaction.
    """
    engine = get_engine(request)
    committer = group_commit_for(engine)
    if committer is None:
        return await run_in_threadpool(_run_in_own_transaction, engine, unit_of_work)
    return await committer.run(unit_of_work)


def _run_in_own_transaction(engine: Engine, unit_of_work: UnitOfWork) -> Any:
    with db.write_session(engine) as session:
        return unit_of_work(session)


def read_session(request: Request) -> Iterator[Session]:
    with db.read_session(get_engine(request)) as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]


USER_SCOPE_KEY = "carefund.user"
"""Where a caller already authenticated for this request (by the idempotency layer) is kept."""


def authenticate(engine: Engine, authorization: str | None) -> User:
    """The caller named by an `Authorization: Bearer <token>` header; 401 without a valid one."""
    token = _bearer_token(authorization)
    if token is None:
        raise Unauthenticated("缺少 Authorization: Bearer 令牌")
    with db.read_session(engine) as session:
        return users.user_for_token(session, token)


def _bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class BearerUser(HTTPBearer):
    """The OpenAPI bearer scheme, answering with the caller (a `User`) itself.

    One dependency instead of a scheme and a function beside it: every API call
    authenticates, and each dependency FastAPI resolves costs time. A token seen in the
    last few seconds is answered from memory, without a thread or a query; others are
    looked up in a thread.
    """

    async def __call__(self, request: Request) -> User:  # type: ignore[override]
        known = request.scope.get(USER_SCOPE_KEY)
        if known is not None:
            return known
        engine = get_engine(request)
        authorization = request.headers.get("authorization")
        token = _bearer_token(authorization)
        if token is not None:
            cached = users.known_user_for_token(engine, token)
            if cached is not None:
                return cached
        return await run_in_threadpool(authenticate, engine, authorization)


current_user = BearerUser(
    auto_error=False,
    scheme_name="HTTPBearer",
    description="`carefund user add` 打印的 API 令牌",
)
CurrentUser = Annotated[User, Depends(current_user)]
