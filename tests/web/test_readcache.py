"""What GET pages read of the settings and catalog is kept between requests only while the
database is unchanged (shop.readcache, issue 11): a repeated page asks the database one
statement, and any commit, through the app or behind its back, shows on the next request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine

from shop import create_app, readcache
from shop.catalog.models import Category, Product, Stock, Variant
from shop.extensions import db
from shop.settings import services as settings
from shop.settings.models import Setting
from tests.conftest import IsolatedClient
from tests.factories import make_product
from tests.statements import statements
from tests.web.test_storefront_scale import catalog_of


def _pages(product: Product) -> list[str]:
    return ["/", f"/c/{product.category.slug}", f"/p/{product.slug}", "/?q=product", "/?lang=tr&page=1"]


@pytest.fixture
def elsewhere():
    """A connection of another process: commits the app's engine and session know nothing of."""
    engine = create_engine(db.engine.url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_a_repeated_page_asks_the_database_only_for_its_revision(client):
    products = catalog_of(3)
    db.session.commit()

    for url in _pages(products[0]):
        # On SQLite a revision is a pooled connection's: every connection the pool hands out in
        # turn builds the page once.
        for _ in range(db.engine.pool.size() + 2):
            assert client.get(url).status_code == 200, url
        with statements(kept=True) as seen:
            again = client.get(url)
        assert again.status_code == 200, url
        assert len(seen) == 1, (url, seen)


def test_a_price_change_committed_by_another_process_shows_on_the_next_request(client, elsewhere):
    product = make_product(price="100.00")
    db.session.commit()
    pages = [f"/p/{product.slug}", "/", f"/c/{product.category.slug}"]
    for url in pages:
        assert "100.00" in client.get(url).get_data(as_text=True)

    with elsewhere.begin() as connection:
        connection.execute(Variant.__table__.update().values(price=Decimal("87.50")))

    for url in pages:
        page = client.get(url).get_data(as_text=True)
        assert "87.50" in page and "100.00" not in page, url


def test_stock_sold_elsewhere_shows_as_sold_out(client, elsewhere):
    product = make_product(stock=2)
    db.session.commit()
    assert "Sold out" not in client.get(f"/p/{product.slug}").get_data(as_text=True)

    with elsewhere.begin() as connection:
        table = Stock.__table__
        connection.execute(table.update().values(reserved=table.c.quantity))

    assert "Sold out" in client.get(f"/p/{product.slug}").get_data(as_text=True)


def test_a_setting_and_a_category_changed_elsewhere_show(client, elsewhere):
    product = make_product()
    db.session.commit()
    slug = product.category.slug
    assert "Things" in client.get("/").get_data(as_text=True)

    settings.update(shop_name="Kept Shop")
    db.session.commit()
    assert "Kept Shop" in client.get("/").get_data(as_text=True)
    with elsewhere.begin() as connection:
        table = Setting.__table__
        connection.execute(table.update().where(table.c.key == "shop_name").values(value="Other Shop"))
        connection.execute(Category.__table__.update().values(slug="gadgets"))

    page = client.get("/").get_data(as_text=True)
    assert "Other Shop" in page and "Kept Shop" not in page
    assert client.get(f"/c/{slug}").status_code == 404
    assert client.get("/c/gadgets").status_code == 200


def test_every_commit_through_the_app_shows_whichever_pooled_connection_serves(client):
    """On SQLite a connection does not see its own commits in data_version: they are counted."""
    product = make_product(price="100.00")
    db.session.commit()
    for step in range(1, 8):
        price = Decimal("100.00") + step
        db.session.get(Variant, product.variants[0].id).price = price
        db.session.commit()
        for url in (f"/p/{product.slug}", "/"):
            assert f"{price}" in client.get(url).get_data(as_text=True), (step, url)


def test_nothing_read_after_an_uncommitted_write_is_kept(app, client):
    """Rows a transaction has not committed are in no revision: what it reads is not kept, and
    after its rollback the next request shows what the database holds."""
    product = make_product(price="100.00")
    db.session.commit()
    assert "100.00" in client.get(f"/p/{product.slug}").get_data(as_text=True)

    with app.app_context(), app.test_request_context(f"/p/{product.slug}", method="GET"):
        app.preprocess_request()  # a GET request's dispatch: reads may be kept
        reads = []
        kept = readcache.remember("probe", 1, lambda: reads.append(1) or len(reads))
        assert readcache.remember("probe", 1, lambda: reads.append(1) or len(reads)) == kept
        assert reads == [1]

        db.session.get(Variant, product.variants[0].id).price = Decimal("55.00")
        db.session.flush()
        for _ in range(2):
            readcache.remember("probe-after-write", 1, lambda: reads.append(1))
        assert len(reads) == 3  # read each time, never kept
        db.session.rollback()

    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "100.00" in page and "55.00" not in page


def test_reads_are_kept_only_for_get_requests(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_CHECK_DEFAULT", False)  # no form here
    with app.app_context(), app.test_request_context("/cart/add", method="POST"):
        app.preprocess_request()
        reads = []
        for _ in range(2):
            readcache.remember("probe", 1, lambda: reads.append(1))
    assert reads == [1, 1]


def test_outside_a_request_nothing_is_kept(app):
    """Tests, commands and the worker read the database every time."""
    make_product()
    db.session.commit()
    reads = []
    for _ in range(2):
        readcache.remember("probe", 1, lambda: reads.append(1))
    assert reads == [1, 1]


def test_a_product_unpublished_elsewhere_is_gone_from_the_storefront(client, elsewhere):
    product = make_product()
    db.session.commit()
    assert client.get(f"/p/{product.slug}").status_code == 200

    with elsewhere.begin() as connection:
        connection.execute(Product.__table__.update().values(published=False))

    assert client.get(f"/p/{product.slug}").status_code == 404
    assert product.slug not in client.get("/").get_data(as_text=True)


def test_a_commit_on_the_connection_that_read_the_page_shows(app):
    """SQLite's data_version does not change for the connection that committed: a shop served
    through one pooled connection must still show its own change on the next request."""
    product = make_product(price="100.00")
    db.session.commit()
    slug, variant_id = product.slug, product.variants[0].id
    config = {key: value for key, value in app.config.items() if key.isupper()}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 1, "max_overflow": 0}
    one_connection = create_app(config)
    client = IsolatedClient(one_connection, one_connection.response_class)
    try:
        assert "100.00" in client.get(f"/p/{slug}").get_data(as_text=True)
        with one_connection.app_context():
            db.session.get(Variant, variant_id).price = Decimal("64.00")
            db.session.commit()
        page = client.get(f"/p/{slug}").get_data(as_text=True)
        assert "64.00" in page and "100.00" not in page
    finally:
        with one_connection.app_context():
            db.engine.dispose()
