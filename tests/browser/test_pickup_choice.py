"""Pickup offers only the warehouses that can hand out the cart, and says why the others cannot
(issue 10, item 11); with transfers allowed, every pickup warehouse is offered."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from shop.catalog.models import Warehouse
from shop.extensions import db
from shop.sales.models import Order
from shop.settings import services as settings

PRODUCT = "bursa-silk-scarf"  # one variant, "Standard": 2 in IST, none in ANK
LACKING = "not in stock there: Bursa Silk Scarf (Standard)"


def _warehouse(code: str) -> Warehouse:
    db.session.rollback()
    return db.session.scalar(db.select(Warehouse).where(Warehouse.code == code))


def _scarf_to_checkout(page: Page) -> None:
    page.goto(f"/p/{PRODUCT}")
    with page.expect_response(lambda r: r.url.endswith("/cart/add") and r.request.method == "POST"):
        page.locator(".buy-box form.add-form button[type='submit']").click()
    page.goto("/checkout")
    page.locator("form.checkout input[name='delivery_method'][value='pickup']").check()


def test_a_warehouse_without_the_item_is_disabled_with_the_reason(page: Page, screenshot_dir: Path) -> None:
    istanbul, ankara = _warehouse("IST"), _warehouse("ANK")
    _scarf_to_checkout(page)
    form = page.locator("form.checkout")
    warehouses = form.locator("select[name='pickup_warehouse']")

    ankara_option = warehouses.locator(f"option[value='{ankara.id}']")
    expect(ankara_option).to_be_disabled()
    expect(ankara_option).to_contain_text(f"Ankara Depot – {LACKING}")
    expect(warehouses.locator(f"option[value='{istanbul.id}']")).to_be_enabled()
    reasons = form.get_by_test_id("pickup-unavailable")
    expect(reasons).to_be_visible()
    expect(reasons).to_contain_text(f"Ankara Depot: {LACKING}")
    expect(reasons).not_to_contain_text("Istanbul Store")
    page.screenshot(path=str(screenshot_dir / "checkout-pickup-reasons.png"), full_page=True)

    # The warehouse that has it: its dates come in by htmx, and the order goes through.
    dates = form.locator("select[name='pickup_date']")
    warehouses.select_option(str(istanbul.id))
    expect(dates).to_be_enabled()
    dates.select_option(index=1)
    form.locator("input[name='payment_method'][value='cash']").check()
    form.locator("input[name='email']").fill("deniz@example.com")
    form.locator("input[name='phone']").fill("+90 532 123 45 67")
    form.locator("input[name='name']").fill("Deniz Aydın")
    form.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))

    db.session.rollback()
    order = db.session.scalar(db.select(Order).where(Order.email == "deniz@example.com"))
    assert order is not None and order.pickup_warehouse_id == istanbul.id


def test_with_transfers_allowed_the_other_warehouse_is_offered_with_a_note(page: Page) -> None:
    settings.update(pickup_transfer={"enabled": True, "days": 2})
    db.session.commit()
    ankara = _warehouse("ANK")
    _scarf_to_checkout(page)
    form = page.locator("form.checkout")
    warehouses = form.locator("select[name='pickup_warehouse']")

    expect(warehouses.locator(f"option[value='{ankara.id}']")).to_be_enabled()
    expect(form.get_by_test_id("pickup-unavailable")).to_have_count(0)
    warehouses.select_option(str(ankara.id))
    expect(form.locator("select[name='pickup_date']")).to_be_enabled()
    expect(form.get_by_test_id("pickup-transfer")).to_contain_text("brought to this warehouse")


def test_the_reasons_fit_a_phone_in_persian(page: Page) -> None:
    """A select is as wide as its longest option, and a grid column or a fieldset grows with it
    unless told not to: the reasons made the checkout wider than a 390 px phone."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/p/{PRODUCT}?lang=fa")
    _scarf_to_checkout(page)
    expect(page.locator("form.checkout").get_by_test_id("pickup-unavailable")).to_be_visible()

    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width + 1, f"{scroll_width}px wide in a {inner_width}px window"
