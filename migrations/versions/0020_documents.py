"""printed documents: gapless counters, issued dispatch notes, batches

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 22:00:00

Issue 12 (printed documents):
- document_counters: the last number given per series and year, locked FOR UPDATE by the
  transaction that issues the next (gapless, unlike a sequence).
- issued_documents: a numbered document given to an order (the dispatch note): one per order
  and kind, the same number on reprints; who issued it and when.
- document_batches: one PDF for many orders made by the worker, with its progress and the PDF
  itself (web and worker may be on different machines).

Downgrade drops the three tables (issued numbers with them).
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_document_counters")),
    )
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("issued_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_issued_documents_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_issued_documents_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_documents")),
        sa.UniqueConstraint("order_id", "kind", name="uq_issued_documents_order_kind"),
        sa.UniqueConstraint("series", "year", "sequence", name="uq_issued_documents_series_number"),
    )
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issued_documents_order_id"), ["order_id"], unique=False)
    op.create_table(
        "document_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", shop.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", shop.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_document_batches_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_batches")),
    )
    with op.batch_alter_table("document_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_batches_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_batches_status"))
    op.drop_table("document_batches")
    with op.batch_alter_table("issued_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_documents_order_id"))
    op.drop_table("issued_documents")
    op.drop_table("document_counters")
