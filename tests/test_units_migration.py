"""Migration 0010 on a database with books: one district at the root holds every fund,
member and event, and each user's role is granted there, so everyone sees what they saw."""

from pathlib import Path

from alembic import command
from sqlalchemy import text

from carefund.access.users import user_for_token
from carefund.funds import list_funds
from carefund.storage.database import Database
from carefund.storage.schema import alembic_config, upgrade
from tests.builders import make_fund, make_recipient, make_staff, make_token, record


def test_an_upgraded_database_puts_everything_at_the_root(tmp_path: Path) -> None:
    database = Database.open(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(database.engine)
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    make_recipient(database, staff["clerk"])
    record(database, staff["clerk"], "10.00")
    token = make_token(database, staff["auditor"])
    config = alembic_config(database.engine)
    command.downgrade(config, "0006")  # the books as they were before units
    command.upgrade(config, "head")
    with database.engine.connect() as connection:
        units = connection.execute(text("SELECT code, kind, parent_id, path FROM unit")).all()
        assert units == [("DISTRICT", "district", None, "/DISTRICT/")]
        for table in ("fund", "recipient", "event"):
            orphans = connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE unit_id IS NULL")
            )
            assert orphans.scalar() == 0, table
        grants = connection.execute(
            text(
                "SELECT app_user.username, unit_grant.role FROM unit_grant "
                "JOIN app_user ON app_user.id = unit_grant.user_id ORDER BY app_user.id"
            )
        ).all()
    assert grants == [(user.username, user.role) for user in staff.values()]
    auditor = user_for_token(database, token)
    assert database.read(lambda session: [f.code for f in list_funds(session, actor=auditor)]) == [
        "HC-CARE"
    ]
    database.dispose()
