"""The demo year: its dates and funds, and the doings collected as dated actions.

Each part of the story (money in, money out, the relief card, corrections) adds actions
dated within 2026; `Year.run` then writes them in date order, one transaction a day, so
incomes precede what they pay for and closed months refuse what they should.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from sqlmodel import Session

from carefund.alerts.watch import pause_watch
from carefund.demo import streets
from carefund.demo.roll import member_rows
from carefund.demo.staff import DemoUser, create_staff
from carefund.funds import create_fund
from carefund.models import Recipient, User
from carefund.storage.database import Database
from carefund.vocabulary import MemberCategory

DEMO_SEED = 2026
"""Seeds the generator: the same seed, the same books."""
DEMO_YEAR = 2026
DEMO_AS_OF = date(2026, 11, 27)
"""The last day the demo's books reach; nothing is dated after it."""
CARE_FUND = "HC-CARE"
RELIEF_FUND = "HC-RELIEF"
RELIEF_MEMBERS = 40
RELIEF_MONTHLY_YUAN = 400
"""40 members × 400 yuan × 12 months = 192,000 yuan, within the fund's 200,000 a year."""
CLOSED_THROUGH_MONTH = 10
"""January to October are closed; November is the open month the clerks work in."""

Step = Callable[[Session], None]


@dataclass
class Year:
    """The year being written: who works in it, its members, and its dated actions."""

    database: Database
    rng: random.Random
    actions: list[tuple[date, int, Step]] = field(default_factory=list)
    staff: dict[str, User] = field(default_factory=dict)
    roll: dict[MemberCategory, list[Recipient]] = field(default_factory=dict)
    relief_members: list[Recipient] = field(default_factory=list)
    care_paid_ids: list[tuple[date, int]] = field(default_factory=list)
    """Paid care-fund disbursements by pay day, for the corrections to choose from."""

    def at(self, day: date, action: Step) -> None:
        assert day <= DEMO_AS_OF, day
        self.actions.append((day, len(self.actions), action))

    def pick(self, category: MemberCategory, count: int) -> list[Recipient]:
        return self.rng.sample(self.roll[category], count)

    def run(self) -> None:
        """Write every action in date order (ties in the order they were added)."""
        self.actions.sort(key=lambda item: (item[0], item[1]))
        day_index = 0
        while day_index < len(self.actions):
            day = self.actions[day_index][0]
            todays: list[Step] = []
            while day_index < len(self.actions) and self.actions[day_index][0] == day:
                todays.append(self.actions[day_index][2])
                day_index += 1
            # One transaction per day of the year: each action is still one use case.
            self.database.write(partial(_run_all, todays))


def open_books(year: Year) -> list[DemoUser]:
    """The staff, the two funds and the roll, written at once; answers the new logins."""
    credentials: list[DemoUser] = []

    def set_up(session: Session) -> None:
        pause_watch(session)
        streets.make_tree(session)
        credentials.extend(create_staff(session, staff=year.staff))
        for code, name in (
            (CARE_FUND, "城关区党内关爱基金"),
            (RELIEF_FUND, "城关区特困党员救助基金"),
        ):
            create_fund(
                session, code=code, name=name, org="中共城关区委组织部", actor=year.staff["admin"]
            )
        streets.open_street_funds(session, year.staff["admin"])
        made = streets.create_roll(session, member_rows(year.rng), year.staff["clerk"])
        for recipient in made:
            year.roll.setdefault(MemberCategory(recipient.category), []).append(recipient)

    year.database.write(set_up)
    year.relief_members = year.rng.sample(year.roll[MemberCategory.hardship], RELIEF_MEMBERS)
    return credentials


def _run_all(steps: list[Step], session: Session) -> None:
    # The year is written in a minute: the write-time rules would judge it by that minute
    # (every posting "after hours" at night). The demo's own warnings story raises the
    # alerts it shows (`carefund.demo.warnings`).
    pause_watch(session)
    for step in steps:
        step(session)
