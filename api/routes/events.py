"""The events feed for systems that mirror the books: oldest first, never skipping."""

from typing import Annotated

from fastapi import Query

from api.deps import CurrentUser, DatabaseDep
from api.paging import Limit
from api.routing import ledger_router
from api.schemas_events import EventsPage
from carefund import events

router = ledger_router("events")


@router.get("/events", operation_id="listEvents", response_model=EventsPage)
def read_events(
    database: DatabaseDep,
    user: CurrentUser,
    after: Annotated[
        str | None,
        Query(max_length=events.CURSOR_LENGTH_MAX, description="上次返回的 next_cursor"),
    ] = None,
    limit: Limit = 50,
) -> dict:
    """事件流，最早的在前：用返回的 `next_cursor` 作 `after` 继续读取，不漏不重。"""
    return database.read(
        lambda session: events.read_feed(session, after=after, limit=limit, actor=user)
    )
