"""iyzico through HTTP: checkout with card goes to iyzico's page (the fake), the shopper's
browser comes back with a cross-site POST of the token (no session cookie, no CSRF token),
and the order's page says how it went; iyzico's webhook at /payments/iyzico/notify."""

from __future__ import annotations

import contextvars

import pytest
from flask import Flask

from shop.extensions import db
from shop.orders.models import OrderEvent
from shop.payments.models import PaymentTransaction, TransactionState
from shop.sales.models import Order, OrderState, PaymentState
from tests.web.conftest import location_path, text

NOTIFY = "/payments/iyzico/notify"


@pytest.fixture
def iyzico_order(iyzico_shop, shopper, make_product) -> tuple[int, str]:
    """A card order placed through the storefront and sent to iyzico's page; (order id, token)."""
    shopper.add(make_product(price="100.00", stock=5).variants[0], 2)
    order_id = shopper.cart_id()
    response = shopper.checkout(payment_method="card")
    assert response.status_code == 303
    token = response.headers["Location"].rsplit("/pay/", 1)[1]
    assert response.headers["Location"] == f"{iyzico_shop.url}/pay/{token}"
    return order_id, token


def _order(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def _states(order_id: int) -> list[TransactionState]:
    return list(
        db.session.scalars(
            db.select(PaymentTransaction.state)
            .where(PaymentTransaction.order_id == order_id)
            .order_by(PaymentTransaction.id)
        )
    )


def _events(order_id: int) -> int:
    return db.session.scalar(db.select(db.func.count(OrderEvent.id)).where(OrderEvent.order_id == order_id))


def _back_from_iyzico(app: Flask, token: str):
    """The POST iyzico's page makes the browser send: cross-site, so without our cookies."""
    db.session.commit()
    client = app.test_client(use_cookies=False)
    try:
        return contextvars.Context().run(client.post, "/iyzico/callback", data={"token": token})
    finally:
        db.session.commit()


def test_an_approved_payment_ends_on_the_order_page_paid(app, shopper, iyzico_shop, iyzico_order):
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "approve")

    back = _back_from_iyzico(app, token)
    page = shopper.get(location_path(back), follow_redirects=True)

    order = _order(order_id)
    assert back.status_code == 303 and "Set-Cookie" not in back.headers  # the shopper's session untouched
    assert location_path(back) == f"/checkout/return/{order.tracking_token}"
    assert page.request.path == f"/orders/{order.tracking_token}"
    assert "Thank you! Your payment was received." in text(page)
    assert (order.state, order.payment_state) == (OrderState.SALES_ORDER, PaymentState.PAID)
    assert order.amount_paid == order.total
    assert _states(order_id) == [TransactionState.CAPTURED]


def test_a_declined_card_says_declined_and_leaves_the_order_to_pay(app, shopper, iyzico_shop, iyzico_order):
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "decline")

    page = shopper.get(location_path(_back_from_iyzico(app, token)), follow_redirects=True)

    order = _order(order_id)
    assert "The payment was declined. You can try again." in text(page)
    assert (order.state, order.payment_state) == (OrderState.QUOTATION_SENT, PaymentState.NOT_PAID)
    assert _states(order_id) == [TransactionState.FAILED]


def test_a_payment_under_review_says_it_waits_for_the_provider(app, shopper, iyzico_shop, iyzico_order):
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "review")

    page = shopper.get(location_path(_back_from_iyzico(app, token)), follow_redirects=True)

    assert "We are waiting for the payment provider to confirm your payment." in text(page)
    assert _order(order_id).payment_state == PaymentState.NOT_PAID
    assert _states(order_id) == [TransactionState.AUTHORISED]


def test_a_replayed_callback_changes_nothing(app, iyzico_shop, iyzico_order):
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "approve")
    _back_from_iyzico(app, token)
    events = _events(order_id)

    again = _back_from_iyzico(app, token)

    order = _order(order_id)
    assert again.status_code == 303
    assert order.amount_paid == order.total and _events(order_id) == events
    assert _states(order_id) == [TransactionState.CAPTURED]


@pytest.mark.parametrize("token", ["", "no-such-token", "ٱ٢٣", "x" * 5000, "a\x00b"])
def test_a_bad_or_unknown_token_is_a_clear_page(app, shopper, iyzico_shop, iyzico_order, token):
    order_id, _token = iyzico_order

    back = _back_from_iyzico(app, token)
    page = shopper.get(location_path(back))

    assert back.status_code == 303 and "Set-Cookie" not in back.headers
    assert location_path(back) == "/iyzico/unknown-payment"
    assert page.status_code == 404
    assert "We could not find this payment." in text(page)
    assert _states(order_id) == [TransactionState.PENDING]


def test_a_callback_while_iyzico_does_not_answer_leaves_the_payment_pending(
    app, shopper, iyzico_shop, iyzico_order, monkeypatch
):
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "approve")
    monkeypatch.setitem(app.config, "IYZICO_TIMEOUT_SECONDS", 0.3)
    iyzico_shop.delay = 1

    page = shopper.get(location_path(_back_from_iyzico(app, token)), follow_redirects=True)

    assert "We are waiting for the payment provider to confirm your payment." in text(page)
    assert _states(order_id) == [TransactionState.PENDING]


# --- webhook ----------------------------------------------------------------------------------


def test_the_webhook_confirms_a_payment_after_review_once(app, shopper, iyzico_shop, iyzico_order):
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "review")
    _back_from_iyzico(app, token)
    iyzico_shop.clear_review(token)
    body, headers = iyzico_shop.webhook(token)

    first = shopper.post(NOTIFY, data=body, headers=headers, csrf=False)
    second = shopper.post(NOTIFY, data=body, headers=headers, csrf=False)

    order = _order(order_id)
    assert (first.status_code, first.get_json()) == (200, {"status": "ok", "state": "captured"})
    assert (second.status_code, second.get_json()) == (200, {"status": "duplicate"})
    assert (order.state, order.payment_state) == (OrderState.SALES_ORDER, PaymentState.PAID)
    assert order.amount_paid == order.total


def test_a_webhook_with_a_bad_signature_is_refused(shopper, iyzico_shop, iyzico_order):
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "approve")
    body, headers = iyzico_shop.webhook(token, secret="not-the-secret")

    response = shopper.post(NOTIFY, data=body, headers=headers, csrf=False)
    unsigned = shopper.post(NOTIFY, data=body, headers={"Content-Type": "application/json"}, csrf=False)

    assert (response.status_code, unsigned.status_code) == (400, 400)
    assert _states(order_id) == [TransactionState.PENDING]


def test_the_webhook_is_not_there_when_not_configured(app, shopper, iyzico_shop, iyzico_order, monkeypatch):
    monkeypatch.setitem(app.config, "IYZICO_WEBHOOK_SECRET", "")
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "approve")

    response = shopper.post(
        NOTIFY, data=iyzico_shop.webhook(token)[0], headers=iyzico_shop.webhook(token)[1], csrf=False
    )

    assert response.status_code == 404
    assert _states(order_id) == [TransactionState.PENDING]


def test_checkout_offers_no_card_when_iyzico_has_no_keys(app, shopper, make_product, monkeypatch):
    monkeypatch.setitem(app.config, "CARD_PAYMENT_PROVIDER", "iyzico")
    monkeypatch.setitem(app.config, "IYZICO_API_KEY", "")
    shopper.add(make_product(price="100.00", stock=5).variants[0], 1)

    without_keys = shopper.get("/checkout").get_data(as_text=True)
    monkeypatch.setitem(app.config, "IYZICO_API_KEY", "sandbox-api-key")
    monkeypatch.setitem(app.config, "IYZICO_SECRET_KEY", "sandbox-secret-key")
    with_keys = shopper.get("/checkout").get_data(as_text=True)

    assert 'value="card"' not in without_keys and 'value="card"' in with_keys


def test_checkout_while_iyzico_does_not_answer_keeps_the_cart_and_says_so(
    app, shopper, iyzico_shop, make_product, monkeypatch
):
    monkeypatch.setitem(app.config, "IYZICO_TIMEOUT_SECONDS", 0.3)
    iyzico_shop.delay = 1
    shopper.add(make_product(price="100.00", stock=5).variants[0], 1)
    cart_id = shopper.cart_id()

    response = shopper.checkout(payment_method="card")

    assert response.status_code == 422
    assert "The payment provider did not answer. Try again in a few minutes." in text(response)
    assert _order(cart_id).state == OrderState.QUOTATION and _states(cart_id) == []


def test_the_back_office_history_says_the_payment_is_under_review(
    app, iyzico_shop, iyzico_order, other_shopper
):
    from tests.web.test_backoffice_order_page import log_in_staff

    order_id, token = iyzico_order
    iyzico_shop.decide(token, "review")
    _back_from_iyzico(app, token)
    log_in_staff(other_shopper)

    page = other_shopper.get(f"/admin/orders/{_order(order_id).number}")

    assert page.status_code == 200
    assert "Payment under the provider's fraud review: not confirmed yet" in text(page)
    assert "iyzico is reviewing the payment for fraud" in text(page)


def test_an_order_whose_payment_is_under_review_offers_no_second_payment(
    app, shopper, iyzico_shop, iyzico_order
):
    order_id, token = iyzico_order
    iyzico_shop.decide(token, "review")
    page = shopper.get(location_path(_back_from_iyzico(app, token)), follow_redirects=True)
    tracking = _order(order_id).tracking_token

    pay = shopper.post(f"/orders/{tracking}/pay", token_from=f"/orders/{tracking}", follow_redirects=True)

    assert "by card" not in text(page)
    assert "This order cannot be paid now." in text(pay)
    assert _states(order_id) == [TransactionState.AUTHORISED]
    assert len(iyzico_shop.forms) == 1
