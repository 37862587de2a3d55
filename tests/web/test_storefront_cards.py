"""Product cards are rendered once per process for the values they show (shop.storefront.cards):
a list must still show a new price, a sale, a new name and a new picture at once, in every
language, as if nothing were cached."""

from __future__ import annotations

import re
from decimal import Decimal

from shop.catalog.pictures import Picture
from shop.extensions import db
from shop.storefront import cards
from tests.factories import make_product


def card_of(response, slug: str) -> str:
    card = rf'<li class="product-card" data-slug="{re.escape(slug)}">(.*?)</li>'
    found = re.search(card, response.get_data(as_text=True), re.S)
    assert found, f"no card for {slug}"
    return found.group(1)


def test_a_price_change_shows_at_once_on_a_card_rendered_before(shopper):
    product = make_product(price="100.00", stock=5)
    db.session.commit()
    assert "100.00" in card_of(shopper.get("/"), product.slug)

    product.variants[0].price = Decimal("79.50")
    db.session.commit()

    card = card_of(shopper.get("/"), product.slug)
    assert "79.50" in card
    assert "100.00" not in card


def test_a_sale_of_the_last_units_shows_sold_out_at_once(shopper):
    product = make_product(price="100.00", stock=1)
    db.session.commit()
    assert "Sold out" not in card_of(shopper.get("/"), product.slug)

    shopper.add(product.variants[0], 1, token_from=f"/p/{product.slug}")
    assert shopper.checkout(payment_method="cash").status_code == 303  # reserves the last unit

    assert "Sold out" in card_of(shopper.get("/"), product.slug)
    in_stock = shopper.get("/?stock=1").get_data(as_text=True)
    assert f'data-slug="{product.slug}"' not in in_stock


def test_a_renamed_product_and_each_language_get_their_own_card(shopper):
    product = make_product(name="Copper kettle", stock=5)
    db.session.commit()
    assert "Copper kettle" in card_of(shopper.get("/?lang=en"), product.slug)
    turkish = card_of(shopper.get("/?lang=tr"), product.slug)
    assert product.name["tr"] in turkish and "Copper kettle" not in turkish

    product.name = {**product.name, "tr": "Bakır çaydanlık"}
    db.session.commit()

    assert "Bakır çaydanlık" in card_of(shopper.get("/?lang=tr"), product.slug)


def test_a_new_first_picture_replaces_the_drawn_placeholder_at_once(shopper):
    product = make_product(stock=5)
    db.session.commit()
    assert "picture.svg" in card_of(shopper.get("/"), product.slug)

    digest = "ab" * 32
    renditions = {str(w): {"width": w, "height": w * 3 // 4, "etag": digest} for w in (160, 480, 960)}
    db.session.add(
        Picture(product_id=product.id, position=0, width=960, height=720, digest=digest,
                renditions=renditions)
    )
    db.session.commit()

    card = card_of(shopper.get("/"), product.slug)
    assert "picture.svg" not in card
    assert f"/{digest[:16]}-480.webp" in card


def test_the_rendered_cards_kept_are_bounded(shopper, monkeypatch):
    monkeypatch.setattr(cards, "MAX_CARDS", 2)
    for _ in range(4):
        make_product(stock=5)
    db.session.commit()

    assert len(re.findall(r'class="product-card"', shopper.get("/").get_data(as_text=True))) == 4
    assert len(cards._rendered) <= 2
