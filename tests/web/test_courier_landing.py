"""A courier who logs in lands on their own page, My tasks (issue 12, B9; empty here), and no
page sends them in a 403 loop; the back office stays closed."""

from __future__ import annotations

import pytest

from shop.extensions import limiter
from tests.factories import USER_PASSWORD, make_user
from tests.web.conftest import location_path, text

COMING = "No deliveries for you right now."  # My tasks, empty


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def _log_in(shopper, user, url: str = "/admin/login"):
    return shopper.post(url, {"email": user.email, "password": USER_PASSWORD}, token_from="/admin/login")


def test_a_courier_who_logs_in_lands_on_the_deliveries_page(shopper):
    courier = make_user("courier", name="Kemal Kurye")

    response = _log_in(shopper, courier)

    assert response.status_code == 303 and location_path(response) == "/courier/tasks"
    page = shopper.get("/courier/tasks")
    assert page.status_code == 200
    assert COMING in text(page)
    assert "Kemal Kurye" in text(page)
    body = page.get_data(as_text=True)
    assert 'action="/admin/logout"' in body
    assert 'href="/admin/orders"' not in body  # no link into pages that refuse them


def test_a_courier_lands_there_even_when_the_login_came_from_a_back_office_page(shopper):
    courier = make_user("courier")

    response = _log_in(shopper, courier, url="/admin/login?next=/admin/orders")

    assert location_path(response) == "/courier/tasks"


def test_a_signed_in_courier_opening_the_login_goes_to_the_deliveries_page(shopper):
    _log_in(shopper, make_user("courier"))

    response = shopper.get("/admin/login")

    assert response.status_code == 303 and location_path(response) == "/courier/tasks"


def test_the_403_page_sends_a_courier_to_the_deliveries_page_not_to_another_403(shopper):
    _log_in(shopper, make_user("courier"))

    refused = shopper.get("/admin/orders")

    assert refused.status_code == 403
    body = refused.get_data(as_text=True)
    assert 'href="/courier/tasks"' in body
    assert 'href="/admin/orders"' not in body


def test_a_courier_logs_out_from_the_deliveries_page(shopper):
    _log_in(shopper, make_user("courier"))

    response = shopper.post("/admin/logout", {}, token_from="/courier/tasks")

    assert response.status_code == 303 and location_path(response) == "/admin/login"
    assert location_path(shopper.get("/courier/tasks")).startswith("/admin/login")


def test_others_are_sent_where_they_belong(shopper, other_shopper):
    assert location_path(shopper.get("/courier/tasks")).startswith("/admin/login")
    _log_in(other_shopper, make_user("staff"))

    assert location_path(other_shopper.get("/courier/tasks")) == "/admin/orders"
