"""form tokens, and idempotency keys that remember their committed result

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-06

A web form's one-time token is kept once the form was posted, so that posting it again
answers the first outcome instead of recording twice. An idempotency key keeps the use
case's result, written in the use case's own transaction, so that a retry after a crash
between commit and answer gets the committed result instead of 409.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "token", name="form_token_user_token"),
    )
    op.create_index("form_token_created_at", "form_token", ["created_at"], unique=False)
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("committed_result", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_column("committed_result")
    op.drop_index("form_token_created_at", table_name="form_token")
    op.drop_table("form_token")
