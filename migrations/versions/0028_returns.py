"""Returns (S5, B12): a return and its lines; orders.delivered_at, where the return window starts

orders.delivered_at is set when an order first reaches a Completed status; orders already there
take the time of their last change (the closest the history has).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 03:45:00
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "approved",
                "rejected",
                "received",
                "refunded",
                "exchanged",
                name="returnstate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=False),
        sa.Column("access_token", sa.String(length=32), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("exchange_order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", shop.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", shop.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", shop.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["users.id"], name=op.f("fk_returns_customer_id_users")),
        sa.ForeignKeyConstraint(
            ["exchange_order_id"], ["orders.id"], name=op.f("fk_returns_exchange_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"], name=op.f("fk_returns_refund_id_refunds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("access_token", name=op.f("uq_returns_access_token")),
        sa.UniqueConstraint("number", name=op.f("uq_returns_number")),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.create_index("ix_returns_created", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_returns_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_returns_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_returns_reason_created", ["reason", "created_at", "id"], unique=False)
        batch_op.create_index("ix_returns_state_created", ["state", "created_at", "id"], unique=False)

    op.create_table(
        "return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("restocked", sa.Integer(), nullable=False),
        sa.Column("written_off", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("replacement_variant_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_return_lines_return_quantity_positive")),
        sa.CheckConstraint(
            "restocked + written_off <= quantity", name=op.f("ck_return_lines_return_outcome_within_quantity")
        ),
        sa.CheckConstraint(
            "restocked >= 0 AND written_off >= 0", name=op.f("ck_return_lines_return_outcome_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_return_lines_order_line_id_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replacement_variant_id"],
            ["variants.id"],
            name=op.f("fk_return_lines_replacement_variant_id_variants"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_return_lines_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
    )
    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_lines_order_line_id"), ["order_line_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_lines_return_id"), ["return_id"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivered_at", shop.db_types.UTCDateTime(timezone=True), nullable=True)
        )
    orders = sa.table("orders", sa.column("delivered_at"), sa.column("updated_at"), sa.column("status_id"))
    statuses = sa.table("order_statuses", sa.column("id"), sa.column("group"))
    completed = sa.select(statuses.c.id).where(statuses.c.group == "completed")
    op.execute(
        orders.update().where(orders.c.status_id.in_(completed)).values(delivered_at=orders.c.updated_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("delivered_at")

    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_lines_return_id"))
        batch_op.drop_index(batch_op.f("ix_return_lines_order_line_id"))

    op.drop_table("return_lines")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index("ix_returns_state_created")
        batch_op.drop_index("ix_returns_reason_created")
        batch_op.drop_index(batch_op.f("ix_returns_order_id"))
        batch_op.drop_index(batch_op.f("ix_returns_customer_id"))
        batch_op.drop_index("ix_returns_created")

    op.drop_table("returns")
