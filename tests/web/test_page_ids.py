"""Every id on a page is unique: a label, aria-describedby or htmx target that points at an id
shared by two elements reaches the wrong one (the order page had two fields with id="note")."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from shop.extensions import db, limiter
from tests.factories import USER_PASSWORD, make_product, make_sales_order, make_user
from tests.web.conftest import text


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids[value] += 1


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(name for name, seen in parser.ids.items() if seen > 1)


def test_the_checker_finds_a_repeated_id():
    assert duplicate_ids('<p id="a"></p><form><textarea id="a"></textarea><i id="b"></i></form>') == ["a"]


@pytest.fixture
def admin(shopper):
    user = make_user("admin")
    limiter.reset()
    response = shopper.post(
        "/admin/login", {"email": user.email, "password": USER_PASSWORD}, token_from="/admin/login"
    )
    assert response.status_code == 303
    return shopper


def test_no_back_office_page_repeats_an_id(admin):
    order = make_sales_order()
    db.session.commit()
    pages = [
        "/admin/orders",
        f"/admin/orders/{order.number}",
        "/admin/statuses",
        "/admin/statuses/new",
        "/admin/messages",
        "/admin/outbox",
        "/admin/settings",
        "/admin/users",
        "/admin/users/new",
    ]
    pages += [f"/admin/messages/{event}/{channel}" for event in ("order_confirmation", "status_change")
              for channel in ("email", "sms")]
    found = {}
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
        if duplicates := duplicate_ids(text(response)):
            found[url] = duplicates
    assert found == {}


def test_no_storefront_page_repeats_an_id(shopper):
    product = make_product(name="Çay bardağı")
    order = make_sales_order()
    db.session.commit()
    shopper.add(product.variants[0])
    found = {}
    for url in ("/", f"/p/{product.slug}", "/cart", "/checkout", f"/orders/{order.tracking_token}",
                "/account/login", "/account/register", "/no-such-page"):
        response = shopper.get(url)
        assert response.status_code in (200, 404), url
        if duplicates := duplicate_ids(text(response)):
            found[url] = duplicates
    assert found == {}
