"""Lists: `?limit=` and an opaque `?cursor=`, answered as `{"items", "next_cursor"}`.

A cursor names the last record of the page before (its id, or `seq` for the journal), so
pages stay stable while records are added: nothing is skipped or shown twice. The codec is
the domain's (`carefund.cursors`), shared with the events feed.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query
from sqlmodel import Session

from carefund.cursors import CursorKind
from carefund.limits import ID_MAX
from carefund.storage.database import Database

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 500
CURSOR_LENGTH_MAX = 64
"""Cursors made here are about a dozen characters."""
LIST_CURSOR = CursorKind(
    prefix="c1:",
    field="cursor",
    message="游标无效：请使用上一页返回的 next_cursor",
    position_max=ID_MAX,
    length_max=CURSOR_LENGTH_MAX,
)

Limit = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description=f"每页条数，最多 {PAGE_SIZE_MAX}")]
Cursor = Annotated[
    str | None,
    Query(max_length=CURSOR_LENGTH_MAX, description="上一页的 next_cursor；首页不传"),
]


def encode_cursor(last: int) -> str:
    return LIST_CURSOR.encode(last)


def decode_cursor(value: str | None) -> int:
    """The position after which the page starts: 0 for the first page."""
    return LIST_CURSOR.decode(value)


def page(items: list[dict[str, Any]], *, limit: int, key: str = "id") -> dict[str, Any]:
    """A page from up to `limit + 1` items: the extra one only tells that more follow."""
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": encode_cursor(items[-1][key]) if more else None}


def read_page(
    database: Database,
    read: Callable[..., list[dict[str, Any]]],
    *,
    cursor: str | None,
    limit: int,
    key: str = "id",
) -> dict[str, Any]:
    """One page of a list: `read(session, after_<key>=…, limit=…)` asked for one item more
    than `limit` (which tells whether more follow), answered with its `next_cursor`."""
    after = decode_cursor(cursor)

    def query(session: Session) -> list[dict[str, Any]]:
        return read(session, **{f"after_{key}": after}, limit=limit + 1)

    return page(database.read(query), limit=limit, key=key)
