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


def upgrade() -> None:
    with op.batch_alter_table("recipient", schema=None) as batch_op:
        for name, length in SEALED:
            batch_op.alter_column(name, type_=sa.Text(), existing_type=sa.String(length))
        for name in HASHED:
            batch_op.add_column(sa.Column(f"{name}_hash", sa.String(length=64), nullable=True))
            batch_op.create_index(f"recipient_{name}_hash", [f"{name}_hash"], unique=False)
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
    with op.batch_alter_table("recipient", schema=None) as batch_op:
        for name in HASHED:
            batch_op.drop_index(f"recipient_{name}_hash")
            batch_op.drop_column(f"{name}_hash")
        for name, length in SEALED:
            batch_op.alter_column(name, type_=sa.String(length), existing_type=sa.Text())
