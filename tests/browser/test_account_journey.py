"""A customer's account on a phone (S4, S7): the guest order joins once the e-mail's link is
followed, saved addresses start the checkout and the select swaps them in (htmx, under the
CSP), and the account's pages fit a 390 px screen, in Persian too."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.extensions import db
from shop.notifications.models import OutboxMessage
from tests.factories import make_sales_order
from tests.web.conftest import make_customer

PHONE = {"width": 390, "height": 844}


def _fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _add_address(page: Page, label: str, street: str, city: str, postal_code: str) -> None:
    page.goto("/account/addresses/new")
    page.get_by_label("Name of this address (optional)").fill(label)
    page.get_by_label("Phone").fill("0532 123 45 67")
    page.get_by_label("Street and number").fill(street)
    page.get_by_label("Postal code").fill(postal_code)
    page.get_by_label("City").fill(city)
    page.get_by_role("button", name="Save the address").click()
    page.wait_for_url(re.compile(r"/account/addresses$"))


def test_a_customer_verifies_saves_addresses_and_checks_out_with_them(page: Page) -> None:
    guest = make_sales_order(email="ayse@example.com")
    make_customer()
    db.session.commit()
    page.set_viewport_size(PHONE)

    page.goto("/account/login")
    page.get_by_label("E-mail").fill("ayse@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/account$"))
    expect(page.get_by_text(guest.number)).to_have_count(0)  # not before the verification

    page.get_by_role("button", name="Send me the link to verify it").click()
    db.session.expire_all()
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.event == "email_verification"))
    link = re.search(r"https?://\S+", mail.body_text).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.get_by_role("button", name="Verify my e-mail address").click()
    page.wait_for_url(re.compile(r"/account$"))
    expect(page.get_by_role("link", name=guest.number)).to_be_visible()
    assert _fits(page)

    _add_address(page, "Home", "İstiklal Cd. 1", "İstanbul", "34430")
    _add_address(page, "Office", "Büyükdere Cd. 100", "İstanbul", "34394")

    page.goto("/")
    page.locator(".product-card a").first.click()
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.goto("/checkout")
    expect(page.get_by_label("Street and number")).to_have_value("İstiklal Cd. 1")
    saved_addresses = page.get_by_label("Deliver to a saved address")
    saved_addresses.select_option(label="Office – Büyükdere Cd. 100, İstanbul")
    expect(page.get_by_label("Street and number")).to_have_value("Büyükdere Cd. 100")
    expect(page.get_by_label("Postal code")).to_have_value("34394")
    assert "address=" not in page.url  # swapped in place by htmx, not a page load
    assert _fits(page)

    for url in (
        "/account",
        "/account/profile",
        "/account/addresses",
        "/account/addresses/new",
        "/account/delete",
    ):
        page.goto(f"{url}?lang=fa")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        assert _fits(page), url
