"""personal data sealed at rest: ID numbers, phones and addresses, with keyed hashes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

The recipient's ID number, phone and address become sealed text (AES-GCM under the data
key, which lives outside the database: `CAREFUND_DATA_KEY` or the key file), and the ID
number and phone gain a keyed hash (HMAC-SHA256) for exact lookups. Existing rows are
sealed here, so a database with recipients needs the key configured before it upgrades.
"""

import sqlalchemy as sa
from alembic import op

from carefund.data_keys import reseal_all
from carefund.models.sealed import keyring

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEALED = (("id_number", 18), ("phone", 20), ("address", 300))
HASHED = ("id_number", "phone")


def _widen_sealed_columns(*, to_text: bool) -> None:
    # Sealed text outgrows VARCHAR(18). SQLite does not enforce a VARCHAR's length, and
    # changing a type there means copying the table, which the foreign keys of
    # disbursements and postings forbid: only PostgreSQL's columns change type.
    if op.get_bind().dialect.name == "sqlite":
        return
    for name, length in SEALED:
        old, new = (sa.String(length), sa.Text()) if to_text else (sa.Text(), sa.String(length))
        op.alter_column("recipient", name, type_=new, existing_type=old)


def upgrade() -> None:
    _widen_sealed_columns(to_text=True)
    # Plain ALTER TABLE (no batch copy of the table, for the same foreign keys' sake).
    for name in HASHED:
        op.add_column("recipient", sa.Column(f"{name}_hash", sa.String(length=64), nullable=True))
        op.create_index(f"recipient_{name}_hash", "recipient", [f"{name}_hash"], unique=False)
    connection = op.get_bind()
    if not connection.scalar(sa.text("SELECT count(*) FROM recipient")):
        return
    keys = keyring()  # DataKeyError (a clear message) when no key is configured
    reseal_all(
        lambda batch: batch(connection),
        keys=keys,
        opened=lambda stored, purpose: stored,
    )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.scalar(sa.text("SELECT count(*) FROM recipient")):
        keys = keyring()
        rows = connection.execute(sa.text("SELECT id, id_number, phone, address FROM recipient"))
        for row in rows.all():
            values = {
                name: keys.open(value, purpose=f"recipient.{name}") if value else value
                for name, value in row._mapping.items()
                if name != "id"
            }
            connection.execute(
                sa.text(
                    "UPDATE recipient SET id_number = :id_number, phone = :phone,"
                    " address = :address WHERE id = :id"
                ),
                {"id": row.id, **values},
            )
    for name in HASHED:
        op.drop_index(f"recipient_{name}_hash", table_name="recipient")
        op.drop_column("recipient", f"{name}_hash")
    _widen_sealed_columns(to_text=False)
