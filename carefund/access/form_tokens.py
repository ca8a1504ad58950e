"""One-time form tokens: a web form posted twice takes effect once.

Each form a page draws carries a fresh random token. Posting it claims the token in the
same transaction as the form's use case and keeps the outcome (the page the post led to)
on it. A second post of the same form, a double click or a browser's resubmit, finds the
token taken and is answered with the first post's outcome: no second income, no second
receipt. The claim is a row under a unique constraint, so it holds across workers: on
PostgreSQL a second post waits at the claim until the first commits, then finds it taken.
A post that fails (a domain error) rolls its claim back with everything else, so the form,
corrected, can be posted again.
"""

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from carefund.models import FormToken, utcnow

FORM_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
"""What a form token looks like (`new_form_token` makes 24 characters)."""
FORM_TOKEN_RETENTION = timedelta(hours=24)
"""How long a used token is remembered (at least)."""
OUTCOME_LENGTH_MAX = 1000
"""As the `form_token.outcome` column holds."""

T = TypeVar("T")


class FormAlreadyPosted(Exception):
    """The form was posted before: answer with what that post led to."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def is_form_token(text: object) -> bool:
    return isinstance(text, str) and FORM_TOKEN_PATTERN.fullmatch(text) is not None


def once(
    use_case: Callable[[Session], T],
    *,
    user_id: int,
    token: str,
    outcome: Callable[[T], str],
) -> Callable[[Session], str]:
    """`use_case` and its `outcome`, run at most once per (user, token): a second run raises
    `FormAlreadyPosted` with the first one's outcome and does nothing."""
    assert is_form_token(token)

    def run(session: Session) -> str:
        row = _claim(session, user_id=user_id, token=token)
        answer = outcome(use_case(session))
        assert len(answer) <= OUTCOME_LENGTH_MAX, answer
        row.outcome = answer
        session.add(row)
        return answer

    return run


def _claim(session: Session, *, user_id: int, token: str) -> FormToken:
    now = utcnow()
    _forget_old(session, user_id=user_id, now=now)
    row = FormToken(user_id=user_id, token=token, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
        return row
    except IntegrityError:
        # Posted before, and committed: the first post's outcome is there.
        pass
    first = session.exec(
        select(FormToken).where(FormToken.user_id == user_id, FormToken.token == token)
    ).one()
    raise FormAlreadyPosted(first.outcome or "/")


def _forget_old(session: Session, *, user_id: int, now: datetime) -> None:
    """Forget this user's tokens past the retention (each user's own, so that two users'
    posts never wait on each other's rows)."""
    session.exec(  # type: ignore[call-overload]
        delete(FormToken).where(
            col(FormToken.user_id) == user_id,
            col(FormToken.created_at) < now - FORM_TOKEN_RETENTION,
        )
    )
