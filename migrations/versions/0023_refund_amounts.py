"""refund amounts and payment states

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 00:10:00

Payment transactions name their states as the money does (authorised, captured, partially
refunded, refunded): "succeeded" becomes "captured". Transactions and orders keep the amount
given back (amount_refunded, 0 for every existing row) (issue 13, B10). Downgrade reverses both.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_transactions") as batch:
        batch.add_column(sa.Column("amount_refunded", sa.Numeric(18, 2), server_default="0", nullable=False))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("amount_refunded", sa.Numeric(18, 2), server_default="0", nullable=False))
    op.execute("UPDATE payment_transactions SET state = 'captured' WHERE state = 'succeeded'")


def downgrade() -> None:
    op.execute(
        "UPDATE payment_transactions SET state = 'succeeded' "
        "WHERE state IN ('captured', 'partially_refunded', 'refunded', 'authorised')"
    )
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("amount_refunded")
    with op.batch_alter_table("payment_transactions") as batch:
        batch.drop_column("amount_refunded")
