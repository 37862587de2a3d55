"""The order speaks the language the customer checks out in (issue 10, item 10): a cart started
in English and confirmed in Persian is a Persian order, and its confirmation goes out in Persian."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.notifications.models import Channel, OutboxMessage
from shop.sales.models import Order, OrderState


def _placed() -> Order:
    return db.session.scalar(db.select(Order).where(Order.state != OrderState.QUOTATION))


def _confirmation_email(order: Order) -> OutboxMessage:
    return db.session.scalar(
        db.select(OutboxMessage).where(
            OutboxMessage.order_id == order.id,
            OutboxMessage.event == "order_confirmation",
            OutboxMessage.channel == Channel.EMAIL,
        )
    )


@pytest.mark.parametrize(("started_in", "checked_out_in"), [("en", "fa"), ("fa", "en"), ("tr", "pl")])
def test_the_order_and_its_confirmation_are_in_the_language_of_the_checkout(
    shopper, make_product, started_in, checked_out_in
):
    variant = make_product(stock=5).variants[0]
    shopper.get(f"/?lang={started_in}")
    shopper.add(variant, 1)
    assert shopper.cart().locale == started_in

    shopper.get(f"/checkout?lang={checked_out_in}")
    response = shopper.checkout()

    assert response.status_code == 303
    order = _placed()
    assert order.locale == checked_out_in
    assert _confirmation_email(order).language == checked_out_in


def test_a_checkout_without_a_language_keeps_the_carts(make_product, make_cart):
    """Orders placed by code (the back office, tests) keep the cart's language."""
    from shop.sales import services as sales
    from tests.factories import checkout_details

    cart = make_cart((make_product().variants[0], 1), locale="tr")

    order = sales.confirm_quotation(cart, checkout_details())

    assert order.locale == "tr"
