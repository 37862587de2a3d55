"""The customer's tracking page: the statuses they may see, and the parcel's tracking link."""

from __future__ import annotations

import re

import pytest

from shop.extensions import db
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.sales.models import Order
from tests.factories import make_sales_order, make_staff
from tests.web.conftest import text


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


@pytest.fixture
def staff() -> Actor:
    return Actor.user(make_staff())


@pytest.fixture
def order() -> Order:
    return make_sales_order()


def tracking_page(shopper, order: Order, lang: str = "en") -> str:
    db.session.commit()
    response = shopper.get(f"/orders/{order.tracking_token}?lang={lang}")
    assert response.status_code == 200
    return text(response)


def public_timeline(page: str) -> str:
    return re.search(r'data-testid="public-timeline".*?</ol>', page, re.S).group(0)


def test_the_customer_sees_the_status_changes_by_name_and_the_carrier_tracking_link(shopper, order, staff):
    orders.change_status(order, status("processing"), by=staff)
    orders.change_status(
        order, status("shipped"), by=staff, tracking_number="620123456789", carrier="yurtici"
    )

    page = tracking_page(shopper, order)

    timeline = public_timeline(page)
    assert timeline.index("New") < timeline.index("Processing") < timeline.index("Shipped")
    assert 'data-testid="order-status"' in page and ">Shipped</span>" in page
    assert "Shipped with Yurtiçi Kargo" in page
    link = re.search(r'<a href="([^"]+)"[^>]*data-testid="carrier-tracking-link"><bdi>([^<]+)</bdi>', page)
    assert link.groups() == (
        "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=620123456789",
        "620123456789",
    )


def test_without_a_tracking_number_no_parcel_is_shown(shopper, order):
    page = tracking_page(shopper, order)

    assert 'data-testid="parcel"' not in page
    assert ">New</span>" in page


def test_internal_notes_and_non_public_events_never_appear(shopper, order, staff):
    orders.add_note(order, "Customer is difficult; check the payment twice.", by=staff)
    internal = status("processing")
    internal.customer_visible = False
    orders.change_status(order, internal, by=staff, note="Waiting for the supplier")

    page = tracking_page(shopper, order)

    assert "Customer is difficult" not in page
    assert "Waiting for the supplier" not in page
    assert "Processing" not in page  # a status the seller keeps from customers
    assert ">New</span>" in page  # the last status the customer was shown


def test_the_notes_of_a_shipment_are_not_shown_only_its_carrier_and_number(shopper, order, staff):
    orders.change_status(
        order,
        status("shipped"),
        by=staff,
        tracking_number="JJD0001",
        carrier="inpost",
        note="Fragile, 2 boxes",
    )

    page = tracking_page(shopper, order)

    assert "Fragile, 2 boxes" not in page
    assert "https://inpost.pl/sledzenie-przesylek?number=JJD0001" in page


def test_the_status_names_are_in_the_customers_language(shopper, order, staff):
    orders.change_status(order, status("shipped"), by=staff, tracking_number="123456789", carrier="post_ir")

    page = tracking_page(shopper, order, lang="fa")

    assert "ارسال شد" in public_timeline(page)
    assert "جدید" in public_timeline(page)
    assert "پست ایران" in page
    assert "https://tracking.post.ir/?id=123456789" in page


def test_a_cancelled_order_shows_the_cancelled_status(shopper, order, staff):
    orders.change_status(order, status("cancelled"), by=staff)

    page = tracking_page(shopper, order)

    assert ">Cancelled</span>" in page
    assert "Cancelled" in public_timeline(page)


@pytest.mark.parametrize("token", ["nope", "%00", "x" * 500, "%E2%80%AE"])
def test_an_unknown_tracking_link_is_a_404_page(shopper, token):
    response = shopper.get(f"/orders/{token}")

    assert response.status_code == 404
    assert "does not exist" in text(response)


def test_a_parcel_with_another_carrier_names_it_in_the_customers_language(shopper, order, staff):
    orders.change_status(order, status("shipped"), by=staff, tracking_number="XY123", carrier="other")

    page = tracking_page(shopper, order, lang="tr")

    assert "Diğer" in page and ">Other<" not in page and "Other " not in page
