from datetime import timedelta
from decimal import Decimal

import pytest

from shop.catalog.services import available
from shop.errors import (
    CartChanged,
    EmptyCart,
    InvalidPickupDate,
    InvalidQuantity,
    OutOfStock,
    PickupNotPossible,
)
from shop.extensions import db
from shop.i18n import shop_today
from shop.orders.history import Actor, events_for
from shop.sales import services as sales
from shop.sales.models import OrderState, PaymentMethod, PaymentState
from shop.settings import services as settings
from tests.factories import checkout_details, pickup_details


def test_adding_the_first_product_creates_a_quotation(make_product, make_cart):
    variant = make_product(price="899.90").variants[0]

    cart = make_cart((variant, 2))

    assert cart.state == OrderState.QUOTATION
    assert cart.number is None
    assert cart.total == Decimal("1799.80")


def test_adding_the_same_variant_again_adds_to_its_line(make_product, make_cart):
    variant = make_product().variants[0]
    cart = make_cart((variant, 1))

    sales.add_to_cart(cart, variant, 2)

    assert [line.quantity for line in cart.lines] == [3]


def test_the_cart_refuses_more_than_is_in_stock_and_changes_nothing(make_product, make_cart):
    variant = make_product(stock=3).variants[0]
    cart = make_cart((variant, 2))

    with pytest.raises(OutOfStock) as error:
        sales.set_line_quantity(cart, cart.lines[0].id, 5)

    assert error.value.data["available"] == 3
    assert "Only 3 left" in str(error.value)
    assert cart.lines[0].quantity == 2


@pytest.mark.parametrize("quantity", [-1, 1000])
def test_a_quantity_outside_1_to_999_is_refused(make_product, make_cart, quantity):
    variant = make_product().variants[0]
    cart = make_cart((variant, 1))

    with pytest.raises(InvalidQuantity):
        sales.set_line_quantity(cart, cart.lines[0].id, quantity)

    assert cart.lines[0].quantity == 1


def test_quantity_zero_removes_the_line(make_product, make_cart):
    variant = make_product().variants[0]
    cart = make_cart((variant, 1))

    sales.set_line_quantity(cart, cart.lines[0].id, 0)

    assert cart.lines == [] and cart.total == 0


def test_totals_are_the_sum_of_rounded_lines(make_product, make_cart):
    a = make_product(price="0.10", vat_rate="23").variants[0]
    b = make_product(price="0.10", vat_rate="23").variants[0]

    cart = make_cart((a, 1), (b, 1))

    assert cart.net_total == sum(line.net for line in cart.lines)
    assert cart.tax_total == sum(line.tax for line in cart.lines)
    assert cart.net_total + cart.tax_total == cart.total == Decimal("0.20")


def test_checkout_reserves_stock_numbers_the_order_and_writes_history(make_product, make_cart):
    variant = make_product(stock=5).variants[0]
    cart = make_cart((variant, 2))

    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))

    assert order.state == OrderState.QUOTATION_SENT
    assert order.number == f"S{order.id:06d}"
    assert available(variant) == 3
    assert order.expires_at is not None
    assert [(e.kind, e.before, e.after) for e in events_for(order)] == [
        ("state", "quotation", "quotation_sent")
    ]


def test_cash_orders_are_sales_orders_at_checkout_by_default(make_product, make_cart):
    cart = make_cart((make_product().variants[0], 1))

    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.CASH))

    assert order.state == OrderState.SALES_ORDER
    assert order.payment_state == PaymentState.NOT_PAID
    assert order.expires_at is None


def test_the_payment_policy_is_a_setting(make_product, make_cart):
    settings.update(confirm_order_on={"card": "payment", "bank_transfer": "checkout", "cash": "payment"})
    cart = make_cart((make_product().variants[0], 1))

    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))

    assert order.state == OrderState.SALES_ORDER


def test_delivery_is_charged_with_vat_and_added_to_the_total(make_product, make_cart):
    cart = make_cart((make_product(price="100.00").variants[0], 1))

    order = sales.confirm_quotation(cart, checkout_details())

    assert order.delivery_price == Decimal("79.90")
    assert order.total == Decimal("179.90")
    assert order.net_total + order.tax_total == order.total


def test_an_empty_cart_cannot_be_checked_out(make_cart):
    cart = make_cart()

    with pytest.raises(EmptyCart):
        sales.confirm_quotation(cart, checkout_details())


def test_a_quotation_is_confirmed_only_once(make_product, make_cart):
    cart = make_cart((make_product().variants[0], 1))
    sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))

    with pytest.raises(Exception) as error:
        sales.confirm_quotation(cart, checkout_details())

    assert error.value.code == "invalid_transition"


def test_checkout_stops_when_prices_changed_since_the_shopper_looked(make_product, make_cart):
    variant = make_product(price="100.00").variants[0]
    cart = make_cart((variant, 1))
    variant.price = Decimal("120.00")

    with pytest.raises(CartChanged):
        sales.confirm_quotation(cart, checkout_details(), expected_subtotal=Decimal("100.00"))


def test_pickup_reserves_from_the_chosen_warehouse_only(make_product, make_cart, make_warehouse):
    ist, ank = make_warehouse("IST"), make_warehouse("ANK")
    variant = make_product(stock={ist: 1, ank: 5}).variants[0]
    cart = make_cart((variant, 2))

    with pytest.raises(PickupNotPossible) as error:
        sales.confirm_quotation(cart, pickup_details(ist))

    assert "1 of 2" in str(error.value)  # what the warehouse lacks, not "no longer available"


def test_pickup_date_must_be_one_the_warehouse_allows(make_product, make_cart, make_warehouse):
    warehouse = make_warehouse(weekdays=(0, 1, 2, 3, 4))
    cart = make_cart((make_product(stock={warehouse: 3}).variants[0], 1))
    sunday = next(d for d in (shop_today() + timedelta(days=i) for i in range(2, 9)) if d.weekday() == 6)

    with pytest.raises(InvalidPickupDate):
        sales.confirm_quotation(cart, pickup_details(warehouse, pickup_date=sunday))

    with pytest.raises(InvalidPickupDate):
        sales.confirm_quotation(cart, pickup_details(warehouse, pickup_date=shop_today() - timedelta(days=1)))


def test_pickup_at_a_warehouse_without_pickup_is_refused(make_product, make_cart, make_warehouse):
    warehouse = make_warehouse(pickup=False)
    cart = make_cart((make_product(stock={warehouse: 3}).variants[0], 1))

    with pytest.raises(PickupNotPossible):
        sales.confirm_quotation(cart, pickup_details(make_warehouse(), pickup_warehouse_id=warehouse.id))


def test_cancelling_a_quotation_sent_releases_its_stock(make_product, make_cart):
    variant = make_product(stock=4).variants[0]
    order = sales.confirm_quotation(
        make_cart((variant, 3)), checkout_details(payment_method=PaymentMethod.BANK_TRANSFER)
    )

    sales.cancel_quotation(order, by=Actor.system(), reason="customer asked")

    assert order.state == OrderState.CANCELLED
    assert available(variant) == 4


def test_expired_quotations_are_cancelled_and_their_stock_released(make_product, make_cart):
    variant = make_product(stock=2).variants[0]
    order = sales.confirm_quotation(
        make_cart((variant, 2)), checkout_details(payment_method=PaymentMethod.CARD)
    )
    db.session.commit()

    assert sales.expire_quotations(order.expires_at - timedelta(seconds=1)) == []
    expired = sales.expire_quotations(order.expires_at + timedelta(seconds=1))

    assert expired == [order] and order.state == OrderState.CANCELLED
    assert available(variant) == 2


def test_a_guest_cart_merges_into_the_account_cart_up_to_stock(make_product, make_cart):
    a = make_product(stock=3).variants[0]
    b = make_product().variants[0]
    own = make_cart((a, 2), customer_id=None)
    guest = make_cart((a, 2), (b, 1))

    sales.merge_carts(guest, own)

    assert {line.sku: line.quantity for line in own.lines} == {a.sku: 3, b.sku: 1}


def test_a_cart_follows_catalog_prices_until_checkout(make_product, make_cart):
    variant = make_product(price="100.00").variants[0]
    cart = make_cart((variant, 1))
    variant.price = Decimal("90.00")

    sales.refresh_quotation(cart)

    assert cart.total == Decimal("90.00")


@pytest.mark.parametrize(
    ("currency", "price", "total"),
    [("TRY", "10.25", "20.50"), ("PLN", "9.99", "19.98"), ("IRR", "12500000", "25000000")],
)
def test_every_shop_currency_rounds_by_its_minor_unit(make_product, make_cart, currency, price, total):
    settings.update(currency=currency)
    variant = make_product(price=price).variants[0]

    cart = make_cart((variant, 2))

    assert cart.currency == currency
    assert cart.total == Decimal(total)
