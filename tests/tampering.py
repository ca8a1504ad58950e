"""Working behind the service's back, as an insider with write access to the database would."""

from sqlalchemy import Connection, text


def drop_guards(connection: Connection, *tables: str) -> None:
    """Switch off the database's own guards (the append-only triggers) on `tables`: what
    someone changing the books behind the service's back would do first. (conftest.py
    switches them on again for the next test on PostgreSQL; on SQLite each test has its
    own copy of the database.)"""
    if connection.dialect.name == "sqlite":
        for table in tables:
            found = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": table},
            ).scalars()
            for name in list(found):
                connection.execute(text(f'DROP TRIGGER "{name}"'))
    else:
        for table in tables:
            connection.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
