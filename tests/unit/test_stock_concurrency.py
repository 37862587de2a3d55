"""Never oversold: many shoppers confirm at once over real connections (threads), on the
database the suite runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import threading

from shop.catalog.models import Stock
from shop.catalog.services import available
from shop.errors import OutOfStock
from shop.extensions import db
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod
from tests.factories import checkout_details

# Below the connection pool's 15, so every shopper holds a real connection at the same time.
SHOPPERS = 12


def _checkout_all(app, cart_ids: list[int]) -> dict[int, str]:
    """Every cart confirmed in its own thread and connection, all released at once."""
    start = threading.Barrier(len(cart_ids), timeout=60)
    outcome: dict[int, str] = {}

    def shopper(cart_id: int) -> None:
        with app.test_request_context():
            cart = db.session.get(Order, cart_id)
            start.wait()
            try:
                sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))
                db.session.commit()
                outcome[cart_id] = "sold"
            except OutOfStock as error:
                db.session.rollback()
                outcome[cart_id] = str(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=shopper, args=(cart_id,)) for cart_id in cart_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome


def test_the_last_units_are_sold_exactly_once(app, make_product, make_cart, make_warehouse):
    # Five units, split over two warehouses, and more shoppers than units.
    ist, ank = make_warehouse("IST"), make_warehouse("ANK")
    variant = make_product(stock={ist: 3, ank: 2}, name="Last Shirt").variants[0]
    carts = [make_cart((variant, 1)) for _ in range(SHOPPERS)]
    db.session.commit()
    cart_ids = [cart.id for cart in carts]
    db.session.remove()  # the test's own connection goes back to the pool

    outcome = _checkout_all(app, cart_ids)

    sold = [cart_id for cart_id, result in outcome.items() if result == "sold"]
    refused = {cart_id: result for cart_id, result in outcome.items() if result != "sold"}
    assert len(outcome) == SHOPPERS
    assert len(sold) == 5
    assert all("no longer available" in message for message in refused.values())
    variant = db.session.merge(variant)
    assert available(variant) == 0
    assert sum(s.reserved for s in db.session.scalars(db.select(Stock))) == 5
    for cart_id in refused:  # the others keep their cart as it was
        cart = db.session.get(Order, cart_id)
        assert cart.state == OrderState.QUOTATION and [line.quantity for line in cart.lines] == [1]


def test_orders_taking_the_same_skus_in_opposite_order_do_not_deadlock(app, make_product, make_cart):
    x = make_product(stock=SHOPPERS).variants[0]
    y = make_product(stock=SHOPPERS).variants[0]
    carts = [make_cart((x, 1), (y, 1)) if i % 2 else make_cart((y, 1), (x, 1)) for i in range(SHOPPERS)]
    db.session.commit()
    cart_ids = [cart.id for cart in carts]
    db.session.remove()

    outcome = _checkout_all(app, cart_ids)

    assert list(outcome.values()) == ["sold"] * SHOPPERS
    assert available(db.session.merge(x)) == available(db.session.merge(y)) == 0
