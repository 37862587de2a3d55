"""Delivery orders (B7): made for new sales orders per warehouse, steps done line by line, a
shortfall followed by a backorder or released per the setting, shipping takes the goods out of
stock, and cancelling follows the goods."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.catalog.ledger import differences
from shop.catalog.models import Stock, StockMove
from shop.extensions import db
from shop.fulfillment import deliveries, goods
from shop.fulfillment.deliveries import BackorderQuestion, DeliveryRefused
from shop.fulfillment.models import DeliveryOrder, DeliveryState, StepKind, StepState
from shop.notifications.models import OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor, events_for
from shop.orders.models import OrderStatus
from shop.orders.services import StatusChangeRefused
from shop.payments import services as payments
from shop.sales.models import DeliveryMethod, OrderState, PaymentState
from shop.settings import services as settings
from tests.factories import make_product, make_sales_order, make_staff, make_warehouse, pickup_details

SHIP = {"carrier": "yurtici", "tracking_number": "YK-123456"}


@pytest.fixture
def by() -> Actor:
    return Actor.user(make_staff())


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def _stock(variant, warehouse) -> Stock:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Stock).where(Stock.variant_id == variant.id, Stock.warehouse_id == warehouse.id)
    )


def _ledger_holds() -> None:
    db.session.flush()
    assert differences() == []


def _two_step_order(units: int = 5, policy: str = "ask"):
    settings.update(backorder_policy=policy)
    warehouse = make_warehouse("IST", delivery_steps=2)
    variant = make_product(stock={warehouse: 10}).variants[0]
    order = make_sales_order((variant, units))
    [delivery] = deliveries.for_order(order)
    return order, delivery, variant, warehouse


def _all(step) -> dict[int, int]:
    return {line.order_line_id: line.ordered for line in step.lines}


def test_a_sales_order_gets_one_delivery_per_warehouse_with_the_warehouses_steps():
    one, three = make_warehouse("ONE", delivery_steps=1), make_warehouse("THR", delivery_steps=3)
    a = make_product(stock={one: 2}).variants[0]
    b = make_product(stock={three: 2}).variants[0]
    order = make_sales_order((a, 2), (b, 1))

    made = deliveries.for_order(order)
    assert [(d.warehouse.code, d.reference, [s.kind for s in d.steps]) for d in made] == [
        ("ONE", f"{order.number}/1", [StepKind.SHIP]),
        ("THR", f"{order.number}/2", [StepKind.PICK, StepKind.PACK, StepKind.SHIP]),
    ]
    assert [s.state for s in made[1].steps] == [StepState.READY, StepState.WAITING, StepState.WAITING]
    assert [(line.order_line.sku, line.ordered) for line in made[1].steps[0].lines] == [(b.sku, 1)]
    assert "delivery" in [event.kind for event in events_for(order)]


def test_a_pickup_order_gets_no_delivery_order():
    warehouse = make_warehouse("PCK")
    variant = make_product(stock={warehouse: 3}).variants[0]
    order = make_sales_order((variant, 1), **vars(pickup_details(warehouse)))
    assert order.delivery_method == DeliveryMethod.PICKUP
    assert deliveries.for_order(order) == []


def test_two_steps_with_a_partial_pick_and_a_backorder(by):
    """The issue's "Done means": pick 3 of 5, the rest in a backorder; ship the 3, then the 2."""
    order, delivery, variant, warehouse = _two_step_order(5)
    pick, ship = delivery.steps
    line_id = order.lines[0].id

    backorder = deliveries.do_step(pick, {line_id: 3}, by=by, backorder=True)

    assert (pick.state, ship.state) == (StepState.DONE, StepState.READY)
    assert pick.done_by_label == "Selin Kaya" and pick.done_at is not None
    assert [(line.ordered, line.done) for line in pick.lines] == [(5, 3)]
    assert [line.ordered for line in ship.lines] == [3]
    assert backorder.backorder_of_id == delivery.id and backorder.reference == f"{order.number}/2"
    assert [(s.kind, s.state) for s in backorder.steps] == [
        (StepKind.PICK, StepState.READY),
        (StepKind.SHIP, StepState.WAITING),
    ]
    assert [line.ordered for line in backorder.steps[0].lines] == [2]
    assert (_stock(variant, warehouse).quantity, _stock(variant, warehouse).reserved) == (10, 5)
    _ledger_holds()

    deliveries.do_step(ship, {line_id: 3}, by=by, **SHIP)
    assert delivery.state == DeliveryState.DONE and delivery.tracking_number == "YK-123456"
    assert (_stock(variant, warehouse).quantity, _stock(variant, warehouse).reserved) == (7, 2)
    assert goods.units_gone(order) == {line_id: 3} and goods.any_goods_gone(order)
    [move] = db.session.scalars(db.select(StockMove).where(StockMove.kind == "delivery"))
    assert (move.reference_type, move.reference_id, move.actor_label) == (
        "delivery",
        delivery.id,
        "Selin Kaya",
    )
    _ledger_holds()

    backorder = db.session.get(DeliveryOrder, backorder.id)
    deliveries.do_step(backorder.steps[0], _all(backorder.steps[0]), by=by)
    deliveries.do_step(backorder.steps[1], _all(backorder.steps[1]), by=by, **SHIP)
    assert (_stock(variant, warehouse).quantity, _stock(variant, warehouse).reserved) == (5, 0)
    assert goods.units_gone(order) == {line_id: 5}
    _ledger_holds()


def test_ask_policy_needs_an_answer_and_changes_nothing_without_one(by):
    order, delivery, *_ = _two_step_order(5, policy="ask")
    with pytest.raises(BackorderQuestion):
        deliveries.do_step(delivery.steps[0], {order.lines[0].id: 2}, by=by)
    assert delivery.steps[0].state == StepState.READY
    assert len(deliveries.for_order(order)) == 1


def test_always_policy_makes_a_backorder_unasked(by):
    order, delivery, *_ = _two_step_order(5, policy="always")
    made = deliveries.do_step(delivery.steps[0], {order.lines[0].id: 4}, by=by, backorder=False)
    assert made is not None and [line.ordered for line in made.steps[0].lines] == [1]


def test_never_policy_releases_the_rest(by):
    order, delivery, variant, warehouse = _two_step_order(5, policy="never")
    made = deliveries.do_step(delivery.steps[0], {order.lines[0].id: 4}, by=by, backorder=True)
    assert made is None and len(deliveries.for_order(order)) == 1
    assert (_stock(variant, warehouse).quantity, _stock(variant, warehouse).reserved) == (10, 4)
    _ledger_holds()
    deliveries.do_step(delivery.steps[1], {order.lines[0].id: 4}, by=by, **SHIP)
    assert (_stock(variant, warehouse).quantity, _stock(variant, warehouse).reserved) == (6, 0)
    _ledger_holds()


@pytest.mark.parametrize("units", [-1, 6, "3", None, True, 2.5])
def test_bad_quantities_are_refused_and_change_nothing(by, units):
    order, delivery, *_ = _two_step_order(5)
    with pytest.raises(DeliveryRefused):
        deliveries.do_step(delivery.steps[0], {order.lines[0].id: units}, by=by, backorder=True)
    assert delivery.steps[0].state == StepState.READY and delivery.steps[0].lines[0].done is None


def test_a_line_of_another_order_or_none_done_is_refused(by):
    order, delivery, *_ = _two_step_order(5)
    other = make_sales_order()
    for quantities in ({other.lines[0].id: 1}, {}, {order.lines[0].id: 0}):
        with pytest.raises(DeliveryRefused):
            deliveries.do_step(delivery.steps[0], quantities, by=by, backorder=True)
    assert delivery.steps[0].state == StepState.READY


def test_a_waiting_or_done_step_cannot_be_done(by):
    order, delivery, *_ = _two_step_order(2)
    with pytest.raises(DeliveryRefused, match="not ready"):
        deliveries.do_step(delivery.steps[1], _all(delivery.steps[1]), by=by, **SHIP)
    deliveries.do_step(delivery.steps[0], _all(delivery.steps[0]), by=by)
    with pytest.raises(DeliveryRefused, match="not ready"):
        deliveries.do_step(delivery.steps[0], _all(delivery.steps[0]), by=by)


def test_shipping_by_carrier_needs_a_carrier_and_a_well_formed_tracking_number(by):
    settings.update(backorder_policy="ask")
    order = make_sales_order()
    [delivery] = deliveries.for_order(order)
    [ship] = delivery.steps
    for bad in (
        {},
        {"carrier": "nope", "tracking_number": "YK-1234"},
        {"carrier": "aras", "tracking_number": "x"},
    ):
        with pytest.raises(DeliveryRefused):
            deliveries.do_step(ship, _all(ship), by=by, **bad)
    assert ship.state == StepState.READY and not goods.any_goods_gone(order)


def test_shipping_queues_delivery_done_and_with_the_setting_moves_to_shipped(by):
    settings.update(ship_moves_to_shipped=True)
    order = make_sales_order()
    [delivery] = deliveries.for_order(order)
    deliveries.do_step(delivery.steps[0], _all(delivery.steps[0]), by=by, **SHIP)
    assert order.status.code == "shipped" and order.tracking_number == "YK-123456"
    queued = db.session.scalars(db.select(OutboxMessage.event).where(OutboxMessage.order_id == order.id))
    assert "delivery_done" in list(queued)


def test_without_the_setting_the_status_stays(by):
    order = make_sales_order()
    [delivery] = deliveries.for_order(order)
    deliveries.do_step(delivery.steps[0], _all(delivery.steps[0]), by=by, **SHIP)
    assert order.status.code == "new"


def test_cancelling_before_shipment_releases_and_cancels_the_open_steps(by):
    order, delivery, variant, warehouse = _two_step_order(5)
    deliveries.do_step(delivery.steps[0], _all(delivery.steps[0]), by=by)
    orders.change_status(order, status("cancelled"), by=by)
    assert order.state == OrderState.CANCELLED
    assert delivery.state == DeliveryState.CANCELLED
    assert [s.state for s in delivery.steps] == [StepState.DONE, StepState.CANCELLED]
    assert _stock(variant, warehouse).reserved == 0
    _ledger_holds()


def test_cancelling_after_shipment_is_refused_returned_not_cancelled(by):
    order, delivery, variant, warehouse = _two_step_order(5)
    deliveries.do_step(delivery.steps[0], {order.lines[0].id: 2}, by=by, backorder=True)
    deliveries.do_step(delivery.steps[1], _all(delivery.steps[1]), by=by, **SHIP)
    with pytest.raises(StatusChangeRefused, match="returned, not cancelled"):
        orders.change_status(order, status("cancelled"), by=by)
    assert order.state == OrderState.SALES_ORDER
    assert _stock(variant, warehouse).reserved == 3  # the backorder keeps its units
    _ledger_holds()


def test_cancelling_a_paid_order_marks_it_to_refund(by):
    order, delivery, *_ = _two_step_order(1)
    payments.record_bank_transfer(order, order.total, by=by)
    assert order.payment_state == PaymentState.PAID
    orders.change_status(order, status("cancelled"), by=by)
    assert order.payment_state == PaymentState.OVERPAID  # shown as "To refund"
    assert order.amount_to_refund == order.total > Decimal("0")


def test_the_demo_has_deliveries_in_each_state():
    from shop.catalog.models import Warehouse
    from shop.demo import load_demo

    assert load_demo() is True
    all_deliveries = list(db.session.scalars(db.select(DeliveryOrder)))
    steps = {(len(d.steps), s.kind, s.state) for d in all_deliveries for s in d.steps}
    assert (2, StepKind.PICK, StepState.READY) in steps  # waiting to pick
    assert any(d.backorder_of_id for d in all_deliveries)  # partly picked with a backorder
    assert (3, StepKind.PACK, StepState.DONE) in steps and (
        3,
        StepKind.SHIP,
        StepState.READY,
    ) in steps  # packed
    assert any(d.state == DeliveryState.DONE and d.tracking_number for d in all_deliveries)  # shipped
    assert sorted(w.delivery_steps for w in db.session.scalars(db.select(Warehouse))) == [2, 3]
    _ledger_holds()
