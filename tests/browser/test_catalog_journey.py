"""The catalog end to end, through the screens only (issue 11's "Done means"): staff add a
product with two variants and a picture, receive goods for one variant, a guest finds it in the
shop and buys it, and the variant's stock page shows the reservation in its ledger. Then the
stock pages fit a phone, in English and in Persian."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from shop.demo.orders import DEMO_STAFF
from tests.picture_files import image_bytes

NAME = "Merino scarf"
STOCKED, OTHER = "MSC-GRY", "MSC-RED"
PHONE = {"width": 390, "height": 844}


def _log_in(page: Page, address: str) -> None:
    page.goto(address)
    page.wait_for_url(re.compile(r"/admin/login"))
    page.locator("input[name=email]").fill(DEMO_STAFF[0])
    page.locator("input[name=password]").fill(DEMO_STAFF[1])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(re.escape(address.split("?")[0]) + r"$"))


def _warehouse_row(page: Page, code: str) -> Locator:
    return page.locator(f"section[aria-labelledby=per-warehouse] tr[data-warehouse='{code}']")


def _figures(row: Locator) -> list[str]:
    """On hand, reserved, available as shown in a warehouse's row."""
    return [cell.strip() for cell in row.locator("td.num").all_inner_texts()]


def _action(page: Page, title: str) -> Locator:
    return page.locator("form.stock-action").filter(has=page.get_by_role("heading", name=title))


def _fits(page: Page, address: str) -> None:
    page.goto(address)
    assert page.url.split("?")[0].endswith(address.split("?")[0]), page.url
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (
        f"{address} scrolls sideways by {overflow}px in {page.locator('html').get_attribute('lang')}"
    )


def test_a_product_made_in_the_back_office_is_bought_and_its_reservation_is_in_the_ledger(
    page: Page, browser, live_server: str, tmp_path
) -> None:
    # 1. Staff add the product: name, category, then two variants, a picture, published.
    _log_in(page, "/admin/products/new")
    page.locator("input[name=name_en]").fill(NAME)
    page.locator("textarea[name=description_en]").fill("Soft wool for cold mornings.")
    category = page.get_by_label("Category")
    category.select_option(index=1)
    category_name = category.locator("option:checked").inner_text().strip()
    page.get_by_role("button", name="Add product").click()
    page.wait_for_url(re.compile(r"/admin/products/\d+$"))
    product_url = page.url.removeprefix(live_server)

    for sku, colour, price, rate_index in ((STOCKED, "Grey", "349.90", 0), (OTHER, "Red", "379.90", -1)):
        page.get_by_role("link", name="Add a variant").click()
        page.locator("input[name=sku]").fill(sku)
        page.locator("input[name=size]").fill("One size")
        page.locator("input[name=colour]").fill(colour)
        page.locator("input[name=price]").fill(price)
        rates = page.locator("select[name=vat_rate] option").all()
        page.locator("select[name=vat_rate]").select_option(rates[rate_index].get_attribute("value"))
        page.get_by_role("button", name="Add variant").click()
        page.wait_for_url(re.compile(r"/admin/products/\d+#variants$"))
        expect(page.locator(f"#variants tr:has-text('{sku}')")).to_contain_text(price)

    photo = tmp_path / "scarf.png"
    photo.write_bytes(image_bytes("PNG", (800, 600), "#7f8c8d"))
    page.get_by_role("link", name="Manage pictures").click()
    page.locator("input[name=picture]").set_input_files(str(photo))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".picture-item img")).to_have_count(1)

    page.goto(product_url)
    page.locator("input[name=published]").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".page-head")).to_contain_text("Published")

    # 2. Goods arrive for the grey one: the Stock section, its SKU, receive into IST.
    page.locator("nav").get_by_role("link", name="Stock", exact=True).first.click()
    page.get_by_label("SKU").fill(STOCKED)
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(re.compile(rf"/admin/stock/{STOCKED}$"))
    stock_url = page.url.removeprefix(live_server)
    assert _figures(_warehouse_row(page, "IST")) == ["0", "0", "0"]
    receive = _action(page, "Receive goods")
    ist = receive.get_by_label("Warehouse").locator("option", has_text=re.compile(r"^IST"))
    receive.get_by_label("Warehouse").select_option(ist.get_attribute("value"))
    receive.get_by_label("Units").fill("6")
    receive.get_by_label("Note").fill("Delivery 42")
    receive.get_by_role("button", name="Receive").click()
    expect(page.get_by_role("status")).to_have_text("Goods received.")
    expect(_warehouse_row(page, "IST").locator("td.num").first).to_have_text("6")
    assert _figures(_warehouse_row(page, "IST")) == ["6", "0", "6"]
    receipt = page.locator("table.stock-ledger tbody tr").first
    expect(receipt).to_contain_text("Receipt")
    expect(receipt).to_contain_text("+6")
    expect(receipt).to_contain_text("Delivery 42")

    # 3. A guest, in a browser of their own: the category page, the picture, the grey scarf.
    shopper_context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    shopper_context.set_default_timeout(10_000)
    shopper = shopper_context.new_page()
    failures: list[str] = []
    shopper.on("response", lambda r: r.status >= 500 and failures.append(f"{r.status} {r.url}"))
    shopper.on("pageerror", lambda e: failures.append(str(e)))
    try:
        shopper.goto("/")
        shopper.locator("nav.categories").get_by_role("link", name=category_name).click()
        expect(shopper.get_by_role("heading", level=1)).to_have_text(category_name)
        card = shopper.locator(".product-card").filter(has_text=NAME)
        expect(card).to_have_count(1)
        card_picture = card.locator("img")
        expect(card_picture).to_have_attribute("src", re.compile(r"/media/pictures/\d+/"))
        card.get_by_role("link", name=re.compile(NAME)).first.click()

        expect(shopper.get_by_role("heading", level=1)).to_have_text(NAME)
        picture = shopper.locator(".product-picture img").first
        expect(picture).to_have_attribute("src", re.compile(r"/media/pictures/\d+/"))
        assert picture.evaluate("img => img.complete && img.naturalWidth") > 0, "the picture did not load"
        buy_box = shopper.locator(".buy-box")
        # The red one has no stock; then the grey one (each choice swapped in by htmx).
        choice = shopper.get_by_label("Variant")
        expect(choice.locator("option")).to_have_text(["One size / Grey", "One size / Red — sold out"])
        # htmx wires a swapped-in picker when the swap settles (20 ms later): a choice made
        # before that fires no request, which a slow machine's test run would do. Count settles.
        shopper.evaluate(
            "window.settled = 0; document.body.addEventListener('htmx:afterSettle', () => window.settled++)"
        )
        choice.select_option(label="One size / Red — sold out")
        expect(buy_box).to_contain_text(f"SKU {OTHER}")
        expect(buy_box).to_contain_text(re.compile("sold out", re.I))
        shopper.wait_for_function("() => window.settled >= 1")
        choice.select_option(label="One size / Grey")
        expect(buy_box).to_contain_text(f"SKU {STOCKED}")
        expect(buy_box).to_contain_text("349.90")
        buy_box.get_by_label("Quantity").fill("2")
        buy_box.get_by_role("button", name="Add to cart").click()
        expect(buy_box.get_by_role("status")).to_contain_text("Added to your cart.")
        expect(shopper.locator("#cart-count")).to_have_text("2")

        shopper.goto("/checkout")
        form = shopper.locator("form.checkout")
        form.get_by_label("E-mail").fill("guest@example.com")
        form.get_by_label("Phone", exact=True).fill("+905321234567")
        form.get_by_label("Full name").fill("Ayşe Yılmaz")
        form.get_by_label("Street and number").fill("İstiklal Cd. 1")
        form.get_by_label("Postal code").fill("34430")
        form.get_by_label("City").fill("İstanbul")
        form.locator("input[name='payment_method'][value='bank_transfer']").check()
        form.get_by_role("button", name="Confirm order").click()
        shopper.wait_for_url(re.compile(r"/orders/[\w-]+$"))
        heading = shopper.get_by_role("heading", level=1)
        expect(heading).to_have_text(re.compile(r"^Order S\d{6}$"))
        number = heading.inner_text().removeprefix("Order ").strip()
        expect(shopper.locator("body")).to_contain_text(NAME)
        assert failures == [], failures
    finally:
        shopper_context.close()

    # 4. Back office: the reservation is in the ledger, with the order number; 2 of 6 reserved.
    page.goto(stock_url)
    assert _figures(_warehouse_row(page, "IST")) == ["6", "2", "4"]
    reservation = page.locator("table.stock-ledger tbody tr").first
    expect(reservation).to_have_attribute("data-kind", "reservation")
    expect(reservation).to_contain_text("Reservation")
    expect(reservation).to_contain_text("+2")
    expect(reservation.get_by_role("link", name=number)).to_have_count(1)
    page.get_by_label("Kind").select_option(label="Reservation")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.stock-ledger tbody tr")).to_have_count(1)

    # 5. A phone, in English and in Persian: no page scrolls sideways; a screenshot of the
    #    Persian stock page for the eye.
    page.set_viewport_size(PHONE)
    for language in ("en", "fa"):
        page.goto(f"{stock_url}?lang={language}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        for address in (stock_url, product_url, "/admin/stock"):
            _fits(page, address)
    page.goto(stock_url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(_warehouse_row(page, "IST").locator("td.num").first).to_have_text("۶")
    page.screenshot(path=str(tmp_path / "stock-fa-390.png"), full_page=True)
    assert (tmp_path / "stock-fa-390.png").stat().st_size > 0
