"""Recording a bank transfer or cash from the order page: partial amounts, the date received and
the reference kept, more than is due refused beside the field with nothing changed (no 500)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shop.extensions import db
from shop.i18n import shop_today
from shop.payments.models import PaymentTransaction
from shop.sales.models import Order, OrderState, PaymentMethod, PaymentState
from tests.factories import make_product
from tests.web.conftest import field_errors, text
from tests.web.test_backoffice_order_page import log_in_staff


@pytest.fixture
def staff(shopper):
    log_in_staff(shopper)
    return shopper


@pytest.fixture
def order(make_sales_order) -> Order:
    """A bank-transfer order of 100.00 + 79.90 delivery, awaiting payment."""
    order = make_sales_order(
        (make_product(price="100.00").variants[0], 1), payment_method=PaymentMethod.BANK_TRANSFER
    )
    db.session.commit()
    assert order.total == Decimal("179.90") and order.state == OrderState.QUOTATION_SENT
    return order


def record(shopper, order, *, htmx=True, **fields):
    data = {"method": "bank_transfer", "amount": "", "received_on": "", "reference": "", **fields}
    url = f"/admin/orders/{order.number}"
    return shopper.post(f"{url}/payments", data, token_from=url, htmx=htmx)


def current(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def transactions() -> list[PaymentTransaction]:
    return list(db.session.scalars(db.select(PaymentTransaction).order_by(PaymentTransaction.id)))


def test_a_partial_transfer_then_the_rest_confirms_the_order(staff, order):
    yesterday = shop_today() - timedelta(days=1)

    first = record(staff, order, amount="100.00", received_on=yesterday.isoformat(), reference="EFT-991")

    assert first.status_code == 200 and "Payment of TRY100.00 recorded." in text(first)
    assert (current(order).amount_due, current(order).state) == (Decimal("79.90"), OrderState.QUOTATION_SENT)
    transaction = transactions()[0]
    assert (transaction.amount, transaction.received_on, transaction.provider_reference) == (
        Decimal("100.00"),
        yesterday,
        "EFT-991",
    )

    second = record(staff, order, htmx=False, method="cash", amount="79,90")

    assert second.status_code == 303
    order = current(order)
    assert (order.state, order.payment_state, order.amount_paid) == (
        OrderState.SALES_ORDER,
        PaymentState.PAID,
        Decimal("179.90"),
    )
    assert transactions()[1].method == PaymentMethod.CASH
    assert 'data-testid="payment-form"' not in staff.get(f"/admin/orders/{order.number}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": ""}, "amount", "Enter the amount received."),
        ({"amount": "abc"}, "amount", "Enter an amount, for example 12.50."),
        ({"amount": "-5"}, "amount", "The amount must be more than 0 and at most the TRY179.90 still due."),
        ({"amount": "0"}, "amount", "The amount must be more than 0 and at most the TRY179.90 still due."),
        (
            {"amount": "179.91"},
            "amount",
            "The amount must be more than 0 and at most the TRY179.90 still due.",
        ),
        ({"amount": "10", "method": "card"}, "method", "Choose how the money was received."),
        (
            {"amount": "10", "received_on": (date.today() + timedelta(days=3)).isoformat()},
            "received_on",
            "The date received cannot be in the future.",
        ),
        ({"amount": "10", "received_on": "yesterday"}, "received_on", "Not a valid date value."),
        ({"amount": "10", "reference": "x" * 81}, "reference", "Field cannot be longer than 80 characters."),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_recorded(staff, order, fields, field, message):
    response = record(staff, order, **fields)

    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert current(order).amount_paid == 0 and transactions() == []


def test_a_part_paid_order_shows_the_payment_and_refund_forms_with_unique_ids(staff, order):
    from tests.web.test_page_ids import duplicate_ids

    record(staff, order, amount="100.00")

    page = staff.get(f"/admin/orders/{order.number}").get_data(as_text=True)

    for form in ("payment-form", "manual-refund-form"):
        assert f'data-testid="{form}"' in page
    assert duplicate_ids(page) == []
