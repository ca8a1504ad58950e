"""What routes depend on: the engine, units of work and the authenticated caller.

A route that writes opens `unit_of_work(request)` itself, so the commit happens before the
answer is sent: a client never sees 201 for something that did not commit.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from carefund import db, users
from carefund.errors import Unauthenticated
from carefund.models import User


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


@contextmanager
def unit_of_work(request: Request) -> Iterator[Session]:
    """One use case's transaction, committed when the block ends without error."""
    with db.write_session(get_engine(request)) as session:
        yield session


def read_session(request: Request) -> Iterator[Session]:
    with db.read_session(get_engine(request)) as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]


USER_SCOPE_KEY = "carefund.user"
"""Where a caller already authenticated for this request (by the idempotency layer) is kept."""

bearer = HTTPBearer(auto_error=False, description="`carefund user add` 打印的 API 令牌")


def authenticate(engine: Engine, authorization: str | None) -> User:
    """The caller named by an `Authorization: Bearer <token>` header; 401 without a valid one."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("缺少 Authorization: Bearer 令牌")
    with db.read_session(engine) as session:
        return users.user_for_token(session, token.strip())


def current_user(
    request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> User:
    """The caller named by `Authorization: Bearer <token>`; 401 without a valid one."""
    known = request.scope.get(USER_SCOPE_KEY)
    if known is not None:
        return known
    return authenticate(get_engine(request), request.headers.get("authorization"))


CurrentUser = Annotated[User, Depends(current_user)]
