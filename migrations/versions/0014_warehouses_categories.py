"""warehouses and categories in the back office: their change history (issue 11)

Warehouses and categories are now added and edited in the back office; every change is a
``catalog_changes`` row (who, when, what, before and after). The row keeps the code or slug
as it was and no foreign key to the object, so the history outlives a rename or a deletion.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:30:00
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "catalog_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_catalog_changes_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_changes")),
    )
    with op.batch_alter_table("catalog_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_changes_at"), ["at"], unique=False)
        batch_op.create_index("ix_catalog_changes_kind_object", ["kind", "object_id"], unique=False)


def downgrade():
    with op.batch_alter_table("catalog_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_catalog_changes_kind_object")
        batch_op.drop_index(batch_op.f("ix_catalog_changes_at"))
    op.drop_table("catalog_changes")
