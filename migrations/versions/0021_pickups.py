"""self-service pickup

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 22:00:00

order_pickups: per pickup order, which lines are handed out at the warehouse (null: all),
when it was made ready for pickup and by whom (issue 12, B8). What was picked up is in the
stock ledger (kind "pickup"), not here. Downgrade drops the table.
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_pickups",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_ids", sa.JSON(), nullable=True),
        sa.Column("ready_at", shop.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ready_by", sa.String(length=160), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_pickups_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_pickups")),
    )


def downgrade() -> None:
    op.drop_table("order_pickups")
