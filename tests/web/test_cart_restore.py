"""The link of an abandoned-cart reminder (S6): the cart comes back on any device, once it is
signed and not expired; anything else is a clear message, never an error page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.extensions import db
from shop.sales import services as sales
from tests.factories import checkout_details, make_cart, make_product, make_user
from tests.web.conftest import location_path, text


def _guest_cart():  # noqa: ANN202
    cart = make_cart((make_product(name="Blue kettle").variants[0], 2))
    cart.email = "guest@example.com"
    db.session.commit()
    return cart


def test_the_link_restores_the_cart_in_another_browser(shopper):
    cart = _guest_cart()

    response = shopper.get(f"/cart/restore/{sales.cart_restore_token(cart)}")

    assert response.status_code == 303 and location_path(response) == "/cart"
    assert shopper.cart_id() == cart.id
    page = shopper.get("/cart")
    assert "Your cart is back." in text(page) and "Blue kettle" in text(page)


# A control character (%00) in a URL is refused at routing, as a 404: tests/web/test_bad_input.py.
@pytest.mark.parametrize("token", ["garbage", "a" * 600, "eyJvIjoxfQ.bad.signature", "a%E2%80%AEb"])
def test_a_bad_link_says_so_and_changes_nothing(shopper, token):
    _guest_cart()

    response = shopper.get(f"/cart/restore/{token}")

    assert response.status_code == 303 and location_path(response) == "/cart"
    assert shopper.cart_id() is None
    assert "This cart link has expired or is not valid." in text(shopper.get("/cart"))


def test_an_expired_link_is_refused(shopper, monkeypatch):
    cart = _guest_cart()
    token = sales.cart_restore_token(cart)
    monkeypatch.setattr(sales, "CART_LINK_MAX_AGE", timedelta(seconds=-1))  # every link is too old

    shopper.get(f"/cart/restore/{token}")

    assert shopper.cart_id() is None


def test_a_link_to_a_cart_that_became_an_order_shows_the_order(shopper):
    cart = _guest_cart()
    token = sales.cart_restore_token(cart)
    order = sales.confirm_quotation(cart, checkout_details())
    db.session.commit()

    response = shopper.get(f"/cart/restore/{token}")

    assert location_path(response) == f"/orders/{order.tracking_token}"


def test_an_accounts_cart_asks_to_log_in_first(shopper):
    customer = make_user("customer")
    cart = make_cart((make_product().variants[0], 1))
    cart.customer_id = customer.id
    db.session.commit()

    response = shopper.get(f"/cart/restore/{sales.cart_restore_token(cart)}")

    assert location_path(response) == "/account/login?next=/cart"
    assert shopper.cart_id() is None


# --- the e-mail typed at checkout ----------------------------------------------------------------


def test_the_email_typed_at_checkout_is_kept_on_the_cart(shopper):
    variant = make_product().variants[0]
    shopper.add(variant, 1, token_from=f"/p/{variant.product.slug}")

    response = shopper.post(
        "/checkout/email", {"email": " Ayse@Example.com "}, token_from="/checkout", htmx=True
    )

    assert response.status_code == 204
    assert shopper.cart().email == "ayse@example.com"


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 300 + "@example.com"])
def test_anything_but_an_email_address_changes_nothing(shopper, email):
    variant = make_product().variants[0]
    shopper.add(variant, 1, token_from=f"/p/{variant.product.slug}")

    response = shopper.post("/checkout/email", {"email": email}, token_from="/checkout", htmx=True)

    assert response.status_code == 204
    assert shopper.cart().email == ""


def test_without_a_cart_the_email_goes_nowhere(shopper):
    response = shopper.post("/checkout/email", {"email": "a@example.com"}, token_from="/", htmx=True)

    assert response.status_code == 204
