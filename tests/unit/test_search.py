"""shop.search: one fold for stored and typed text, search columns kept on every write, and the
order list's customer search answered by the trigram index on PostgreSQL (issue 10, item 12)."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event, text

from shop.catalog import services as catalog
from shop.catalog.models import Variant
from shop.extensions import db
from shop.orders.listing import OrderFilter, list_orders
from shop.sales.models import Order
from shop.search import fold, order_search_text
from tests.factories import make_product, make_sales_order

# --- fold -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["YILMAZ", "Yılmaz", "yılmaz", "yilmaz", "YİLMAZ", "Yi̇lmaz"])
def test_every_turkish_i_folds_to_a_plain_i(typed):
    assert fold(typed) == "yilmaz"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("AYŞE", "ayse"),
        ("İSTANBUL", "istanbul"),
        ("Çağrı Öğüt", "cagri ogut"),
        ("ŻÓŁW", "zolw"),
        ("żółw", "zolw"),
        ("Łódź Świętokrzyska", "lodz swietokrzyska"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Đorđe Ørsted Æble", "dorde orsted aeble"),
        ("ﬁle", "file"),
    ],
)
def test_case_and_accents_fold_away(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("علي", "علی"),  # Arabic yeh -> Persian yeh
        ("موسى", "موسی"),  # alef maksura -> Persian yeh
        ("كتاب", "کتاب"),  # Arabic kaf -> Persian keheh
        ("مدرسة", "مدرسه"),  # teh marbuta -> heh
        ("خانۀ", "خانه"),  # heh with yeh above
        ("مُحَمَّد", "محمد"),  # harakat
        ("كـــتاب", "کتاب"),  # tatweel
        ("می‌خواهم", "میخواهم"),  # zero-width non-joiner
        ("أحمد", "احمد"),  # hamza on alef
    ],
)
def test_persian_and_arabic_forms_of_a_letter_fold_to_one(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize(("typed", "folded"), [("۰۵۳۲ ۱۲۳", "0532 123"), ("٠٥٣٢١", "05321"), ("²", "2")])
def test_native_digits_fold_to_ascii(typed, folded):
    assert fold(typed) == folded


def test_whitespace_collapses_and_direction_marks_go():
    assert fold("  Ayşe\t\n Yılmaz \u200f ") == "ayse yilmaz"
    assert fold("\u00a0") == ""


def test_an_order_search_text_keeps_name_company_email_and_phone_digits_apart():
    stored = order_search_text(
        name="Ayşe Yılmaz", company_name="Gömlek Evi", email="Ayse@Example.com", phone="+905321234567"
    )

    assert stored.split("\n") == ["ayse yilmaz", "gomlek evi", "ayse@example.com", "905321234567"]
    # A search never spans two parts: fold() makes every typed newline a space.
    assert fold("yilmaz\ngomlek") not in stored


# --- the columns follow every write ------------------------------------------------------------


def _stored(model, row_id: int, *columns: str) -> tuple:
    """What the database holds (not the session's copy)."""
    db.session.flush()
    return db.session.execute(
        text(f"SELECT {', '.join(columns)} FROM {model.__tablename__} WHERE id = :id"), {"id": row_id}
    ).one()


def test_checkout_fills_the_orders_search_text():
    order = make_sales_order(name="AYŞE YILMAZ", email="ayse@example.com", phone="+905321234567")

    (stored,) = _stored(Order, order.id, "search_text")

    assert stored == "ayse yilmaz\nayse@example.com\n905321234567"


def test_changing_a_customers_name_company_email_or_phone_refreshes_the_search_text():
    order = make_sales_order(name="Ayşe Yılmaz")
    db.session.commit()  # expired: the change below is written without the other fields loaded

    order.name = "Zofia Żółwińska"
    order.company_name = "Gömlek Sp. z o.o."
    order.email = "zofia@example.pl"
    order.phone = "+48601234567"
    (stored,) = _stored(Order, order.id, "search_text")

    assert stored == "zofia zolwinska\ngomlek sp. z o.o.\nzofia@example.pl\n48601234567"


def test_changing_a_products_name_description_or_sku_refreshes_its_search_columns():
    product = make_product(name="Linen shirt")
    db.session.commit()

    product.name = {"en": "Linen shirt", "tr": "Keten Gömlek", "pl": "Lniana koszula"}
    product.description = {"tr": "Yazlık, ÇAY lekesi tutmaz."}
    product.variants[0].sku = "GÖMLEK-1"
    names, descriptions = _stored(product, product.id, "search_text", "search_description")

    assert names.split("\n") == ["linen shirt", "keten gomlek", "lniana koszula", "gomlek-1"]
    assert descriptions == "yazlik, cay lekesi tutmaz."


def test_a_variant_added_or_removed_changes_the_products_skus():
    product = make_product(name="Mug")
    db.session.commit()

    product.variants.append(
        Variant(sku="MUG-XL", name={"en": "XL"}, price=Decimal("1"), vat_rate=Decimal("20"), position=9)
    )
    (with_new,) = _stored(product, product.id, "search_text")
    db.session.delete(product.variants[-1])
    (without,) = _stored(product, product.id, "search_text")

    assert "mug-xl" in with_new
    assert "mug-xl" not in without


# --- the migration fills what was there before -------------------------------------------------


def _migration():
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0011_search_text.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_fills_the_search_columns_of_existing_rows(monkeypatch):
    migration = _migration()
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches
    orders = [make_sales_order(name=name) for name in ("AYŞE YILMAZ", "Paweł Wójcik", "علي", "Ali")]
    product = make_product(name="Gömlek")
    db.session.flush()
    connection = db.session.connection()
    connection.execute(text("UPDATE orders SET search_text = ''"))  # as rows were before 0011
    connection.execute(text("UPDATE products SET search_text = '', search_description = ''"))

    migration._fill_orders(connection)
    migration._fill_products(connection)

    stored = [_stored(Order, order.id, "search_text")[0].split("\n")[0] for order in orders]
    assert stored == ["ayse yilmaz", "pawel wojcik", "علی", "ali"]
    names, descriptions = _stored(product, product.id, "search_text", "search_description")
    assert names.startswith("gomlek\n") and descriptions == "a fine product."


# --- speed: the customer search is one trigram index on PostgreSQL -----------------------------


def _plan_of(run, table: str) -> str:
    """EXPLAIN of the last statement on ``table`` that ``run()`` sent, as it was sent."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG001
        if f"FROM {table}" in statement:
            seen.append((statement, parameters))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, parameters = seen[-1]
    connection = db.session.connection()
    # A tiny table: ask for indexes over walking the whole of it (the benchmark's million orders
    # choose the trigram index on their own, see the README).
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))


@pytest.mark.parametrize("typed", ["YILMAZ", "ayşe yılmaz", "ayse@exam", "0532 123 45"])
def test_a_customer_search_reads_the_trigram_index_on_postgresql(typed):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    make_sales_order(name="Ayşe Yılmaz", email="ayse@example.com", phone="+905321234567")

    plan = _plan_of(lambda: list_orders(OrderFilter(search=typed)), "orders")

    assert "ix_orders_search_text_trgm" in plan
    assert "search_text ~~" in plan  # the LIKE is an index condition, not only a filter


def test_the_storefront_search_reads_the_trigram_indexes_on_postgresql():
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    make_product(name="Keten gömlek")

    plan = _plan_of(lambda: catalog.published_products(query="GOMLEK"), "products")

    assert "ix_products_search_text_trgm" in plan
    assert "ix_products_search_description_trgm" in plan
