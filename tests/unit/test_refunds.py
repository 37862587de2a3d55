"""Refunds (shop/payments/refunds.py): limits, by-lines amounts and their rounding, idempotency,
provider refusals and timeouts, manual refunds, states, and the order's amounts adding up."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from flask import current_app

from shop import events
from shop.errors import RefundNotPossible
from shop.extensions import db
from shop.notifications.models import OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor, events_for
from shop.orders.models import OrderStatus
from shop.payments import refunds
from shop.payments import services as payments
from shop.payments.models import Refund, RefundMethod, RefundState, TransactionState
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod, PaymentState
from shop.testpay.provider import TestProvider
from tests.factories import checkout_details, make_cart, make_product

STAFF = Actor.system("test")


def capture(order, event_id=None):
    """Pay the order's amount due by card through the test provider, as its notification would."""
    payments.start_card_payment(order)
    transaction = payments.transactions_for(order)[-1]
    page = {"reference": transaction.reference, "amount": str(transaction.amount), "currency": order.currency}
    event_id = event_id or f"evt-{uuid.uuid4().hex}"
    body, headers = TestProvider(current_app.config).notification_for(page, approved=True, event_id=event_id)
    payments.handle_notification("test", body, headers)
    return transaction


def card_order(*lines):
    """A card order of 2 x 250.00 and 1 x 100.00 (and 79.90 delivery, 679.90 in all), paid."""
    lines = lines or (
        (make_product(price="250.00").variants[0], 2),
        (make_product(price="100.00").variants[0], 1),
    )
    order = sales.confirm_quotation(make_cart(*lines), checkout_details(payment_method=PaymentMethod.CARD))
    capture(order)
    return order


def cancel(order) -> None:
    cancelled = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "cancelled"))
    orders.change_status(order, cancelled, by=STAFF)


def adds_up(order) -> None:
    """paid - refunded = kept; owed - kept = due - to refund."""
    assert order.amount_paid - order.amount_refunded == order.amount_kept
    assert order.amount_owed - order.amount_kept == order.amount_due - order.amount_to_refund
    if order.state != OrderState.CANCELLED:  # a cancelled order owes nothing
        assert order.amount_owed == order.total - order.amount_credited


@pytest.fixture
def paid(app):
    order = card_order()
    assert order.total == Decimal("679.90")
    return order


@pytest.fixture
def refund_answer(app):
    """Set how the test provider answers refunds, for one test."""
    before = app.config.get("TEST_PROVIDER_REFUND_ANSWER")

    def setter(answer):
        app.config["TEST_PROVIDER_REFUND_ANSWER"] = answer

    yield setter
    app.config["TEST_PROVIDER_REFUND_ANSWER"] = before


def test_a_partial_refund_by_amount_counts_on_the_payment_and_the_order(paid):
    done = refunds.refund(paid, by=STAFF, key="k1", amount="100.00", reason="damaged")

    assert (done.state, done.amount, done.method) == (
        RefundState.SUCCEEDED,
        Decimal("100.00"),
        RefundMethod.PROVIDER,
    )
    assert done.provider_reference.startswith("tr_")
    transaction = payments.transactions_for(paid)[-1]
    assert (transaction.amount_refunded, transaction.state) == (
        Decimal("100.00"),
        TransactionState.PARTIALLY_REFUNDED,
    )
    assert (paid.amount_paid, paid.amount_refunded, paid.amount_kept) == (
        Decimal("679.90"),
        Decimal("100.00"),
        Decimal("579.90"),
    )
    # Given back from a paid order: the customer owes that much less, nothing is due.
    assert (paid.amount_due, paid.amount_to_refund) == (0, 0)
    assert paid.payment_state == PaymentState.PARTIALLY_REFUNDED
    adds_up(paid)


def test_refunding_everything_makes_the_payment_and_the_order_refunded(paid):
    refunds.refund(paid, by=STAFF, key="k1", amount="679.90")

    assert payments.transactions_for(paid)[-1].state == TransactionState.REFUNDED
    assert paid.payment_state == PaymentState.REFUNDED
    assert (paid.amount_kept, paid.amount_due, paid.amount_to_refund) == (0, 0, 0)
    adds_up(paid)


@pytest.mark.parametrize("amount", ["679.91", "1000"])
def test_never_more_than_was_captured(paid, amount):
    with pytest.raises(RefundNotPossible, match="At most TRY679.90 can still be refunded"):
        refunds.refund(paid, by=STAFF, key="k1", amount=amount)
    db.session.rollback()
    assert paid.amount_refunded == 0 and db.session.scalars(db.select(Refund)).all() == []


def test_never_more_than_captured_less_what_was_refunded(paid):
    refunds.refund(paid, by=STAFF, key="k1", amount="600.00")

    with pytest.raises(RefundNotPossible, match="At most TRY79.90 can still be refunded of this payment"):
        refunds.refund(paid, by=STAFF, key="k2", amount="80.00")
    assert refunds.refund(paid, by=STAFF, key="k3", amount="79.90").state == RefundState.SUCCEEDED
    assert paid.amount_refunded == Decimal("679.90")


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "12.345", "NaN", "Infinity"])
def test_an_amount_must_be_a_positive_number_of_the_currencys_decimals(paid, amount):
    with pytest.raises(RefundNotPossible):
        refunds.refund(paid, by=STAFF, key="k1", amount=amount)
    db.session.rollback()
    assert paid.amount_refunded == 0


def test_by_lines_the_amount_is_the_lines_gross_share_plus_delivery(paid):
    mugs, vase = paid.lines

    done = refunds.refund(
        paid,
        by=STAFF,
        key="k1",
        lines=[{"line_id": mugs.id, "quantity": 1}, {"line_id": vase.id, "quantity": 1}],
    )
    assert done.amount == Decimal("350.00")
    assert done.lines == [{"line_id": mugs.id, "quantity": 1}, {"line_id": vase.id, "quantity": 1}]
    assert done.delivery is False and done.credited == Decimal("350.00")

    second = refunds.refund(
        paid, by=STAFF, key="k2", lines=[{"line_id": mugs.id, "quantity": 1}], delivery=True
    )
    assert second.amount == Decimal("329.90")  # 250.00 + 79.90 delivery
    assert paid.payment_state == PaymentState.REFUNDED
    adds_up(paid)


def test_a_line_is_not_refunded_beyond_its_quantity_nor_the_delivery_twice(paid):
    mugs = paid.lines[0]
    refunds.refund(paid, by=STAFF, key="k1", lines=[{"line_id": mugs.id, "quantity": 1}], delivery=True)

    with pytest.raises(RefundNotPossible, match="At most 1 of .* can still be refunded"):
        refunds.refund(paid, by=STAFF, key="k2", lines=[{"line_id": mugs.id, "quantity": 2}])
    with pytest.raises(RefundNotPossible, match="The delivery charge was refunded already"):
        refunds.refund(paid, by=STAFF, key="k3", delivery=True)
    assert paid.amount_refunded == Decimal("329.90")


def test_a_line_refunded_in_parts_adds_up_to_its_gross_exactly(app):
    order = card_order((make_product(price="100.00").variants[0], 3))
    line = order.lines[0]
    # A gross that units do not divide (as a discount would make it): 100.00 for 3 units.
    line.gross = Decimal("100.00")
    line.net, line.tax = Decimal("83.33"), Decimal("16.67")
    order.total = order.total - Decimal("200.00")
    order.amount_paid = order.total
    db.session.flush()

    parts = [
        refunds.refund(order, by=STAFF, key=f"k{n}", lines=[{"line_id": line.id, "quantity": 1}]).amount
        for n in range(3)
    ]

    assert parts == [Decimal("33.33"), Decimal("33.34"), Decimal("33.33")]
    assert sum(parts) == line.gross


@pytest.mark.parametrize(
    "lines",
    [
        [{"line_id": 999999, "quantity": 1}],  # another order's (or no) line
        [{"line_id": "1", "quantity": 1}],
        [{"line_id": None, "quantity": 1}],
    ],
)
def test_lines_of_another_order_are_refused(paid, lines):
    other = card_order()
    if lines[0]["line_id"] == 999999:
        lines = [{"line_id": other.lines[0].id, "quantity": 1}]
    with pytest.raises(RefundNotPossible, match="Choose lines of this order"):
        refunds.refund(paid, by=STAFF, key="k1", lines=lines)


def test_nothing_chosen_or_both_ways_at_once_is_refused(paid):
    with pytest.raises(RefundNotPossible, match="Choose the lines to refund or enter an amount"):
        refunds.refund(paid, by=STAFF, key="k1")
    with pytest.raises(RefundNotPossible, match="either by lines or by an amount"):
        refunds.refund(
            paid, by=STAFF, key="k1", amount="10", lines=[{"line_id": paid.lines[0].id, "quantity": 1}]
        )


def test_the_same_key_twice_refunds_once_and_returns_the_first_refund(paid):
    first = refunds.refund(paid, by=STAFF, key="same", amount="100.00")
    db.session.commit()

    again = refunds.refund(paid, by=STAFF, key="same", amount="100.00")

    assert again.id == first.id
    assert paid.amount_refunded == Decimal("100.00")
    assert len(db.session.scalars(db.select(Refund)).all()) == 1
    assert [e.kind for e in events_for(paid)].count("refund") == 1


def test_a_key_used_for_another_order_is_refused(paid):
    other = card_order()
    refunds.refund(paid, by=STAFF, key="same", amount="10.00")

    with pytest.raises(RefundNotPossible, match="expired"):
        refunds.refund(other, by=STAFF, key="same", amount="10.00")
    assert other.amount_refunded == 0


def test_a_provider_refusal_is_a_failed_refund_and_counts_nothing(paid, refund_answer):
    refund_answer("refuse")

    done = refunds.refund(paid, by=STAFF, key="k1", amount="100.00")

    assert (done.state, done.error) == (RefundState.FAILED, "Refund refused by the test provider")
    assert paid.amount_refunded == 0 and paid.payment_state == PaymentState.PAID
    assert payments.transactions_for(paid)[-1].state == TransactionState.CAPTURED
    assert refunds.remaining_for(paid, refunds.refunds_for(paid)) == Decimal("679.90")


def test_no_answer_leaves_the_refund_pending_counted_until_retried_with_its_key(paid, refund_answer):
    refund_answer("no_answer")
    pending = refunds.refund(paid, by=STAFF, key="k1", amount="600.00")
    db.session.commit()

    assert pending.state == RefundState.PENDING and paid.amount_refunded == 0
    # Counted against what remains: a second refund cannot take the same money.
    with pytest.raises(RefundNotPossible, match="At most TRY79.90"):
        refunds.refund(paid, by=STAFF, key="k2", amount="100.00")
    db.session.rollback()

    refund_answer("approve")
    retried = refunds.refund(paid, by=STAFF, key="k1", amount="600.00")

    assert retried.id == pending.id and retried.state == RefundState.SUCCEEDED
    assert paid.amount_refunded == Decimal("600.00")


def test_a_bank_transfer_or_cash_payment_is_refunded_by_hand(app):
    order = sales.confirm_quotation(
        make_cart((make_product(price="100.00").variants[0], 1)),
        checkout_details(payment_method=PaymentMethod.BANK_TRANSFER),
    )
    payments.record_bank_transfer(order, order.total, by=STAFF)

    with pytest.raises(RefundNotPossible, match="record it as a manual refund"):
        refunds.refund(order, by=STAFF, key="k1", amount="10.00")

    done = refunds.record_manual_refund(
        order, by=STAFF, key="k2", amount="10.00", method="bank_transfer", reference="EFT-77"
    )
    assert (done.state, done.method, done.reference, done.transaction_id) == (
        RefundState.SUCCEEDED,
        RefundMethod.BANK_TRANSFER,
        "EFT-77",
        None,
    )
    assert order.amount_refunded == Decimal("10.00")
    assert order.payment_state == PaymentState.PARTIALLY_REFUNDED
    adds_up(order)


def test_a_manual_refund_has_the_same_limits_and_needs_a_method(paid):
    with pytest.raises(RefundNotPossible, match="Choose how the money was paid back"):
        refunds.record_manual_refund(paid, by=STAFF, key="k1", amount="1", method="provider", reference="")
    with pytest.raises(RefundNotPossible, match="At most TRY679.90 can still be refunded for this order"):
        refunds.record_manual_refund(paid, by=STAFF, key="k1", amount="700", method="cash", reference="")
    refunds.record_manual_refund(paid, by=STAFF, key="k1", amount="679.90", method="cash", reference="")
    # The card payment itself was not refunded, but the order keeps nothing more to give back.
    with pytest.raises(RefundNotPossible, match="At most TRY0.00 can still be refunded for this order"):
        refunds.refund(paid, by=STAFF, key="k2", amount="1.00")


def test_a_cancelled_paid_order_is_to_refund_until_refunded(app):
    order = card_order()
    cancel(order)
    assert order.state == OrderState.CANCELLED
    assert order.payment_state == PaymentState.OVERPAID and order.amount_to_refund == Decimal("679.90")

    refunds.refund(order, by=STAFF, key="k1", amount="600.00")
    assert order.payment_state == PaymentState.OVERPAID and order.amount_to_refund == Decimal("79.90")
    refunds.refund(order, by=STAFF, key="k2", amount="79.90")

    assert order.payment_state == PaymentState.REFUNDED
    assert (order.amount_to_refund, order.amount_due, order.amount_credited) == (0, 0, 0)
    adds_up(order)


def test_an_overpayment_refunded_credits_nothing(app):
    order = card_order()
    order.amount_paid += Decimal("50.00")  # a second payment's surplus, as an overpayment makes it
    order.payment_state = payments.payment_state_for(order)
    assert order.payment_state == PaymentState.OVERPAID

    done = refunds.refund(order, by=STAFF, key="k1", amount="50.00")

    assert done.credited == 0 and order.payment_state == PaymentState.PAID
    assert (order.amount_due, order.amount_to_refund) == (0, 0)
    adds_up(order)


def test_a_refund_is_in_the_public_history_and_sends_the_event_and_the_message(paid):
    heard = []

    def listener(order, **kwargs):
        heard.append((order.id, kwargs["refund"].amount))

    events.refund_issued.connect(listener)
    try:
        refunds.refund(paid, by=STAFF, key="k1", amount="100.00")
    finally:
        events.refund_issued.disconnect(listener)

    assert heard == [(paid.id, Decimal("100.00"))]
    entry = [e for e in events_for(paid) if e.kind == "refund"][-1]
    assert (entry.public, entry.before, entry.after) == (True, "paid", "partially_refunded")
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.event == "refund_issued"))
    assert message is not None and message.recipient == "ayse@example.com"
    assert message.template_values["refund"]["amount"] == "TRY100.00"


def test_the_demo_has_refunded_and_to_refund_orders():
    from shop.demo import load_demo

    assert load_demo() is True

    states = set(db.session.scalars(db.select(Order.payment_state)))
    assert {PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED, PaymentState.OVERPAID} <= states
    methods = set(db.session.scalars(db.select(Refund.method).where(Refund.state == RefundState.SUCCEEDED)))
    assert {RefundMethod.PROVIDER, RefundMethod.CASH} <= methods
    cancelled_to_refund = db.session.scalar(
        db.select(Order).where(
            Order.state == OrderState.CANCELLED, Order.payment_state == PaymentState.OVERPAID
        )
    )
    assert cancelled_to_refund is not None and cancelled_to_refund.amount_to_refund > 0
