"""the bank: payment accounts, batches, return files, statements, reconciliations

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-06

Recipients get a payment account (kind, sealed number, bank). Batches of disbursements and
their items (with what the bank said of each), the bank's files kept by hash, statement
lines and their matches to journal entries, confirmed monthly reconciliations, and each
fund's bank rules.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite: rebuilding recipient would trip the
    # foreign keys of every table that names a recipient).
    op.add_column("recipient", sa.Column("account_kind", sa.String(length=16), nullable=True))
    op.add_column("recipient", sa.Column("account_no", sa.Text(), nullable=True))
    op.add_column(
        "recipient",
        sa.Column("account_bank", sa.String(length=64), nullable=False, server_default=""),
    )
    _batches()
    _files_and_lines()
    op.create_table(
        "bank_reconciliation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("book_balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("bank_balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("adjusted_fen", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=False),
        _timestamp("confirmed_at"),
        sa.UniqueConstraint("fund_id", "month", name="bank_reconciliation_once"),
    )
    op.create_table(
        "bank_setting",
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), primary_key=True),
        sa.Column("require_reconciliation", sa.Boolean(), nullable=False),
    )


def _batches() -> None:
    op.create_table(
        "bank_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), nullable=False),
        sa.Column("number", sa.String(length=48), nullable=False, unique=True),
        sa.Column("selection", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        sa.Column("exported_by", sa.String(length=64), nullable=True),
        _timestamp("exported_at", nullable=True),
        _timestamp("updated_at"),
    )
    op.create_table(
        "bank_batch_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("bank_batch.id"), nullable=False),
        sa.Column(
            "disbursement_id", sa.Integer(), sa.ForeignKey("disbursement.id"), nullable=False
        ),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False, unique=True),
        sa.Column("bank_status", sa.String(length=16), nullable=False),
        sa.Column("bank_reason", sa.Text(), nullable=True),
        sa.Column("bank_reference", sa.String(length=64), nullable=True),
        sa.Column("bank_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("batch_id", "disbursement_id", name="bank_batch_item_once"),
    )
    op.create_index("bank_batch_item_disbursement", "bank_batch_item", ["disbursement_id"])
    op.create_index("bank_batch_item_status", "bank_batch_item", ["bank_status"])


def _files_and_lines() -> None:
    op.create_table(
        "bank_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        _timestamp("imported_at"),
        sa.UniqueConstraint("fund_id", "kind", "file_hash", name="bank_file_once"),
    )
    op.create_table(
        "bank_statement_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fund_id", sa.Integer(), sa.ForeignKey("fund.id"), nullable=False),
        sa.Column("file_id", sa.Integer(), sa.ForeignKey("bank_file.id"), nullable=False),
        sa.Column("line_key", sa.String(length=64), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("match_kind", sa.String(length=16), nullable=True),
        sa.Column("matched_by", sa.String(length=64), nullable=True),
        _timestamp("matched_at", nullable=True),
        sa.UniqueConstraint("fund_id", "line_key", name="bank_statement_line_once"),
    )
    op.create_index("bank_statement_line_fund_day", "bank_statement_line", ["fund_id", "booked_on"])
    op.create_table(
        "bank_match",
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("journal_entry.id"), primary_key=True),
        sa.Column("line_id", sa.Integer(), sa.ForeignKey("bank_statement_line.id"), nullable=False),
    )
    op.create_index("ix_bank_match_line_id", "bank_match", ["line_id"])


def downgrade() -> None:
    op.drop_table("bank_match")
    op.drop_table("bank_statement_line")
    op.drop_table("bank_file")
    op.drop_table("bank_batch_item")
    op.drop_table("bank_batch")
    op.drop_table("bank_setting")
    op.drop_table("bank_reconciliation")
    op.drop_column("recipient", "account_bank")
    op.drop_column("recipient", "account_no")
    op.drop_column("recipient", "account_kind")
