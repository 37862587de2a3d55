"""In Persian (right to left, Persian digits, Jalali dates) a guest collects an order at a warehouse."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from shop.catalog.listing import PER_PAGE
from shop.catalog.models import Warehouse
from shop.extensions import db
from shop.sales.models import DeliveryMethod, Order, OrderLine, OrderState, PaymentMethod, PaymentState

PERSIAN_DIGIT = re.compile(r"[۰-۹]")
ASCII_DIGIT = re.compile(r"[0-9]")
PERSIAN_LETTER = re.compile(r"[\u0600-\u06FF]")
JALALI_MONTHS = "فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند".split()
JALALI_MONTH = re.compile("|".join(JALALI_MONTHS))
PRODUCT = "canvas-tote-bag"  # one variant, 15 in IST
PRODUCT_NAME_FA = "ساک خرید برزنتی"
PRODUCT_SKU = "TOT-STD"


def _warehouse(code: str) -> Warehouse:
    db.session.rollback()
    return db.session.scalar(db.select(Warehouse).where(Warehouse.code == code))


def _fill_cart_in_persian(page: Page) -> None:
    """Put one tote bag in the cart through the Persian product page, then open the checkout.

    The badge's htmx update is the English test's business: here only the cart matters, so a
    broken swap does not hide what comes after (a 5xx still fails the test, in the page fixture).
    """
    page.goto("/?lang=fa")
    page.locator(f".product-card a[href$='/p/{PRODUCT}']").click()
    page.wait_for_url(re.compile(rf"/p/{PRODUCT}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(PRODUCT_NAME_FA)
    with page.expect_response(lambda r: r.url.endswith("/cart/add") and r.request.method == "POST"):
        page.locator(".buy-box form.add-form button[type='submit']").click()
    db.session.rollback()
    assert (
        db.session.scalar(
            db.select(OrderLine.quantity)
            .join(Order)
            .where(Order.state == OrderState.QUOTATION, OrderLine.sku == PRODUCT_SKU)
        )
        == 1
    )
    page.goto("/checkout")
    page.wait_for_url(re.compile(r"/checkout$"))
    expect(page.locator("#cart-count")).to_have_text("۱")


def _assert_no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width + 1, (
        f"horizontal scroll: {scroll_width}px wide in a {inner_width}px window"
    )


def test_persian_guest_picks_up_at_istanbul_paying_cash(page: Page) -> None:
    istanbul = _warehouse("IST")

    page.goto("/?lang=fa")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "fa"

    # Right to left: the header row starts at the right, so the brand sits right of the cart link.
    brand = page.locator(".site-header .brand").bounding_box()
    cart_link = page.locator(".site-header .cart-link").bounding_box()
    assert brand and cart_link
    assert brand["x"] >= cart_link["x"] + cart_link["width"], (brand, cart_link)

    # Prices in Persian digits only.
    prices = page.locator(".product-card .price").all_inner_texts()
    assert len(prices) == PER_PAGE  # the first page of the 26 demo products
    for price in prices:
        assert PERSIAN_DIGIT.search(price), price
        assert not ASCII_DIGIT.search(price), price

    _fill_cart_in_persian(page)
    form = page.locator("form.checkout")
    address = form.locator(".address-fields")
    pickup = form.locator(".pickup-fields")
    expect(address).to_be_visible()
    expect(pickup).to_be_hidden()

    # Pickup: the address hides, the pickup fields show (CSS :has, no script).
    form.locator("input[name='delivery_method'][value='pickup']").check()
    expect(address).to_be_hidden()
    expect(pickup).to_be_visible()
    expect(form.get_by_test_id("checkout-total-pickup")).to_be_visible()
    expect(form.get_by_test_id("checkout-total-carrier")).to_be_hidden()

    # The warehouse's allowed dates come in by htmx.
    dates = form.locator("select[name='pickup_date']")
    expect(dates).to_be_disabled()
    form.locator("select[name='pickup_warehouse']").select_option(str(istanbul.id))
    expect(dates).to_be_enabled()
    expect(dates.locator("option")).not_to_have_count(1)
    options = dates.locator("option")
    first_date_label = options.nth(1).inner_text()
    assert JALALI_MONTH.search(first_date_label), first_date_label
    assert not ASCII_DIGIT.search(first_date_label), first_date_label
    first_date = options.nth(1).get_attribute("value")
    dates.select_option(first_date)
    expect(form.locator(".pickup-dates .note")).to_contain_text("استانبول")

    form.locator("input[name='payment_method'][value='cash']").check()
    form.locator("input[name='email']").fill("sara@example.com")
    form.locator("input[name='phone']").fill("+989121234567")
    form.locator("input[name='name']").fill("سارا محمدی")
    form.locator("button[type='submit']").click()

    # The order page, still in Persian.
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    assert page.evaluate("document.documentElement.dir") == "rtl"
    pickup_text = page.get_by_test_id("pickup")
    expect(pickup_text).to_contain_text("فروشگاه استانبول")
    expect(pickup_text).to_contain_text(JALALI_MONTH)
    expect(pickup_text).to_contain_text(first_date_label)  # the chosen day, written as in the list
    state = page.get_by_test_id("order-state")
    expect(state).to_be_visible()
    expect(state).to_have_class(re.compile(r"\bstate-sales_order\b"))
    expect(state).to_have_text(PERSIAN_LETTER)  # the state in Persian, not in English
    expect(page.get_by_test_id("order-total")).to_have_text(PERSIAN_DIGIT)
    expect(page.get_by_test_id("order-total")).not_to_have_text(ASCII_DIGIT)

    db.session.rollback()
    order = db.session.scalar(db.select(Order).where(Order.email == "sara@example.com"))
    assert order is not None
    assert order.state == OrderState.SALES_ORDER  # cash confirms at checkout
    assert order.payment_state == PaymentState.NOT_PAID
    assert order.payment_method == PaymentMethod.CASH
    assert order.delivery_method == DeliveryMethod.PICKUP
    assert order.pickup_warehouse_id == istanbul.id
    assert order.pickup_date.isoformat() == first_date
    assert order.name == "سارا محمدی"
    assert order.phone == "+989121234567"
    assert order.locale == "fa"
    assert order.number and order.number in page.get_by_role("heading", level=1).inner_text()


def test_persian_checkout_fits_a_phone(page: Page, screenshot_dir: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _fill_cart_in_persian(page)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    expect(page.locator("form.checkout")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "checkout-fa-390.png"), full_page=True)
    _assert_no_horizontal_scroll(page)

    # Also with the pickup fields and the dates shown.
    form = page.locator("form.checkout")
    form.locator("input[name='delivery_method'][value='pickup']").check()
    form.locator("select[name='pickup_warehouse']").select_option(str(_warehouse("IST").id))
    expect(form.locator("select[name='pickup_date']")).to_be_enabled()
    page.screenshot(path=str(screenshot_dir / "checkout-fa-390-pickup.png"), full_page=True)
    _assert_no_horizontal_scroll(page)
