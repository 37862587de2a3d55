"""A guest buys the Linen Shirt end to end, in English, paying by card on the test provider's page."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from shop.catalog.models import Variant
from shop.catalog.services import available
from shop.extensions import db
from shop.i18n import format_money
from shop.sales.models import DeliveryMethod, Order, OrderLine, OrderState, PaymentMethod, PaymentState

SKU = "LSH-M-WHT"  # Linen Shirt, M / White: 5 in IST + 3 in ANK, 899.90 TRY
VARIANT_LABEL = "M / White"


def _variant(sku: str) -> Variant:
    db.session.rollback()  # a new transaction: see what the server committed
    return db.session.scalar(db.select(Variant).where(Variant.sku == sku))


def _set_marker(page: Page) -> None:
    page.evaluate("window.__marker = 1")


def _marker_survived(page: Page) -> bool:
    return page.evaluate("window.__marker === 1")


def test_guest_buys_linen_shirt_by_card(page: Page) -> None:
    variant = _variant(SKU)
    available_before = available(variant)
    assert available_before == 8

    # Home, then search with the header's search box.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("searchbox", name="Search").fill("linen")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/\?q=linen"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("linen")
    cards = page.locator(".product-card")
    expect(cards).to_have_count(1)
    cards.get_by_role("link", name=re.compile("Linen Shirt")).click()

    # Product page: another variant through the <select>, swapped in by htmx (no reload).
    page.wait_for_url(re.compile(r"/p/linen-shirt"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Linen Shirt")
    buy_box = page.locator(".buy-box")
    expect(buy_box).to_contain_text("SKU LSH-S-WHT")
    _set_marker(page)
    page.get_by_label("Variant").select_option(label=VARIANT_LABEL)
    expect(buy_box).to_contain_text(f"SKU {SKU}")
    expect(buy_box).not_to_contain_text("LSH-S-WHT")
    expect(page.get_by_label("Variant")).to_have_value(str(variant.id))
    expect(page).to_have_url(re.compile(rf"variant={variant.id}"))  # hx-push-url
    assert _marker_survived(page), "choosing a variant reloaded the whole page"

    # Add two to the cart: the header badge follows without a reload.
    expect(page.locator("#cart-count")).to_have_text("0")
    buy_box.get_by_label("Quantity").fill("2")
    buy_box.get_by_role("button", name="Add to cart").click()
    expect(buy_box.get_by_role("status")).to_contain_text("Added to your cart.")
    expect(page.locator("#cart-count")).to_have_text("2")
    assert _marker_survived(page), "adding to the cart reloaded the whole page"

    # The cart: change the quantity in place.
    page.locator(".site-header").get_by_role("link", name=re.compile("Cart")).click()
    page.wait_for_url(re.compile(r"/cart$"))
    line = page.locator(f"tr.line[data-sku='{SKU}']")
    expect(line).to_have_count(1)
    quantity = line.get_by_role("spinbutton", name="Quantity")
    expect(quantity).to_have_value("2")
    subtotal = page.get_by_test_id("subtotal")
    expect(subtotal).to_have_text(format_money(Decimal("1799.80"), "TRY", "en"))
    _set_marker(page)
    quantity.fill("3")
    quantity.press("Tab")  # blur: the input's change event, which htmx posts
    expect(subtotal).to_have_text(format_money(Decimal("2699.70"), "TRY", "en"))
    expect(line.get_by_role("spinbutton", name="Quantity")).to_have_value("3")
    expect(page.locator("#cart-count")).to_have_text("3")
    assert _marker_survived(page), "changing the quantity reloaded the whole page"

    # Asking for more than there is: a message next to the line, nothing changed.
    quantity = line.get_by_role("spinbutton", name="Quantity")
    quantity.fill("999")
    quantity.press("Tab")
    expect(line.get_by_role("alert")).to_have_text(re.compile(r"Only 8 left"))
    expect(line.get_by_role("spinbutton", name="Quantity")).to_have_value("3")
    expect(line.get_by_role("spinbutton", name="Quantity")).to_have_attribute("aria-invalid", "true")
    expect(subtotal).to_have_text(format_money(Decimal("2699.70"), "TRY", "en"))
    assert _marker_survived(page), "the refused quantity reloaded the whole page"
    db.session.rollback()
    assert db.session.scalar(db.select(OrderLine.quantity).where(OrderLine.sku == SKU)) == 3

    # Checkout: contact and address, carrier shipping, card.
    page.get_by_role("link", name="Go to checkout").click()
    page.wait_for_url(re.compile(r"/checkout$"))
    form = page.locator("form.checkout")
    form.get_by_label("E-mail").fill("guest@example.com")
    form.get_by_label("Phone", exact=True).fill("+905321234567")
    form.get_by_label("Full name").fill("Ayşe Yılmaz")
    form.get_by_label("Street and number").fill("İstiklal Cd. 1")
    form.get_by_label("Postal code").fill("34430")
    form.get_by_label("City").fill("İstanbul")
    expect(form.locator("input[name='delivery_method'][value='carrier']")).to_be_checked()
    expect(form.get_by_label("Street and number")).to_be_visible()
    expect(form.locator(".pickup-fields")).to_be_hidden()
    form.locator("input[name='payment_method'][value='card']").check()
    form.get_by_role("button", name="Confirm order").click()

    # The test provider's hosted page.
    page.wait_for_url(re.compile(r"/testpay/pay/"))
    total = format_money(Decimal("2779.60"), "TRY", "en")  # 3 x 899.90 + 79.90 carrier shipping
    expect(page.get_by_role("heading", level=1)).to_contain_text(total)
    page.get_by_role("button", name="Approve payment").click()

    # Back on the order page.
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Order S\d{6}$"))
    number = heading.inner_text().removeprefix("Order ").strip()
    expect(page.get_by_test_id("order-state")).to_have_text("Confirmed")
    expect(page.get_by_test_id("payment-state")).to_have_text("Paid")
    expect(page.get_by_test_id("order-total")).to_have_text(total)
    expect(page.get_by_role("status")).to_contain_text("Thank you! Your payment was received.")
    expect(page.locator("#cart-count")).to_have_text("0")

    db.session.rollback()
    order = db.session.scalar(db.select(Order).where(Order.number == number))
    assert order is not None
    assert order.state == OrderState.SALES_ORDER
    assert order.payment_state == PaymentState.PAID
    assert order.payment_method == PaymentMethod.CARD
    assert order.delivery_method == DeliveryMethod.CARRIER
    assert order.amount_paid == order.total == Decimal("2779.60")
    assert order.phone == "+905321234567"
    assert [(line.sku, line.quantity) for line in order.lines] == [(SKU, 3)]
    assert available(_variant(SKU)) == available_before - 3


def test_cart_badge_follows_every_change_on_one_page(page: Page) -> None:
    """The header badge must follow the cart at every change, not only at the first one on a page."""
    page.goto("/p/canvas-tote-bag")
    _set_marker(page)
    for count in (1, 2):
        with page.expect_response(lambda r: r.url.endswith("/cart/add")) as added:
            page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
        assert added.value.status == 200
        db.session.rollback()
        assert db.session.scalar(db.select(OrderLine.quantity).where(OrderLine.sku == "TOT-STD")) == count
        expect(page.locator("#cart-count")).to_have_text(str(count))
    assert _marker_survived(page)


def test_checkout_fields_have_their_input_types(page: Page) -> None:
    """Phones show the right keyboard and browsers autofill only when the inputs say what they hold."""
    page.goto("/p/canvas-tote-bag")
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.goto("/checkout")
    form = page.locator("form.checkout")
    expect(form.get_by_label("E-mail")).to_have_attribute("type", "email")
    expect(form.get_by_label("Phone", exact=True)).to_have_attribute("type", "tel")
    for label in ("Full name", "Street and number", "Postal code", "City"):
        expect(form.get_by_label(label)).to_have_attribute("type", "text")
    assert form.locator("[type='None'], [autocomplete='None']").count() == 0
