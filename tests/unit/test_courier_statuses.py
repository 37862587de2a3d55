"""Courier changes move the order's status as the seller chooses (issue 12, B9): picked up, on
the way and failed each follow the setting ``courier_statuses``; the change is the courier's in
the history and tells the customer what that status says; a refused change leaves the task
change standing."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from shop.extensions import db
from shop.fulfillment import couriers
from shop.fulfillment.courier_models import TaskState
from shop.notifications import messages
from shop.notifications.models import Channel, OutboxMessage
from shop.orders.history import Actor, events_for
from shop.orders.models import OrderStatus, StatusGroup
from shop.sales.models import Order
from shop.settings import services as settings
from tests.factories import make_staff
from tests.unit.test_couriers import courier, courier_order, status


@pytest.fixture
def by() -> Actor:
    return Actor.user(make_staff())


def on_the_way_status(**over) -> OrderStatus:
    values = {
        "code": "on-the-way",
        "name": {"en": "On the way", "tr": "Yolda"},
        "group": StatusGroup.IN_PROGRESS,
        "position": 2,
        "customer_visible": True,
        "email_customer": True,
        **over,
    }
    made = OrderStatus(**values)
    db.session.add(made)
    db.session.flush()
    return made


def customer_emails(order: Order) -> list[OutboxMessage]:
    messages.write_waiting()
    return list(
        db.session.scalars(
            db.select(OutboxMessage).where(
                OutboxMessage.order_id == order.id,
                OutboxMessage.channel == Channel.EMAIL,
                OutboxMessage.recipient == messages.customer_email(order),
            )
        )
    )


def test_on_the_way_moves_the_order_as_the_courier_and_emails_the_customer(by):
    target = on_the_way_status()
    settings.save({"courier_statuses": {"on_the_way": target.code}}, by_user_id=None)
    order = courier_order(by)
    kemal = courier("Kemal Kurye")
    task = couriers.assign(order, kemal, by=by)
    earlier = {message.id for message in customer_emails(order)}  # the order's confirmation

    couriers.mark(task, kemal, TaskState.PICKED_UP)
    assert order.status.code == "processing"  # picked up: no status chosen
    couriers.mark(task, kemal, TaskState.ON_THE_WAY)

    assert order.status_id == target.id
    [row] = [e for e in events_for(order) if e.kind == "status" and e.after == target.code]
    assert (row.actor_kind, row.actor_id, row.before) == ("courier", kemal.id, "processing")
    [email] = [message for message in customer_emails(order) if message.id not in earlier]
    assert email.recipient == order.email and email.event.startswith("status")


def test_failed_follows_its_own_status(by):
    settings.save({"courier_statuses": {"failed": "returned"}}, by_user_id=None)
    order = courier_order(by)
    kemal = courier("Kemal Kurye")
    task = couriers.assign(order, kemal, by=by)

    couriers.fail(task, kemal, reason="not_home")

    assert order.status.code == "returned" and task.state == TaskState.FAILED
    assert [e.kind for e in events_for(order) if e.actor_kind == "courier"] == ["courier", "status"]


def test_without_a_chosen_status_nothing_but_the_task_changes(by):
    on_the_way_status()
    order = courier_order(by)
    kemal = courier("Kemal Kurye")
    task = couriers.assign(order, kemal, by=by)
    before = len(customer_emails(order))

    couriers.mark(task, kemal, TaskState.PICKED_UP)
    couriers.mark(task, kemal, TaskState.ON_THE_WAY)
    couriers.fail(task, kemal, reason="no_answer")

    assert order.status.code == "processing"
    assert [e.kind for e in events_for(order) if e.actor_kind == "courier"] == ["courier"] * 3
    assert len(customer_emails(order)) == before


def test_an_order_already_in_the_status_is_left_alone(by):
    settings.save({"courier_statuses": {"picked_up": "processing"}}, by_user_id=None)
    order = courier_order(by)  # already Processing
    kemal = courier("Kemal Kurye")
    task = couriers.assign(order, kemal, by=by)
    count = len(events_for(order))

    couriers.mark(task, kemal, TaskState.PICKED_UP)

    assert task.state == TaskState.PICKED_UP and order.status.code == "processing"
    assert [e.kind for e in events_for(order)[count:]] == ["courier"]


def test_a_refused_status_change_keeps_the_courier_change(by):
    target = on_the_way_status()
    settings.save({"courier_statuses": {"on_the_way": target.code}}, by_user_id=None)
    order = courier_order(by)
    kemal = courier("Kemal Kurye")
    task = couriers.assign(order, kemal, by=by)
    # Someone else moves the order to Completed meanwhile; this session has not seen it.
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(status_id=status("completed").id)
        .execution_options(synchronize_session=False)
    )

    couriers.mark(task, kemal, TaskState.ON_THE_WAY)

    db.session.expire_all()
    assert task.state == TaskState.ON_THE_WAY
    assert order.status.code == "completed"
    assert [e.after for e in events_for(order) if e.actor_kind == "courier"] == ["on_the_way"]


def test_a_status_that_no_longer_qualifies_is_skipped(by):
    # Stored unchecked (as if the status changed after it was chosen): cancelling is never done.
    settings.update(courier_statuses={"picked_up": "cancelled", "on_the_way": "shipped", "failed": ""})
    order = courier_order(by)
    kemal = courier("Kemal Kurye")
    task = couriers.assign(order, kemal, by=by)

    couriers.mark(task, kemal, TaskState.PICKED_UP)
    couriers.mark(task, kemal, TaskState.ON_THE_WAY)

    assert task.state == TaskState.ON_THE_WAY and order.status.code == "processing"


# --- the setting ---------------------------------------------------------------------------


def test_the_setting_is_saved_and_recorded():
    target = on_the_way_status()

    [change] = settings.save(
        {"courier_statuses": {"picked_up": "", "on_the_way": target.code, "failed": "returned"}},
        by_user_id=None,
    )

    assert settings.current_fresh().courier_statuses == {
        "picked_up": "",
        "on_the_way": target.code,
        "failed": "returned",
    }
    assert (change.key, change.before["on_the_way"], change.after["on_the_way"]) == (
        "courier_statuses",
        "",
        target.code,
    )


@pytest.mark.parametrize(
    "code",
    ["nonesuch", "shipped", "cancelled", "archived", 7],
    ids=["unknown", "needs tracking", "cancels", "archived", "not text"],
)
def test_a_bad_status_is_refused_with_a_message_and_nothing_saved(code):
    if code == "archived":
        on_the_way_status(code="archived", archived=True)

    with pytest.raises(settings.InvalidSettings) as caught:
        settings.save({"courier_statuses": {"picked_up": code, "on_the_way": "returned"}}, by_user_id=None)

    assert set(caught.value.errors) == {"courier_statuses.picked_up"}
    assert "tracking number" in caught.value.errors["courier_statuses.picked_up"]
    assert settings.current_fresh().courier_statuses == {"picked_up": "", "on_the_way": "", "failed": ""}
