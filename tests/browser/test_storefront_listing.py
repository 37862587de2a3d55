"""The storefront's product list (S1) in a phone-sized browser, in Persian (right to left): sort by
price and keep only what is in stock with the form, then page on; nothing scrolls sideways."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.catalog import listing
from shop.extensions import db

PHONE = {"width": 390, "height": 844}


def _expected_slugs(**over) -> list[str]:
    db.session.rollback()
    shown = []
    for page in (1, 2):
        shown += [card.slug for card in listing.product_page(page=page, **over).cards]
    return shown


def _slugs(page: Page) -> list[str]:
    return page.locator(".product-card").evaluate_all("cards => cards.map(card => card.dataset.slug)")


def test_a_shopper_sorts_filters_and_pages_the_catalog_on_a_phone_in_persian(page: Page):
    page.set_viewport_size(PHONE)
    page.goto("/?lang=fa")
    expected = _expected_slugs(sort=listing.PRICE_UP, in_stock_only=True)
    assert len(expected) > 1  # the demo has enough products in stock to sort

    page.select_option("#listing-sort", "price_up")
    page.locator(".listing-controls input[name='stock']").check()
    page.locator(".listing-controls button[type='submit']").click()
    page.wait_for_url(re.compile(r"sort=price_up.*stock=1|stock=1.*sort=price_up"))

    first = _slugs(page)
    assert first == expected[: listing.PER_PAGE]
    expect(page.locator("#listing-sort")).to_have_value("price_up")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width + 1, f"{scroll_width}px wide in a {inner_width}px window"
    if len(expected) > listing.PER_PAGE:
        page.locator(".pagination a[rel='next']").click()
        page.wait_for_url(re.compile(r"page=2"))
        assert _slugs(page) == expected[listing.PER_PAGE :]
        expect(page.locator(".pagination a[rel='prev']")).to_be_visible()
