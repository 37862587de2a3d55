"""refunds

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 00:20:00

Refunds (issue 13, B10): one ``refunds`` row per refund, through a provider or recorded by hand,
with its idempotency key unique (the last guard when the same refund is sent twice at once).
``orders.amount_credited`` is the refunds' part that lowered what the customer owes (lines or
an amount given back beyond a surplus), so paid, due, refunded and to-refund keep adding up
after a partial refund of a paid order. ``payment_transactions.received_on``: the day a
transfer or cash arrived, as the seller records it. Downgrade drops all three.
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("credited", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("delivery", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "provider",
                "bank_transfer",
                "cash",
                "other",
                name="refundmethod",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "succeeded", "failed", name="refundstate", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("provider_reference", sa.String(length=80), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_refunds_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payment_transactions.id"],
            name=op.f("fk_refunds_transaction_id_payment_transactions"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_refunds_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint("key", name=op.f("uq_refunds_key")),
    )
    op.create_index(op.f("ix_refunds_order_id"), "refunds", ["order_id"], unique=False)
    op.create_index(op.f("ix_refunds_transaction_id"), "refunds", ["transaction_id"], unique=False)
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("amount_credited", sa.Numeric(18, 2), server_default="0", nullable=False))
    with op.batch_alter_table("payment_transactions") as batch:
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_transactions") as batch:
        batch.drop_column("received_on")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("amount_credited")
    op.drop_index(op.f("ix_refunds_transaction_id"), table_name="refunds")
    op.drop_index(op.f("ix_refunds_order_id"), table_name="refunds")
    op.drop_table("refunds")
