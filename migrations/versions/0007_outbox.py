"""the outbox of e-mails and SMS, and the message templates sellers edit (N1, N2)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 22:39:04.369216

"""
from alembic import op
import sqlalchemy as sa

import shop.db_types


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', name='channel', native_enum=False, length=24), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('subject', sa.JSON(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('updated_at', shop.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_message_templates_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_templates'))
    )
    with op.batch_alter_table('message_templates', schema=None) as batch_op:
        batch_op.create_index('uq_message_templates_event_channel', ['event', 'channel'], unique=True)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', name='channel', native_enum=False, length=24), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('state', sa.Enum('pending', 'sending', 'sent', 'failed', 'cancelled', name='messagestate', native_enum=False, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', shop.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', shop.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=64), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('provider_id', sa.String(length=200), nullable=False),
    sa.Column('created_at', shop.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', shop.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_outbox_messages_order_id_orders'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_created', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_outbox_state_due', ['state', 'next_attempt_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state_due')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_order_id'))
        batch_op.drop_index('ix_outbox_created')

    op.drop_table('outbox_messages')
    with op.batch_alter_table('message_templates', schema=None) as batch_op:
        batch_op.drop_index('uq_message_templates_event_channel')

    op.drop_table('message_templates')
