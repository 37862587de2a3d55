"""The product pages of the back office (issue 11, B18): list, product, variants, history.
Every form with bad input answers 422 with the message next to the field and saves nothing."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest

from shop.catalog import editing
from shop.catalog.models import Category, Product, ProductChange, Variant
from shop.extensions import db
from shop.settings import services as settings
from tests.factories import make_product, make_sales_order
from tests.statements import WRITES, statements
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in


def shirts() -> Category:
    category = db.session.scalar(db.select(Category).where(Category.slug == "shirts"))
    if category is None:
        category = Category(slug="shirts", name={"en": "Shirts", "tr": "Gömlekler"})
        db.session.add(category)
        db.session.commit()
    return category


def product_form(**over) -> dict:
    values = {
        "name_en": "Linen shirt",
        "name_tr": "Keten gömlek",
        "description_en": "Cool in summer.",
        "category": str(shirts().id),
        "returnable": "y",
        "return_days": "30",
        "weight_grams": "350",
    }
    values.update(over)
    return {key: value for key, value in values.items() if value is not None}


def variant_form(**over) -> dict:
    values = {"sku": "LIN-M", "size": "M", "colour": "White", "price": "129.90", "vat_rate": "20"}
    values["position"] = "0"
    values.update(over)
    return {key: value for key, value in values.items() if value is not None}


def products_count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(Product.id)))


def draft() -> Product:
    product = editing.create_product(
        editing.ProductDetails(name={"en": "Linen shirt"}, category_id=shirts().id), by_user_id=None
    )
    db.session.commit()
    return product


@pytest.fixture
def staff(shopper):
    return logged_in(shopper, "staff")


# --- access --------------------------------------------------------------------------------


def test_a_courier_gets_403_on_every_product_page(shopper):
    product = make_product()
    variant = product.variants[0]
    logged_in(shopper, "courier")
    base = f"/admin/products/{product.id}"
    for page in ("/admin/products", "/admin/products/new", base, f"{base}/variants/new"):
        assert shopper.get(page).status_code == 403, page
    for action in (f"{base}/remove", f"{base}/variants/{variant.id}/remove", "/admin/products/new"):
        assert shopper.post(action, {"name_en": "X"}, token_from="/admin/account").status_code == 403, action
    assert products_count() == 1 and not db.session.get(Product, product.id).archived


def test_the_catalog_menu_leads_staff_to_the_products(shopper, staff):
    page = text(shopper.get("/admin/orders"))
    assert 'href="/admin/products"' in page
    listing = shopper.get("/admin/products")
    assert listing.status_code == 200
    assert 'aria-current="page">Catalog' in text(listing) or 'aria-current="page">Products' in text(listing)


def test_each_variant_shows_its_stock_on_hand_linking_to_its_stock_page(shopper, staff):
    product = make_product(variants=2, stock=7)
    first, second = product.variants
    page = text(shopper.get(f"/admin/products/{product.id}"))
    for variant in (first, second):
        row = page.split(f'id="variant-{variant.id}"', 1)[1].split("</tr>", 1)[0]
        assert f'href="/admin/stock/{variant.sku}"' in row
        assert ">7</a>" in row


# --- the list ------------------------------------------------------------------------------


def test_the_list_searches_folded_text_filters_by_state_and_counts(shopper, staff):
    shirt = make_product(name="Gömlek Yıldız")
    make_product(name="Wool hat")
    archived = make_product(name="Old gömlek")
    make_sales_order((archived.variants[0], 1))
    editing.remove_product(archived, by_user_id=None)
    db.session.commit()

    found = text(shopper.get("/admin/products?q=gomlek"))
    assert "Gömlek Yıldız" in found and "Wool hat" not in found and "Old gömlek" not in found

    archived_page = text(shopper.get("/admin/products?state=archived"))
    assert "Old gömlek" in archived_page and "Wool hat" not in archived_page

    by_sku = text(shopper.get(f"/admin/products?q={shirt.variants[0].sku.lower()}"))
    assert "Gömlek Yıldız" in by_sku and "Wool hat" not in by_sku

    everything = text(shopper.get(f"/admin/products?category={shirt.category_id}"))
    assert re.search(r"In use <span class=\"count\">2</span>", everything)
    assert re.search(r"Archived <span class=\"count\">1</span>", everything)


def test_the_list_runs_a_bounded_number_of_statements_and_writes_nothing(shopper, staff):
    for _ in range(3):
        make_product(variants=2)
    db.session.commit()
    with statements() as few:
        shopper.get("/admin/products")
    for _ in range(12):
        make_product(variants=3)
    db.session.commit()
    with statements() as many:
        page = shopper.get("/admin/products?q=&state=&page=1")
    assert page.status_code == 200
    assert len(many) == len(few) <= 14
    assert not [s for s in many if WRITES.match(s)]


def test_bad_list_parameters_are_ignored(shopper, staff):
    for query in ("?page=abc", "?page=99999999999", "?category=-1", "?state=nope", "?q=" + "x" * 500):
        assert shopper.get("/admin/products" + query).status_code == 200, query


# --- the product form ----------------------------------------------------------------------


def test_staff_add_a_product_as_a_draft(shopper, staff):
    response = shopper.post("/admin/products/new", product_form(), token_from="/admin/products/new")

    assert response.status_code == 303
    product = db.session.scalar(db.select(Product))
    assert location_path(response) == f"/admin/products/{product.id}"
    assert (product.published, product.return_days, product.weight_grams) == (False, 30, 350)
    assert product.name == {"en": "Linen shirt", "tr": "Keten gömlek"}
    page = text(shopper.get(f"/admin/products/{product.id}"))
    assert 'data-language-tabs' in page and "language-tabs.js" in page
    assert 'id="pictures"' in page and f"/admin/products/{product.id}/pictures" in page


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"name_en": ""}, "name_en", "default language"),
        ({"name_en": "   "}, "name_en", "default language"),
        ({"name_en": "x" * 121}, "name_en", "at most 120"),
        ({"description_tr": "y" * 5001}, "description_tr", "at most 5000"),
        ({"return_days": "-1"}, "return_days", "days from 0 to 365"),
        ({"return_days": "lots"}, "return_days", "days from 0 to 365"),
        ({"weight_grams": "0"}, "weight_grams", "grams from 1"),
        ({"category": "99999"}, "category", "categories"),
        ({"category": "x"}, "category", "categories"),
        ({"name_en": "Bad\x00name"}, "name_en", "not allowed"),
    ],
)
def test_bad_product_input_is_refused_and_nothing_is_saved(shopper, staff, over, field, message):
    response = shopper.post("/admin/products/new", product_form(**over), token_from="/admin/products/new")

    assert response.status_code == 422
    assert any(message in error for error in field_errors(response, field)), field_errors(response, field)
    assert products_count() == 0


def test_a_file_sent_as_a_text_field_is_refused(shopper, staff):
    form = product_form(name_en=(io.BytesIO(b"not a name"), "name.txt"))
    response = shopper.post(
        "/admin/products/new", form, token_from="/admin/products/new", content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert any("takes text" in error for error in field_errors(response, "name_en"))
    assert products_count() == 0


def test_publishing_needs_a_variant_and_changes_are_in_the_history(shopper, staff):
    product = draft()
    page = f"/admin/products/{product.id}"

    refused = shopper.post(page, product_form(published="y"), token_from=page)
    assert refused.status_code == 422
    assert any("Add a variant" in error for error in field_errors(refused, "published"))

    assert shopper.post(f"{page}/variants/new", variant_form(), token_from=page).status_code == 303
    assert shopper.post(page, product_form(published="y"), token_from=page).status_code == 303
    db.session.expire_all()
    assert db.session.get(Product, product.id).published is True
    history = text(shopper.get(page))
    assert "Published" in history and "Variant added" in history and staff.name in history


# --- variants ------------------------------------------------------------------------------


def test_staff_add_a_variant_and_change_its_price_which_the_history_shows(shopper, staff):
    product = draft()
    page = f"/admin/products/{product.id}"
    added = shopper.post(f"{page}/variants/new", variant_form(), token_from=page)
    assert added.status_code == 303
    variant = db.session.scalar(db.select(Variant).where(Variant.sku == "LIN-M"))
    assert (variant.price, variant.vat_rate) == (Decimal("129.90"), 20)
    assert variant.options == {"size": "M", "colour": "White"}
    assert variant.name == {"en": "M / White"}
    assert variant.stock == []

    changed = shopper.post(f"{page}/variants/{variant.id}", variant_form(price="99.50"), token_from=page)
    assert changed.status_code == 303

    change = db.session.scalar(db.select(ProductChange).where(ProductChange.what == editing.PRICE))
    assert (change.before, change.after, change.user_id, change.sku) == ("129.9", "99.5", staff.id, "LIN-M")
    history = text(shopper.get(page))
    assert re.search(r"129[.,]90.*→.*99[.,]50", history, re.S)


def test_a_price_typed_with_a_decimal_comma_in_polish(shopper, staff):
    product = draft()
    page = f"/admin/products/{product.id}/variants/new"
    response = shopper.post(page + "?lang=pl", variant_form(price="129,90"), token_from=page + "?lang=pl")
    assert response.status_code == 303
    assert db.session.scalar(db.select(Variant.price)) == Decimal("129.90")


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"price": "-10"}, "price", "greater than 0"),
        ({"price": "0"}, "price", "greater than 0"),
        ({"price": ""}, "price", "Enter the price"),
        ({"price": "12.345"}, "price", "at most 2 decimals"),
        ({"price": "abc"}, "price", "Enter an amount"),
        ({"vat_rate": "23"}, "vat_rate", "VAT rates the shop offers"),
        ({"vat_rate": "x"}, "vat_rate", "VAT rates the shop offers"),
        ({"sku": ""}, "sku", "1 to 32"),
        ({"sku": "A" * 33}, "sku", "1 to 32"),
        ({"sku": "has space"}, "sku", "1 to 32"),
        ({"size": "S" * 41}, "size", "at most 40"),
        ({"position": "-2"}, "position", "0 to 9999"),
    ],
)
def test_bad_variant_input_is_refused_and_nothing_is_saved(shopper, staff, over, field, message):
    product = draft()
    page = f"/admin/products/{product.id}/variants/new"
    response = shopper.post(page, variant_form(**over), token_from=page)

    assert response.status_code == 422
    assert any(message in error for error in field_errors(response, field)), field_errors(response, field)
    assert db.session.scalar(db.select(db.func.count(Variant.id))) == 0


def test_rials_refuse_decimals(shopper, staff):
    settings.update(currency="IRR")
    db.session.commit()
    product = draft()
    page = f"/admin/products/{product.id}/variants/new"
    response = shopper.post(page, variant_form(price="1500.5", vat_rate="10"), token_from=page)
    assert response.status_code == 422
    assert any("without decimals" in error for error in field_errors(response, "price"))


def test_a_duplicate_sku_is_refused_with_a_clear_message(shopper, staff):
    existing = make_product()
    db.session.commit()
    product = draft()
    page = f"/admin/products/{product.id}/variants/new"
    response = shopper.post(page, variant_form(sku=existing.variants[0].sku.lower()), token_from=page)

    assert response.status_code == 422
    assert any("already used by another variant" in error for error in field_errors(response, "sku"))
    assert db.session.scalar(db.select(db.func.count(Variant.id))) == 1


def test_a_file_sent_as_the_price_is_refused(shopper, staff):
    product = draft()
    page = f"/admin/products/{product.id}/variants/new"
    form = variant_form(price=(io.BytesIO(b"12.50"), "price.txt"))
    response = shopper.post(page, form, token_from=page, content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count(Variant.id))) == 0


def test_an_ordered_variant_is_archived_from_the_page_and_the_shop_hides_it(shopper, staff):
    product = make_product(variants=2)
    ordered, other = product.variants
    make_sales_order((ordered, 1))
    db.session.commit()
    page = f"/admin/products/{product.id}"

    response = shopper.post(f"{page}/variants/{ordered.id}/remove", {}, token_from=page)

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Variant, ordered.id).archived is True
    shop_page = text(shopper.get(f"/p/{product.slug}"))
    assert f'name="variant" value="{other.id}"' in shop_page
    assert f'name="variant" value="{ordered.id}"' not in shop_page
    assert f'<option value="{ordered.id}"' not in shop_page and ordered.name["en"] not in shop_page
    assert "archived" in text(shopper.get(page))


def test_a_product_with_orders_is_archived_and_leaves_the_shop(shopper, staff):
    product = make_product()
    make_sales_order((product.variants[0], 1))
    db.session.commit()
    page = f"/admin/products/{product.id}"

    response = shopper.post(f"{page}/remove", {}, token_from=page)

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Product, product.id).archived is True
    assert shopper.get(f"/p/{product.slug}").status_code == 404
    assert product.name["en"] not in text(shopper.get("/"))


def test_a_draft_is_not_in_the_shop(shopper, staff):
    product = make_product()
    product.published = False
    db.session.commit()
    assert shopper.get(f"/p/{product.slug}").status_code == 404
    assert product.name["en"] not in text(shopper.get("/"))


def test_the_settings_page_edits_the_vat_rates(shopper):
    from tests.web.test_backoffice_settings import settings_form

    logged_in(shopper, "admin")
    page = shopper.get("/admin/settings")
    assert 'name="vat_rates"' in text(page) and 'value="0 1 10 20"' in text(page)

    for bad in ("", "abc", "120", (io.BytesIO(b"0 5"), "rates.txt")):
        refused = shopper.post(
            "/admin/settings",
            settings_form(vat_rates=bad),
            token_from="/admin/settings",
            content_type="multipart/form-data",
        )
        assert refused.status_code == 422, bad
        assert field_errors(refused, "vat_rates"), bad
        assert settings.current_fresh().vat_rates == []

    saved = shopper.post("/admin/settings", settings_form(vat_rates="0 8 23"), token_from="/admin/settings")
    assert saved.status_code == 303
    assert settings.current_fresh().offered_vat_rates() == [Decimal("0"), Decimal("8"), Decimal("23")]
    assert "VAT rates" in text(shopper.get("/admin/settings"))


def test_the_product_page_runs_a_bounded_number_of_statements_and_writes_nothing(shopper, staff):
    small = make_product(variants=1)
    big = make_product(variants=8)
    for variant in big.variants:
        editing.update_variant(
            variant,
            editing.VariantDetails(sku=variant.sku, price=variant.price + 1, vat_rate=variant.vat_rate),
            by_user_id=staff.id,
        )
    db.session.commit()
    counts = []
    for product in (small, big):
        base = f"/admin/products/{product.id}"
        for page in (base, f"{base}/variants/{product.variants[0].id}"):
            with statements() as seen:
                assert shopper.get(page).status_code == 200
            assert not [s for s in seen if WRITES.match(s)], page
            counts.append(len(seen))
    assert counts[:2] == counts[2:], counts
    assert max(counts) <= 16, counts
