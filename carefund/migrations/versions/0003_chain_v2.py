"""chain version 2: entries hash what they record

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

Entries posted from now on hash the object of API.md (Books) as revised: with `document`
(what the entry records) and each posting's `recipient`. Existing entries keep the object
they were hashed with: `chain_version` 1 and no `document`. Adding the columns touches no
existing row, so the journal's append-only triggers stay as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN on both databases (not a batch copy of the table, which
    # on SQLite would drop the table's triggers): existing rows read chain_version 1.
    op.add_column(
        "journal_entry",
        sa.Column("chain_version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.add_column("journal_entry", sa.Column("document", sa.Text(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), for the same reason as above. Version-2 entries then
    # no longer verify: downgrade only to rebuild the schema (`carefund demo --force`).
    op.drop_column("journal_entry", "document")
    op.drop_column("journal_entry", "chain_version")
