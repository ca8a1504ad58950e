"""The demo district's tree: three streets (街道) with two communities each, a street fund in
each street, the members who live in a street on its roll, and a street clerk and approver
of 城关街道 who see only their street."""

from itertools import groupby
from typing import Any

from sqlmodel import Session

from carefund import recipients
from carefund.access.scope import root_unit
from carefund.funds import create_fund
from carefund.models import Recipient, User
from carefund.units import create_unit
from carefund.vocabulary import Role

STREETS = (
    ("CG", "城关街道", (("CG-DM", "东门社区"), ("CG-XM", "西门社区"))),
    ("DC", "东城街道", (("DC-HP", "和平社区"), ("DC-XF", "幸福社区"))),
    ("XC", "西城街道", (("XC-JS", "建设社区"), ("XC-QF", "前锋村"))),
)
"""(code, name, communities) of each street under the district."""
STREET_FUNDS = {"CG": "CG-CARE", "DC": "DC-CARE", "XC": "XC-CARE"}


def make_tree(session: Session) -> None:
    """The streets and communities, added by the district's administrator."""
    builder = User(username="demo", role=Role.admin.value)
    district = root_unit(session).code
    for code, name, communities in STREETS:
        create_unit(session, code=code, name=name, parent=district, actor=builder)
        for community, community_name in communities:
            create_unit(session, code=community, name=community_name, parent=code, actor=builder)


def street_of(row: tuple[object, dict[str, Any]]) -> str | None:
    """The street a member lives in, by their address; None outside the three streets."""
    address = row[1]["address"]
    return next((code for code, name, _c in STREETS if address.startswith(name)), None)


def create_roll(
    session: Session, rows: list[tuple[object, dict[str, Any]]], clerk: User
) -> list[Recipient]:
    """The roll in its order, each member on their street's roll (else the district's)."""
    made: list[Recipient] = []
    for street, run in groupby(rows, key=street_of):
        made += recipients.create_recipients(session, rows=list(run), actor=clerk, unit=street)
    return made


def open_street_funds(session: Session, admin: User) -> None:
    for code, name, _communities in STREETS:
        create_fund(
            session,
            code=STREET_FUNDS[code],
            name=f"{name}关爱互助金",
            org=f"中共{name}工作委员会",
            unit=code,
            actor=admin,
        )
