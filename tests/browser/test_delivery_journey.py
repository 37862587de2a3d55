"""The delivery journey through the screens (issue 12, B7, "Done means"): in a two-step
warehouse (pick, ship) staff pick less than ordered on the order page and let the rest follow
in a backorder, ship with a carrier and tracking number, find the backorder's pick on the
work list and the delivery in the SKU's stock ledger; cancelling is then refused because goods
have left. A second order's pick form is used at phone width."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from shop.catalog.ledger import differences
from shop.extensions import db
from shop.settings import services as settings
from tests.factories import USER_PASSWORD, make_product, make_sales_order, make_user, make_warehouse

PHONE = {"width": 390, "height": 844}


def _log_in(page: Page, email: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/orders$"))


def _no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width + 1, f"{scroll_width}px wide in a {inner_width}px window"


def _delivery(page: Page, reference: str) -> Locator:
    return page.locator(f"article[data-delivery='{reference}']")


def _step(page: Page, reference: str, kind: str) -> Locator:
    return _delivery(page, reference).locator(f"li[data-kind='{kind}']")


def test_a_short_pick_makes_a_backorder_and_shipped_goods_cannot_be_cancelled(page: Page) -> None:
    settings.update(backorder_policy="ask")
    warehouse = make_warehouse("DLV", pickup=False, delivery_steps=2)
    variant = make_product(stock={warehouse: 10}, name="Linen Shirt").variants[0]
    order = make_sales_order((variant, 5))
    phone_order = make_sales_order((variant, 2))
    staff = make_user("staff", name="Selin Staff")
    number, phone_number, sku = order.number, phone_order.number, variant.sku
    db.session.commit()
    first, backorder = f"{number}/1", f"{number}/2"

    _log_in(page, staff.email)
    page.goto(f"/admin/orders/{number}")
    expect(_delivery(page, first)).to_be_visible()
    expect(_step(page, first, "ship")).to_have_attribute("data-state", "waiting")

    # Pick 3 of 5; the other 2 follow in a backorder.
    pick = _step(page, first, "pick")
    pick.get_by_label(re.compile(rf"^{re.escape(sku)}")).fill("3")
    pick.get_by_label("The rest follows in a backorder").check()
    pick.get_by_role("button", name="Pick done").click()
    expect(page.locator("body")).to_contain_text(f"Pick done for {first}. The rest follows in {backorder}.")
    expect(_step(page, first, "pick")).to_have_attribute("data-state", "done")
    expect(_step(page, first, "pick")).to_contain_text(f"3 / 5 × {sku}")
    expect(_delivery(page, backorder)).to_contain_text(f"Backorder of {first}")
    expect(_step(page, backorder, "pick")).to_have_attribute("data-state", "ready")

    # Ship what was picked, with Aras Kargo and a tracking number.
    ship = _step(page, first, "ship")
    expect(ship).to_have_attribute("data-state", "ready")
    expect(ship.get_by_label(re.compile(rf"^{re.escape(sku)}"))).to_have_value("3")
    ship.get_by_label("Carrier").select_option("aras")
    ship.get_by_label("Tracking number").fill("AR-778899")
    ship.get_by_role("button", name="Ship done").click()
    expect(page.locator("body")).to_contain_text(f"Ship done for {first}.")
    shipped = _delivery(page, first)
    expect(shipped).to_have_attribute("data-state", "done")
    expect(shipped).to_contain_text("Aras Kargo")
    expect(shipped.get_by_role("link", name="AR-778899")).to_have_attribute("href", re.compile("araskargo"))

    # The work list shows the backorder's pick, ready.
    page.goto("/admin/deliveries")
    rows = page.get_by_test_id("delivery-steps").locator("tbody tr")
    backorder_row = rows.filter(has=page.get_by_role("link", name=backorder, exact=True))
    expect(backorder_row).to_have_count(1)
    expect(backorder_row).to_contain_text("Pick")
    expect(backorder_row).to_contain_text("Backorder")
    expect(backorder_row).to_contain_text(f"2 × {sku}")
    expect(rows.filter(has=page.get_by_role("link", name=first, exact=True))).to_have_count(0)

    # The SKU's ledger has the delivery: 3 units out of hand and out of the reservation.
    page.goto(f"/admin/stock/{sku}")
    delivery_row = page.locator("table.stock-ledger tbody tr[data-kind='delivery']")
    expect(delivery_row).to_have_count(1)
    expect(delivery_row.locator("td").nth(2)).to_have_text("Delivery")
    expect(delivery_row.locator("td.num")).to_have_text(["-3", "-3"])
    expect(delivery_row.get_by_role("link", name=first, exact=True)).to_have_attribute(
        "href", f"/admin/orders/{number}#order-deliveries"
    )

    # Cancelling is refused: goods have left the warehouse.
    page.goto(f"/admin/orders/{number}")
    status_form = page.get_by_test_id("status-form")
    status_form.get_by_label("Status").select_option(label="Cancelled")
    status_form.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status-form")).to_contain_text(
        f"Goods of order {number} have already left the warehouse: it can be returned, not cancelled."
    )
    page.reload()
    expect(page.get_by_test_id("order-status")).to_have_text("New")
    expect(page.get_by_test_id("timeline")).not_to_contain_text("Cancelled")

    # At phone width the pick form of a second order still fits and works.
    page.set_viewport_size(PHONE)
    page.goto(f"/admin/orders/{phone_number}")
    pick = _step(page, f"{phone_number}/1", "pick")
    quantity = pick.get_by_label(re.compile(rf"^{re.escape(sku)}"))
    expect(quantity).to_be_visible()
    _no_horizontal_scroll(page)
    box, button = quantity.bounding_box(), pick.get_by_role("button", name="Pick done").bounding_box()
    assert box and button and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert button["x"] + button["width"] <= PHONE["width"]
    quantity.fill("1")
    pick.get_by_label("No backorder: release the rest").check()
    pick.get_by_role("button", name="Pick done").click()
    expect(page.locator("body")).to_contain_text(f"Pick done for {phone_number}/1.")
    expect(_step(page, f"{phone_number}/1", "pick")).to_contain_text(f"1 / 2 × {sku}")
    expect(page.locator(f"article[data-delivery='{phone_number}/2']")).to_have_count(0)
    _no_horizontal_scroll(page)

    db.session.rollback()
    assert differences() == []
