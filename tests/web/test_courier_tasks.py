"""My tasks over HTTP (issue 12, B9): a courier sees only their own open tasks with what the
delivery needs (never prices of lines, other customers or other couriers' tasks), works them
with plain forms (CSRF, bad input refused with nothing changed), and every back-office page stays
closed to them. Staff give orders to couriers from the order page and the order list."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.fulfillment import couriers
from shop.fulfillment.courier_models import CourierTask, TaskState
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.payments.models import PaymentTransaction
from shop.sales.models import DeliveryMethod
from tests.factories import make_product, make_sales_order, make_staff, make_user, make_warehouse
from tests.statements import statements
from tests.web.conftest import text
from tests.web.test_backoffice_access import logged_in


def _processing() -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "processing"))


def _courier_order(by: Actor, name: str = "Ayşe Yılmaz", **details):
    warehouse = make_warehouse(delivery_steps=2)
    variant = make_product(stock={warehouse: 20}, price="150.00").variants[0]
    order = make_sales_order((variant, 2), delivery_method=DeliveryMethod.COURIER, name=name, **details)
    orders.change_status(order, _processing(), by=by)
    return order


@pytest.fixture
def world(shopper):
    """Two couriers with a task each; the first one logged in."""
    by = Actor.user(make_staff())
    mine = logged_in(shopper, "courier", name="Kemal Kurye", phone="+905321110022")
    other = make_user("courier", name="Zeynep Kurye", phone="+905329990011")
    my_order = _courier_order(by)
    their_order = _courier_order(by, name="Hidden Customer", email="hidden@example.com")
    my_task = couriers.assign(my_order, mine, by=by)
    their_task = couriers.assign(their_order, other, by=by)
    db.session.commit()
    return {
        "me": mine,
        "my_task": my_task.id,
        "their_task": their_task.id,
        "my_order": my_order.number,
        "their_order": their_order.number,
        "shopper": shopper,
    }


def _task(task_id: int) -> CourierTask:
    db.session.expire_all()
    return db.session.get(CourierTask, task_id)


def test_my_tasks_shows_only_my_task_with_what_the_delivery_needs(world):
    shopper = world["shopper"]
    response = shopper.get("/courier/tasks")
    page = text(response)
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    assert world["my_order"] in page and world["their_order"] not in page
    assert "Ayşe Yılmaz" in page and "Hidden Customer" not in page
    assert 'href="tel:+905321234567"' in body
    assert "https://www.openstreetmap.org/search?query=" in body
    assert "2 ×" in page  # what to deliver
    assert "To collect in cash:" in page
    assert "150" not in page.split("To collect in cash:")[0]  # no line prices before the amount due
    assert "Purchase" not in page and "margin" not in page.lower()


def test_the_courier_works_the_task_to_delivered_with_cash(world):
    shopper, task_id = world["shopper"], world["my_task"]
    for action in ("picked-up", "on-the-way"):
        response = shopper.post(f"/courier/tasks/{task_id}/{action}", {}, token_from="/courier/tasks")
        assert response.status_code == 303
    assert _task(task_id).state == TaskState.ON_THE_WAY

    response = shopper.post(f"/courier/tasks/{task_id}/delivered", {"cash": "y"}, token_from="/courier/tasks")

    assert response.status_code == 303
    task = _task(task_id)
    assert task.state == TaskState.DELIVERED
    assert db.session.scalar(
        db.select(PaymentTransaction).where(PaymentTransaction.order_id == task.order_id)
    )
    assert world["my_order"] not in text(shopper.get("/courier/tasks"))  # no longer open


def test_delivered_without_the_cash_box_is_refused_and_changes_nothing(world):
    shopper, task_id = world["shopper"], world["my_task"]

    response = shopper.post(f"/courier/tasks/{task_id}/delivered", {}, token_from="/courier/tasks")

    assert response.status_code == 422
    assert "Confirm the cash collected" in text(response)
    assert _task(task_id).state == TaskState.ASSIGNED


@pytest.mark.parametrize("form", [{"reason": "bogus"}, {"reason": "other", "other": ""}, {}])
def test_a_failure_without_a_reason_is_refused(world, form):
    shopper, task_id = world["shopper"], world["my_task"]

    response = shopper.post(f"/courier/tasks/{task_id}/failed", form, token_from="/courier/tasks")

    assert response.status_code == 422
    assert _task(task_id).state == TaskState.ASSIGNED


def test_a_failure_with_a_typed_reason(world):
    shopper, task_id = world["shopper"], world["my_task"]

    response = shopper.post(
        f"/courier/tasks/{task_id}/failed",
        {"reason": "other", "other": "Gate locked"},
        token_from="/courier/tasks",
    )

    assert response.status_code == 303
    assert (_task(task_id).state, _task(task_id).failure_reason) == (TaskState.FAILED, "Gate locked")


def test_a_post_without_csrf_changes_nothing(world):
    shopper, task_id = world["shopper"], world["my_task"]

    response = shopper.post(f"/courier/tasks/{task_id}/picked-up", {}, csrf=False)

    assert response.status_code in (400, 422)
    assert _task(task_id).state == TaskState.ASSIGNED


@pytest.mark.parametrize("action", ["picked-up", "on-the-way", "delivered", "failed"])
def test_another_couriers_task_is_not_found(world, action):
    shopper, theirs = world["shopper"], world["their_task"]

    response = shopper.post(
        f"/courier/tasks/{theirs}/{action}", {"cash": "y", "reason": "not_home"}, token_from="/courier/tasks"
    )

    assert response.status_code == 404
    assert _task(theirs).state == TaskState.ASSIGNED
    assert shopper.post("/courier/tasks/999999/picked-up", {}, token_from="/courier/tasks").status_code == 404


def test_no_back_office_page_opens_for_a_courier(world):
    shopper = world["shopper"]
    for number in (world["my_order"], world["their_order"]):
        for url in (
            f"/admin/orders/{number}",
            f"/admin/orders/{number}/documents/packing-slip.pdf",
            f"/admin/orders/{number}/documents/dispatch-note.pdf",
            f"/admin/orders/{number}/documents/shipping-label.pdf",
        ):
            assert shopper.get(url).status_code in (403, 404), url
    for url in ("/admin/orders", "/admin/deliveries", "/admin/pickups", "/admin/stock", "/admin/products"):
        assert shopper.get(url).status_code in (403, 404), url
    assert (
        shopper.post(
            f"/admin/orders/{world['their_order']}/courier",
            {"courier": str(world["me"].id)},
            token_from="/courier/tasks",
        ).status_code
        == 403
    )


# --- the shop's side -----------------------------------------------------------------------


def test_staff_assign_from_the_order_page_and_the_list(shopper):
    by = Actor.user(make_staff("boss@example.com"))
    kemal = make_user("courier", name="Kemal Kurye", phone="+905321110022")
    one, two, three = (_courier_order(by) for _ in range(3))
    db.session.commit()
    logged_in(shopper, "staff", email="desk@example.com")
    page = shopper.get(f"/admin/orders/{one.number}").get_data(as_text=True)
    assert 'data-testid="courier-panel"' in page and "Kemal Kurye" in page

    response = shopper.post(
        f"/admin/orders/{one.number}/courier",
        {"courier": str(kemal.id)},
        token_from=f"/admin/orders/{one.number}",
    )
    assert response.status_code == 303
    response = shopper.post(
        "/admin/orders/bulk-courier",
        {"courier": str(kemal.id), "order": [str(two.id), str(three.id)]},
        token_from="/admin/orders",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert {t.order_id for t in db.session.scalars(db.select(CourierTask))} == {one.id, two.id, three.id}
    assert "Given to the courier Kemal Kurye" in text(shopper.get(f"/admin/orders/{one.number}"))


@pytest.mark.parametrize("form", [{"courier": ""}, {"courier": "abc"}, {"courier": "999999"}])
def test_staff_bad_assignment_input_changes_nothing(shopper, form):
    by = Actor.user(make_staff("boss@example.com"))
    order = _courier_order(by)
    db.session.commit()
    logged_in(shopper, "staff", email="desk@example.com")

    response = shopper.post(
        f"/admin/orders/{order.number}/courier", form, token_from=f"/admin/orders/{order.number}"
    )
    bulk = shopper.post(
        "/admin/orders/bulk-courier", {**form, "order": [str(order.id), "x"]}, token_from="/admin/orders"
    )

    assert response.status_code == 303 and bulk.status_code == 303
    assert db.session.scalar(db.select(db.func.count()).select_from(CourierTask)) == 0


def test_my_tasks_runs_the_same_statements_for_one_task_or_six_and_writes_nothing(world):
    """A courier's page costs a fixed number of SQL statements however many tasks they have."""
    import re


    shopper, me = world["shopper"], world["me"]

    def page_statements() -> list[str]:
        with statements() as seen:
            assert shopper.get("/courier/tasks").status_code == 200
        return seen

    one = page_statements()
    by = Actor.system("test")
    for n in range(5):
        couriers.assign(_courier_order(by, name=f"Customer {n}"), me, by=by)
    db.session.commit()
    six = page_statements()

    assert len(six) == len(one), (len(one), len(six))
    assert not [s for s in six if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.I)]
