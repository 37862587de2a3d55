"""The back-office order list (B2): who may see it, filters in the URL, htmx, bulk status change."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from shop.accounts.models import Role
from shop.extensions import db, limiter
from shop.orders import services as orders
from shop.orders.history import Actor, events_for
from shop.orders.models import OrderStatus
from shop.sales.models import DeliveryMethod, Order, OrderState
from tests.factories import make_cart, make_product, make_sales_order, make_staff
from tests.web.conftest import location_path, make_customer, text

STAFF_PASSWORD = "staff-password-1"
LIST = "/admin/orders"


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def log_in(shopper, email: str = "staff@example.com", role: Role = Role.STAFF):
    make_staff(email, STAFF_PASSWORD, role=role)
    limiter.reset()  # every test logs in; the login allows a few posts a minute per address
    response = shopper.post(
        "/admin/login", {"email": email, "password": STAFF_PASSWORD}, token_from="/admin/login"
    )
    assert response.status_code == 303, response.status_code
    return response


@pytest.fixture
def staff(shopper):
    log_in(shopper)
    return shopper


def order_at(minutes: int, **details) -> Order:
    order = make_sales_order(**details)
    order.created_at = datetime(2026, 3, 10, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    db.session.flush()
    return order


def numbers_on(response) -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)">', response.get_data(as_text=True))


def current(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def bulk(shopper, order_ids: list, status_id, *, back: str = "", **over):
    data = {"order": [str(i) for i in order_ids], "status": str(status_id), "back": back, **over}
    return shopper.post("/admin/orders/bulk-status", data, token_from=LIST)


# --- who may see it ---------------------------------------------------------------------------


def test_staff_see_the_orders_newest_first_with_links_to_each(staff):
    older, newer = order_at(1, name="Ayşe Yılmaz"), order_at(2, name="Mehmet Demir")
    make_cart((make_product().variants[0], 1))

    response = staff.get(LIST)

    assert response.status_code == 200
    assert numbers_on(response) == [newer.number, older.number]
    body = response.get_data(as_text=True)
    assert f'href="/admin/orders/{newer.number}"' in body
    assert "Mehmet Demir" in text(response) and "ayse@example.com" in text(response)
    assert 'class="status-pill" style="--status: #2563eb"' in body  # "New", in its colour


def test_the_back_office_home_is_the_order_list(staff):
    order = order_at(1)

    response = staff.get("/admin/")

    assert response.status_code == 200
    assert numbers_on(response) == [order.number]


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.COURIER])
def test_customers_and_couriers_may_not_see_the_order_list(shopper, role):
    if role == Role.CUSTOMER:
        make_customer()
        shopper.login()
    else:
        make_staff("courier@example.com", STAFF_PASSWORD, role=Role.COURIER)
        limiter.reset()
        shopper.post(
            "/admin/login",
            {"email": "courier@example.com", "password": STAFF_PASSWORD},
            token_from="/admin/login",
        )

    response = shopper.get(LIST)

    assert response.status_code == 403


def test_logged_out_the_list_sends_to_the_back_office_login(shopper):
    response = shopper.get(f"{LIST}?status=1")

    assert response.status_code == 303
    assert location_path(response).startswith("/admin/login?next=")


# --- filters, htmx and pages ------------------------------------------------------------------


def test_filters_live_in_the_url_and_combine(staff):
    courier = order_at(1, delivery_method=DeliveryMethod.COURIER)
    order_at(2)
    processing = order_at(3, delivery_method=DeliveryMethod.COURIER)
    orders.change_status(processing, status("processing"), by=Actor.system())

    response = staff.get(f"{LIST}?delivery=courier&group=new")

    assert numbers_on(response) == [courier.number]
    body = response.get_data(as_text=True)
    assert '<option selected value="courier">' in body
    assert re.search(r'<input type="radio" name="group" value="new"\s*checked>', body)


def test_an_htmx_request_gets_only_the_results_without_the_page_around_them(staff):
    order = order_at(1)

    response = staff.get(f"{LIST}?q={order.number}", htmx=True)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'class="order-filters"' not in body
    assert body.lstrip().startswith('<section class="order-results"')
    assert numbers_on(response) == [order.number]
    assert "HX-Request" in response.headers.get("Vary", "")


def test_the_filter_form_updates_the_results_through_htmx_and_pushes_the_url(staff):
    response = staff.get(LIST)

    form = re.search(r'<form class="order-filters"[^>]*>', response.get_data(as_text=True)).group(0)
    assert 'method="get"' in form and 'hx-get="/admin/orders"' in form
    assert 'hx-push-url="true"' in form and 'hx-target="next .order-results"' in form
    assert 'hx-trigger="change, submit, keyup changed delay:400ms from:input[type=search]"' in form


def test_the_next_page_link_continues_where_the_page_ended(app, staff, monkeypatch):
    monkeypatch.setitem(app.config, "ORDER_LIST_PAGE_SIZE", 2)
    made = [order_at(minutes) for minutes in range(3)]

    first = staff.get(f"{LIST}?delivery=carrier")
    next_url = re.search(r'<a href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1)
    second = staff.get(next_url.replace("&amp;", "&"))

    assert numbers_on(first) == [made[2].number, made[1].number]
    assert "delivery=carrier" in next_url and "after=" in next_url
    assert numbers_on(second) == [made[0].number]
    assert "First page" in text(second) and 'rel="next"' not in second.get_data(as_text=True)


def test_counts_per_status_group_are_shown_on_the_tabs(staff):
    order_at(1)
    order_at(2)
    shipped_later = order_at(3)
    orders.change_status(shipped_later, status("processing"), by=Actor.system())

    page = text(staff.get(LIST))

    assert re.search(r"<span>New</span>\s*<span class=\"count\">2</span>", page)
    assert re.search(r"<span>In progress</span>\s*<span class=\"count\">1</span>", page)
    assert re.search(r"<span>All</span>\s*<span class=\"count\">3</span>", page)


def test_without_orders_the_list_says_so(staff):
    response = staff.get(LIST)

    assert "No orders yet" in text(response)


def test_when_nothing_matches_the_list_says_so(staff):
    order_at(1)

    response = staff.get(f"{LIST}?q=nobody-like-this")

    assert numbers_on(response) == [] and "No orders match these filters." in text(response)


@pytest.mark.parametrize(
    "query",
    [
        "status=abc&group=x&delivery=teleport&payment=%00&source=%3Cscript%3E",
        "salesperson=-1&team=99999999999999&from=2026-99-99&to=tomorrow",
        "after=garbage&q=%25%25%25",
        "after=1_1&q=" + "x" * 5000,
        "from=2026-03-02&to=2026-03-01&q=%E2%80%8F%F0%9F%98%80",
        "status=1&status=2&group=new&group=completed",
    ],
)
def test_garbage_filter_values_give_the_list_not_a_server_error(staff, query):
    order_at(1)

    response = staff.get(f"{LIST}?{query}")
    fragment = staff.get(f"{LIST}?{query}", htmx=True)

    assert response.status_code == 200 and fragment.status_code == 200


def test_a_bad_filter_value_is_reported_and_left_out(staff):
    order = order_at(1)

    response = staff.get(f"{LIST}?delivery=teleport")

    assert numbers_on(response) == [order.number]
    assert "Some filters were left out" in text(response)


# --- bulk status change -----------------------------------------------------------------------


def test_bulk_change_changes_each_order_and_reports_the_ones_refused(staff):
    a, b = order_at(1), order_at(2)
    already = order_at(3)
    orders.change_status(already, status("processing"), by=Actor.system())

    response = bulk(staff, [a.id, b.id, already.id], status("processing").id, back="delivery=carrier")

    assert response.status_code == 303
    assert location_path(response) == f"{LIST}?delivery=carrier"
    assert current(a).status.code == current(b).status.code == "processing"
    assert [e.after for e in events_for(current(a)) if e.kind == "status"] == ["new", "processing"]
    assert [e.actor_kind for e in events_for(current(b)) if e.kind == "status"][-1] == "user"
    page = text(staff.get(location_path(response)))
    assert "2 changed, 1 refused." in page
    assert f"{already.number} — Order {already.number} already is Processing." in page


def test_bulk_change_to_cancelled_releases_each_order(staff):
    a, b = order_at(1), order_at(2)

    response = bulk(staff, [a.id, b.id], status("cancelled").id, confirmed="y")

    assert response.status_code == 303
    assert current(a).state == current(b).state == OrderState.CANCELLED
    assert "2 orders changed." in text(staff.get(LIST))


def test_bulk_change_refuses_a_status_that_needs_a_tracking_number_and_changes_nothing(staff):
    order = order_at(1)

    response = bulk(staff, [order.id], status("shipped").id)

    assert response.status_code == 422
    assert "Shipped needs a tracking number for each order" in text(response)
    assert current(order).status.code == "new"


@pytest.mark.parametrize(
    ("select_it", "more_ids", "status_code", "message"),
    [
        (True, ["abc"], "processing", "Some of the selected orders do not exist"),
        (True, ["99999"], "processing", "Some of the selected orders do not exist"),
        (False, [], "processing", "Select at least one order."),
        (True, [], "12345", "Choose one of the statuses."),
        (True, [], "", "Choose one of the statuses."),
        (True, [], "<b>", "Choose one of the statuses."),
    ],
)
def test_bulk_change_with_bad_ids_or_an_unknown_status_is_refused_and_changes_nothing(
    staff, select_it, more_ids, status_code, message
):
    order = order_at(1)
    ids = ([order.id] if select_it else []) + more_ids
    status_id = status(status_code).id if status_code == "processing" else status_code

    response = bulk(staff, ids, status_id)

    assert response.status_code == 422
    assert message in text(response)
    assert current(order).status.code == "new"
    assert [e.kind for e in events_for(current(order))].count("status") == 1


def test_bulk_change_of_more_than_500_orders_is_refused(staff):
    order = order_at(1)

    response = bulk(staff, [order.id] + list(range(100000, 100500)), status("processing").id)

    assert response.status_code == 422
    assert "Select at most 500 orders at once." in text(response)
    assert current(order).status.code == "new"


def test_bulk_change_without_a_csrf_token_is_refused(staff):
    order = order_at(1)

    response = staff.post(
        "/admin/orders/bulk-status",
        {"order": [str(order.id)], "status": str(status("processing").id)},
        csrf=False,
    )

    assert response.status_code == 400
    assert current(order).status.code == "new"


def test_bulk_change_by_a_customer_is_forbidden(shopper):
    order = order_at(1)
    make_customer()
    shopper.login()

    response = shopper.post(
        "/admin/orders/bulk-status", {"order": [str(order.id)], "status": str(status("processing").id)}
    )

    assert response.status_code == 403
    assert current(order).status.code == "new"


def test_bulk_change_never_redirects_outside_the_order_list(staff):
    order = order_at(1)

    response = bulk(staff, [order.id], status("processing").id, back="//evil.example/&next=http://x")

    assert response.status_code == 303
    assert location_path(response).startswith(f"{LIST}")
    assert "evil" not in response.headers["Location"]
