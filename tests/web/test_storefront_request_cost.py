"""What the storefront's per-request savings must not change (issue 11, throughput): the list
pages' body rendered once per process still shows every change at once, a signed-in shopper's
page views rewrite no cookie, and the templates' texts are the request's language."""

from __future__ import annotations

import re
from decimal import Decimal

from flask import render_template_string
from flask_babel import force_locale

from shop.catalog.models import Category
from shop.extensions import db
from shop.i18n import locale_code
from shop.storefront import listing_page
from tests.factories import make_product
from tests.web.conftest import make_customer, text


def _slugs(response) -> list[str]:
    return re.findall(r'<li class="product-card" data-slug="([^"]+)"', response.get_data(as_text=True))


def test_a_list_page_rendered_before_shows_a_new_product_a_price_and_a_category_name_at_once(shopper):
    first = make_product(name="Copper kettle", price="100.00", stock=5)
    db.session.commit()
    category = f"/c/{first.category.slug}"
    assert _slugs(shopper.get(category)) == [first.slug]
    assert ">Things</a>" in text(shopper.get("/"))

    first.variants[0].price = Decimal("79.50")
    first.category.name = {"en": "Kitchen"}
    second = make_product(name="Linen towel", price="12.00", stock=5)
    db.session.commit()

    for url in ("/", category):
        page = text(shopper.get(url))
        assert _slugs(shopper.get(url)) == [second.slug, first.slug], url
        assert "79.50" in page and "100.00" not in page, url
        assert ">Kitchen</a>" in page and ">Things</a>" not in page, url


def test_each_language_sort_and_page_gets_its_own_list_body(shopper):
    make_product(name="Copper kettle", stock=5)
    db.session.commit()

    english, turkish = text(shopper.get("/?lang=en")), text(shopper.get("/?lang=tr"))

    assert "All products" in english and "Sort by" in english
    assert "All products" not in turkish and "Sort by" not in turkish
    by_name = text(shopper.get("/?lang=en&sort=name"))
    assert '<option value="name" selected>' in by_name
    assert '<option value="name" selected>' not in text(shopper.get("/?lang=en"))


def test_the_same_list_is_rendered_once_and_each_visitor_keeps_their_own_frame(
    shopper, other_shopper, monkeypatch
):
    make_product(stock=5)
    db.session.commit()
    rendered = []
    real = listing_page.render_block
    monkeypatch.setattr(listing_page, "render_block", lambda *a, **k: rendered.append(a[1]) or real(*a, **k))
    listing_page._rendered.clear()

    mine, theirs = shopper.get("/"), other_shopper.get("/")

    assert rendered == ["content"]
    assert _slugs(mine) == _slugs(theirs)
    tokens = [
        re.search(r'"X-CSRFToken": "([^"]+)"', r.get_data(as_text=True)).group(1) for r in (mine, theirs)
    ]
    assert tokens[0] != tokens[1]


def test_a_signed_in_shoppers_page_views_rewrite_no_cookie(shopper):
    make_customer()
    db.session.commit()
    login = shopper.login()
    assert login.status_code == 303
    assert "session=" in login.headers.get("Set-Cookie", "")
    shopper.get("/")  # the new session's first page adds its CSRF token: written once

    for url in ("/", "/account", "/cart", "/"):
        response = shopper.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
    assert "My account" in text(shopper.get("/"))  # still signed in


def test_template_texts_are_the_requests_language_with_any_placeholder_name(app):
    with app.test_request_context("/?lang=tr"):
        assert render_template_string("{{ _('Search') }}") == "Ara"
        escaped = render_template_string("{{ _('Results for “%(query)s”', query='<b>') }}")
        assert "&lt;b&gt;" in escaped and "<b>" not in escaped
        assert render_template_string("{{ _('%(text)s', text='x') }}") == "x"
        assert locale_code() == "tr"
        with force_locale("pl"):
            assert locale_code() == "pl"
        assert locale_code() == "tr"


def test_a_category_removed_from_the_shop_leaves_the_list_at_once(shopper):
    make_product(stock=5)
    spare = Category(slug="spare", name={"en": "Spare parts"}, position=9)
    db.session.add(spare)
    db.session.commit()
    assert "Spare parts" in text(shopper.get("/"))

    db.session.delete(spare)
    db.session.commit()

    assert "Spare parts" not in text(shopper.get("/"))
