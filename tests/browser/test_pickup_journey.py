"""The self-service pickup journey through the screens (issue 12, "Done means"): staff find a
pickup order on the Self-service orders board under its day, open its pickup screen on a
390 px phone, mark it ready, hand over one line, see "Partly picked up" on the order page,
hand over the rest and the order is Completed. A stranger opening the screen's URL (the QR
code's) lands on the login page and learns nothing about the customer."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.catalog.ledger import differences
from shop.extensions import db
from shop.i18n import shop_today
from shop.sales import services as sales
from tests.factories import USER_PASSWORD, make_cart, make_product, make_user, make_warehouse, pickup_details

PHONE = {"width": 390, "height": 844}
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
CUSTOMER = "Ayşe Yılmaz"  # tests.factories.checkout_details


def _log_in(page: Page, email: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/orders$"))


def _no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width + 1, f"{scroll_width}px wide in a {inner_width}px window"


def test_a_pickup_order_is_made_ready_and_handed_over_in_two_parts_at_phone_width(
    page: Page, browser, live_server: str
) -> None:
    counter = make_warehouse("PCK", weekdays=ALL_DAYS, lead=0)
    book = make_product(stock={counter: 5}, name="Poetry book").variants[0]
    lamp = make_product(stock={counter: 3}, name="Desk lamp").variants[0]
    order = sales.confirm_quotation(make_cart((book, 2), (lamp, 1)), pickup_details(counter))
    staff = make_user("staff", name="Selin Staff")
    number = order.number
    assert order.pickup_date == shop_today()
    db.session.commit()
    screen = f"/admin/orders/{number}/pickup"

    # A stranger with the QR code's URL: the login page, nothing about the customer.
    stranger_context = browser.new_context(base_url=live_server, viewport=PHONE)
    try:
        stranger = stranger_context.new_page()
        stranger.goto(screen)
        stranger.wait_for_url(re.compile(r"/admin/login"))
        expect(stranger.get_by_role("button", name="Log in")).to_be_visible()
        body = stranger.locator("body").inner_text()
        assert CUSTOMER not in body and "Poetry book" not in body
    finally:
        stranger_context.close()

    # The board: the order under today, still being prepared.
    page.set_viewport_size(PHONE)
    _log_in(page, staff.email)
    page.goto("/admin/pickups")
    row = page.get_by_test_id("pickup-board").locator(f"li[data-number='{number}']")
    expect(row).to_have_attribute("data-bucket", "today")
    expect(row).to_contain_text(CUSTOMER)
    expect(row).to_contain_text("Today")
    expect(row).to_contain_text("Being prepared")
    expect(row).to_contain_text("3 of 3 left")
    expect(page.get_by_test_id("pickup-buckets").locator("[data-bucket='today'] .count")).to_have_text("1")
    _no_horizontal_scroll(page)

    # Its pickup screen at phone width: ready, then the books only.
    row.get_by_role("link", name="Pickup screen").click()
    page.wait_for_url(re.compile(rf"{re.escape(screen)}$"))
    expect(page.get_by_test_id("pickup-state")).to_have_text("Being prepared")
    expect(page.get_by_test_id("pickup-screen")).to_contain_text(CUSTOMER)
    _no_horizontal_scroll(page)
    page.get_by_test_id("ready-form").get_by_role("button", name="Ready for pickup").click()
    expect(page.get_by_text("Ready for pickup; the customer is told.")).to_be_visible()
    expect(page.get_by_test_id("pickup-state")).to_have_text("Ready for pickup")
    expect(page.get_by_test_id("ready-form")).to_have_count(0)

    form = page.get_by_test_id("hand-over-form")
    expect(form.locator(f"li[data-sku='{book.sku}']").get_by_label("Takes now")).to_have_value("2")
    form.locator(f"li[data-sku='{lamp.sku}']").get_by_label("Takes now").fill("0")
    _no_horizontal_scroll(page)
    button = form.get_by_role("button", name="Picked up")
    assert button.bounding_box()["height"] >= 44  # a thumb's target
    button.click()
    expect(page.get_by_text("Handed over.")).to_be_visible()
    expect(page.get_by_test_id("pickup-state")).to_have_text("Partly picked up")
    form = page.get_by_test_id("hand-over-form")
    expect(form.locator(f"li[data-sku='{book.sku}']")).to_contain_text("0 of 2 left")
    expect(form.locator(f"li[data-sku='{book.sku}']").get_by_label("Takes now")).to_have_count(0)
    expect(form.locator(f"li[data-sku='{lamp.sku}']")).to_contain_text("1 of 1 left")

    # The order page says so; the order is not completed yet.
    page.goto(f"/admin/orders/{number}")
    panel = page.get_by_test_id("pickup-panel")
    expect(panel.get_by_test_id("pickup-state")).to_have_text("Partly picked up")
    expect(page.get_by_test_id("order-status")).not_to_have_text("Completed")

    # The lamp, the next day or so: everything is handed over and the order is Completed.
    panel.get_by_role("link", name="Pickup screen").click()
    page.wait_for_url(re.compile(rf"{re.escape(screen)}$"))
    form = page.get_by_test_id("hand-over-form")
    expect(form.locator(f"li[data-sku='{lamp.sku}']").get_by_label("Takes now")).to_have_value("1")
    form.get_by_role("button", name="Picked up").click()
    expect(page.get_by_test_id("pickup-state")).to_have_text("Picked up")
    expect(page.get_by_test_id("hand-over-form").get_by_role("button", name="Picked up")).to_have_count(0)
    page.goto(f"/admin/orders/{number}")
    expect(page.get_by_test_id("order-status")).to_have_text("Completed")
    expect(page.get_by_test_id("pickup-panel").get_by_test_id("pickup-state")).to_have_text("Picked up")
    _no_horizontal_scroll(page)

    # Gone from the board.
    page.goto("/admin/pickups")
    expect(page.get_by_test_id("pickup-board").locator(f"li[data-number='{number}']")).to_have_count(0)

    db.session.rollback()
    assert differences() == []
