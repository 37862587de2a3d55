"""catalog imports: CSV files of the catalog waiting for, or imported by, the worker

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 21:10:00

The seller uploads a CSV of products, variants, prices and stock (issue 11, B18); the worker
validates every row and imports the file in one transaction (shop.catalog.csv_transfer):

- catalog_imports: the uploaded bytes (the web process and the worker may be on different
  machines), the separator chosen, the status (queued, validating, applying, done, failed),
  progress (rows done of rows total), the problems found by row and column, the summary of
  what was created and updated, who uploaded it (and in which language the problems are written) and when.

Downgrade drops the table (and the imports' records with it).
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "catalog_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("separator", sa.String(length=1), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", shop.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", shop.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_catalog_imports_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_imports")),
    )
    with op.batch_alter_table("catalog_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_imports_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("catalog_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_imports_status"))
    op.drop_table("catalog_imports")
