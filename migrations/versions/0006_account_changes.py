"""who changed which back-office user or sales team (B1, B15)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 22:36:04.239190

"""
from alembic import op
import sqlalchemy as sa

import shop.db_types


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', shop.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=254), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_account_changes_by_user_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['sales_teams.id'], name=op.f('fk_account_changes_team_id_sales_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_changes'))
    )
    with op.batch_alter_table('account_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_changes_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_changes_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('account_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_changes_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_changes_at'))

    op.drop_table('account_changes')
