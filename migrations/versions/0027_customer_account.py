"""The customer's account: saved addresses, company data, a verified e-mail address, deletion

users gets company_name and tax_id (B2B, prefilled at checkout), email_verified_at (guest
orders with the same e-mail are attached only once it is set) and deleted_at (the owner
deleted the account; the row stays, anonymised, for the orders that name it).
customer_addresses holds the customer's saved addresses, one of them the default.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 03:40:00
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("company_name", sa.String(length=160), server_default="", nullable=False))
        batch.add_column(sa.Column("tax_id", sa.String(length=32), server_default="", nullable=False))
        batch.add_column(
            sa.Column("email_verified_at", shop.db_types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("deleted_at", shop.db_types.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "customer_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address_line", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=80), nullable=False),
        sa.Column("postal_code", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_customer_addresses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_addresses")),
    )
    op.create_index(op.f("ix_customer_addresses_user_id"), "customer_addresses", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_addresses_user_id"), table_name="customer_addresses")
    op.drop_table("customer_addresses")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("email_verified_at")
        batch.drop_column("tax_id")
        batch.drop_column("company_name")
