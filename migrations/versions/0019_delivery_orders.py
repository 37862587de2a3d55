"""delivery orders and their steps

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 22:00:00

Issue 12 (B7): a sales order's goods leave each warehouse through a delivery order
(delivery_orders: reference like S000012/1, state, the delivery it is a backorder of, carrier and
tracking number once shipped) in 1-3 steps (delivery_steps: pick/pack/ship, waiting/ready/done/
cancelled, who did it and when), each step with its quantities per order line
(delivery_step_lines: ordered vs done). warehouses.delivery_steps (1, 2 or 3) says how many
steps the warehouse uses; existing warehouses get 1 (ship).
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('open', 'done', 'cancelled', name='deliverystate', native_enum=False, length=24), nullable=False),
    sa.Column('backorder_of_id', sa.Integer(), nullable=True),
    sa.Column('carrier', sa.String(length=32), nullable=False),
    sa.Column('tracking_number', sa.String(length=64), nullable=False),
    sa.Column('created_at', shop.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', shop.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['backorder_of_id'], ['delivery_orders.id'], name=op.f('fk_delivery_orders_backorder_of_id_delivery_orders')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_delivery_orders_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_delivery_orders_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_orders')),
    sa.UniqueConstraint('reference', name=op.f('uq_delivery_orders_reference'))
    )
    with op.batch_alter_table('delivery_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_orders_order_id'), ['order_id'], unique=False)

    op.create_table('delivery_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pick', 'pack', 'ship', name='stepkind', native_enum=False, length=24), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('waiting', 'ready', 'done', 'cancelled', name='stepstate', native_enum=False, length=24), nullable=False),
    sa.Column('done_by_kind', sa.String(length=16), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_by_label', sa.String(length=160), nullable=False),
    sa.Column('done_at', shop.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery_orders.id'], name=op.f('fk_delivery_steps_delivery_id_delivery_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_steps'))
    )
    with op.batch_alter_table('delivery_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_steps_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_delivery_steps_state_kind', ['state', 'kind'], unique=False)

    op.create_table('delivery_step_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('ordered', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=True),
    sa.CheckConstraint('done >= 0 AND done <= ordered', name=op.f('ck_delivery_step_lines_done_within_ordered')),
    sa.CheckConstraint('ordered > 0', name=op.f('ck_delivery_step_lines_ordered_positive')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_delivery_step_lines_order_line_id_order_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['delivery_steps.id'], name=op.f('fk_delivery_step_lines_step_id_delivery_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_step_lines'))
    )
    with op.batch_alter_table('delivery_step_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_step_lines_step_id'), ['step_id'], unique=False)

    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_steps', sa.Integer(), server_default='1', nullable=False))



def downgrade():
    with op.batch_alter_table('warehouses', schema=None) as batch_op:
        batch_op.drop_column('delivery_steps')

    with op.batch_alter_table('delivery_step_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_step_lines_step_id'))

    op.drop_table('delivery_step_lines')
    with op.batch_alter_table('delivery_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_steps_state_kind')
        batch_op.drop_index(batch_op.f('ix_delivery_steps_delivery_id'))

    op.drop_table('delivery_steps')
    with op.batch_alter_table('delivery_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_orders_order_id'))

    op.drop_table('delivery_orders')
