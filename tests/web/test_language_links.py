"""The language switcher's links are built by url_for from the route, never from the raw path
(issue 10, item 9): ``/%5Cevil.example`` must not link to ``/\\evil.example``, which browsers
read as ``//evil.example``, another host."""

from __future__ import annotations

import re

import pytest

from shop.extensions import db
from tests.factories import make_product


def language_links(response) -> dict[str, str]:
    nav = re.search(r'<nav class="languages".*?</nav>', response.get_data(as_text=True), re.S)
    assert nav, "no language switcher on the page"
    links = re.findall(r'<a href="([^"]*)" lang="([^"]+)"', nav.group(0))
    return {lang: href.replace("&amp;", "&") for href, lang in links}


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("/%5Cevil.example", "/"),
        ("/%5C%5Cevil.example/x", "/"),
        ("/admin/%5Cevil.example", "/admin/orders"),
        ("/%2F%2Fevil.example", "/"),
    ],
)
def test_a_page_that_does_not_exist_switches_language_on_the_home_page(shopper, url, home):
    response = shopper.get(url)

    assert response.status_code == 404
    links = language_links(response)
    assert links == {code: f"{home}?lang={code}" for code in ("en", "tr", "pl", "fa")}
    assert not any("\\" in href or "evil" in href for href in links.values())


def test_a_page_switches_to_itself_in_another_language(shopper):
    product = make_product(name="Çay bardağı")
    db.session.commit()

    links = language_links(shopper.get(f"/p/{product.slug}?lang=tr"))

    assert links["fa"] == f"/p/{product.slug}?lang=fa"
    assert links["en"] == f"/p/{product.slug}?lang=en"


def test_a_form_answered_at_a_post_address_links_to_the_page_of_that_address(shopper):
    """The checkout refused (POST /checkout) switches language on GET /checkout, its page."""
    shopper.add(make_product(name="Çay bardağı").variants[0])

    response = shopper.post("/checkout", {"email": "not an e-mail"}, token_from="/checkout")

    assert response.status_code == 422
    assert language_links(response)["pl"] == "/checkout?lang=pl"
