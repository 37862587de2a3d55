"""invoices and credit notes; e-mail attachments in the outbox

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 00:20:00

Issue 13 (B11, S4):
- invoices: issued invoices and credit notes (kind), each with a gapless number per series and
  year (unique (series, year, sequence), the last guard behind the locked counter row of
  document_counters), and frozen copies of everything printed (seller, buyer, lines, VAT per
  rate, totals, payment). One invoice per order: a partial unique index on order_id where kind
  is 'invoice'. A credit note names the invoice it corrects and the refund (refund_id, no
  foreign key: refunds come in 0024 from another change and a credit note outlives nothing).
- outbox_messages.attachment: the document a message attaches ("invoice:12"), made when sent.

Downgrade drops both (issued invoices with them).
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invoice",
                "credit-note",
                name="invoicekind",
                native_enum=False,
                length=24,
                create_constraint=False,
            ),
            nullable=False,
        ),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("issued_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sale_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("seller", sa.JSON(), nullable=False),
        sa.Column("buyer", sa.JSON(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("vat_breakdown", sa.JSON(), nullable=False),
        sa.Column("net_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("tax_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("payment_method", sa.String(length=24), nullable=False),
        sa.Column("payment_status", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoices_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_invoices_order_id_orders")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_invoices_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("series", "year", "sequence", name="uq_invoices_series_year_sequence"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_issued_at", ["issued_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "uq_invoices_one_per_order",
            ["order_id"],
            unique=True,
            postgresql_where=sa.text("kind = 'invoice'"),
            sqlite_where=sa.text("kind = 'invoice'"),
        )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("attachment")
    op.drop_table("invoices")
