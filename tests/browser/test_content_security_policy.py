"""The shop's own pages satisfy their Content-Security-Policy (issue 10, item 4): every page is
served with one, and using them as people do (htmx swaps, the SMS counter, select all, bulk
cancel with its confirmation, a confirm dialog) logs no violation, neither on the console nor as
a ``securitypolicyviolation`` event. The watcher is proven to catch one first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shop.catalog.listing import PER_PAGE
from shop.catalog.models import Warehouse
from shop.demo.orders import load_orders
from shop.extensions import db
from shop.orders.models import OrderStatus
from shop.sales.models import Order, OrderState
from tests.factories import USER_PASSWORD, make_sales_order, make_user

PRODUCT = "linen-shirt"

_REPORT = """
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ':' + e.lineNumber,
                         e.sample].join(' '));
});
"""


@pytest.fixture
def csp_page(page: Page, live_server: str) -> Page:
    """The page fixture, recording every CSP violation and every page served without a policy."""
    violations: list[str] = []
    unprotected: list[str] = []
    page.context.expose_binding("__cspViolation", lambda _source, text: violations.append(text))
    page.context.add_init_script(_REPORT)

    def _console(message) -> None:  # noqa: ANN001
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text)

    def _document(response) -> None:  # noqa: ANN001
        if response.request.resource_type == "document" and response.url.startswith(live_server):
            if "content-security-policy" not in response.headers:
                unprotected.append(response.url)

    page.on("console", _console)
    page.on("response", _document)
    page.csp_violations = violations  # type: ignore[attr-defined]
    page.unprotected = unprotected  # type: ignore[attr-defined]
    return page


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")


def _assert_clean(page: Page) -> None:
    _settle(page)
    assert page.unprotected == [], f"served without a Content-Security-Policy: {page.unprotected}"  # type: ignore[attr-defined]
    assert page.csp_violations == [], page.csp_violations  # type: ignore[attr-defined]


def _log_in(page: Page, email: str, path: str) -> None:
    page.goto(path)
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(path) + r"(\?.*)?$"))


def test_the_watcher_catches_an_inline_script(csp_page: Page) -> None:
    page = csp_page
    page.goto("/")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
                  " document.body.append(s); }")
    _settle(page)
    assert any("script-src" in v for v in page.csp_violations), page.csp_violations  # type: ignore[attr-defined]
    assert page.evaluate("window.x") is None  # and the policy blocked it


def test_the_storefront_keeps_its_policy(csp_page: Page) -> None:
    page = csp_page
    istanbul = db.session.scalar(db.select(Warehouse).where(Warehouse.code == "IST"))
    istanbul_id = str(istanbul.id)

    page.goto("/")
    expect(page.locator(".product-card")).to_have_count(PER_PAGE)  # page 1 of 26
    page.goto(f"/p/{PRODUCT}")
    buy_box = page.locator(".buy-box")
    page.get_by_label("Variant").select_option(label="M / White")  # htmx swap of the buy box
    expect(buy_box).to_contain_text("SKU LSH-M-WHT")
    buy_box.get_by_role("button", name="Add to cart").click()  # htmx post, the badge follows
    expect(page.locator("#cart-count")).to_have_text("1")

    page.goto("/cart")
    quantity = page.locator("tr.line").get_by_role("spinbutton", name="Quantity")
    quantity.fill("2")
    quantity.press("Tab")
    expect(page.locator("#cart-count")).to_have_text("2")

    page.goto("/checkout")
    form = page.locator("form.checkout")
    form.locator("input[name='email']").fill("guest@example.com")  # htmx remembers it
    form.locator("input[name='delivery_method'][value='pickup']").check()
    form.locator("select[name='pickup_warehouse']").select_option(istanbul_id)  # dates by htmx
    dates = form.locator("select[name='pickup_date']")
    expect(dates).to_be_enabled()
    dates.select_option(index=1)
    form.locator("input[name='payment_method'][value='cash']").check()
    form.locator("input[name='phone']").fill("+905321234567")
    form.locator("input[name='name']").fill("Ayşe Yılmaz")
    form.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))  # the tracking page
    expect(page.get_by_test_id("order-status")).to_be_visible()
    page.goto("/orders/no-such-order")  # an error page
    page.goto("/account/login?lang=fa")
    _assert_clean(page)


def test_the_back_office_keeps_its_policy(csp_page: Page) -> None:
    page = csp_page
    load_orders(count=4)
    to_cancel = [make_sales_order(name=f"Bulk {n}") for n in range(2)]
    numbers = [order.number for order in to_cancel]
    custom = OrderStatus(code="custom-1", name={"en": "Waiting for stock"}, group=to_cancel[0].status.group)
    db.session.add(custom)
    admin = make_user("admin")
    db.session.commit()
    custom_id = custom.id

    _log_in(page, admin.email, "/admin/orders")

    # Filters (htmx, empty fields left out of the URL by backoffice.js).
    page.locator("select[name=delivery]").select_option("carrier")
    expect(page).to_have_url(re.compile(r"delivery=carrier"))
    assert "q=" not in page.url and "status=" not in page.url, page.url
    page.goto("/admin/orders")

    # Select all, then bulk cancel two orders: asked first, then done.
    select_all = page.get_by_label("Select all orders on this page")
    select_all.check()
    boxes = page.locator("input[name=order]")
    assert boxes.count() >= 6
    for index in range(boxes.count()):
        expect(boxes.nth(index)).to_be_checked()
    select_all.uncheck()
    expect(boxes.first).not_to_be_checked()
    for number in numbers:
        page.locator(f"tr[data-number='{number}'] input[name=order]").check()
    page.locator("form.bulk-status select[name=status]").select_option(label="Cancelled")
    page.get_by_role("button", name="Change status of the selected orders").click()
    confirm = page.get_by_test_id("bulk-confirm")
    expect(confirm).to_contain_text("Change 2 orders to “Cancelled”?")
    expect(page.locator("nav.bo-nav [aria-current=page]")).to_have_text("Orders")
    db.session.rollback()
    assert all(o.state == OrderState.SALES_ORDER for o in db.session.scalars(
        db.select(Order).where(Order.number.in_(numbers))))
    confirm.get_by_role("button", name="Yes, cancel 2 orders").click()
    page.wait_for_url(re.compile(r"/admin/orders$"))
    expect(page.locator(".flash-success")).to_contain_text("2 orders changed.")

    # The order page: a status change by htmx.
    order = make_sales_order(name="Page Order")
    db.session.commit()
    page.goto(f"/admin/orders/{order.number}")
    form = page.get_by_test_id("status-form")
    form.locator("select[name=status]").select_option(label="Processing")
    form.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Processing")
    page.get_by_label("Internal note").fill("Checked by phone")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Checked by phone")

    # The statuses editor with its SMS counter, and a confirm dialog that says no.
    page.goto("/admin/statuses")
    page.goto(f"/admin/statuses/{custom_id}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(rf"/admin/statuses/{custom_id}$"))
    db.session.rollback()
    assert db.session.get(OrderStatus, custom_id) is not None

    # The messages editor: the SMS counter as one types, and the preview.
    page.goto("/admin/messages")
    page.goto("/admin/messages/tracking_number/sms")
    body = page.locator("#body_en")
    body.fill("")
    body.press_sequentially("Your parcel ş", delay=10)
    expect(page.locator("#body_en-sms")).to_have_attribute("data-encoding", "UCS-2")
    page.goto("/admin/messages/order_confirmation/email")

    page.goto("/admin/settings")
    page.goto("/admin/outbox")
    page.locator("select[name=channel]").select_option(index=1)
    expect(page).to_have_url(re.compile(r"channel="))
    page.goto("/admin/users")
    page.goto("/admin/no-such-page")
    _assert_clean(page)
