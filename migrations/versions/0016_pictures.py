"""product pictures: the pictures of each product and the bytes of their renditions

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:30:00

Sellers upload pictures of their products (issue 11, B18):

- pictures: one row per uploaded picture of a product, in the seller's order (position), with
  the variant it shows (at most one picture per variant; NULL for the whole product), the size
  of the upright upload, the SHA-256 of the uploaded file (part of the pictures' addresses) and
  the renditions made from it (width, height and ETag per nominal width: 160, 480, 960 px).
  Deleting a product deletes its pictures; deleting a variant leaves its picture to the product.
- picture_files: the WebP bytes of each rendition by storage key, for the default storage
  (PICTURE_STORAGE=database), so every web process on every machine serves the same pictures.

Downgrade drops both tables (and the pictures with them).
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "picture_files",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_picture_files")),
    )
    op.create_table(
        "pictures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("renditions", sa.JSON(), nullable=False),
        sa.Column("created_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_pictures_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"], ["variants.id"], name=op.f("fk_pictures_variant_id_variants"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pictures")),
    )
    with op.batch_alter_table("pictures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pictures_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pictures_variant_id"), ["variant_id"], unique=True)


def downgrade():
    with op.batch_alter_table("pictures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pictures_variant_id"))
        batch_op.drop_index(batch_op.f("ix_pictures_product_id"))
    op.drop_table("pictures")
    op.drop_table("picture_files")
