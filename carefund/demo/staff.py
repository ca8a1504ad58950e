"""The demo's users, one of every role, and the logins printed once for the newcomer."""

import secrets
from dataclasses import dataclass

from sqlmodel import Session

from carefund.access import users
from carefund.models import User
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
"""The demo's users: one of every role, and a second clerk."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str
    token: str


def create_staff(session: Session, *, staff: dict[str, User]) -> list[DemoUser]:
    """Create the demo's users into `staff` (by username) and answer their new logins."""
    credentials: list[DemoUser] = []
    for username, role in STAFF:
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        user = users.create_user(
            session, username=username, role=role.value, password=password, actor="demo"
        )
        credentials.append(
            DemoUser(username, role.value, password, users.issue_token(session, user))
        )
        staff[username] = user
    return credentials
