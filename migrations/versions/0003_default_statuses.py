"""default order statuses for a new shop

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from shop.orders.defaults import DEFAULT_STATUSES

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The table as it is at this revision, so later model changes do not alter this migration.
statuses = sa.table(
    "order_statuses",
    sa.column("code", sa.String),
    sa.column("name", sa.JSON),
    sa.column("group", sa.String),
    sa.column("subgroup", sa.String),
    sa.column("colour", sa.String),
    sa.column("position", sa.Integer),
    sa.column("marketplace_status", sa.String),
    sa.column("initial", sa.Boolean),
    sa.column("requires_tracking", sa.Boolean),
    sa.column("cancels_order", sa.Boolean),
    sa.column("customer_visible", sa.Boolean),
    sa.column("email_customer", sa.Boolean),
    sa.column("email_customer_sources", sa.JSON),
    sa.column("email_admin", sa.Boolean),
    sa.column("email_subject", sa.JSON),
    sa.column("email_body", sa.JSON),
    sa.column("send_sms", sa.Boolean),
    sa.column("sms_template", sa.JSON),
    sa.column("archived", sa.Boolean),
)


def upgrade():
    existing = {row[0] for row in op.get_bind().execute(sa.text("SELECT code FROM order_statuses"))}
    rows = []
    for position, item in enumerate(DEFAULT_STATUSES):
        if item["code"] in existing:
            continue
        rows.append(
            {
                "subgroup": "",
                "marketplace_status": "",
                "initial": False,
                "requires_tracking": False,
                "cancels_order": False,
                "customer_visible": True,
                "email_customer": False,
                "email_customer_sources": [],
                "email_admin": False,
                "email_subject": {},
                "email_body": {},
                "send_sms": False,
                "sms_template": {},
                "archived": False,
                **item,
                "position": position,
            }
        )
    if rows:
        op.bulk_insert(statuses, rows)


def downgrade():
    codes = [item["code"] for item in DEFAULT_STATUSES]
    op.execute(statuses.delete().where(statuses.c.code.in_(codes)))
