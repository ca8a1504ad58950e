"""Idempotency keys: a POST retried with the same key has its effect once (DESIGN.md, 9).

A request first claims its key in a transaction of its own, committed before the use case
runs: the unique (user, key) constraint decides which of two concurrent requests wins.
The winner runs the use case and then stores its answer on the claim; a retry with the
same request gets that answer again, one with another request is refused, and one that
arrives while the first is still running is told so (409). An answer that was never
stored (the first request failed unexpectedly) releases the claim, so a retry runs anew.

The use case records its result on the claim in its own transaction (`recording`), so a
claim never holds an effect without knowing it. Should the process die between that commit
and storing the answer, a retry finds the committed result and is answered from it
(`replaying`: the route shapes the answer again, without a second effect), and a failure
after the commit does not release the claim. Only a claim whose use case never committed
and whose process died keeps answering 409, until it expires: a second effect is worse than
a retry that has to give up.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from carefund.errors import Conflict, InvalidInput
from carefund.models import IdempotencyKey, as_utc, utcnow

KEY_LENGTH_MAX = 255
"""As the `idempotency_key.key` column holds."""
KEY_PATTERN = re.compile(r"[\x21-\x7e][\x20-\x7e]*")
"""Visible ASCII, as an HTTP header can carry it unchanged."""
KEY_RETENTION = timedelta(hours=24)
"""How long a key and its first answer are kept (at least)."""
ANSWER_LENGTH_MAX = 1_000_000
"""Answers longer than this are not stored (the claim is released instead)."""


@dataclass(frozen=True)
class Claim:
    """This request holds the key: run the use case, then `store_answer` or `release`."""

    id: int


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer given for the key, to be given again."""

    status_code: int
    body: str
    content_type: str


@dataclass(frozen=True)
class Committed:
    """The key's first request committed its use case but its answer was never stored: run
    the route again with the use case `replaying` this result, and store that answer."""

    claim: Claim
    result: Any


T = TypeVar("T")


def fingerprint(method: str, target: str, body: bytes) -> str:
    """What makes two requests 'the same request': method, path with query, and body bytes."""
    digest = hashlib.sha256()
    digest.update(method.upper().encode("ascii") + b" " + target.encode("utf-8") + b"\n")
    digest.update(body)
    return digest.hexdigest()


def clean_key(key: object) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key) or len(key) > KEY_LENGTH_MAX:
        raise InvalidInput(
            f"Idempotency-Key 应为 1–{KEY_LENGTH_MAX} 个可见 ASCII 字符", field="Idempotency-Key"
        )
    return key


def claim_key(
    session: Session, *, user_id: int, key: str, request_hash: str, now: datetime | None = None
) -> Claim | StoredAnswer | Committed:
    """Claim `key` for this request, or the answer to replay; the caller commits at once.

    Raises `InvalidInput` when the key was used for another request and `Conflict` while
    the request that claimed it is still running.
    """
    key = clean_key(key)
    now = now or utcnow()
    existing = _find(session, user_id, key)
    if existing is not None and as_utc(existing.created_at) < now - KEY_RETENTION:
        session.delete(existing)
        session.flush()
        existing = None
    if existing is None:
        row = IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash, created_at=now)
        try:
            with session.begin_nested():
                session.add(row)
            assert row.id is not None
            return Claim(row.id)
        except IntegrityError:
            # Another request claimed it between our look and our insert; it won.
            existing = _find(session, user_id, key)
            assert existing is not None
    if existing.request_hash != request_hash:
        raise InvalidInput(
            "此 Idempotency-Key 已用于另一个请求；新请求请换一个键", field="Idempotency-Key"
        )
    if existing.status_code is None and existing.committed_result is not None:
        assert existing.id is not None
        return Committed(Claim(existing.id), json.loads(existing.committed_result))
    if existing.status_code is None:
        raise Conflict("使用同一 Idempotency-Key 的请求仍在处理中，请稍后重试")
    return StoredAnswer(
        existing.status_code, existing.response_body or "", existing.response_type or ""
    )


def _find(session: Session, user_id: int, key: str) -> IdempotencyKey | None:
    return session.exec(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).first()


def store_answer(
    session: Session, *, claim: Claim, status_code: int, body: str, content_type: str
) -> None:
    """Keep the first answer on the claim, to replay it for retries."""
    row = session.get(IdempotencyKey, claim.id)
    assert row is not None, "a claim is only removed by its own request or after expiry"
    if len(body) > ANSWER_LENGTH_MAX:
        session.delete(row)
        return
    row.status_code = status_code
    row.response_body = body
    row.response_type = content_type
    session.add(row)


def release(session: Session, *, claim: Claim) -> None:
    """Give the key up, so that a retry runs the request anew; unless its use case committed,
    in which case a retry is answered from the committed result."""
    statement = delete(IdempotencyKey).where(
        col(IdempotencyKey.id) == claim.id, col(IdempotencyKey.committed_result).is_(None)
    )
    session.exec(statement)  # type: ignore[call-overload]


def recording(claim: Claim, use_case: Callable[[Session], T]) -> Callable[[Session], T]:
    """`use_case`, also writing its result on the claim in the same transaction."""

    def run(session: Session) -> T:
        result = use_case(session)
        statement = (
            update(IdempotencyKey)
            .where(col(IdempotencyKey.id) == claim.id)
            .values(committed_result=json.dumps(result, default=_as_json, ensure_ascii=False))
        )
        session.exec(statement)  # type: ignore[call-overload]
        return result

    return run


def replaying(committed: Committed, _use_case: Callable[[Session], T]) -> Callable[[Session], T]:
    """In place of `use_case`, which committed already: its result, and no second effect."""
    return lambda _session: committed.result


def _as_json(value: object) -> object:
    """What a use case's result holds beside JSON's own types (money as strings already)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"a use case result must be plain data, not {type(value).__name__}")


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete keys older than the retention; how many went."""
    cutoff = (now or utcnow()) - KEY_RETENTION
    result = session.exec(  # type: ignore[call-overload]
        delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < cutoff)
    )
    return int(result.rowcount or 0)
