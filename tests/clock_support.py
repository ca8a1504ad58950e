"""The tests' calendar: what day it is while they run, and how a test sets the time.

The tests write books dated in 2026. Left to the real calendar, those dates would be in
the future before 2026 ends (and refused), and "this month" would move under them; so
every test runs with today = `TESTS_TODAY` in the business time zone (conftest.py), on a
clock that still ticks from noon of that day.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest

from carefund import clock
from carefund.settings import get_settings, zone_named

TESTS_TODAY = date(2026, 12, 31)
"""Today, for the tests: after every date they write, so none is in the future."""


def ticking_from(start: datetime) -> Callable[[], datetime]:
    """A clock (for `clock.utc_now`) that reads `start` now and runs on in real time."""
    real_utc_now = clock.utc_now
    began = real_utc_now()
    return lambda: start.astimezone(UTC) + (real_utc_now() - began)


def tests_noon() -> datetime:
    """Noon of `TESTS_TODAY` in the business time zone."""
    return datetime.combine(TESTS_TODAY, time(12), tzinfo=clock.zone())


def set_time(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Stop the clock at `moment` (aware) for one test."""
    monkeypatch.setattr(clock, "utc_now", lambda: moment.astimezone(UTC))


def set_zone(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Run one test in the business time zone `name`, as CAREFUND_TIMEZONE would set it."""
    zone_named(name)  # refuses a name that is no zone, as the setting does
    monkeypatch.setattr(get_settings(), "timezone", name)
