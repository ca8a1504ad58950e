"""The events feed."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class EventPublic(BaseModel):
    id: int
    type: str = Field(examples=["income.recorded"])
    at: datetime
    data: dict[str, Any]


class EventsPage(BaseModel):
    """`next_cursor` is never null: keep it and poll with it; no items means caught up."""

    items: list[EventPublic]
    next_cursor: str
