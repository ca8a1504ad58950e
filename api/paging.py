"""Lists: `?limit=` and an opaque `?cursor=`, answered as `{"items", "next_cursor"}`.

A cursor names the last record of the page before (its id, or `seq` for the journal), so
pages stay stable while records are added: nothing is skipped or shown twice. Clients must
treat it as opaque; it is base64 so that nobody is tempted to compute one.
"""

import base64
import binascii
from typing import Annotated, Any

from fastapi import Query

from carefund.errors import InvalidInput
from carefund.limits import ID_MAX

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 500
CURSOR_LENGTH_MAX = 64
"""Cursors made here are about a dozen characters."""
_CURSOR_PREFIX = "c1:"

Limit = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description=f"每页条数，最多 {PAGE_SIZE_MAX}")]
Cursor = Annotated[
    str | None,
    Query(max_length=CURSOR_LENGTH_MAX, description="上一页的 next_cursor；首页不传"),
]


def encode_cursor(last: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{last}".encode()).decode().rstrip("=")


def decode_cursor(value: str | None) -> int:
    """The position after which the page starts: 0 for the first page."""
    if not value:
        return 0
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        last = int(text.removeprefix(_CURSOR_PREFIX)) if text.startswith(_CURSOR_PREFIX) else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        last = -1
    if not 0 <= last <= ID_MAX:
        raise InvalidInput("游标无效：请使用上一页返回的 next_cursor", field="cursor")
    return last


def page(items: list[dict[str, Any]], *, limit: int, key: str = "id") -> dict[str, Any]:
    """A page from up to `limit + 1` items: the extra one only tells that more follow."""
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": encode_cursor(items[-1][key]) if more else None}
