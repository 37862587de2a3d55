"""A seller renames a category in two languages and moves it first; the storefront's category
menu shows the new names in each language and the new order. The back-office catalog pages fit
a 390 px phone, in Persian too."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.extensions import db
from tests.factories import USER_PASSWORD, make_user

PHONE = {"width": 390, "height": 844}


def _log_in(page: Page, next_page: str) -> None:
    make_user("staff", email="selin@example.com", name="Selin Staff")
    db.session.commit()
    page.goto(next_page)
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill("selin@example.com")
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(next_page) + "$"))


def _menu(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("nav.categories a").all_inner_texts()]


def test_a_category_renamed_in_two_languages_shows_in_the_storefront_menu(page: Page) -> None:
    _log_in(page, "/admin/categories")
    expect(page.locator(".bo-nav a[aria-current=page]")).to_have_text("Catalog")
    expect(page.locator(".catalog-nav a[aria-current=page]")).to_have_text("Categories")

    page.locator("tr[data-slug=shoes]").get_by_role("link", name="Edit").click()
    page.get_by_label("Name (English)").fill("Footwear")
    page.get_by_label("Name (Türkçe)").fill("Ayakkabılar")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/admin/categories$"))
    expect(page.get_by_role("status").or_(page.locator(".flash-success"))).to_contain_text(
        "Category Footwear saved."
    )
    expect(page.locator("#c-history")).to_be_visible()
    expect(page.locator("section[aria-labelledby=c-history]")).to_contain_text("Ayakkabılar")

    page.get_by_role("button", name="Move Footwear up").click()  # second to first
    page.wait_for_url(re.compile(r"/admin/categories#category-\d+$"))
    expect(page.locator("tbody tr").first).to_have_attribute("data-slug", "shoes")

    page.goto("/?lang=tr")
    assert _menu(page)[1] == "Ayakkabılar", _menu(page)
    page.goto("/?lang=en")
    assert _menu(page)[1] == "Footwear", _menu(page)
    page.goto("/?lang=pl")
    assert _menu(page)[1] == "Obuwie", _menu(page)  # untouched language keeps its own name
    page.locator("nav.categories").get_by_role("link", name="Obuwie").click()
    page.wait_for_url(re.compile(r"/c/shoes"))  # the address stayed


def test_the_catalog_pages_fit_a_phone_in_persian(page: Page) -> None:
    page.set_viewport_size(PHONE)
    _log_in(page, "/admin/warehouses")
    for address in ("/admin/warehouses?lang=fa", "/admin/categories", "/admin/categories/new"):
        page.goto(address)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{address} is {overflow}px wider than the phone"
    page.goto("/admin/warehouses")
    page.locator("tr[data-code=IST]").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/admin/warehouses/\d+$"))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the warehouse page is {overflow}px wider than the phone"
