"""The business's clock: what day and time it is in one time zone, the fund's.

Timestamps are stored in UTC. Everything that asks "what day is it" — default dates,
which dates lie in the future, whether a month is over, the pages' and the documents'
times — asks here, in the zone of the setting `CAREFUND_TIMEZONE` (default
`Asia/Shanghai`), so that a server in another zone, or one set to UTC, keeps the district's
calendar: at 2026-12-31 23:30 UTC it is already 2027-01-01 in Shanghai.
"""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from carefund.settings import get_settings, zone_named

ZONE_LABELS_ZH = {"Asia/Shanghai": "北京时间", "PRC": "北京时间", "Asia/Chongqing": "北京时间"}
"""What documents call a zone after a printed time; other zones go by their IANA name."""


def utc_now() -> datetime:
    """The present instant. The one call to the system clock: tests replace this function
    to set the time (`monkeypatch.setattr(clock, "utc_now", …)`)."""
    return datetime.now(UTC)


def zone() -> ZoneInfo:
    """The business time zone (setting `CAREFUND_TIMEZONE`)."""
    return _zone(get_settings().timezone)


@lru_cache
def _zone(name: str) -> ZoneInfo:
    return zone_named(name)


def now() -> datetime:
    """The present moment in the business time zone (aware)."""
    return utc_now().astimezone(zone())


def today() -> date:
    """Today in the business time zone."""
    return now().date()


def local(moment: datetime) -> datetime:
    """A stored moment in the business time zone (a naive one was stored in UTC, as
    SQLite hands timestamps back)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone())


def zone_label() -> str:
    """How a document names the zone of the times it prints: 北京时间 for China's."""
    name = get_settings().timezone
    return ZONE_LABELS_ZH.get(name, name)
