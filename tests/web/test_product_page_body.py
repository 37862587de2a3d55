"""The product page's body is rendered once per process for the values it shows
(shop.storefront.product_page): a price, stock or name change shows at once, and each visitor's
add-to-cart form carries that visitor's own CSRF token."""

from __future__ import annotations

import re
from decimal import Decimal

from shop.catalog.models import Stock
from shop.extensions import db
from tests.factories import make_product
from tests.web.conftest import csrf_token_in, lines_of, text


def _form_token(response) -> str:
    found = re.search(
        r'<form method="post" action="/cart/add".*?name="csrf_token" type="hidden" value="([^"]+)"',
        response.get_data(as_text=True),
        re.S,
    )
    assert found, "no token in the add-to-cart form"
    return found.group(1)


def test_a_price_stock_and_name_change_show_at_once_on_a_page_rendered_before(shopper):
    product = make_product(name="Blue kettle", price="100.00", stock=5)
    db.session.commit()
    page = f"/p/{product.slug}"
    assert "100.00" in text(shopper.get(page))
    assert "In stock" in text(shopper.get(page))

    product.variants[0].price = Decimal("79.50")
    product.name = {**product.name, "en": "Red kettle"}
    db.session.execute(db.update(Stock).where(Stock.variant_id == product.variants[0].id).values(quantity=2))
    db.session.commit()

    again = text(shopper.get(page))
    assert "79.50" in again and "100.00" not in again
    assert "Red kettle" in again and "Blue kettle" not in again
    assert "Only 2 left" in again


def test_each_visitor_gets_their_own_token_in_the_cached_body_and_it_works(shopper, other_shopper):
    product = make_product(stock=5)
    db.session.commit()
    page = f"/p/{product.slug}"
    first, second = shopper.get(page), other_shopper.get(page)

    assert _form_token(first) == csrf_token_in(first)
    assert _form_token(second) == csrf_token_in(second)
    assert _form_token(first) != _form_token(second)
    assert "csrf-marker" not in first.get_data(as_text=True)

    response = other_shopper.open(
        "/cart/add",
        method="POST",
        data={
            "product": str(product.id),
            "variant": str(product.variants[0].id),
            "quantity": "1",
            "csrf_token": _form_token(second),
        },
    )
    assert response.status_code == 303
    assert lines_of(other_shopper.cart().id) == {product.variants[0].sku: 1}
