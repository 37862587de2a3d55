"""storefront at scale: indexes for the newest-first product lists, full-text search on SQLite

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:30:00

The storefront's lists (issue 11, S1) show one page of products, newest first by default:

- ix_products_newest (created_at, id) and ix_products_category_newest (category_id, created_at,
  id) let the home and category pages read a page of ids from an index, without sorting the
  catalog (declared in shop.catalog.listing).
- SQLite: products_fts, an FTS5 table with the trigram tokenizer over the folded search columns
  (external content: the products table), kept by triggers on every insert, update and delete,
  so a search reads the trigram index rather than every product's text, as PostgreSQL does
  with the trigram GIN indexes of migration 0011. Filled from the products there.

Downgrade drops the indexes, the FTS table and its triggers.
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FTS_COLUMNS = "search_text, search_description"
NEW = (
    f"INSERT INTO products_fts(rowid, {FTS_COLUMNS})"
    " VALUES (new.id, new.search_text, new.search_description);"
)
OLD = (
    f"INSERT INTO products_fts(products_fts, rowid, {FTS_COLUMNS})"
    " VALUES ('delete', old.id, old.search_text, old.search_description);"
)
SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE products_fts USING fts5({FTS_COLUMNS},"
    " content='products', content_rowid='id', tokenize='trigram')",
    f"INSERT INTO products_fts(rowid, {FTS_COLUMNS}) SELECT id, {FTS_COLUMNS} FROM products",
    f"CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN {NEW} END",
    f"CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN {OLD} END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF search_text, search_description ON products"
    f" BEGIN {OLD} {NEW} END",
]


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index("ix_products_newest", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_products_category_newest", ["category_id", "created_at", "id"], unique=False
        )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS products_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_category_newest")
        batch_op.drop_index("ix_products_newest")
