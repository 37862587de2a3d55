"""product editing: weights, return windows, variant options, archiving, a product history

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:30:00

Products and variants are edited in the back office (issue 11, B18):

- products.return_days: the days a customer has to return it; NULL means the shop's default.
- products.weight_grams: the weight printed on shipping labels; NULL when not given.
- products.archived, variants.archived: a product or variant that was ever ordered is archived
  instead of deleted (its order lines point at it); archived ones leave the storefront.
- variants.options: what tells a variant apart, e.g. {"size": "M", "colour": "Red"}; existing
  variants start with none.
- product_changes: the product's history (who, when, what, before and after), price changes
  with their SKU.

Downgrade drops the table and the columns (archived rows become plain rows again).
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("weight_grams", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("options", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE variants SET options = '{}'")
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.alter_column("options", existing_type=sa.JSON(), nullable=False)

    op.create_table(
        "product_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_changes_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_product_changes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_changes")),
    )
    with op.batch_alter_table("product_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_changes_product_id"), ["product_id"], unique=False)


def downgrade():
    with op.batch_alter_table("product_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_changes_product_id"))
    op.drop_table("product_changes")
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.drop_column("archived")
        batch_op.drop_column("options")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("archived")
        batch_op.drop_column("weight_grams")
        batch_op.drop_column("return_days")
