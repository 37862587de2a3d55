"""Pickup only offers what it can serve (issue 10, item 11): checkout lists the warehouses that
have the whole cart, shows the others disabled with what they lack, and, when the seller allows
transfers between warehouses, offers every pickup warehouse and reserves the rest elsewhere."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from shop.catalog.models import Stock, StockReservation
from shop.catalog.pickup import allowed_pickup_dates
from shop.extensions import db
from shop.i18n import shop_today
from shop.orders.models import OrderEvent
from shop.sales.models import Order, OrderLine, OrderState
from shop.settings import services as settings
from tests.web.conftest import field_errors, text
from tests.web.test_backoffice_access import logged_in
from tests.web.test_backoffice_settings import pickup_fields, settings_form

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


def _warehouse(make_warehouse, code: str, name: str, position: int = 0):
    warehouse = make_warehouse(code, weekdays=EVERY_DAY, position=position)
    warehouse.name = {"en": name}
    return warehouse


@pytest.fixture
def shop_with_two_warehouses(shopper, make_product, make_warehouse):
    """Kadıköy lacks the linen shirt (M) that Ankara has; both have the mug. The cart: one of each."""
    kadikoy = _warehouse(make_warehouse, "KDK", "Kadıköy", position=1)
    ankara = _warehouse(make_warehouse, "ANK", "Ankara", position=2)
    shirt = make_product(name="Linen shirt", stock={kadikoy: 0, ankara: 5}).variants[0]
    shirt.name = {"en": "M"}
    mug = make_product(name="Mug", stock={kadikoy: 3, ankara: 3}).variants[0]
    shopper.add(shirt, 1)
    shopper.add(mug, 1)
    return kadikoy, ankara, shirt, mug


def _option(body: str, warehouse) -> str:
    found = re.search(rf'<option[^>]*value="{warehouse.id}"[^>]*>([^<]*)</option>', body)
    assert found, f"{warehouse.code} is not in the list"
    return found.group(0)


def _pickup(shopper, warehouse, day: date):
    return shopper.checkout(
        delivery_method="pickup", pickup_warehouse=str(warehouse.id), pickup_date=day.isoformat()
    )


def _reserved_at(order_id: int) -> dict[str, int]:
    rows = db.session.execute(
        db.select(Stock.warehouse_id, StockReservation.quantity)
        .join(StockReservation, StockReservation.stock_id == Stock.id)
        .join(OrderLine, StockReservation.order_line_id == OrderLine.id)
        .where(OrderLine.order_id == order_id)
    )
    reserved: dict[str, int] = {}
    for warehouse_id, quantity in rows:
        reserved[warehouse_id] = reserved.get(warehouse_id, 0) + quantity
    return reserved


def _allow_transfers(days: int = 2) -> None:
    settings.update(pickup_transfer={"enabled": True, "days": days})


# --- without transfers: only the warehouses that have everything ------------------------------


def test_a_warehouse_that_lacks_an_item_is_disabled_with_what_it_lacks(shopper, shop_with_two_warehouses):
    kadikoy, ankara, _shirt, _mug = shop_with_two_warehouses

    body = text(shopper.get("/checkout"))

    assert "disabled" in _option(body, kadikoy)
    assert "not in stock there: Linen shirt (M)" in _option(body, kadikoy)
    assert "disabled" not in _option(body, ankara)
    unavailable = re.search(r'data-testid="pickup-unavailable">(.*?)</ul>', body, re.S).group(1)
    assert "Kadıköy" in unavailable and "Linen shirt (M)" in unavailable and "Mug" not in unavailable


def test_a_warehouse_with_part_of_the_quantity_says_how_many_it_has(shopper, make_product, make_warehouse):
    kadikoy = _warehouse(make_warehouse, "KDK", "Kadıköy")
    other = _warehouse(make_warehouse, "ANK", "Ankara")
    variant = make_product(name="Linen shirt", stock={kadikoy: 1, other: 5}).variants[0]
    shopper.add(variant, 2)

    body = text(shopper.get("/checkout"))

    assert "not in stock there: Linen shirt (Size 0): 1 of 2" in _option(body, kadikoy)


def test_choosing_the_warehouse_that_lacks_an_item_is_refused_with_why(shopper, shop_with_two_warehouses):
    kadikoy, _ankara, _shirt, _mug = shop_with_two_warehouses
    cart_id = shopper.cart_id()

    response = _pickup(shopper, kadikoy, allowed_pickup_dates(kadikoy, shop_today())[0])

    assert response.status_code == 422
    assert field_errors(response, "pickup_warehouse") == [
        "Kadıköy cannot hand out this order: not in stock there: Linen shirt (M)."
    ]
    assert db.session.get(Order, cart_id).state == OrderState.QUOTATION
    assert _reserved_at(cart_id) == {}


def test_the_warehouse_that_has_everything_serves_from_its_own_stock(shopper, shop_with_two_warehouses):
    _kadikoy, ankara, _shirt, _mug = shop_with_two_warehouses
    cart_id = shopper.cart_id()

    response = _pickup(shopper, ankara, allowed_pickup_dates(ankara, shop_today())[0])

    assert response.status_code == 303
    assert _reserved_at(cart_id) == {ankara.id: 2}
    assert not db.session.scalars(
        db.select(OrderEvent).where(OrderEvent.order_id == cart_id, OrderEvent.kind == "stock")
    ).all()


# --- with transfers between warehouses (a setting) -------------------------------------------


def test_with_transfers_allowed_every_pickup_warehouse_is_offered_later(shopper, shop_with_two_warehouses):
    kadikoy, ankara, _shirt, _mug = shop_with_two_warehouses
    _allow_transfers(days=3)

    body = text(shopper.get("/checkout"))
    fragment = shopper.get(f"/checkout/pickup-dates?pickup_warehouse={kadikoy.id}", htmx=True)

    assert "disabled" not in _option(body, kadikoy)
    assert "ready after a transfer from another warehouse" in _option(body, kadikoy)
    assert "pickup-unavailable" not in body
    offered = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', fragment.get_data(as_text=True))
    assert offered[0] == (shop_today() + timedelta(days=1 + 3)).isoformat()  # lead 1 day + transfer 3
    assert "brought to this warehouse from another one" in text(fragment)
    assert "disabled" not in _option(body, ankara) and "transfer" not in _option(body, ankara)


def test_pickup_with_a_transfer_reserves_the_rest_elsewhere_and_the_order_says_so(
    shopper, other_shopper, shop_with_two_warehouses
):
    kadikoy, ankara, shirt, mug = shop_with_two_warehouses
    _allow_transfers(days=2)
    cart_id = shopper.cart_id()
    day = allowed_pickup_dates(kadikoy, shop_today(), transfer=True)[0]

    response = _pickup(shopper, kadikoy, day)

    assert response.status_code == 303
    order = db.session.get(Order, cart_id)
    assert (order.pickup_warehouse_id, order.pickup_date) == (kadikoy.id, day)
    assert _reserved_at(cart_id) == {kadikoy.id: 1, ankara.id: 1}  # the mug here, the shirt brought
    logged_in(other_shopper, "staff")
    page = other_shopper.get(f"/admin/orders/{order.number}")
    transfer = re.search(r'data-testid="pickup-transfer">(.*?)</div>', text(page), re.S).group(1)
    assert "Transfer needed" in transfer and "1 × Linen shirt (M) from Ankara" in transfer
    assert "transfer between warehouses needed for pickup" in text(page)  # in the history


def test_pickup_with_a_transfer_on_a_day_too_early_for_it_is_refused(shopper, shop_with_two_warehouses):
    kadikoy, _ankara, _shirt, _mug = shop_with_two_warehouses
    _allow_transfers(days=5)
    cart_id = shopper.cart_id()

    response = _pickup(shopper, kadikoy, allowed_pickup_dates(kadikoy, shop_today())[0])

    assert response.status_code == 422
    assert "does not hand out orders on this date" in text(response)
    assert _reserved_at(cart_id) == {}


def test_with_transfers_a_cart_the_whole_shop_cannot_serve_is_still_refused(
    shopper, make_product, make_warehouse
):
    kadikoy = _warehouse(make_warehouse, "KDK", "Kadıköy")
    ankara = _warehouse(make_warehouse, "ANK", "Ankara")
    variant = make_product(name="Linen shirt", stock={kadikoy: 1, ankara: 1}).variants[0]
    shopper.add(variant, 2)
    db.session.execute(db.update(Stock).where(Stock.warehouse_id == ankara.id).values(quantity=0))
    _allow_transfers()

    body = text(shopper.get("/checkout"))

    assert "disabled" in _option(body, kadikoy) and "1 of 2" in _option(body, kadikoy)
    assert "disabled" in _option(body, ankara)


# --- the setting --------------------------------------------------------------------------------


def test_the_seller_switches_transfers_on_with_the_days_they_take(shopper, make_warehouse):
    warehouse = make_warehouse("IST")
    logged_in(shopper, "admin")

    response = shopper.post(
        "/admin/settings",
        {**settings_form(pickup_transfer="y", pickup_transfer_days="3"), **pickup_fields(warehouse)},
        token_from="/admin/settings",
    )

    assert response.status_code == 303
    assert settings.current_fresh().pickup_transfer == {"enabled": True, "days": 3}
    assert "Pickup with a transfer" in text(shopper.get("/admin/settings")).split('id="s-history"')[1]


@pytest.mark.parametrize("days", ["", "-1", "31", "two"])
def test_transfers_on_need_a_number_of_days(shopper, days):
    logged_in(shopper, "admin")

    response = shopper.post(
        "/admin/settings",
        settings_form(pickup_transfer="y", pickup_transfer_days=days),
        token_from="/admin/settings",
    )

    assert response.status_code == 422
    assert field_errors(response, "pickup_transfer_days")
    assert settings.current_fresh().pickup_transfer["enabled"] is False
