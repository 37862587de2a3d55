"""stock ledger: every change of on-hand or reserved units is a row; low-stock thresholds

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:30:00

- stock_moves: the append-only ledger (SKU, warehouse, quantity change, reserved change, kind,
  reference, who, when, note). stock.quantity and stock.reserved stay as the current values and
  must equal the ledger's sums (``flask stock verify``). Indexed for the SKU page (variant +
  created, newest first), a warehouse's moves, and an order's (reference) moves.
- Every existing stock row with units gets one opening row of kind "count_correction" with its
  current quantity and reserved units, so a shop upgraded with stock verifies at once.
- variants.low_stock_threshold: per SKU (NULL: the shop's default setting).

Downgrade drops both; the current values in stock stay as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

stock = sa.table(
    "stock",
    sa.column("variant_id", sa.Integer),
    sa.column("warehouse_id", sa.Integer),
    sa.column("quantity", sa.Integer),
    sa.column("reserved", sa.Integer),
)


def upgrade():
    moves = op.create_table(
        "stock_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity_change", sa.Integer(), nullable=False),
        sa.Column("reserved_change", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reference_type", sa.String(length=16), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["variant_id"], ["variants.id"], name=op.f("fk_stock_moves_variant_id_variants")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_stock_moves_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_moves")),
    )
    op.create_index("ix_stock_moves_variant_created", "stock_moves", ["variant_id", "created_at", "id"])
    op.create_index("ix_stock_moves_warehouse_created", "stock_moves", ["warehouse_id", "created_at"])
    op.create_index("ix_stock_moves_reference", "stock_moves", ["reference_type", "reference_id"])

    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("low_stock_threshold", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_variants_low_stock_threshold_not_negative"), "low_stock_threshold >= 0"
        )

    op.execute(
        moves.insert().from_select(
            [
                "variant_id",
                "warehouse_id",
                "quantity_change",
                "reserved_change",
                "kind",
                "reference_type",
                "actor_kind",
                "actor_label",
                "created_at",
                "note",
            ],
            sa.select(
                stock.c.variant_id,
                stock.c.warehouse_id,
                stock.c.quantity,
                stock.c.reserved,
                sa.literal("count_correction"),
                sa.literal("adjustment"),
                sa.literal("system"),
                sa.literal("system"),
                sa.func.current_timestamp(),
                sa.literal("opening balance"),
            ).where(sa.or_(stock.c.quantity != 0, stock.c.reserved != 0)),
        )
    )


def downgrade():
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_variants_low_stock_threshold_not_negative"), type_="check")
        batch_op.drop_column("low_stock_threshold")
    op.drop_index("ix_stock_moves_reference", table_name="stock_moves")
    op.drop_index("ix_stock_moves_warehouse_created", table_name="stock_moves")
    op.drop_index("ix_stock_moves_variant_created", table_name="stock_moves")
    op.drop_table("stock_moves")
