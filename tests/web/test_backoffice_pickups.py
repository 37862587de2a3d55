"""The pickup screen (what the label's QR code opens), its hand-over form, and the Self-service
orders board: who may see them, bad input changing nothing, partial pickups completing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.accounts.models import Role
from shop.catalog import ledger
from shop.catalog.models import Stock
from shop.extensions import db
from shop.fulfillment import goods
from shop.i18n import shop_today
from shop.orders.history import events_for
from shop.orders.models import StatusGroup
from shop.sales import services as sales
from shop.sales.models import Order
from tests.factories import make_cart, make_product, make_sales_order, make_warehouse, pickup_details
from tests.statements import statements
from tests.web.conftest import location_path, text
from tests.web.test_backoffice_order_page import log_in_staff

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


@pytest.fixture
def floor():
    main = make_warehouse("MAIN", weekdays=ALL_DAYS, lead=0)
    books = make_product(stock={main: 5}, name="Poetry book").variants[0]
    lamp = make_product(stock={main: 3}, name="Desk lamp").variants[0]
    return main, books, lamp


def pickup_order(warehouse, *lines, **over) -> Order:
    order = sales.confirm_quotation(make_cart(*lines), pickup_details(warehouse, **over))
    db.session.flush()
    return order


def screen(order: Order) -> str:
    return f"/admin/orders/{order.number}/pickup"


def current(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def reserved(variant, warehouse) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.scalar(
        db.select(Stock).where(Stock.variant_id == variant.id, Stock.warehouse_id == warehouse.id)
    )
    return row.quantity, row.reserved


def hand_over(shopper, order, quantities: dict, **kwargs):
    data = {f"qty-{line_id}": str(units) for line_id, units in quantities.items()}
    return shopper.post(
        f"{screen(order)}/hand-over", {"back": "pickup", **data}, token_from=screen(order), **kwargs
    )


def test_the_qr_url_opened_by_staff_shows_the_pickup_screen(shopper, floor):
    main, books, lamp = floor
    order = pickup_order(main, (books, 2), (lamp, 1))
    log_in_staff(shopper)

    response = shopper.get(screen(order))

    assert response.status_code == 200
    page = text(response)
    assert "Ayşe Yılmaz" in page and books.sku in page and lamp.sku in page
    assert 'name="qty-' in page and "Picked up" in page
    assert (
        f"/admin/orders/{order.number}/documents/pickup-label.pdf" in page
    )  # the label, once B's route exists


def test_a_stranger_learns_nothing_from_the_qr_url(shopper, floor):
    main, books, _lamp = floor
    order = pickup_order(main, (books, 1))
    db.session.commit()

    found = shopper.get(screen(order))
    missing = shopper.get("/admin/orders/S999999/pickup")

    assert found.status_code == missing.status_code == 303
    assert location_path(found).startswith("/admin/login")
    assert "Ayşe" not in text(found) and order.number not in text(found).replace(screen(order), "")


@pytest.mark.parametrize("role", [Role.COURIER, Role.CUSTOMER])
def test_a_courier_or_customer_is_refused(shopper, floor, role):
    main, books, _lamp = floor
    order = pickup_order(main, (books, 1))
    from tests.factories import make_staff

    make_staff("someone@example.com", "someone-password-1", role=role)
    from shop.extensions import limiter

    limiter.reset()
    shopper.post(
        "/admin/login",
        {"email": "someone@example.com", "password": "someone-password-1"},
        token_from="/admin/login",
    )
    for url in (screen(order), "/admin/pickups"):
        response = shopper.get(url)
        assert response.status_code in (303, 403, 404)
        assert "Ayşe" not in text(response)
    posted = shopper.post(f"{screen(order)}/hand-over", {"back": "pickup"}, csrf=False)
    assert posted.status_code in (303, 400, 403, 404)
    assert not goods.any_goods_gone(current(order))


def test_a_carrier_order_has_no_pickup_screen(shopper, floor):
    _main, books, _lamp = floor
    order = make_sales_order((books, 1))  # carrier shipping
    log_in_staff(shopper)
    assert shopper.get(screen(order)).status_code == 404


def test_a_partial_pickup_over_two_days_completes_the_order(shopper, floor):
    main, books, lamp = floor
    order = pickup_order(main, (books, 2), (lamp, 1))
    book_line = next(line.id for line in order.lines if line.variant_id == books.id)
    lamp_line = next(line.id for line in order.lines if line.variant_id == lamp.id)
    log_in_staff(shopper)

    first = hand_over(shopper, order, {book_line: 1, lamp_line: 0})
    assert first.status_code == 303
    assert reserved(books, main) == (4, 1)
    assert current(order).status.group != StatusGroup.COMPLETED

    second = hand_over(shopper, order, {book_line: 1, lamp_line: 1})
    assert second.status_code == 303
    order = current(order)
    assert order.status.group == StatusGroup.COMPLETED
    assert reserved(books, main) == (3, 0) and reserved(lamp, main) == (2, 0)
    handed = [event for event in events_for(order) if event.kind == "pickup"]
    assert [event.actor_label for event in handed] == ["Selin Kaya", "Selin Kaya"]
    assert ledger.differences() == []
    page = text(shopper.get(f"/admin/orders/{order.number}"))
    assert "Handed over to the customer" in page and "Picked up" in page


@pytest.mark.parametrize(
    "quantities",
    [
        {"book": 3},  # more than left
        {"book": -1},
        {"book": "two"},
        {"book": 0},  # nothing taken
        {"other": 1},  # another order's line
        {"book": "1.5"},
    ],
)
def test_bad_quantities_change_nothing(shopper, floor, quantities):
    main, books, lamp = floor
    order = pickup_order(main, (books, 2))
    other = pickup_order(main, (lamp, 1))
    ids = {"book": order.lines[0].id, "other": other.lines[0].id}
    log_in_staff(shopper)

    response = hand_over(shopper, order, {ids[key]: units for key, units in quantities.items()})

    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    assert reserved(books, main) == (5, 2) and reserved(lamp, main) == (3, 1)
    assert not goods.any_goods_gone(current(order)) and not goods.any_goods_gone(current(other))


def test_a_hand_over_without_csrf_changes_nothing(shopper, floor):
    main, books, _lamp = floor
    order = pickup_order(main, (books, 2))
    log_in_staff(shopper)

    response = hand_over(shopper, order, {order.lines[0].id: 1}, csrf=False)

    assert response.status_code in (400, 422)
    assert reserved(books, main) == (5, 2)


def test_ready_date_and_board(shopper, floor):
    main, books, _lamp = floor
    today_order = pickup_order(main, (books, 1), pickup_date=shop_today())
    later = pickup_order(main, (books, 1), pickup_date=shop_today() + timedelta(days=3))
    overdue = pickup_order(main, (books, 1))
    overdue.pickup_date = shop_today() - timedelta(days=2)
    log_in_staff(shopper)

    board = shopper.get("/admin/pickups")
    assert board.status_code == 200
    page = board.get_data(as_text=True)
    for number in (today_order.number, later.number, overdue.number):
        assert f'data-number="{number}"' in page
    overdue_only = shopper.get("/admin/pickups?when=overdue").get_data(as_text=True)
    assert (
        f'data-number="{overdue.number}"' in overdue_only
        and f'data-number="{later.number}"' not in overdue_only
    )

    ready = shopper.post(f"{screen(today_order)}/ready", {"back": "board"}, token_from="/admin/pickups")
    assert ready.status_code == 303 and location_path(ready) == "/admin/pickups"
    assert "Ready for pickup" in text(shopper.get(screen(today_order)))

    bad_day = shopper.post(
        f"{screen(later)}/date", {"date": "2001-01-01", "back": "pickup"}, token_from=screen(later)
    )
    assert bad_day.status_code == 422
    assert current(later).pickup_date == shop_today() + timedelta(days=3)
    new_day = shop_today() + timedelta(days=4)
    moved = shopper.post(
        f"{screen(later)}/date", {"date": new_day.isoformat(), "back": "order"}, token_from=screen(later)
    )
    assert moved.status_code == 303 and current(later).pickup_date == new_day
    for junk in ("", "x" * 300, "\x00"):
        response = shopper.post(f"{screen(later)}/date", {"date": junk}, token_from=screen(later))
        assert response.status_code == 422
    assert current(later).pickup_date == new_day


def test_the_board_runs_the_same_statements_for_one_order_or_five_and_writes_nothing(shopper, floor):
    import re


    main, books, _lamp = floor
    pickup_order(main, (books, 1))
    db.session.commit()
    log_in_staff(shopper)

    def board_statements() -> list[str]:
        with statements() as seen:
            assert shopper.get("/admin/pickups").status_code == 200
        return seen

    one = board_statements()
    for _ in range(4):
        pickup_order(main, (books, 1))
    db.session.commit()
    five = board_statements()

    assert len(five) == len(one), (len(one), len(five))
    assert not [s for s in five if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.I)]
