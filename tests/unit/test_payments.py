import json
import time
from decimal import Decimal

import pytest

from shop.errors import DuplicateNotification, PaymentNotPossible, PaymentRejected
from shop.extensions import db
from shop.orders.history import Actor, events_for
from shop.payments import services as payments
from shop.payments.models import PaymentTransaction, TransactionState
from shop.sales import services as sales
from shop.sales.models import OrderState, PaymentMethod, PaymentState
from shop.testpay.provider import SIGNATURE_HEADER, TestProvider, sign
from tests.factories import checkout_details


@pytest.fixture
def card_order(make_product, make_cart):
    cart = make_cart((make_product(price="250.00").variants[0], 2))
    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.CARD))
    payments.start_card_payment(order)
    return order


def _notification(app, order, *, approved=True, event_id="evt-1", amount=None):
    transaction = payments.transactions_for(order)[-1]
    page = {
        "reference": transaction.reference,
        "amount": amount or str(transaction.amount),
        "currency": order.currency,
    }
    return TestProvider(app.config).notification_for(page, approved=approved, event_id=event_id)


def test_a_captured_card_payment_makes_the_quotation_a_sales_order(app, card_order):
    body, headers = _notification(app, card_order)

    transaction = payments.handle_notification("test", body, headers)

    assert transaction.state == TransactionState.CAPTURED
    assert card_order.state == OrderState.SALES_ORDER
    assert card_order.payment_state == PaymentState.PAID
    assert card_order.amount_paid == card_order.total
    kinds = [(e.kind, e.after) for e in events_for(card_order)]
    assert ("payment", "paid") in kinds and ("state", "sales_order") in kinds


def test_the_same_notification_twice_changes_nothing_the_second_time(app, card_order):
    body, headers = _notification(app, card_order)
    payments.handle_notification("test", body, headers)
    db.session.commit()
    events_before = len(events_for(card_order))

    with pytest.raises(DuplicateNotification):
        payments.handle_notification("test", body, headers)

    db.session.rollback()
    assert card_order.amount_paid == card_order.total
    assert len(events_for(card_order)) == events_before


def test_a_declined_payment_keeps_the_order_waiting(app, card_order):
    body, headers = _notification(app, card_order, approved=False)

    transaction = payments.handle_notification("test", body, headers)

    assert transaction.state == TransactionState.FAILED
    assert card_order.state == OrderState.QUOTATION_SENT
    assert card_order.payment_state == PaymentState.NOT_PAID


def test_a_tampered_notification_is_rejected(app, card_order):
    body, headers = _notification(app, card_order)
    tampered = body.replace(b'"captured"', b'"captured" ')

    with pytest.raises(PaymentRejected):
        payments.handle_notification("test", tampered, headers)


def test_a_notification_signed_with_another_secret_is_rejected(app, card_order):
    body, _ = _notification(app, card_order)
    headers = {SIGNATURE_HEADER: sign("not-the-secret", body, int(time.time()))}

    with pytest.raises(PaymentRejected):
        payments.handle_notification("test", body, headers)


def test_a_stale_notification_is_rejected(app, card_order):
    body, _ = _notification(app, card_order)
    headers = {SIGNATURE_HEADER: sign(app.config["TEST_PROVIDER_SECRET"], body, int(time.time()) - 301)}

    with pytest.raises(PaymentRejected):
        payments.handle_notification("test", body, headers)


def test_a_capture_for_another_amount_does_not_pay_the_order(app, card_order):
    body, headers = _notification(app, card_order, amount="1.00")

    transaction = payments.handle_notification("test", body, headers)

    assert transaction.state == TransactionState.FAILED
    assert card_order.payment_state == PaymentState.NOT_PAID


def test_an_unknown_reference_is_rejected(app, card_order):
    body = json.dumps(
        {"event_id": "e", "reference": "nope", "status": "captured", "amount": "1", "currency": "TRY"}
    ).encode()
    headers = {SIGNATURE_HEADER: sign(app.config["TEST_PROVIDER_SECRET"], body, int(time.time()))}

    with pytest.raises(PaymentRejected):
        payments.handle_notification("test", body, headers)


def test_a_card_payment_after_the_window_closed_is_to_refund_and_the_order_stays_cancelled(app, card_order):
    sales.cancel_quotation(card_order, by=Actor.system(), reason="expired")
    body, headers = _notification(app, card_order)

    transaction = payments.handle_notification("test", body, headers)

    assert transaction.state == TransactionState.CAPTURED
    assert card_order.state == OrderState.CANCELLED
    # A cancelled order owes nothing: all of it is to refund, nothing is due.
    assert card_order.payment_state == PaymentState.OVERPAID
    assert (card_order.amount_to_refund, card_order.amount_due) == (card_order.total, 0)


def test_a_recorded_bank_transfer_confirms_the_order_once_fully_paid(make_product, make_cart):
    cart = make_cart((make_product(price="100.00").variants[0], 1))
    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))
    staff = Actor.system("test")

    payments.record_bank_transfer(order, "100.00", by=staff)
    assert order.state == OrderState.QUOTATION_SENT and order.amount_due == Decimal("79.90")

    payments.record_bank_transfer(order, "79.90", by=staff, reference="TR-123")
    assert order.state == OrderState.SALES_ORDER and order.payment_state == PaymentState.PAID


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1000000"])
def test_a_bank_transfer_must_be_a_positive_amount_not_above_what_is_due(make_product, make_cart, amount):
    cart = make_cart((make_product(price="100.00").variants[0], 1))
    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))

    with pytest.raises(PaymentNotPossible):
        payments.record_bank_transfer(order, amount, by=Actor.system())

    assert order.amount_paid == 0
    assert db.session.scalars(db.select(PaymentTransaction)).all() == []


def test_a_card_payment_cannot_start_for_a_paid_or_cash_order(make_product, make_cart):
    order = sales.confirm_quotation(make_cart((make_product().variants[0], 1)), checkout_details())

    with pytest.raises(PaymentNotPossible):
        payments.start_card_payment(order)
