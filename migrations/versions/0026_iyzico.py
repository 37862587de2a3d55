"""iyzico: payment_transactions.provider_token

The shopper's browser comes back from iyzico's checkout form with only a token, and iyzico's
webhooks name the payment by it too; the transaction keeps it (indexed) to find the payment
again, while provider_reference keeps iyzico's paymentId, which refunds and cancels need.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 00:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_transactions") as batch:
        batch.add_column(
            sa.Column("provider_token", sa.String(length=120), server_default="", nullable=False)
        )
        batch.create_index("ix_payment_transactions_provider_token", ["provider_token"])


def downgrade() -> None:
    with op.batch_alter_table("payment_transactions") as batch:
        batch.drop_index("ix_payment_transactions_provider_token")
        batch.drop_column("provider_token")
