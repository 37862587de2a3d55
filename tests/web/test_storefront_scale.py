"""Storefront at scale (issue 11, S1), through HTTP: every storefront page runs a bounded number of
SQL statements whatever the catalog's size, a GET writes nothing, and the product lists are
paginated, sortable and filterable by stock; the search ranks name matches first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shop.catalog.listing import PER_PAGE
from shop.catalog.models import Product, Stock
from shop.extensions import db
from tests.factories import make_product, make_warehouse
from tests.statements import WRITES, statements

# Statements a storefront page may run, whatever the number of products or cart lines.
MAX_STATEMENTS = 12


def slugs_on(response) -> list[str]:
    return re.findall(r'<li class="product-card" data-slug="([^"]+)"', response.get_data(as_text=True))


def catalog_of(count: int, **over) -> list[Product]:
    warehouses = [make_warehouse(), make_warehouse()]
    return [
        make_product(variants=2, stock={warehouses[0]: 5, warehouses[1]: 3}, **over) for _ in range(count)
    ]


def cart_with_lines(shopper, products: list[Product], lines: int) -> None:
    for product in products[:lines]:
        response = shopper.add(product.variants[0], 1, token_from=f"/p/{product.slug}")
        assert response.status_code == 303


def pages(products: list[Product]) -> dict[str, str]:
    return {
        "home": "/",
        "category": f"/c/{products[0].category.slug}",
        "search": "/?q=product",
        "search_sku": f"/?q={products[1].variants[0].sku}",
        "product": f"/p/{products[2].slug}",
        "cart": "/cart",
        "checkout": "/checkout",
        "cart_badge": "/cart/badge",
    }


def count_statements(shopper, products: list[Product]) -> dict[str, int]:
    counts = {}
    for name, url in pages(products).items():
        shopper.get(url)  # warm: settings and the like cached per process
        with statements() as seen:
            response = shopper.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(seen)
    return counts


@pytest.mark.parametrize("lines", [2, 6])
def test_every_storefront_page_runs_as_many_statements_for_30_products_as_for_3(shopper, lines):
    products = catalog_of(3)
    cart_with_lines(shopper, products, min(lines, 3))
    few = count_statements(shopper, products)

    products += catalog_of(27)
    cart_with_lines(shopper, products[3:], lines - min(lines, 3))
    many = count_statements(shopper, products)

    assert many == few
    assert max(many.values()) <= MAX_STATEMENTS, many


def test_no_storefront_get_writes_even_when_the_catalog_prices_changed(shopper):
    products = catalog_of(4)
    cart_with_lines(shopper, products, 3)
    for product in products:  # the cart follows the catalog: the pages must show 80.00 now
        product.variants[0].price = Decimal("80.00")
    db.session.commit()

    for name, url in pages(products).items():
        with statements() as seen:
            response = shopper.get(url)
        assert response.status_code == 200, name
        assert [s for s in seen if WRITES.match(s)] == [], name

    cart = shopper.get("/cart").get_data(as_text=True)
    assert cart.count("80.00") >= 3  # unit price of each line, at today's price
    checkout = shopper.get("/checkout").get_data(as_text=True)
    assert 'name="expected_subtotal" type="hidden" value="240.00"' in checkout or 'value="240.00"' in checkout


def test_the_cart_page_shows_and_checkout_confirms_the_new_price(shopper, make_product):
    variant = make_product(price="100.00").variants[0]
    shopper.add(variant, 2, token_from=f"/p/{variant.product.slug}")
    variant.price = Decimal("90.00")
    db.session.commit()

    page = shopper.get("/cart").get_data(as_text=True)

    assert "180.00" in page
    db.session.expire_all()
    assert shopper.cart().total == Decimal("200.00")  # shown, not stored: the GET wrote nothing


# --- pages, sorts and the stock filter ---------------------------------------------------------------


@pytest.fixture
def shelf() -> list[Product]:
    """30 products, created a minute apart, priced 101..130, named in reverse."""
    warehouse = make_warehouse()
    made = []
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for i in range(30):
        product = make_product(price=f"{101 + i}.00", name=f"Item {chr(ord('z') - i % 26)}{i:02d}",
                               stock={warehouse: 0 if i % 3 == 0 else 4})
        product.created_at = start + timedelta(minutes=i)
        made.append(product)
    db.session.commit()
    return made


def test_the_home_page_shows_one_page_of_the_newest_and_links_the_next(shopper, shelf):
    first = shopper.get("/")
    second = shopper.get("/?page=2")

    newest = [p.slug for p in reversed(shelf)]
    assert slugs_on(first) == newest[:PER_PAGE]
    assert slugs_on(second) == newest[PER_PAGE:]
    assert 'rel="next" href="/?page=2' in first.get_data(as_text=True)
    assert 'rel="next"' not in second.get_data(as_text=True)
    assert 'rel="prev" href="/?page=1' in second.get_data(as_text=True)


def test_a_category_page_is_paginated_too(shopper, shelf):
    slug = shelf[0].category.slug

    assert len(slugs_on(shopper.get(f"/c/{slug}"))) == PER_PAGE
    assert len(slugs_on(shopper.get(f"/c/{slug}?page=2"))) == 30 - PER_PAGE
    assert slugs_on(shopper.get(f"/c/{slug}?page=3")) == []


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("price_up", lambda p: p.variants[0].price, False),
        ("price_down", lambda p: p.variants[0].price, True),
        ("name", lambda p: p.name["en"], False),
        ("newest", lambda p: p.created_at, True),
    ],
)
def test_each_sort_orders_the_whole_list_across_pages(shopper, shelf, sort, key, reverse):
    shown = slugs_on(shopper.get(f"/?sort={sort}")) + slugs_on(shopper.get(f"/?sort={sort}&page=2"))

    assert shown == [p.slug for p in sorted(shelf, key=key, reverse=reverse)]


def test_the_in_stock_filter_leaves_out_sold_out_products(shopper, shelf):
    reserved = shelf[1].variants[0].stock[0]
    reserved.reserved = reserved.quantity  # all promised: nothing left to sell
    db.session.commit()

    shown = slugs_on(shopper.get("/?stock=1&sort=price_up")) + slugs_on(
        shopper.get("/?stock=1&sort=price_up&page=2")
    )

    assert shown == [p.slug for i, p in enumerate(shelf) if i % 3 != 0 and i != 1]
    assert "Sold out" in shopper.get("/").get_data(as_text=True)


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999", "٣", "1.5", ""])
@pytest.mark.parametrize("sort", ["bogus", "", "price_up'--"])
def test_a_malformed_page_or_sort_shows_the_first_page(shopper, shelf, page, sort):
    response = shopper.get(f"/?page={page}&sort={sort}&stock=maybe")

    assert response.status_code == 200
    assert slugs_on(response) == [p.slug for p in reversed(shelf)][:PER_PAGE]


def test_search_ranks_name_matches_above_description_matches_whatever_their_age(shopper):
    in_description = make_product(name="Plain mug")
    in_description.description = {"en": "Goes with the Çaydanlık set", "tr": "Çaydanlık takımıyla"}
    in_name = make_product(name="Bakır çaydanlık")
    in_name.created_at = datetime(2020, 1, 1, tzinfo=UTC)  # older: newest-first would put it last
    make_product(name="Unrelated")
    db.session.commit()

    found = slugs_on(shopper.get("/?q=CAYDANLIK"))

    assert found == [in_name.slug, in_description.slug]


def test_a_search_can_be_sorted_and_filtered_like_a_list(shopper):
    cheap = make_product(name="Linen shirt", price="50.00", stock=0)
    dear = make_product(name="Silk shirt", price="90.00")
    db.session.commit()

    assert slugs_on(shopper.get("/?q=shirt&sort=price_down")) == [dear.slug, cheap.slug]
    assert slugs_on(shopper.get("/?q=shirt&stock=1")) == [dear.slug]


def test_the_in_stock_filter_counts_every_warehouse(shopper):
    empty, full = make_warehouse(), make_warehouse()
    product = make_product(stock={empty: 0, full: 2})
    db.session.commit()

    assert slugs_on(shopper.get("/?stock=1")) == [product.slug]
    db.session.execute(db.update(Stock).values(quantity=0))
    db.session.commit()
    assert slugs_on(shopper.get("/?stock=1")) == []


def test_a_search_pages_through_every_name_match_before_any_description_match(shopper):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    in_names, in_descriptions = [], []
    for i in range(20):
        product = make_product(name=f"Copper kettle {i}")
        product.created_at = start + timedelta(minutes=i)
        in_names.append(product)
    for i in range(15):  # newer than every name match: the rank still puts them after
        product = make_product(name=f"Tea glass {i}")
        product.description = {"en": "Pairs with our KETTLE."}
        product.created_at = start + timedelta(days=1, minutes=i)
        in_descriptions.append(product)
    db.session.commit()

    first, second = slugs_on(shopper.get("/?q=kettle")), slugs_on(shopper.get("/?q=kettle&page=2"))

    newest_first = [p.slug for p in reversed(in_names)] + [p.slug for p in reversed(in_descriptions)]
    assert len(first) == PER_PAGE
    assert first + second == newest_first
    assert slugs_on(shopper.get("/?q=kettle&page=3")) == []


def test_a_category_page_reads_no_more_than_the_home_page(shopper):
    """The category is found among the menu's categories, not read again (issue 11)."""
    products = catalog_of(3)
    counts = {}
    for url in ("/", f"/c/{products[0].category.slug}"):
        shopper.get(url)  # warm
        with statements() as seen:
            assert shopper.get(url).status_code == 200
        counts[url] = len(seen)

    assert counts[f"/c/{products[0].category.slug}"] == counts["/"]


def test_an_unknown_category_is_404(shopper):
    catalog_of(1)

    assert shopper.get("/c/no-such-category").status_code == 404
