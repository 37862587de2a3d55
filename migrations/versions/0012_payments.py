"""payments: the provider page kept on a transaction, and overpayments to refund

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:30:00

An order cannot be paid twice (issue 10, item 6):

- payment_transactions.payment_url: the provider's page a pending card transaction sent the
  shopper to. A second "pay" while that page is still valid sends the shopper there again
  instead of opening a second payment.
- orders.payment_state gains the value "overpaid" (shown as "To refund"): more was received than
  the order owes. The column is a plain string, so only existing rows change:
  * money captured for an order after it was cancelled used to be kept on its transaction only;
    it now counts in orders.amount_paid (and is to be refunded);
  * an order whose amount paid exceeds what it owes (its total, nothing once cancelled) is
    "overpaid". Before this revision a second capture could make the amount due negative.

Downgrade drops the column and turns "overpaid" back into "paid" (or "not_paid" for a cancelled
order); amounts stay as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

orders = sa.table(
    "orders",
    sa.column("id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("payment_state", sa.String),
    sa.column("amount_paid", sa.Numeric),
    sa.column("total", sa.Numeric),
)
transactions = sa.table(
    "payment_transactions",
    sa.column("order_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("amount", sa.Numeric),
)


def upgrade():
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_url", sa.Text(), server_default="", nullable=False))

    received = (
        sa.select(sa.func.coalesce(sa.func.sum(transactions.c.amount), 0))
        .where(transactions.c.order_id == orders.c.id, transactions.c.state == "succeeded")
        .scalar_subquery()
    )
    op.execute(
        orders.update()
        .where(orders.c.state == "cancelled", received > orders.c.amount_paid)
        .values(amount_paid=received)
    )
    op.execute(
        orders.update()
        .where(
            sa.or_(
                sa.and_(orders.c.state == "cancelled", orders.c.amount_paid > 0),
                sa.and_(orders.c.state != "cancelled", orders.c.amount_paid > orders.c.total),
            )
        )
        .values(payment_state="overpaid")
    )


def downgrade():
    op.execute(
        orders.update()
        .where(orders.c.payment_state == "overpaid")
        .values(
            payment_state=sa.case(
                (sa.and_(orders.c.state != "cancelled", orders.c.amount_paid >= orders.c.total), "paid"),
                else_="not_paid",
            )
        )
    )
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.drop_column("payment_url")
