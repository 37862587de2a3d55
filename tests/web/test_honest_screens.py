"""Honest screens (issue 10, item 15): bulk cancelling asks first, the menu stays on Orders after a
refused bulk change, and "Customer sees this" marks exactly what the tracking page shows."""

from __future__ import annotations

import re

import pytest

from shop.extensions import db, limiter
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.sales.models import Order, OrderState
from tests.factories import USER_PASSWORD, make_sales_order, make_user
from tests.web.conftest import location_path, text

LIST = "/admin/orders"


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def current(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


@pytest.fixture
def staff(shopper):
    user = make_user("staff")
    limiter.reset()
    response = shopper.post(
        "/admin/login", {"email": user.email, "password": USER_PASSWORD}, token_from="/admin/login"
    )
    assert response.status_code == 303
    shopper.user = user
    return shopper


def bulk(shopper, orders_: list[Order], status_id, **over):
    data = {"order": [str(o.id) for o in orders_], "status": str(status_id), "back": "", **over}
    return shopper.post("/admin/orders/bulk-status", data, token_from=LIST)


def highlighted_menu_item(response) -> str:
    found = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', response.get_data(as_text=True))
    assert len(found) == 1, found
    return found[0]


# --- bulk cancelling asks first ---------------------------------------------------------------


def test_bulk_cancelling_asks_for_confirmation_and_changes_nothing_until_confirmed(staff):
    a, b = make_sales_order(), make_sales_order()
    cancelled = status("cancelled")

    asked = bulk(staff, [a, b], cancelled.id)

    assert asked.status_code == 200
    assert current(a).state == current(b).state == OrderState.SALES_ORDER
    page = text(asked)
    confirm = re.search(r'<form class="bulk-confirm.*?</form>', page, re.S).group(0)
    assert "Change 2 orders to “Cancelled”?" in confirm
    assert "cannot be undone" in confirm
    assert sorted(re.findall(r'<input type="hidden" name="order" value="(\d+)">', confirm)) == sorted(
        [str(a.id), str(b.id)]
    )
    assert f'<input type="hidden" name="status" value="{cancelled.id}">' in confirm
    yes = r'<button type="submit" name="confirmed" value="y"[^>]*>Yes, cancel 2 orders</button>'
    assert re.search(yes, confirm)
    assert highlighted_menu_item(asked) == "Orders"

    done = bulk(staff, [a, b], cancelled.id, confirmed="y")

    assert done.status_code == 303 and location_path(done) == LIST
    assert current(a).state == current(b).state == OrderState.CANCELLED


def test_a_status_that_does_not_cancel_is_changed_without_asking(staff):
    order = make_sales_order()

    response = bulk(staff, [order], status("processing").id)

    assert response.status_code == 303
    assert current(order).status.code == "processing"


# --- the menu after a refused bulk change -----------------------------------------------------


@pytest.mark.parametrize("code", ["shipped", None])
def test_after_a_refused_bulk_change_the_menu_highlights_orders(staff, code):
    order = make_sales_order()

    response = bulk(staff, [order], status(code).id if code else "")

    assert response.status_code == 422
    assert highlighted_menu_item(response) == "Orders"


@pytest.mark.parametrize(
    ("url", "item"),
    [(LIST, "Orders"), ("/admin/", "Orders"), ("/admin/statuses", "Statuses"), ("/admin/outbox", "Outbox")],
)
def test_each_page_highlights_its_own_menu_item(staff, url, item):
    assert highlighted_menu_item(staff.get(url)) == item


# --- "Customer sees this" ---------------------------------------------------------------------


def back_office_tagged(shopper, order: Order) -> list[str]:
    """The ids of the order page's timeline events tagged "Customer sees this"."""
    page = shopper.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    items = re.findall(r'<li class="tl-item[^"]*"[^>]*data-event="(\d+)">(.*?)</li>', page, re.S)
    assert items, "no timeline on the order page"
    return sorted(event_id for event_id, body in items if "Customer sees this" in body)


def tracking_page(shopper, order: Order) -> tuple[list[str], str]:
    """The ids of the events on the customer's tracking page, and the status it shows."""
    page = text(shopper.get(f"/orders/{order.tracking_token}"))
    timeline = re.search(r'data-testid="public-timeline".*?</ol>', page, re.S).group(0)
    pill = re.search(r'data-testid="order-status">([^<]*)<', page)
    return sorted(re.findall(r'data-event="(\d+)"', timeline)), pill.group(1) if pill else ""


def test_customer_sees_this_marks_exactly_what_the_tracking_page_shows(staff):
    order = make_sales_order()
    by = Actor.user(staff.user)
    packed = OrderStatus(code="packed", name={"en": "Packed"}, group=status("processing").group,
                         customer_visible=False, position=50)
    db.session.add(packed)
    db.session.flush()
    orders.change_status(order, status("processing"), by=by, note="Waiting for the supplier")
    orders.add_note(order, "Difficult customer", by=by)
    orders.change_status(order, packed, by=by)  # kept from customers when it was set
    db.session.commit()

    # The seller changes their mind on both: Processing is now kept from customers, Packed shown.
    status("processing").customer_visible = False
    packed.customer_visible = True
    db.session.commit()

    seen, pill = tracking_page(staff, order)
    assert seen == back_office_tagged(staff, order)
    page = text(staff.get(f"/orders/{order.tracking_token}"))
    assert "Processing" not in page and "Packed" not in page  # neither was both shown and showable
    assert pill == "New"  # the last status of the customer's own timeline
    assert len(seen) == 3  # placed, confirmed, New


def test_a_status_shown_to_customers_is_tagged_and_on_the_tracking_page(staff):
    order = make_sales_order()
    orders.change_status(order, status("processing"), by=Actor.user(staff.user), note="Internal words")
    db.session.commit()

    seen, pill = tracking_page(staff, order)

    assert seen == back_office_tagged(staff, order) and len(seen) == 4
    assert pill == "Processing"
    assert "Internal words" not in text(staff.get(f"/orders/{order.tracking_token}"))
