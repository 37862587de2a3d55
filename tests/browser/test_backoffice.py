"""A seller's day in the back office: log in, filter the orders, open one, ship it with a
tracking number, and the customer sees it on their tracking page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.catalog.models import Variant
from shop.demo.orders import DEMO_STAFF, load_orders
from shop.extensions import db
from shop.sales.models import Order, OrderState
from tests.factories import make_sales_order


def _order_to_ship() -> Order:
    """A few demo orders around it, and Anna's new carrier order, paid in cash at the door."""
    load_orders(count=6)
    variant = db.session.scalar(db.select(Variant).where(Variant.sku == "LSH-M-WHT"))
    order = make_sales_order((variant, 1), name="Anna Kowalska", email="anna@example.com")
    assert order.state == OrderState.SALES_ORDER and order.status.code == "new"
    db.session.commit()
    return order


def test_staff_ship_an_order_and_the_customer_sees_the_tracking_number(page: Page) -> None:
    order = _order_to_ship()
    number, token, customer = order.number, order.tracking_token, order.name

    page.goto("/admin/orders")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(DEMO_STAFF[0])
    page.get_by_label("Password").fill(DEMO_STAFF[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/(orders)?$"))
    expect(page.locator(".order-results")).to_contain_text(number)

    # Filter: carrier shipping, then search the customer; htmx swaps the results and the URL follows.
    page.evaluate("window.__stayed = true")
    page.locator("select[name=delivery]").select_option("carrier")
    expect(page).to_have_url(re.compile(r"delivery=carrier"))
    page.locator("input[name=q]").press_sequentially(number, delay=20)  # typing, as a person does
    expect(page).to_have_url(re.compile(rf"q={number}"))
    results = page.locator(".order-results")
    expect(results.get_by_role("link", name=number)).to_be_visible()
    expect(results).to_contain_text(customer)
    assert page.evaluate("window.__stayed") is True, "filtering reloaded the whole page"

    # Open the order and ship it.
    results.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(rf"/admin/orders/{number}$"))
    form = page.get_by_test_id("status-form")
    form.locator("select[name=status]").select_option(label="Shipped")
    form.locator("select[name=carrier]").select_option("yurtici")
    form.locator("input[name=tracking_number]").fill("YK1234567890")
    form.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Shipped")
    expect(page.get_by_test_id("timeline")).to_contain_text("Shipped")

    # The customer's tracking page shows the new status and the carrier's tracking link.
    page.goto(f"/orders/{token}")
    expect(page.locator("body")).to_contain_text("Shipped")
    link = page.get_by_role("link", name=re.compile("YK1234567890"))
    expect(link).to_have_attribute("href", re.compile(r"yurticikargo\.com.*YK1234567890"))
    db.session.expire_all()
    assert db.session.get(Order, order.id).tracking_number == "YK1234567890"
