"""The built-in test payment provider never takes real orders (issue 10, item 5).

It approves any "card" without taking money, so it is off unless TEST_PAYMENTS_ENABLED switches it
on (the tests and script/server do). Off, and with no real card provider configured, checkout
offers no card payment, its pages and notify URL are 404, and a start outside tests and debug
with it on logs a loud warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from shop import create_app
from shop.config import Config
from shop.extensions import db
from shop.payments.models import PaymentTransaction
from shop.sales.models import Order, OrderState
from tests.conftest import IsolatedClient
from tests.web.conftest import Shopper, location_path, text

WARNING = "TEST PAYMENTS ARE ENABLED"


@pytest.fixture
def default_app(app: Flask) -> Iterator[Flask]:
    """The shop as a production start makes it: Config's defaults, only the database is the suite's."""
    shop = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "k"})
    yield shop
    with shop.app_context():
        db.engine.dispose()


@pytest.fixture
def default_shopper(default_app: Flask) -> Shopper:
    return Shopper(IsolatedClient(default_app, default_app.response_class, use_cookies=True))


@pytest.fixture
def filled(default_shopper, make_product) -> Shopper:
    default_shopper.add(make_product(price="100.00", stock=5).variants[0], 1)
    return default_shopper


def _payment_choices(response) -> set[str]:
    inputs = re.findall(r'<input[^>]*name="payment_method"[^>]*>', response.get_data(as_text=True))
    return {re.search(r'value="([^"]+)"', tag).group(1) for tag in inputs}


def test_the_test_provider_is_off_unless_switched_on():
    assert Config.TEST_PAYMENTS_ENABLED is False
    assert Config.CARD_PAYMENT_PROVIDER == ""


def test_by_default_checkout_offers_no_card_payment(filled):
    page = filled.get("/checkout")

    assert page.status_code == 200
    assert _payment_choices(page) == {"bank_transfer", "cash"}
    assert "Card payments continue on the payment provider" not in text(page)


def test_by_default_a_checkout_choosing_card_anyway_is_refused_and_places_nothing(filled):
    cart_id = filled.cart_id()

    response = filled.checkout(payment_method="card")

    assert response.status_code == 422
    message = "Card payment is not available. Choose another payment method."
    assert f'<p class="field-error" role="alert">{message}</p>' in text(response)
    assert db.session.get(Order, cart_id).state == OrderState.QUOTATION
    assert db.session.scalar(db.select(db.func.count(PaymentTransaction.id))) == 0


def test_by_default_a_bank_transfer_checkout_still_goes_through(filled):
    response = filled.checkout(payment_method="bank_transfer")

    assert response.status_code == 303
    assert location_path(response).startswith("/orders/")


@pytest.mark.parametrize(
    "method, path", [("GET", "/testpay/pay/anything"), ("POST", "/payments/test/notify")]
)
def test_by_default_the_test_provider_pages_and_notify_url_are_404(default_shopper, method, path):
    response = default_shopper.open(path, method=method, data=b"{}")

    assert response.status_code == 404


def test_with_test_payments_on_checkout_offers_card(shopper, make_product):
    shopper.add(make_product(stock=5).variants[0], 1)

    page = shopper.get("/checkout")

    assert _payment_choices(page) == {"card", "bank_transfer", "cash"}


def test_a_card_order_whose_provider_was_switched_off_shows_no_pay_button_and_cannot_start_a_payment(
    app, shopper, make_product, monkeypatch
):
    shopper.add(make_product(price="100.00", stock=5).variants[0], 1)
    order_id = shopper.cart_id()
    shopper.checkout(payment_method="card")
    token = db.session.get(Order, order_id).tracking_token
    monkeypatch.setitem(app.config, "TEST_PAYMENTS_ENABLED", False)

    page = shopper.get(f"/orders/{token}")
    pay = shopper.post(f"/orders/{token}/pay", token_from=f"/orders/{token}", follow_redirects=True)

    assert "by card" not in text(page)
    assert "Card payment is not available at the moment." in text(page)
    assert "Card payment is not available. Choose another payment method." in text(pay)
    assert db.session.scalar(db.select(db.func.count(PaymentTransaction.id))) == 1  # the first, only


# --- the warning at start ----------------------------------------------------------------------


def _start(caplog, **config) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        shop = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k", **config})
    with shop.app_context():
        db.engine.dispose()
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_production_start_with_test_payments_on_logs_a_loud_warning(caplog):
    warnings = _start(caplog, TEST_PAYMENTS_ENABLED=True)

    assert any(WARNING in message and "NEVER" in message for message in warnings), warnings


@pytest.mark.parametrize(
    "config",
    [{}, {"TEST_PAYMENTS_ENABLED": True, "TESTING": True}, {"TEST_PAYMENTS_ENABLED": True, "DEBUG": True}],
)
def test_no_warning_when_test_payments_are_off_or_in_tests_and_debug(caplog, config):
    assert not any(WARNING in message for message in _start(caplog, **config))


def test_a_card_provider_that_is_not_enabled_is_named_in_a_warning(caplog):
    warnings = _start(caplog, CARD_PAYMENT_PROVIDER="test")

    assert any("CARD_PAYMENT_PROVIDER=test" in message for message in warnings), warnings
