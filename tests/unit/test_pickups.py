"""Self-service pickup (B8): where and when, ready, handed over per SKU over several days,
Completed by itself; the stock ledger stays right."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.catalog import ledger
from shop.catalog.models import Stock, StockMove
from shop.catalog.pickup import allowed_pickup_dates
from shop.errors import InvalidPickupDate, PickupNotPossible
from shop.extensions import db
from shop.fulfillment import goods, pickups
from shop.i18n import shop_today
from shop.notifications.models import OutboxMessage
from shop.orders.history import Actor, events_for
from shop.orders.models import StatusGroup
from shop.sales import services as sales
from tests.factories import make_cart, make_product, make_staff, make_warehouse, pickup_details

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


@pytest.fixture
def seller() -> Actor:
    return Actor.user(make_staff())


@pytest.fixture
def shop_floor():
    """Two pickup warehouses open every day: the main one holds everything, the small one only lamps."""
    main = make_warehouse("MAIN", weekdays=ALL_DAYS, lead=0)
    small = make_warehouse("SMALL", weekdays=ALL_DAYS, lead=0)
    books = make_product(stock={main: 5}, name="Poetry book").variants[0]
    lamp = make_product(stock={main: 3, small: 3}, name="Desk lamp").variants[0]
    return main, small, books, lamp


def pickup_order(warehouse, *lines):
    order = sales.confirm_quotation(make_cart(*lines), pickup_details(warehouse))  # cash: a sales order
    db.session.flush()
    return order


def stock_of(variant, warehouse) -> Stock:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Stock).where(Stock.variant_id == variant.id, Stock.warehouse_id == warehouse.id)
    )


def line_of(order, variant):
    return next(line for line in order.lines if line.variant_id == variant.id)


def test_a_partial_pickup_finishing_on_a_second_day_completes_the_order(shop_floor, seller):
    main, _small, books, lamp = shop_floor
    order = pickup_order(main, (books, 2), (lamp, 1))
    pickups.mark_ready(order, by=seller)
    assert pickups.state(order) == pickups.READY

    # Day one: one book.
    pickups.hand_over(order, {line_of(order, books).id: 1}, by=seller)
    db.session.commit()
    assert pickups.state(order) == pickups.PARTLY
    assert order.status.group != StatusGroup.COMPLETED
    assert stock_of(books, main).quantity == 4 and stock_of(books, main).reserved == 1
    assert goods.any_goods_gone(order)

    # Day two: the rest.
    pickups.hand_over(order, {line_of(order, books).id: 1, line_of(order, lamp).id: 1}, by=seller)
    db.session.commit()

    assert pickups.state(order) == pickups.DONE
    assert order.status.group == StatusGroup.COMPLETED
    assert stock_of(books, main).quantity == 3 and stock_of(books, main).reserved == 0
    assert stock_of(lamp, main).quantity == 2 and stock_of(lamp, main).reserved == 0
    moves = db.session.scalars(db.select(StockMove).where(StockMove.kind == "pickup")).all()
    assert sorted(-move.quantity_change for move in moves) == [1, 1, 1]
    assert all(move.reference_type == "order" and move.reference_id == order.id for move in moves)
    handovers = [e for e in events_for(order) if e.kind == "pickup" and e.before == "handover"]
    assert [e.actor_id for e in handovers] == [seller.id, seller.id]
    assert goods.units_gone(order) == {line_of(order, books).id: 2, line_of(order, lamp).id: 1}
    assert ledger.differences() == []


def test_more_than_left_negative_or_another_orders_line_changes_nothing(shop_floor, seller):
    main, _small, books, lamp = shop_floor
    order = pickup_order(main, (books, 2))
    other = pickup_order(main, (lamp, 1))
    book_line = line_of(order, books).id
    for quantities in ({book_line: 3}, {book_line: -1}, {line_of(other, lamp).id: 1}, {}, {book_line: 0}):
        with pytest.raises(pickups.PickupRefused):
            pickups.hand_over(order, quantities, by=seller)
    assert stock_of(books, main).reserved == 2 and stock_of(books, main).quantity == 5
    assert not goods.any_goods_gone(order)


def test_ready_tells_the_customer_and_a_new_date_tells_them_again(shop_floor, seller):
    main, _small, books, _lamp = shop_floor
    order = pickup_order(main, (books, 1))
    db.session.query(OutboxMessage).delete()

    pickups.mark_ready(order, by=seller)
    new_day = [day for day in pickups.date_choices(order) if day != order.pickup_date][0]
    pickups.change_date(order, new_day, by=seller)
    db.session.flush()

    sent = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.event == "pickup_ready")).all()
    assert len(sent) == 2  # e-mail on by default, SMS off
    assert order.pickup_date == new_day
    with pytest.raises(pickups.PickupRefused):
        pickups.mark_ready(order, by=seller)


def test_the_date_is_only_a_day_the_warehouse_allows(seller):
    weekdays_only = make_warehouse("WKD", weekdays=(0, 1, 2, 3, 4), lead=1, horizon=10)
    books = make_product(stock={weekdays_only: 5}).variants[0]
    order = pickup_order(weekdays_only, (books, 1))
    today = shop_today()
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    for day in (sunday, today - timedelta(days=1), today + timedelta(days=60), None):
        with pytest.raises(InvalidPickupDate):
            pickups.change_date(order, day, by=seller)
    allowed = allowed_pickup_dates(weekdays_only, today)
    later = [day for day in allowed if day != order.pickup_date][-1]
    pickups.change_date(order, later, by=seller)
    assert order.pickup_date == later


def test_the_warehouse_is_only_one_holding_the_goods_and_the_reservation_moves(shop_floor, seller):
    main, small, books, lamp = shop_floor
    with_books = pickup_order(main, (books, 1), (lamp, 1))
    day = allowed_pickup_dates(small, shop_today())[0]
    db.session.commit()
    with pytest.raises(PickupNotPossible):  # no books there; the view rolls back what was tried
        pickups.change_warehouse(with_books, small.id, day, by=seller)
    db.session.rollback()

    lamps = pickup_order(main, (lamp, 2))
    assert stock_of(lamp, main).reserved == 3  # one for the first order
    choices = {choice.warehouse.code: choice.possible for choice in pickups.warehouse_choices(lamps)}
    assert choices == {"MAIN": True, "SMALL": True}
    pickups.change_warehouse(lamps, small.id, day, by=seller)
    db.session.commit()

    assert stock_of(lamp, main).reserved == 1
    assert stock_of(lamp, small).reserved == 2
    assert lamps.pickup_warehouse_id == small.id and lamps.pickup_date == day
    assert ledger.differences() == []


def test_the_warehouse_cannot_change_once_goods_were_handed_over(shop_floor, seller):
    main, small, _books, lamp = shop_floor
    order = pickup_order(main, (lamp, 2))
    pickups.hand_over(order, {line_of(order, lamp).id: 1}, by=seller)
    with pytest.raises(pickups.PickupRefused):
        pickups.change_warehouse(order, small.id, allowed_pickup_dates(small, shop_today())[0], by=seller)


def test_lines_left_out_are_not_handed_over_and_keep_the_order_open(shop_floor, seller):
    main, _small, books, lamp = shop_floor
    order = pickup_order(main, (books, 1), (lamp, 1))
    pickups.choose_lines(order, {line_of(order, books).id}, by=seller)
    with pytest.raises(pickups.PickupRefused):
        pickups.hand_over(order, {line_of(order, lamp).id: 1}, by=seller)
    pickups.hand_over(order, {line_of(order, books).id: 1}, by=seller)
    assert pickups.state(order) == pickups.PARTLY
    with pytest.raises(pickups.PickupRefused):  # the book was picked up: it stays in
        pickups.choose_lines(order, {line_of(order, lamp).id}, by=seller)


def test_cancelling_a_partly_picked_up_order_is_refused(shop_floor, seller):
    from shop.orders.models import OrderStatus
    from shop.orders.services import StatusChangeRefused, change_status

    main, _small, books, _lamp = shop_floor
    order = pickup_order(main, (books, 2))
    pickups.hand_over(order, {line_of(order, books).id: 1}, by=seller)
    assert goods.units_gone(order) == {line_of(order, books).id: 1}
    cancelled = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "cancelled"))

    with pytest.raises(StatusChangeRefused):
        change_status(order, cancelled, by=seller)

    assert order.state.value == "sales_order"
    assert stock_of(books, main).reserved == 1
    assert ledger.differences() == []


def test_the_demo_has_pickups_in_every_state():
    from shop.demo import load_demo
    from shop.sales.models import DeliveryMethod, Order

    load_demo()
    from shop.demo.pickups import CUSTOMERS

    emails = [email for _name, email, _phone, _locale in CUSTOMERS]
    demo = db.session.scalars(
        db.select(Order).where(Order.delivery_method == DeliveryMethod.PICKUP, Order.email.in_(emails))
    ).all()
    today = shop_today()
    found = {(pickups.state(order), order.pickup_date - today) for order in demo}
    assert (pickups.READY, timedelta(0)) in found
    assert (pickups.READY, timedelta(days=1)) in found
    assert (pickups.READY, timedelta(days=-2)) in found
    assert (pickups.PARTLY, timedelta(0)) in found
    assert any(state == pickups.DONE for state, _ in found)
    assert ledger.differences() == []
