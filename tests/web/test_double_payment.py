"""An order cannot be paid twice (issue 10, item 6).

A second "pay" while a payment is pending sends the shopper to the same provider page; once that
page is too old to use, the pending transaction is cancelled and a new one opens. Money that still
comes for a cancelled transaction, or for an order already paid, is recorded as an overpayment the
back office shows "to refund", and the order list finds it; the amount due never goes negative.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import current_app

from shop.extensions import db
from shop.orders.models import OrderEvent
from shop.payments.models import PaymentTransaction, TransactionState
from shop.sales.models import Order, OrderState, PaymentState
from shop.testpay.provider import TestProvider
from tests.web.conftest import location_path, text
from tests.web.test_backoffice_order_page import log_in_staff

NOTIFY = "/payments/test/notify"


@pytest.fixture
def card_order(shopper, make_product) -> int:
    """A card order placed through the storefront, its first payment pending; returns its id."""
    shopper.add(make_product(price="100.00", stock=5).variants[0], 2)
    order_id = shopper.cart_id()
    assert shopper.checkout(payment_method="card").status_code == 303
    return order_id


def _order(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def _transactions(order_id: int) -> list[PaymentTransaction]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(PaymentTransaction)
            .where(PaymentTransaction.order_id == order_id)
            .order_by(PaymentTransaction.id)
        )
    )


def _pay(shopper, order_id: int):
    token = _order(order_id).tracking_token
    return shopper.post(f"/orders/{token}/pay", token_from=f"/orders/{token}")


def _age(transaction: PaymentTransaction, hours: int = 2) -> None:
    """Make a pending transaction's provider page older than it may be reused."""
    transaction.created_at -= timedelta(hours=hours)
    db.session.commit()


def _capture(shopper, transaction: PaymentTransaction, event_id: str):
    page = {
        "reference": transaction.reference,
        "amount": str(transaction.amount),
        "currency": transaction.currency,
    }
    body, headers = TestProvider(current_app.config).notification_for(page, approved=True, event_id=event_id)
    return shopper.post(NOTIFY, data=body, headers=headers, csrf=False)


@pytest.fixture
def overpaid(shopper, card_order) -> int:
    """Paid twice: a newer attempt was captured, then the replaced one's capture came too."""
    _age(_transactions(card_order)[0])
    _pay(shopper, card_order)
    first, second = _transactions(card_order)
    assert _capture(shopper, second, "evt-second").get_json() == {"status": "ok", "state": "captured"}
    assert _capture(shopper, first, "evt-first").get_json() == {"status": "ok", "state": "captured"}
    return card_order


# --- a second "pay" -------------------------------------------------------------------------------


def test_a_second_pay_while_the_first_is_pending_sends_the_shopper_to_the_same_page(shopper, card_order):
    first_page = _transactions(card_order)[0].payment_url

    again = _pay(shopper, card_order)
    once_more = _pay(shopper, card_order)

    assert again.status_code == once_more.status_code == 303
    assert location_path(again) == location_path(once_more) == first_page
    assert [t.state for t in _transactions(card_order)] == [TransactionState.PENDING]


def test_a_pay_after_the_page_expired_cancels_the_old_payment_and_opens_a_new_one(shopper, card_order):
    old = _transactions(card_order)[0]
    _age(old)

    response = _pay(shopper, card_order)

    first, second = _transactions(card_order)
    assert location_path(response) == second.payment_url != first.payment_url
    assert (first.state, second.state) == (TransactionState.CANCELLED, TransactionState.PENDING)
    assert second.amount == _order(card_order).total


def test_a_capture_for_a_replaced_payment_is_still_money_received(shopper, card_order):
    _age(_transactions(card_order)[0])
    _pay(shopper, card_order)
    first, second = _transactions(card_order)

    response = _capture(shopper, first, "evt-late")

    order = _order(card_order)
    assert response.get_json() == {"status": "ok", "state": "captured"}
    assert (order.state, order.payment_state, order.amount_paid) == (
        OrderState.SALES_ORDER,
        PaymentState.PAID,
        order.total,
    )
    # Nothing is due any more: the newer page must not take the money again.
    assert [t.state for t in _transactions(card_order)] == [
        TransactionState.CAPTURED,
        TransactionState.CANCELLED,
    ]


def test_a_paid_order_has_no_pay_button(shopper, overpaid):
    token = _order(overpaid).tracking_token

    page = shopper.get(f"/orders/{token}")

    assert "by card" not in text(page)
    assert "Paid" in text(page) and "Not paid yet" not in text(page)


# --- a capture for an order already paid ----------------------------------------------------------


def test_a_capture_for_an_order_already_paid_is_recorded_as_an_overpayment_never_a_negative_due(overpaid):
    order = _order(overpaid)

    assert order.payment_state == PaymentState.OVERPAID
    assert order.amount_paid == 2 * order.total
    assert order.amount_due == Decimal("0")
    assert order.amount_to_refund == order.total
    assert order.state == OrderState.SALES_ORDER
    assert [t.state for t in _transactions(overpaid)] == [TransactionState.CAPTURED] * 2
    notes = db.session.scalars(
        db.select(OrderEvent.note).where(OrderEvent.order_id == overpaid, OrderEvent.after == "overpaid")
    ).all()
    assert notes == [f"{order.total} TRY (card); to refund {order.total} TRY"]


def test_the_back_office_order_page_shows_the_overpayment_to_refund(shopper, overpaid):
    order = _order(overpaid)
    log_in_staff(shopper)

    page = text(shopper.get(f"/admin/orders/{order.number}"))

    section = page.split('data-testid="payment"', 1)[1].split("</section>", 1)[0]

    def shown(label: str) -> str:
        return section.split(f"<dt>{label}</dt><dd", 1)[1].split(">", 1)[1].split("<", 1)[0]

    assert 'data-testid="payment-state">To refund<' in section
    assert shown("To refund") == "TRY" + str(order.total)
    assert shown("Due") == "TRY0.00"  # never a negative amount due
    assert shown("Paid") == "TRY" + str(2 * order.total)
    assert "Overpaid: the difference is to be refunded" in page  # the timeline


def test_the_order_list_finds_the_orders_to_refund(shopper, overpaid, make_product, make_cart):
    from shop.sales import services as sales
    from tests.factories import checkout_details

    paid_once = sales.confirm_quotation(make_cart((make_product().variants[0], 1)), checkout_details())
    db.session.commit()
    log_in_staff(shopper)

    listed = text(shopper.get("/admin/orders?payment=overpaid"))
    everything = text(shopper.get("/admin/orders"))

    assert _order(overpaid).number in listed
    assert paid_once.number not in listed
    assert "To refund" in everything  # the row's payment label
    assert '<option value="overpaid"' in shopper.get("/admin/orders").get_data(as_text=True)


def test_money_for_a_cancelled_order_is_all_to_refund_and_nothing_is_due(shopper, card_order):
    from shop.orders.history import Actor
    from shop.sales import services as sales

    sales.cancel_quotation(_order(card_order), by=Actor.system(), reason="expired")
    db.session.commit()

    _capture(shopper, _transactions(card_order)[0], "evt-after-cancel")

    order = _order(card_order)
    assert order.state == OrderState.CANCELLED
    assert (order.payment_state, order.amount_due, order.amount_to_refund) == (
        PaymentState.OVERPAID,
        Decimal("0"),
        order.total,
    )


def test_a_paid_order_the_seller_cancels_is_to_refund_and_the_list_finds_it(shopper, make_product, make_cart):
    from shop.orders.history import Actor
    from shop.orders.models import OrderStatus
    from shop.orders.services import change_status
    from shop.payments import services as payments
    from shop.sales import services as sales
    from shop.sales.models import PaymentMethod
    from tests.factories import checkout_details

    order = sales.confirm_quotation(
        make_cart((make_product(price="100.00").variants[0], 1)),
        checkout_details(payment_method=PaymentMethod.BANK_TRANSFER),
    )
    payments.record_bank_transfer(order, order.total, by=Actor.system("test"))
    cancelled = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "cancelled"))
    change_status(order, cancelled, by=Actor.system("test"))
    db.session.commit()
    log_in_staff(shopper)

    listed = text(shopper.get("/admin/orders?payment=overpaid"))

    order = _order(order.id)
    assert (order.state, order.payment_state) == (OrderState.CANCELLED, PaymentState.OVERPAID)
    assert (order.amount_due, order.amount_to_refund) == (Decimal("0"), order.total)
    assert order.number in listed
