"""The customer's account: saved addresses, company data, a verified e-mail address, deletion

(placeholder: filled by the customer-account work)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 03:40:00
"""

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
