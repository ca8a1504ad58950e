"""The fund a page is about, and the state of its chain as the pages show it."""

import time
from typing import Any

from fastapi import Request

from api.deps import get_database
from carefund import books, funds
from carefund.models import Fund

_VERIFY_KEY = "pages.verified"


def funds_and_current(session: Any, request: Request) -> tuple[list[Fund], Fund | None]:
    """Every fund, and the one the page is about (`?fund=`, else the first)."""
    return funds.fund_choices(
        session, actor=request.state.user, code=request.query_params.get("fund")
    )


VERIFY_CACHE_SECONDS = 300.0
"""How long a chain check is reused while the fund's head is unchanged. Recomputing the
chain reads every entry, too slow for each view of a busy dashboard; a change made behind
the service's back (which leaves the head as it was) shows within this time."""


def chain_status(request: Request, session: Any, fund: Fund, *, fresh: bool = False) -> Any:
    """`carefund.books.chain_status` of the fund, reused while its head and the time allow;
    `fresh` recomputes it by `carefund.books.verify_fund` (for those who may verify)."""
    cache: dict[str, tuple[int, str, float, Any]] = get_database(request).cache.setdefault(
        _VERIFY_KEY, {}
    )
    known = cache.get(fund.code)
    now = time.monotonic()
    if (
        not fresh
        and known is not None
        and known[:2] == (fund.head_seq, fund.head_hash)
        and now - known[2] < VERIFY_CACHE_SECONDS
    ):
        return known[3]
    # Recomputing on request is the auditor's verification; the cached look is anyone's.
    user = request.state.user
    result = (
        books.verify_fund(session, code=fund.code, actor=user)
        if fresh
        else books.chain_status(session, fund=fund, actor=user)
    )
    cache[fund.code] = (fund.head_seq, fund.head_hash, now, result)
    return result
