"""early warning: alerts, rule settings, staff ID numbers and phones

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06

The rules of 廉情预警 raise alerts that auditors acknowledge and resolve; an administrator
tunes the rules per fund. Staff get an optional ID number and phone (sealed, with keyed
hashes) so that a recipient who shares one with a staff member is found.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), nullable=True),
        sa.Column("rule_code", sa.String(length=48), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("subject_key", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _moment("created_at"),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        _moment("acknowledged_at", nullable=True),
        sa.Column("acknowledge_note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        _moment("resolved_at", nullable=True),
        sa.Column("resolve_note", sa.Text(), nullable=True),
        sa.UniqueConstraint("rule_code", "subject_key", name="alert_rule_subject"),
    )
    op.create_index("alert_status_grade", "alert", ["status", "grade"])
    op.create_index("alert_fund", "alert", ["fund_id"])
    op.create_table(
        "alert_rule_setting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule_code", sa.String(length=48), nullable=False),
        sa.Column("fund_code", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        _moment("updated_at"),
        sa.UniqueConstraint("rule_code", "fund_code", name="alert_rule_setting_scope"),
    )
    # Plain ADD COLUMN (no batch copy on SQLite: rebuilding app_user would trip the
    # foreign keys of every table that names a user).
    for name in ("id_number", "phone"):
        op.add_column("app_user", sa.Column(name, sa.Text(), nullable=True))
        op.add_column("app_user", sa.Column(f"{name}_hash", sa.String(length=64), nullable=True))
        op.create_index(f"app_user_{name}_hash", "app_user", [f"{name}_hash"])


def downgrade() -> None:
    for name in ("phone", "id_number"):
        op.drop_index(f"app_user_{name}_hash", table_name="app_user")
        op.drop_column("app_user", f"{name}_hash")
        op.drop_column("app_user", name)
    op.drop_table("alert_rule_setting")
    op.drop_index("alert_fund", table_name="alert")
    op.drop_index("alert_status_grade", table_name="alert")
    op.drop_table("alert")
