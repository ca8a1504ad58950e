"""the organisation tree: units (区 → 街道 → 社区/村) and roles granted on them

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-06

Funds, recipients and events belong to a unit; users hold roles on units, inherited
downward. An existing database gets one district at the root holding every fund,
recipient and event, and each user's role granted there: everyone sees what they saw.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ROOT_CODE = "DISTRICT"
ROOT_NAME = "本区"


def upgrade() -> None:
    _create_tables()
    for table in ("fund", "recipient"):
        # Plain ADD COLUMN (no batch copy on SQLite: rebuilding these tables would trip the
        # foreign keys and triggers of the books).
        # On SQLite without the reference: SQLite cannot add one to a table (short of a
        # batch copy, which the books' triggers and foreign keys forbid), and a column that
        # has one could not be dropped again by the downgrade.
        reference = [] if op.get_bind().dialect.name == "sqlite" else [sa.ForeignKey("unit.id")]
        op.add_column(table, sa.Column("unit_id", sa.Integer(), *reference, nullable=True))
        op.create_index(f"ix_{table}_unit_id", table, ["unit_id"], unique=False)
    op.add_column("event", sa.Column("unit_id", sa.Integer(), nullable=True))
    _put_everything_at_the_root()


def _create_tables() -> None:
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("path"),
    )
    op.create_table(
        "unit_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "unit_id", "role", name="unit_grant_once"),
    )
    op.create_index("unit_grant_user", "unit_grant", ["user_id"], unique=False)


def _put_everything_at_the_root() -> None:
    connection = op.get_bind()
    connection.execute(
        sa.text(
            "INSERT INTO unit (code, name, kind, parent_id, path, created_at) "
            "VALUES (:code, :name, 'district', NULL, :path, CURRENT_TIMESTAMP)"
        ),
        {"code": ROOT_CODE, "name": ROOT_NAME, "path": f"/{ROOT_CODE}/"},
    )
    root = sa.text("(SELECT id FROM unit WHERE code = :code)")
    for table in ("fund", "recipient", "event"):
        connection.execute(
            sa.text(f"UPDATE {table} SET unit_id = {root.text}"), {"code": ROOT_CODE}
        )
    connection.execute(
        sa.text(
            "INSERT INTO unit_grant (user_id, unit_id, role, created_at) "
            f"SELECT id, {root.text}, role, CURRENT_TIMESTAMP FROM app_user"
        ),
        {"code": ROOT_CODE},
    )


def downgrade() -> None:
    op.drop_column("event", "unit_id")
    for table in ("recipient", "fund"):
        op.drop_index(f"ix_{table}_unit_id", table_name=table)
        op.drop_column(table, "unit_id")
    op.drop_index("unit_grant_user", table_name="unit_grant")
    op.drop_table("unit_grant")
    op.drop_table("unit")
