import re

import pytest

from shop.catalog.models import Category
from shop.extensions import db
from tests.web.conftest import location_path, text


def _selected_sku(response) -> str:
    found = re.search(r"SKU (\S+)</p>", text(response))
    assert found, "no SKU on the page"
    return found.group(1)


def _variant_in_form(response) -> str:
    found = re.search(
        r'<input type="hidden" name="variant" value="([^"]*)">', response.get_data(as_text=True)
    )
    assert found, "no variant in the add-to-cart form"
    return found.group(1)


# --- listing pages ------------------------------------------------------------------------


def test_the_home_page_lists_published_products_only(shopper, make_product):
    make_product(name="Blue kettle")
    hidden = make_product(name="Secret kettle")
    hidden.published = False

    response = shopper.get("/")

    assert response.status_code == 200
    assert "Blue kettle" in text(response)
    assert "Secret kettle" not in text(response)


def test_a_category_page_lists_only_that_categorys_products(shopper, make_product):
    make_product(name="Blue kettle")
    lamp = make_product(name="Desk lamp")
    lamp.category = Category(slug="lamps", name={"en": "Lamps"})

    response = shopper.get("/c/lamps")

    assert response.status_code == 200
    assert "Desk lamp" in text(response)
    assert "Blue kettle" not in text(response)


def test_an_unknown_category_is_a_404_page(shopper, make_product):
    make_product()

    response = shopper.get("/c/no-such-category")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "This page does not exist" in text(response)


def test_an_unknown_address_is_a_404_page(shopper):
    response = shopper.get("/no/such/page")

    assert response.status_code == 404
    assert "This page does not exist" in text(response)


# --- search ---------------------------------------------------------------------------------


def test_search_finds_products_by_name_and_by_sku(shopper, make_product):
    kettle = make_product(name="Blue kettle")
    make_product(name="Desk lamp")

    by_name = shopper.get("/?q=KETTLE")
    by_sku = shopper.get(f"/?q={kettle.variants[0].sku.lower()}")

    for response in (by_name, by_sku):
        assert response.status_code == 200
        assert "Blue kettle" in text(response)
        assert "Desk lamp" not in text(response)


def test_the_search_address_redirects_to_the_listing_with_the_query(shopper):
    response = shopper.get("/search?q=kettle")

    assert response.status_code == 303
    assert location_path(response) == "/?q=kettle"


def test_search_treats_a_percent_sign_as_a_plain_character(shopper, make_product):
    make_product(name="Mug 50% off")
    make_product(name="Plain mug")

    response = shopper.get("/?q=%25")

    assert response.status_code == 200
    assert "Mug 50% off" in text(response)
    assert "Plain mug" not in text(response)


@pytest.mark.parametrize("query", ["_", "a_b"])
def test_search_treats_an_underscore_as_a_plain_character(shopper, make_product, query):
    make_product(name="Cup a_b")
    make_product(name="Cup axb")

    response = shopper.get(f"/?q={query}")

    assert response.status_code == 200
    assert "Cup a_b" in text(response)
    assert "Cup axb" not in text(response)


def test_a_search_of_only_wildcards_matches_nothing(shopper, make_product):
    make_product(name="Plain mug")

    response = shopper.get("/?q=%25_%25")

    assert response.status_code == 200
    assert "Plain mug" not in text(response)
    assert "No products match your search." in text(response)


@pytest.mark.parametrize("path", ["/", "/search"])
def test_a_200_character_search_is_cut_to_100_characters_and_answered(shopper, make_product, path):
    make_product(name="Plain mug")

    response = shopper.get(f"{path}?q={'x' * 200}", follow_redirects=True)

    assert response.status_code == 200
    assert f'value="{"x" * 100}"' in text(response)
    assert "x" * 101 not in text(response)


def test_a_search_of_many_words_is_answered(shopper, make_product):
    make_product(name="Plain mug")

    response = shopper.get("/?q=" + "+".join(["mug"] * 60))

    assert response.status_code == 200
    assert "Plain mug" in text(response)


def test_a_search_with_a_nul_character_is_answered_not_a_server_error(shopper, make_product):
    make_product(name="Plain mug")

    response = shopper.get("/?q=mug%00")

    assert response.status_code == 200
    assert "Results for" in text(response)


# --- the product page ---------------------------------------------------------------------


def test_the_product_page_shows_name_price_and_first_variant(shopper, make_product):
    product = make_product(name="Blue kettle", price="899.90", variants=2)

    response = shopper.get(f"/p/{product.slug}")

    assert response.status_code == 200
    assert "Blue kettle" in text(response)
    assert "899.90" in text(response)
    assert _selected_sku(response) == product.variants[0].sku
    assert _variant_in_form(response) == str(product.variants[0].id)


def test_the_product_page_shows_the_variant_asked_for(shopper, make_product):
    product = make_product(variants=2)

    response = shopper.get(f"/p/{product.slug}?variant={product.variants[1].id}")

    assert response.status_code == 200
    assert _selected_sku(response) == product.variants[1].sku
    assert _variant_in_form(response) == str(product.variants[1].id)


def test_a_variant_of_another_product_in_the_address_falls_back_to_the_first_variant(shopper, make_product):
    product = make_product(variants=2)
    other = make_product()

    response = shopper.get(f"/p/{product.slug}?variant={other.variants[0].id}")

    assert response.status_code == 200
    assert _selected_sku(response) == product.variants[0].sku
    assert _variant_in_form(response) == str(product.variants[0].id)


@pytest.mark.parametrize(
    "garbage", ["", "abc", "-1", "1.0", "99999999999999999999999", "1%20OR%201=1", "%00"]
)
def test_a_garbage_variant_in_the_address_falls_back_to_the_first_variant(shopper, make_product, garbage):
    product = make_product(variants=2)

    response = shopper.get(f"/p/{product.slug}?variant={garbage}")

    assert response.status_code == 200
    assert _variant_in_form(response) == str(product.variants[0].id)


def test_an_unknown_product_is_a_404_page_not_a_server_error(shopper, make_product):
    make_product()

    response = shopper.get("/p/no-such-product")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "This page does not exist" in text(response)


def test_an_unpublished_product_is_a_404_page(shopper, make_product):
    product = make_product()
    product.published = False

    response = shopper.get(f"/p/{product.slug}")

    assert response.status_code == 404


def test_a_sold_out_product_says_so_and_offers_no_add_button(shopper, make_product):
    product = make_product(stock=0)

    response = shopper.get(f"/p/{product.slug}")

    assert response.status_code == 200
    assert "Sold out" in text(response)
    assert re.search(r'<button type="submit" class="primary" disabled>', response.get_data(as_text=True))


# --- the picture, health --------------------------------------------------------------------


def test_the_product_picture_is_a_cacheable_svg(shopper, make_product):
    product = make_product(name="Blue kettle")

    response = shopper.get(f"/p/{product.slug}/picture.svg")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith("<svg")
    assert response.cache_control.public and response.cache_control.max_age == 3600


def test_the_picture_escapes_markup_in_the_product_name(shopper, make_product):
    product = make_product(name='<script>alert("x")</script>')

    response = shopper.get(f"/p/{product.slug}/picture.svg")

    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_the_picture_of_an_unknown_product_is_a_404(shopper):
    response = shopper.get("/p/no-such-product/picture.svg")

    assert response.status_code == 404


def test_healthz_answers_json_with_the_database_ok(shopper):
    response = shopper.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_a_wrong_method_is_a_405_page_not_a_server_error(shopper):
    response = shopper.get("/cart/add")

    assert response.status_code == 405
    assert "does not accept that kind of request" in text(response)


def test_the_category_list_is_on_every_listing(shopper, make_product):
    make_product()
    db.session.add(Category(slug="lamps", name={"en": "Lamps"}))

    response = shopper.get("/")

    assert 'href="/c/lamps"' in response.get_data(as_text=True)
