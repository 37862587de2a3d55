"""Couriers (issue 12, B9): an in-progress courier order given to a courier (SMS through the
outbox from the editable template), reassignment tells both couriers, and the courier's
actions: picked up, on the way, delivered with the cash (a cash payment, the delivery done,
the goods out through the ledger, the order Completed), failed with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.catalog.ledger import differences
from shop.errors import NotFound
from shop.extensions import db
from shop.fulfillment import couriers, deliveries, goods
from shop.fulfillment.courier_models import TaskState
from shop.fulfillment.couriers import CourierRefused
from shop.fulfillment.models import DeliveryState
from shop.notifications import messages
from shop.notifications.models import Channel, OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor, events_for
from shop.orders.models import OrderStatus
from shop.payments.models import PaymentTransaction
from shop.sales.models import DeliveryMethod, PaymentMethod, PaymentState
from tests.factories import make_product, make_sales_order, make_staff, make_user, make_warehouse


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


@pytest.fixture
def by() -> Actor:
    return Actor.user(make_staff())


def courier(name: str, phone: str = "+905321110022"):
    return make_user("courier", name=name, phone=phone)


def courier_order(by: Actor, *, units: int = 2, steps: int = 2, in_progress: bool = True):
    warehouse = make_warehouse("IST", delivery_steps=steps)
    variant = make_product(stock={warehouse: 10}).variants[0]
    order = make_sales_order((variant, units), delivery_method=DeliveryMethod.COURIER)
    if in_progress:
        orders.change_status(order, status("processing"), by=by)
    return order


def sms_to(phone: str) -> list[OutboxMessage]:
    messages.write_waiting()
    return list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.recipient == phone, OutboxMessage.channel == Channel.SMS)
            .order_by(OutboxMessage.id)
        )
    )


def test_assigning_queues_the_couriers_sms_from_the_template_and_writes_the_history(by):
    order = courier_order(by)
    kemal = courier("Kemal Kurye")

    task = couriers.assign(order, kemal, by=by)

    assert task.state == TaskState.ASSIGNED and task.courier_id == kemal.id
    [sms] = sms_to(kemal.phone)
    assert sms.event == "courier_assignment"
    assert sms.body_text.startswith(f"New delivery {order.number}: Ayşe Yılmaz")
    assert "İstiklal Cd. 1" in sms.body_text and "Collect" in sms.body_text
    [event] = [e for e in events_for(order) if e.kind == "courier"]
    assert (event.after, event.note, event.actor_kind) == ("assigned", "Kemal Kurye", "user")


def test_reassigning_tells_both_couriers(by):
    order = courier_order(by)
    kemal, zeynep = courier("Kemal Kurye"), courier("Zeynep Kurye", phone="+905329990011")
    couriers.assign(order, kemal, by=by)

    task = couriers.assign(order, zeynep, by=by)

    assert task.courier_id == zeynep.id
    new = sms_to(zeynep.phone)
    assert len(new) == 1 and new[0].body_text.startswith(f"New delivery {order.number}")
    old = sms_to(kemal.phone)
    assert len(old) == 2
    assert "no longer yours to deliver" in old[-1].body_text and order.number in old[-1].body_text
    last = [e for e in events_for(order) if e.kind == "courier"][-1]
    assert (last.before, last.note) == ("Kemal Kurye", "Zeynep Kurye")


@pytest.mark.parametrize(
    "case",
    ["not in progress", "carrier order", "not a courier", "no phone", "same courier"],
)
def test_an_assignment_the_rules_refuse_changes_nothing(by, case):
    kemal = courier("Kemal Kurye")
    target = kemal
    if case == "not in progress":
        order = courier_order(by, in_progress=False)
    elif case == "carrier order":
        warehouse = make_warehouse("IST")
        order = make_sales_order((make_product(stock={warehouse: 5}).variants[0], 1))
        orders.change_status(order, status("processing"), by=by)
    else:
        order = courier_order(by)
    if case == "not a courier":
        target = make_user("staff", name="Staff")
    if case == "no phone":
        target = courier("Silent", phone="")
    if case == "same courier":
        couriers.assign(order, kemal, by=by)
    before = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))

    with pytest.raises(CourierRefused):
        couriers.assign(order, target, by=by)

    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == before


def test_delivered_with_cash_records_the_payment_completes_the_delivery_and_the_order(by):
    order = courier_order(by, units=2, steps=2)
    kemal = courier("Kemal Kurye")
    task = couriers.assign(order, kemal, by=by)
    due = order.amount_due
    assert due > 0

    couriers.mark(task, kemal, TaskState.PICKED_UP)
    couriers.mark(task, kemal, TaskState.ON_THE_WAY)
    couriers.deliver(task, kemal, cash_collected=True)
    db.session.flush()

    assert task.state == TaskState.DELIVERED
    [payment] = db.session.scalars(
        db.select(PaymentTransaction).where(PaymentTransaction.order_id == order.id)
    )
    assert (payment.method, payment.amount) == (PaymentMethod.CASH, due)
    assert order.payment_state == PaymentState.PAID and order.amount_due == Decimal("0")
    [delivery] = deliveries.for_order(order)
    assert delivery.state == DeliveryState.DONE
    assert goods.units_gone(order) == {order.lines[0].id: 2}
    assert differences() == []
    assert order.status.code == "completed"
    courier_events = [e for e in events_for(order) if e.actor_kind == "courier"]
    assert {e.actor_id for e in courier_events} == {kemal.id}
    assert [e.after for e in courier_events if e.kind == "courier"] == [
        "picked_up",
        "on_the_way",
        "delivered",
    ]
    assert any(e.kind == "status" and e.after == "completed" for e in courier_events)
    assert couriers.open_tasks(kemal) == []


def test_delivered_without_confirming_the_cash_due_is_refused(by):
    order = courier_order(by)
    kemal = courier("Kemal Kurye")
    task = couriers.assign(order, kemal, by=by)

    with pytest.raises(CourierRefused):
        couriers.deliver(task, kemal, cash_collected=False)

    assert task.state == TaskState.ASSIGNED and order.amount_paid == 0
    assert deliveries.for_order(order)[0].state == DeliveryState.OPEN


def test_failed_with_a_listed_or_typed_reason(by):
    kemal = courier("Kemal Kurye")
    first = couriers.assign(courier_order(by), kemal, by=by)
    couriers.fail(first, kemal, reason="not_home")
    assert (first.state, first.failure_reason) == (TaskState.FAILED, "not_home")

    warehouse = make_warehouse("ANK")
    second_order = make_sales_order(
        (make_product(stock={warehouse: 3}).variants[0], 1), delivery_method=DeliveryMethod.COURIER
    )
    orders.change_status(second_order, status("processing"), by=by)
    second = couriers.assign(second_order, kemal, by=by)
    couriers.fail(second, kemal, reason="other", other="  Gate  locked ")
    assert second.failure_reason == "Gate locked"
    last = [e for e in events_for(second_order) if e.kind == "courier"][-1]
    assert (last.after, last.note, last.actor_kind) == ("failed", "Gate locked", "courier")
    assert couriers.open_tasks(kemal) == []
    assert not goods.any_goods_gone(second_order) and differences() == []


@pytest.mark.parametrize("reason,other", [("", ""), ("bogus", ""), ("other", ""), ("other", "x" * 201)])
def test_a_failure_without_a_proper_reason_is_refused(by, reason, other):
    kemal = courier("Kemal Kurye")
    task = couriers.assign(courier_order(by), kemal, by=by)

    with pytest.raises(CourierRefused):
        couriers.fail(task, kemal, reason=reason, other=other)

    assert task.state == TaskState.ASSIGNED


def test_another_courier_cannot_touch_the_task(by):
    kemal, zeynep = courier("Kemal Kurye"), courier("Zeynep Kurye", phone="+905329990011")
    task = couriers.assign(courier_order(by), kemal, by=by)

    with pytest.raises(NotFound):
        couriers.mark(task, zeynep, TaskState.PICKED_UP)
    with pytest.raises(NotFound):
        couriers.deliver(task, zeynep, cash_collected=True)
    assert couriers.own_task(zeynep, task.id) is None
    assert task.state == TaskState.ASSIGNED


def test_an_action_out_of_order_is_refused(by):
    kemal = courier("Kemal Kurye")
    task = couriers.assign(courier_order(by), kemal, by=by)
    couriers.mark(task, kemal, TaskState.ON_THE_WAY)

    with pytest.raises(CourierRefused):
        couriers.mark(task, kemal, TaskState.PICKED_UP)  # back to the warehouse: no
    assert task.state == TaskState.ON_THE_WAY
