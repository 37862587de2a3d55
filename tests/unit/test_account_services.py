"""The account's rules without HTTP: which orders keep an account from being deleted, which
guest orders the verification attaches, and the saved addresses' limits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.accounts import addresses, deletion, verification
from shop.accounts import services as accounts
from shop.db_types import utcnow
from shop.errors import NotFound
from shop.extensions import db
from shop.payments.models import Refund, RefundMethod, RefundState
from shop.sales.models import OrderState
from tests.factories import make_cart, make_product, make_sales_order

HOME = addresses.AddressDetails(
    name="Ayşe",
    phone="+905321234567",
    address_line="İstiklal Cd. 1",
    city="İstanbul",
    postal_code="34430",
    country="TR",
)


@pytest.fixture
def customer():
    user = accounts.register_customer("ayse@example.com", "correct horse battery", name="Ayşe")
    db.session.flush()
    return user


def settled(customer, **over):  # noqa: ANN001
    order = make_sales_order()
    order.customer_id = customer.id
    order.delivered_at = utcnow() - timedelta(days=30)
    order.amount_paid = order.total
    for key, value in over.items():
        setattr(order, key, value)
    db.session.flush()
    return order


def test_a_settled_order_keeps_nothing_open(customer):
    settled(customer)

    assert deletion.open_matters(customer) == []


def test_a_cancelled_order_paid_and_not_refunded_is_money_owed_back(customer):
    order = settled(customer, state=OrderState.CANCELLED)

    assert deletion.open_matters(customer) == [f"Order {order.number} has money to be paid back to you."]

    order.amount_refunded = order.amount_paid
    assert deletion.open_matters(customer) == []


def test_a_pending_refund_is_open(customer):
    order = settled(customer)
    db.session.add(
        Refund(
            order_id=order.id,
            amount=Decimal("1.00"),
            currency=order.currency,
            method=RefundMethod.CASH,
            state=RefundState.PENDING,
            key="k-1",
        )
    )
    db.session.flush()

    assert deletion.open_matters(customer) == [f"A refund of order {order.number} is in progress."]


def test_a_credit_note_counts_as_what_is_no_longer_owed(customer):
    order = settled(customer)
    order.amount_credited = Decimal("10.00")
    order.amount_refunded = Decimal("10.00")

    assert deletion.open_matters(customer) == []


def test_guest_orders_for_an_address_leave_out_carts_and_other_accounts(customer):
    guest = make_sales_order(email="Ayse@Example.com")
    make_sales_order(email="ayse@example.com").customer_id = customer.id
    cart = make_cart((make_product().variants[0], 1))
    cart.email = "ayse@example.com"
    db.session.flush()

    assert verification.guest_orders_for("ayse@example.com") == [guest]


def test_the_link_of_a_deleted_account_is_refused(customer):
    token = verification.verification_token(customer)
    customer.deleted_at = utcnow()

    with pytest.raises(verification.VerificationLinkInvalid):
        verification.user_for_token(token)


def test_addresses_first_is_default_and_deleting_it_passes_the_default_on(customer):
    first = addresses.add_address(customer, HOME)
    second = addresses.add_address(customer, addresses.AddressDetails(**{**HOME.__dict__, "city": "Ankara"}))

    assert (first.is_default, second.is_default) == (True, False)
    addresses.delete_address(first)
    assert addresses.default_address(customer) == second and second.is_default


def test_an_address_in_a_country_the_shop_does_not_ship_to_is_refused(customer):
    with pytest.raises(addresses.CountryNotShipped):
        addresses.add_address(customer, addresses.AddressDetails(**{**HOME.__dict__, "country": "US"}))


def test_address_of_another_customer_is_not_found(customer):
    other = accounts.register_customer("mehmet@example.com", "correct horse battery", name="Mehmet")
    db.session.flush()
    theirs = addresses.add_address(other, HOME)

    with pytest.raises(NotFound):
        addresses.address_of(customer, theirs.id)
    with pytest.raises(NotFound):
        addresses.address_of(customer, None)
