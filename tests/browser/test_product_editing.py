"""A seller adds a product with two variants in the back office and finds it in the shop:
published, with both variants, sold out (no goods received yet)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.catalog.models import Product
from shop.demo.orders import DEMO_STAFF
from shop.extensions import db


def test_staff_create_a_product_with_two_variants_and_it_shows_sold_out_in_the_shop(page: Page) -> None:
    page.goto("/admin/products")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(DEMO_STAFF[0])
    page.get_by_label("Password").fill(DEMO_STAFF[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/products$"))

    page.get_by_role("link", name="Add a product").click()
    page.wait_for_url(re.compile(r"/admin/products/new$"))
    # The language tabs: one language's fields at a time (language-tabs.js, no inline script).
    expect(page.locator("#lang-en")).to_be_visible()
    expect(page.locator("#lang-tr")).to_be_hidden()
    page.get_by_role("tab", name="Türkçe").click()
    expect(page.locator("#lang-tr")).to_be_visible()
    expect(page.locator("#lang-en")).to_be_hidden()
    page.locator("input[name=name_tr]").fill("Keten pantolon")
    # Saving without the default language's name: refused, and its tab is the one shown.
    page.get_by_role("button", name="Add product").click()
    expect(page.locator("#lang-en")).to_be_visible()
    expect(page.locator("#lang-en .field-error, #lang-en .has-error").first).to_be_visible()
    page.locator("input[name=name_en]").fill("Linen trousers")
    page.locator("textarea[name=description_en]").fill("Light trousers for hot days.")
    page.get_by_role("button", name="Add product").click()
    page.wait_for_url(re.compile(r"/admin/products/\d+$"))

    for sku, size, price in (("LTR-M", "M", "449.90"), ("LTR-L", "L", "459.90")):
        page.get_by_role("link", name="Add a variant").click()
        page.locator("input[name=sku]").fill(sku)
        page.locator("input[name=size]").fill(size)
        page.locator("input[name=colour]").fill("Sand")
        page.locator("input[name=price]").fill(price)
        page.get_by_role("button", name="Add variant").click()
        page.wait_for_url(re.compile(r"/admin/products/\d+#variants$"))
        expect(page.locator("#variants")).to_contain_text(sku)

    page.locator("input[name=published]").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".page-head")).to_contain_text("Published")
    expect(page.locator("section[aria-labelledby=p-history]")).to_contain_text("Variant added")

    page.get_by_role("link", name="See it in the shop").click()
    expect(page.locator("h1")).to_contain_text("Linen trousers")
    expect(page.locator("body")).to_contain_text("M / Sand")
    expect(page.locator("body")).to_contain_text(re.compile(r"sold out", re.I))

    page.goto("/?q=linen+trousers")
    expect(page.locator("body")).to_contain_text("Linen trousers")
    db.session.expire_all()
    product = db.session.scalar(db.select(Product).where(Product.slug == "linen-trousers"))
    assert product.published and [v.sku for v in product.variants] == ["LTR-M", "LTR-L"]
    assert all(v.stock == [] for v in product.variants)


def test_the_product_pages_fit_a_phone_in_persian(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    product = db.session.scalar(db.select(Product).where(Product.slug.is_not(None)).order_by(Product.id))
    page.goto("/admin/login?lang=fa")
    page.locator("input[name=email]").fill(DEMO_STAFF[0])
    page.locator("input[name=password]").fill(DEMO_STAFF[1])
    page.locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    base = f"/admin/products/{product.id}"
    for address in ("/admin/products", base, f"{base}/variants/new"):
        page.goto(address)
        assert page.url.endswith(address), page.url
        assert page.locator("html").get_attribute("dir") == "rtl", address
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (address, overflow)
    # The demo's price changes are in the history of a product that had one.
    page.goto("/admin/products?q=TSH-M-BLK")
    page.locator(".product-table a").first.click()
    expect(page.locator("section[aria-labelledby=p-history]")).to_contain_text("TSH-M-BLK")
