"""outbox messages filled in by the worker from a snapshot of their template's values

A message from a seller's template is no longer rendered in the transaction that queues it
(a checkout, a change of status): the transaction stores the event's variables as JSON
(``template_values``) and, for a status with its own texts, those texts (``own_texts``); the
worker renders just before sending and clears both. Rows queued before this revision were
rendered already and keep NULL in both.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_values", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("own_texts", sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    # A message still waiting for the worker loses its values and could never be written: it
    # stays in the outbox as failed, with the reason, rather than go out empty.
    op.execute(
        "UPDATE outbox_messages SET state = 'failed', locked_until = NULL,"
        " last_error = 'not written before a downgrade of the database'"
        " WHERE template_values IS NOT NULL AND state IN ('pending', 'sending')"
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("own_texts")
        batch_op.drop_column("template_values")
