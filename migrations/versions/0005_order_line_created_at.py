"""order lines carry their order's created_at, so a SKU search is one index range

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 22:32:26.385685

"""

from alembic import op
import sqlalchemy as sa

import shop.db_types


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_created_at", shop.db_types.UTCDateTime(timezone=True), nullable=True))
    # Existing lines take their order's creation time, then the column becomes required.
    op.execute(
        "UPDATE order_lines SET order_created_at ="
        " (SELECT orders.created_at FROM orders WHERE orders.id = order_lines.order_id)"
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.alter_column(
            "order_created_at", existing_type=shop.db_types.UTCDateTime(timezone=True), nullable=False
        )
        # The new index starts with variant_id: it serves every lookup the old one did.
        batch_op.drop_index(batch_op.f("ix_order_lines_variant_id"))
        batch_op.create_index(
            "ix_order_lines_variant_created", ["variant_id", "order_created_at", "order_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_variant_created")
        batch_op.create_index(batch_op.f("ix_order_lines_variant_id"), ["variant_id"], unique=False)
        batch_op.drop_column("order_created_at")
