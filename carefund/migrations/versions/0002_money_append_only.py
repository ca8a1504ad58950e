"""money columns append-only

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

The database's own guards on what incomes and disbursements say about money, as 0001's
guard the journal: the columns that say how much, from whom or to whom, when, and under
which entry can no longer be changed (the ones the workflow fills in later, once filled),
and no income or disbursement row can be deleted. The workflow's own changes (status,
approval, payment, rejection, cancellation, reversal) keep working.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FIXED_COLUMNS = {
    "income": (
        "fund_id",
        "source",
        "payer",
        "amount_fen",
        "received_on",
        "receipt_no",
        "entry_id",
        "created_by",
        "created_at",
    ),
    "disbursement": ("fund_id", "recipient_id", "amount_fen", "aspect", "submitted_by"),
}
"""Columns written once, when the row is inserted."""
FIXED_ONCE_SET = {
    "income": ("reversal_entry_id",),
    "disbursement": ("entry_id", "paid_on", "approved_by", "paid_by", "reversal_entry_id"),
}
"""Columns the workflow fills in later (NULL until then), fixed from then on."""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_guards()
    else:
        _create_postgresql_guards()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _sqlite_trigger_names():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table in FIXED_COLUMNS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_fixed ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS carefund_{table}_fixed()")


def _changes(column: str, *, once_set: bool, differs: str) -> str:
    """The SQL condition (on OLD and NEW) under which an UPDATE changes a fixed column;
    `differs` is the dialect's null-safe "not equal"."""
    changed = f"NEW.{column} {differs} OLD.{column}"
    return f"OLD.{column} IS NOT NULL AND {changed}" if once_set else changed


def _guarded() -> list[tuple[str, str, bool]]:
    """(table, column, once_set) for every fixed column."""
    always = [
        (table, column, False) for table, columns in FIXED_COLUMNS.items() for column in columns
    ]
    later = [
        (table, column, True) for table, columns in FIXED_ONCE_SET.items() for column in columns
    ]
    return always + later


def _sqlite_trigger_names() -> list[str]:
    fixed = [f"{table}_fixed_{column}" for table, column, _ in _guarded()]
    return fixed + [f"{table}_no_delete" for table in FIXED_COLUMNS]


def _create_sqlite_guards() -> None:
    # One trigger per column, so that the refusal names the column.
    for table, column, once_set in _guarded():
        op.execute(
            f"CREATE TRIGGER {table}_fixed_{column} BEFORE UPDATE OF {column} ON {table} "
            f"WHEN {_changes(column, once_set=once_set, differs='IS NOT')} "
            f"BEGIN SELECT RAISE(ABORT, '{table}.{column} cannot change'); END"
        )
    for table in FIXED_COLUMNS:
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def _create_postgresql_guards() -> None:
    for table in FIXED_COLUMNS:
        checks = "\n".join(
            f"    IF {_changes(column, once_set=once_set, differs='IS DISTINCT FROM')} THEN\n"
            f"        RAISE EXCEPTION '{table}.{column} cannot change';\n"
            "    END IF;"
            for guarded_table, column, once_set in _guarded()
            if guarded_table == table
        )
        op.execute(
            f"CREATE FUNCTION carefund_{table}_fixed() RETURNS trigger AS $$\n"
            f"BEGIN\n{checks}\n    RETURN NEW;\nEND $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_fixed BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION carefund_{table}_fixed()"
        )
        # 0001's function, which refuses whatever it guards.
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION carefund_append_only()"
        )
