from shop.demo import load_demo
from shop.extensions import db
from shop.sales.models import Order, OrderState


def test_the_demo_shop_has_a_catalog_people_and_orders_in_every_state():
    assert load_demo() is True

    states = set(db.session.scalars(db.select(Order.state)))
    assert {OrderState.QUOTATION_SENT, OrderState.SALES_ORDER, OrderState.CANCELLED} <= states


def test_loading_the_demo_twice_changes_nothing():
    load_demo(with_orders=False)
    count = db.session.query(Order).count()

    assert load_demo() is False
    assert db.session.query(Order).count() == count
