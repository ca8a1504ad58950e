"""money controls: earmarks, budgets, tiered approval, income review, caps and standards

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

A fund's controls (issue 14, items 1–4): which income sources may pay which cells of the
6×3 matrix and the caps and standards per recipient (`fund_control`), the thresholds of
two-person approval and income review (on `fund`, which the posting path reads anyway),
annual budgets per cell with their history, and the admin overrides of a budget, cap or
standard (`control_override`). Incomes may be earmarked (定向) and are reviewed (复核);
disbursements record the source they draw from, their first approver and the meeting.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite: rebuilding these tables would drop the
    # append-only triggers of 0002 and trip the foreign keys that name them).
    op.add_column("fund", sa.Column("approval_threshold_fen", sa.BigInteger(), nullable=True))
    op.add_column("fund", sa.Column("review_threshold_fen", sa.BigInteger(), nullable=True))
    for name in ("earmark_category", "earmark_aspect"):
        op.add_column("income", sa.Column(name, sa.String(length=32), nullable=True))
    op.add_column(
        "income",
        sa.Column("review_required", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("income", sa.Column("reviewed_by", sa.String(length=64), nullable=True))
    op.add_column("income", sa.Column("reviewed_at", _WHEN, nullable=True))
    op.add_column("income", sa.Column("review_entry_id", sa.Integer(), nullable=True))
    op.add_column("disbursement", sa.Column("source", sa.String(length=32), nullable=True))
    op.add_column("disbursement", sa.Column("earmark_income_id", sa.Integer(), nullable=True))
    op.add_column(
        "disbursement", sa.Column("first_approved_by", sa.String(length=64), nullable=True)
    )
    op.add_column("disbursement", sa.Column("first_approved_at", _WHEN, nullable=True))
    op.add_column("disbursement", sa.Column("meeting_no", sa.String(length=64), nullable=True))
    op.add_column("disbursement", sa.Column("meeting_on", sa.Date(), nullable=True))
    _create_tables()


def _create_tables() -> None:
    op.create_table(
        "fund_control",
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), primary_key=True),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
    )
    op.create_table(
        "budget",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("aspect", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name="budget_amount_not_negative"),
        sa.UniqueConstraint("fund_id", "year", "category", "aspect", name="budget_cell"),
    )
    op.create_table(
        "budget_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("aspect", sa.String(length=32), nullable=False),
        sa.Column("previous_fen", sa.BigInteger(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", _WHEN, nullable=False),
    )
    op.create_index("budget_change_fund_year", "budget_change", ["fund_id", "year"])
    op.create_table(
        "control_override",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), nullable=False),
        sa.Column(
            "disbursement_id", sa.Integer(), sa.ForeignKey("disbursement.id"), nullable=False
        ),
        sa.Column("control", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.UniqueConstraint("disbursement_id", "control", name="control_override_once"),
    )
    op.create_index("control_override_fund", "control_override", ["fund_id"])


def downgrade() -> None:
    for table in ("control_override", "budget_change", "budget", "fund_control"):
        op.drop_table(table)
    for name in ("meeting_on", "meeting_no", "first_approved_at", "first_approved_by"):
        op.drop_column("disbursement", name)
    for name in ("earmark_income_id", "source"):
        op.drop_column("disbursement", name)
    for name in ("review_entry_id", "reviewed_at", "reviewed_by", "review_required"):
        op.drop_column("income", name)
    for name in ("earmark_aspect", "earmark_category"):
        op.drop_column("income", name)
    op.drop_column("fund", "review_threshold_fen")
    op.drop_column("fund", "approval_threshold_fen")
