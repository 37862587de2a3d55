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


def test_the_demo_has_a_return_in_each_state_and_a_customer_account_to_see_them():
    from shop.accounts.addresses import addresses_of
    from shop.accounts.services import Door, log_in
    from shop.catalog.ledger import differences
    from shop.demo.returns import DEMO_CUSTOMER
    from shop.returns.models import ReturnRequest, ReturnState

    assert load_demo() is True

    returns = list(db.session.scalars(db.select(ReturnRequest)))
    assert {r.state for r in returns} == set(ReturnState)
    customer = log_in(*DEMO_CUSTOMER, door=Door.STOREFRONT, address="127.0.0.1")
    assert all(r.order.customer_id == customer.id for r in returns)
    assert customer.email_verified_at is not None and len(addresses_of(customer)) == 2
    exchanged = next(r for r in returns if r.state == ReturnState.EXCHANGED)
    assert exchanged.exchange_order is not None and exchanged.exchange_order.amount_due == 0
    assert differences() == []  # the stock moves of the returns agree with the figures


def test_the_demo_lists_iranian_holidays_for_a_shop_that_sells_in_rials():
    from datetime import date

    from shop.returns import settings as return_settings
    from shop.settings import services as settings

    load_demo(with_orders=False)
    assert return_settings.current().holidays == frozenset()  # a Turkish shop counts calendar days

    settings.update(currency="IRR")
    holidays = return_settings.current().holidays
    assert date(2026, 3, 21) in holidays and len(holidays) == 10  # Nowruz 1405 and the rest
