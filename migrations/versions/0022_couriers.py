"""couriers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 22:30:00

courier_tasks: an order given to a local courier, its courier and the task's state (assigned,
picked up, on the way, delivered, failed with a reason) (issue 12, B9). Downgrade drops the table.
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "courier_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("courier_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "assigned",
                "picked_up",
                "on_the_way",
                "delivered",
                "failed",
                name="taskstate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("failure_reason", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_courier_tasks_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["courier_id"], ["users.id"], name=op.f("fk_courier_tasks_courier_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courier_tasks")),
        sa.UniqueConstraint("order_id", name=op.f("uq_courier_tasks_order_id")),
    )
    op.create_index("ix_courier_tasks_courier_state", "courier_tasks", ["courier_id", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_courier_tasks_courier_state", table_name="courier_tasks")
    op.drop_table("courier_tasks")
