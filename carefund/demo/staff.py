"""The demo's users, one of every role, and the logins printed once for the newcomer."""

import secrets
from dataclasses import dataclass

from sqlmodel import Session

from carefund.access import users
from carefund.access.scope import root_unit
from carefund.models import User
from carefund.units import find_unit
from carefund.vocabulary import Role

PASSWORD_BYTES = 9
"""Random bytes of each demo password (12 characters once encoded)."""

STAFF = (
    ("admin", Role.admin),
    ("clerk", Role.clerk),
    ("clerk2", Role.clerk),
    ("approver", Role.approver),
    ("cashier", Role.cashier),
    ("auditor", Role.auditor),
    ("integration", Role.integration),
)
"""The demo's users: one of every role, and a second clerk, all of the whole district."""
STREET_STAFF = (("cg_clerk", Role.clerk, "CG"), ("cg_approver", Role.approver, "CG"))
"""Street users: their role holds in 城关街道 (CG) and its communities, nowhere else."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str
    token: str
    unit: str = "DISTRICT"


def create_staff(session: Session, *, staff: dict[str, User]) -> list[DemoUser]:
    """Create the demo's users into `staff` (by username) and answer their new logins."""
    credentials: list[DemoUser] = []
    district = root_unit(session).code
    everyone = [(username, role, district) for username, role in STAFF] + list(STREET_STAFF)
    for username, role, unit in everyone:
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        user = users.create_user(
            session,
            username=username,
            role=role.value,
            password=password,
            unit=find_unit(session, unit),
            actor="demo",
        )
        token = users.issue_token(session, user)
        credentials.append(DemoUser(username, role.value, password, token, unit))
        staff[username] = user
    return credentials
