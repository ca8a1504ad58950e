"""user administration: display names, and passwords that must be changed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Documents print a user's display name; a password an administrator reset must be changed
at the next login.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite: rebuilding app_user would trip the
    # foreign keys of every table that names a user).
    op.add_column("app_user", sa.Column("display_name", sa.String(length=64), nullable=True))
    op.add_column(
        "app_user",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("app_user", "must_change_password")
    op.drop_column("app_user", "display_name")
