import json
import time
from decimal import Decimal

import pytest
from flask import current_app

from shop.extensions import db
from shop.orders.models import OrderEvent
from shop.payments.models import PaymentTransaction, ProviderNotification, TransactionState
from shop.sales.models import Order, OrderState, PaymentState
from shop.testpay.provider import SIGNATURE_HEADER, TOLERANCE_SECONDS, TestProvider, sign
from tests.web.conftest import csrf_token_in, location_path, text

NOTIFY = "/payments/test/notify"


@pytest.fixture
def card_order(shopper, make_product):
    """A card order placed through the storefront; returns (order id, path of the provider's page)."""
    variant = make_product(price="100.00", stock=5).variants[0]
    shopper.add(variant, 2)
    order_id = shopper.cart_id()
    response = shopper.checkout(payment_method="card")
    assert response.status_code == 303
    return order_id, location_path(response)


def _order(order_id: int) -> Order:
    return db.session.get(Order, order_id)


def _transactions(order_id: int) -> list[PaymentTransaction]:
    return list(
        db.session.scalars(
            db.select(PaymentTransaction)
            .where(PaymentTransaction.order_id == order_id)
            .order_by(PaymentTransaction.id)
        )
    )


def _page(pay_path: str) -> dict:
    """What the provider's page was opened for (reference, amount, currency, URLs)."""
    return TestProvider(current_app.config).read_page(pay_path.rsplit("/", 1)[1])


def _decide(shopper, pay_path: str, decision: str):
    page = shopper.get(pay_path)
    assert page.status_code == 200
    return shopper.post(
        pay_path, {"decision": decision, "csrf_token": csrf_token_in(page)}, follow_redirects=True
    )


def _notification(
    pay_path: str, *, approved: bool = True, event_id: str = "evt1", **page_over
) -> tuple[bytes, dict]:
    """A notification as the test provider would send it for the page at ``pay_path``."""
    page = {**_page(pay_path), **page_over}
    return TestProvider(current_app.config).notification_for(page, approved=approved, event_id=event_id)


def _post_notification(shopper, body: bytes, headers: dict):
    return shopper.post(NOTIFY, data=body, headers=headers, csrf=False)


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def _payment_events(order_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.count(OrderEvent.id)).where(
            OrderEvent.order_id == order_id, OrderEvent.kind == "payment"
        )
    )


# --- through the test provider's page --------------------------------------------------------


def test_the_provider_page_shows_the_amount_due(shopper, card_order):
    order_id, pay_path = card_order

    response = shopper.get(pay_path)

    assert response.status_code == 200
    assert "Test payment provider" in text(response)
    assert _page(pay_path)["amount"] == str(_order(order_id).total)


def test_a_tampered_provider_page_address_is_a_404(shopper, card_order):
    _order_id, pay_path = card_order

    response = shopper.get(pay_path[:-3] + "xyz")

    assert response.status_code == 404


def test_an_approved_card_payment_ends_on_the_order_page_with_the_order_confirmed_and_paid(
    shopper, card_order
):
    order_id, pay_path = card_order

    response = _decide(shopper, pay_path, "approve")

    order = _order(order_id)
    assert response.status_code == 200
    assert response.request.path == f"/orders/{order.tracking_token}"
    assert "Thank you! Your payment was received." in text(response)
    assert order.state == OrderState.SALES_ORDER
    assert order.payment_state == PaymentState.PAID
    assert order.amount_paid == order.total
    assert [t.state for t in _transactions(order_id)] == [TransactionState.CAPTURED]


def test_a_declined_card_payment_leaves_the_order_awaiting_payment_and_says_declined(shopper, card_order):
    order_id, pay_path = card_order

    response = _decide(shopper, pay_path, "decline")

    order = _order(order_id)
    assert response.request.path == f"/orders/{order.tracking_token}"
    assert "The payment was declined. You can try again." in text(response)
    assert order.state == OrderState.QUOTATION_SENT
    assert order.payment_state == PaymentState.NOT_PAID
    assert [t.state for t in _transactions(order_id)] == [TransactionState.FAILED]


def test_after_a_decline_pay_starts_a_new_payment_that_can_be_approved(shopper, card_order):
    order_id, pay_path = card_order
    declined = _decide(shopper, pay_path, "decline")
    assert "Pay " in text(declined) and "by card" in text(declined)

    retry = shopper.post(
        f"/orders/{_order(order_id).tracking_token}/pay", {"csrf_token": csrf_token_in(declined)}
    )
    approved = _decide(shopper, location_path(retry), "approve")

    order = _order(order_id)
    assert retry.status_code == 303 and location_path(retry).startswith("/testpay/pay/")
    assert location_path(retry) != pay_path
    assert "Thank you! Your payment was received." in text(approved)
    assert (order.state, order.payment_state) == (OrderState.SALES_ORDER, PaymentState.PAID)
    assert [t.state for t in _transactions(order_id)] == [TransactionState.FAILED, TransactionState.CAPTURED]
    assert order.amount_paid == order.total


def test_pay_without_a_csrf_token_is_refused(shopper, card_order):
    order_id, _pay_path = card_order

    response = shopper.post(f"/orders/{_order(order_id).tracking_token}/pay", csrf=False)

    assert response.status_code == 400
    assert len(_transactions(order_id)) == 1


def test_a_paid_order_cannot_be_paid_again(shopper, card_order):
    order_id, pay_path = card_order
    _decide(shopper, pay_path, "approve")
    token = _order(order_id).tracking_token

    response = shopper.post(f"/orders/{token}/pay", token_from=f"/orders/{token}", follow_redirects=True)

    assert response.request.path == f"/orders/{token}"
    assert "This order cannot be paid now." in text(response)
    assert len(_transactions(order_id)) == 1


def test_the_provider_decision_needs_a_csrf_token(shopper, card_order):
    order_id, pay_path = card_order
    shopper.get(pay_path)

    response = shopper.post(pay_path, {"decision": "approve"}, csrf=False)

    assert response.status_code == 400
    assert _order(order_id).payment_state == PaymentState.NOT_PAID


# --- the notify endpoint ----------------------------------------------------------------------


def test_a_valid_notification_posted_twice_is_acted_on_once(shopper, card_order):
    order_id, pay_path = card_order
    body, headers = _notification(pay_path)

    first = _post_notification(shopper, body, headers)
    second = _post_notification(shopper, body, headers)

    order = _order(order_id)
    assert (first.status_code, first.get_json()) == (200, {"status": "ok", "state": "captured"})
    assert (second.status_code, second.get_json()) == (200, {"status": "duplicate"})
    assert order.amount_paid == order.total
    assert (order.state, order.payment_state) == (OrderState.SALES_ORDER, PaymentState.PAID)
    assert [t.state for t in _transactions(order_id)] == [TransactionState.CAPTURED]
    assert _count(ProviderNotification) == 1
    assert _payment_events(order_id) == 1


def test_a_second_event_for_a_settled_transaction_changes_nothing(shopper, card_order):
    order_id, pay_path = card_order
    _post_notification(shopper, *_notification(pay_path, approved=True, event_id="evt1"))

    response = _post_notification(shopper, *_notification(pay_path, approved=False, event_id="evt2"))

    order = _order(order_id)
    assert response.status_code == 200
    assert (order.state, order.payment_state, order.amount_paid) == (
        OrderState.SALES_ORDER,
        PaymentState.PAID,
        order.total,
    )
    assert [t.state for t in _transactions(order_id)] == [TransactionState.CAPTURED]


def _assert_nothing_changed(order_id: int) -> None:
    order = _order(order_id)
    assert (order.state, order.payment_state, order.amount_paid) == (
        OrderState.QUOTATION_SENT,
        PaymentState.NOT_PAID,
        Decimal("0"),
    )
    assert [t.state for t in _transactions(order_id)] == [TransactionState.PENDING]
    assert _count(ProviderNotification) == 0
    assert _payment_events(order_id) == 0


def _signed(body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> dict:
    secret = secret or current_app.config["TEST_PROVIDER_SECRET"]
    return {
        SIGNATURE_HEADER: sign(secret, body, int(time.time()) if timestamp is None else timestamp),
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize(
    "spoil", ["wrong-secret", "flipped-digest", "missing-header", "garbage-header", "body-changed"]
)
def test_a_notification_with_a_bad_signature_is_refused_with_400_and_changes_nothing(
    shopper, card_order, spoil
):
    order_id, pay_path = card_order
    body, headers = _notification(pay_path)
    if spoil == "wrong-secret":
        headers = _signed(body, secret="not-the-secret")
    elif spoil == "flipped-digest":
        headers[SIGNATURE_HEADER] = headers[SIGNATURE_HEADER][:-1] + (
            "0" if headers[SIGNATURE_HEADER][-1] != "0" else "1"
        )
    elif spoil == "missing-header":
        del headers[SIGNATURE_HEADER]
    elif spoil == "garbage-header":
        headers[SIGNATURE_HEADER] = "t=abc,v1=def"
    else:
        body = body.replace(b'"captured"', b'"captured" ', 1)

    response = _post_notification(shopper, body, headers)

    assert response.status_code == 400
    assert response.get_json()["error"] == "payment_rejected"
    _assert_nothing_changed(order_id)


@pytest.mark.parametrize("age", [TOLERANCE_SECONDS + 60, -(TOLERANCE_SECONDS + 60)])
def test_a_notification_signed_too_long_ago_or_in_the_future_is_refused_as_stale(shopper, card_order, age):
    order_id, pay_path = card_order
    body, _headers = _notification(pay_path)

    response = _post_notification(shopper, body, _signed(body, timestamp=int(time.time()) - age))

    assert response.status_code == 400
    assert response.get_json() == {"error": "payment_rejected", "message": "stale notification"}
    _assert_nothing_changed(order_id)


def test_a_stale_notification_does_not_use_up_its_event_id(shopper, card_order):
    order_id, pay_path = card_order
    body, headers = _notification(pay_path)
    _post_notification(shopper, body, _signed(body, timestamp=int(time.time()) - 3600))

    response = _post_notification(shopper, body, headers)

    assert response.get_json() == {"status": "ok", "state": "captured"}


def test_a_notification_for_an_unknown_reference_is_refused(shopper, card_order):
    order_id, pay_path = card_order
    body, headers = _notification(pay_path, reference="not-ours")

    response = _post_notification(shopper, body, headers)

    assert response.status_code == 400
    _assert_nothing_changed(order_id)


MALFORMED = [
    b"",
    b"not json",
    b"[]",
    b'{"event_id": "e"}',
    b'{"event_id": "e", "reference": "r", "status": "captured", "amount": "x", "currency": "TRY"}',
]


@pytest.mark.parametrize("body", MALFORMED)
def test_a_signed_but_malformed_notification_is_refused_with_400(shopper, card_order, body):
    order_id, _pay_path = card_order

    response = _post_notification(shopper, body, _signed(body))

    assert response.status_code == 400
    assert response.is_json
    _assert_nothing_changed(order_id)


def test_a_captured_notification_for_another_amount_does_not_mark_the_order_paid(shopper, card_order):
    order_id, pay_path = card_order
    body, headers = _notification(pay_path, amount="1.00")

    response = _post_notification(shopper, body, headers)

    order = _order(order_id)
    assert response.status_code == 200
    assert (order.state, order.payment_state) == (OrderState.QUOTATION_SENT, PaymentState.NOT_PAID)
    assert [t.state for t in _transactions(order_id)] == [TransactionState.FAILED]


def test_an_unknown_provider_name_is_a_json_404_and_changes_nothing(shopper, card_order):
    order_id, pay_path = card_order
    body, headers = _notification(pay_path)

    response = shopper.post("/payments/nosuchprovider/notify", data=body, headers=headers, csrf=False)

    assert response.status_code == 404
    assert response.is_json
    _assert_nothing_changed(order_id)


def test_the_notify_endpoint_needs_no_csrf_token_and_no_session(other_shopper, card_order):
    order_id, pay_path = card_order
    body, headers = _notification(pay_path)

    response = _post_notification(other_shopper, body, headers)

    assert response.status_code == 200
    assert json.loads(response.get_data()) == {"status": "ok", "state": "captured"}
    assert _order(order_id).payment_state == PaymentState.PAID


def test_the_notify_endpoint_refuses_get(shopper):
    response = shopper.get(NOTIFY)

    assert response.status_code == 405
    assert response.is_json
