"""events: each records the transaction that wrote it, and the feed follows (tx, id)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

The feed no longer needs a lock held through every writer's commit (carefund.events): on
PostgreSQL an event stores its transaction's id and readers page by (tx, id) up to the
horizon of transactions that have all ended. Existing events get 0 and keep their id
order, so they come first, as before; SQLite writes 0 always (one writer at a time, so
id order is commit order).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a constant default: no table rewrite on PostgreSQL, no batch
    # copy on SQLite.
    op.add_column(
        "event", sa.Column("tx", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
    )
    op.create_index("event_position", "event", ["tx", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("event_position", table_name="event")
    op.drop_column("event", "tx")
