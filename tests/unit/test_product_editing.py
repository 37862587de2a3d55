"""Editing products and variants (issue 11, B18): shop.catalog.editing's rules, one by one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.catalog import editing
from shop.catalog import services as catalog
from shop.catalog.editing import CatalogRefusal, InvalidCatalogInput, ProductDetails, VariantDetails
from shop.catalog.models import Category, Product, ProductChange, Variant
from shop.errors import NotFound, VariantUnavailable
from shop.extensions import db
from shop.sales import services as sales
from shop.settings import services as settings
from tests.factories import make_cart, make_product, make_sales_order, make_user


def category() -> Category:
    found = db.session.scalar(db.select(Category).limit(1))
    if found is None:
        found = Category(slug="shirts", name={"en": "Shirts"})
        db.session.add(found)
        db.session.flush()
    return found


def details(**over) -> ProductDetails:
    values = {
        "name": {"en": "Linen shirt", "tr": "Keten gömlek"},
        "description": {"en": "Cool in summer."},
        "category_id": category().id,
    }
    return ProductDetails(**{**values, **over})


def variant_details(**over) -> VariantDetails:
    values = {
        "sku": "LIN-M",
        "price": Decimal("129.90"),
        "vat_rate": Decimal("20"),
        "options": {"size": "M", "colour": "White"},
    }
    return VariantDetails(**{**values, **over})


def errors_of(call, *args, **kwargs) -> dict[str, str]:  # noqa: ANN001
    with pytest.raises(InvalidCatalogInput) as raised:
        call(*args, **kwargs)
    return raised.value.errors


def changes(product: Product, what: str) -> list[ProductChange]:
    return [c for c in editing.history(product) if c.what == what]


# --- products ------------------------------------------------------------------------------


def test_a_new_product_is_a_draft_with_a_slug_from_its_name_and_a_history_row():
    admin = make_user("admin")
    product = editing.create_product(details(), by_user_id=admin.id)

    assert product.slug == "linen-shirt"
    assert product.published is False
    assert product.name == {"en": "Linen shirt", "tr": "Keten gömlek"}
    assert [(c.what, c.user_id) for c in editing.history(product)] == [(editing.CREATED, admin.id)]
    assert editing.create_product(details(), by_user_id=None).slug == "linen-shirt-2"


def test_the_default_language_name_is_required_and_texts_have_limits():
    errors = errors_of(editing.create_product, details(name={"tr": "Keten"}), by_user_id=None)
    assert "name.en" in errors
    errors = errors_of(
        editing.create_product,
        details(name={"en": "x" * 121}, description={"en": "y" * 5001}),
        by_user_id=None,
    )
    assert set(errors) == {"name.en", "description.en"}
    assert db.session.scalar(db.select(db.func.count(Product.id))) == 0


def test_return_window_weight_and_category_are_checked():
    errors = errors_of(
        editing.create_product,
        details(return_days="-3", weight_grams="heavy", category_id=999999),
        by_user_id=None,
    )
    assert set(errors) == {"return_days", "weight_grams", "category"}
    product = editing.create_product(details(return_days="30", weight_grams="450"), by_user_id=None)
    assert (product.return_days, product.weight_grams) == (30, 450)
    empty = editing.create_product(details(return_days="", weight_grams=""), by_user_id=None)
    assert (empty.return_days, empty.weight_grams) == (None, None)


def test_a_product_without_a_variant_cannot_be_published():
    product = editing.create_product(details(), by_user_id=None)
    assert "published" in errors_of(editing.update_product, product, details(published=True), by_user_id=None)

    editing.add_variant(product, variant_details(), by_user_id=None)
    editing.update_product(product, details(published=True), by_user_id=None)
    assert product.published is True
    assert [(c.before, c.after) for c in changes(product, "published")] == [(False, True)]


# --- variants and prices -------------------------------------------------------------------


def test_a_price_change_is_recorded_with_who_before_and_after():
    staff = make_user("staff")
    product = editing.create_product(details(), by_user_id=None)
    variant = editing.add_variant(product, variant_details(), by_user_id=None)

    editing.update_variant(variant, variant_details(price=Decimal("119.50")), by_user_id=staff.id)

    [change] = changes(product, editing.PRICE)
    assert (change.sku, change.before, change.after, change.user_id) == ("LIN-M", "129.9", "119.5", staff.id)
    assert change.at is not None
    assert variant.price == Decimal("119.50")
    assert variant.stock == []  # a new variant has no stock rows


def test_a_quotation_sent_keeps_its_price_and_a_cart_follows_the_new_one():
    product = make_product(price="100.00")
    variant = product.variants[0]
    order = make_sales_order((variant, 1))
    cart = make_cart((variant, 1))
    total = order.total

    editing.update_variant(
        variant,
        VariantDetails(sku=variant.sku, price=Decimal("80.00"), vat_rate=Decimal("20")),
        by_user_id=None,
    )
    db.session.flush()
    sales.refresh_quotation(cart)

    assert order.lines[0].unit_price == Decimal("100.00")
    assert order.total == total
    assert cart.lines[0].unit_price == Decimal("80.00")


@pytest.mark.parametrize(
    ("price", "field"),
    [
        (None, "price"),
        (Decimal("0"), "price"),
        (Decimal("-5"), "price"),
        (Decimal("12.345"), "price"),
        (Decimal("NaN"), "price"),
    ],
)
def test_bad_prices_are_refused(price, field):
    product = editing.create_product(details(), by_user_id=None)
    assert field in errors_of(editing.add_variant, product, variant_details(price=price), by_user_id=None)
    assert product.all_variants == []


def test_rials_take_no_decimals():
    settings.update(currency="IRR")
    product = editing.create_product(details(), by_user_id=None)
    bad = variant_details(price=Decimal("1500.5"), vat_rate=Decimal("10"))
    errors = errors_of(editing.add_variant, product, bad, by_user_id=None)
    assert "decimals" in errors["price"]
    variant = editing.add_variant(
        product, variant_details(price=Decimal("1500000"), vat_rate=Decimal("10")), by_user_id=None
    )
    assert variant.price == Decimal("1500000")


def test_only_the_shops_vat_rates_are_accepted():
    product = editing.create_product(details(), by_user_id=None)
    # A Turkish shop (TRY) offers 0, 1, 10 and 20 %: Poland's 23 % is not one of them.
    assert "vat_rate" in errors_of(
        editing.add_variant, product, variant_details(vat_rate=Decimal("23")), by_user_id=None
    )
    settings.update(vat_rates=["0", "23"])
    variant = editing.add_variant(product, variant_details(vat_rate=Decimal("23")), by_user_id=None)
    assert variant.vat_rate == 23


def test_a_sku_taken_is_refused_whatever_its_case_and_shape():
    product = editing.create_product(details(), by_user_id=None)
    editing.add_variant(product, variant_details(sku="LIN-M"), by_user_id=None)

    errors = errors_of(editing.add_variant, product, variant_details(sku="lin-m"), by_user_id=None)
    assert "LIN-M" not in errors["sku"] and "lin-m" in errors["sku"] and "already used" in errors["sku"]
    for bad in ("", "has space", "x" * 33, "ŞKU", "a/b"):
        assert "sku" in errors_of(editing.add_variant, product, variant_details(sku=bad), by_user_id=None)
    assert [v.sku for v in product.all_variants] == ["LIN-M"]


def test_an_ordered_variant_is_archived_and_leaves_the_storefront_and_carts():
    product = make_product(variants=2)
    ordered, other = product.variants
    make_sales_order((ordered, 1))

    assert editing.remove_variant(ordered, by_user_id=None) == editing.VARIANT_ARCHIVED
    db.session.flush()

    assert db.session.get(Variant, ordered.id).archived is True
    assert [v.id for v in catalog.product_by_slug(product.slug).variants] == [other.id]
    with pytest.raises(VariantUnavailable):
        make_cart((ordered, 1))
    assert [c.sku for c in changes(product, editing.VARIANT_ARCHIVED)] == [ordered.sku]


def test_an_archived_sku_leaves_the_search_text_and_comes_back_when_restored():
    product = make_product(variants=2)
    ordered, other = product.variants
    make_sales_order((ordered, 1))
    db.session.commit()
    db.session.expire_all()
    ordered = db.session.get(Variant, ordered.id)
    product = ordered.product
    assert ordered.sku.lower() in product.search_text  # the collection is loaded before the change

    editing.remove_variant(ordered, by_user_id=None)
    db.session.commit()
    text = db.session.get(Product, product.id).search_text
    assert ordered.sku.lower() not in text
    assert other.sku.lower() in text

    editing.restore_variant(ordered, by_user_id=None)
    db.session.commit()
    assert ordered.sku.lower() in db.session.get(Product, product.id).search_text


def test_a_variant_never_ordered_nor_stocked_is_deleted():
    product = editing.create_product(details(), by_user_id=None)
    first = editing.add_variant(product, variant_details(sku="A-1"), by_user_id=None)
    second = editing.add_variant(product, variant_details(sku="A-2"), by_user_id=None)

    assert editing.remove_variant(second, by_user_id=None) == editing.VARIANT_DELETED
    assert db.session.get(Variant, second.id) is None
    assert [v.id for v in product.all_variants] == [first.id]


def test_the_last_variant_of_a_published_product_stays():
    product = make_product(variants=1)
    with pytest.raises(CatalogRefusal):
        editing.remove_variant(product.variants[0], by_user_id=None)


def test_a_product_with_orders_is_archived_not_deleted_and_leaves_the_storefront():
    product = make_product()
    make_sales_order((product.variants[0], 1))

    assert editing.remove_product(product, by_user_id=None) == editing.ARCHIVED
    db.session.flush()

    assert db.session.get(Product, product.id).archived is True
    assert product not in catalog.published_products()
    with pytest.raises(NotFound):
        catalog.product_by_slug(product.slug)

    editing.restore_product(product, by_user_id=None)
    assert (product.archived, product.published) == (False, False)  # back as a draft


def test_a_product_nobody_ordered_is_deleted_with_its_history():
    product = editing.create_product(details(), by_user_id=None)
    editing.add_variant(product, variant_details(), by_user_id=None)

    assert editing.remove_product(product, by_user_id=None) == "deleted"
    assert db.session.scalar(db.select(db.func.count(ProductChange.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Variant.id))) == 0


def test_a_deleted_product_leaves_no_picture_files_behind():
    import io

    from shop.catalog import pictures
    from shop.catalog.picture_storage import PictureFile
    from tests.picture_files import image_bytes

    product = editing.create_product(details(), by_user_id=None)
    pictures.add_picture(product, io.BytesIO(image_bytes()))
    db.session.flush()
    assert db.session.scalar(db.select(db.func.count(PictureFile.key))) > 0

    assert editing.remove_product(product, by_user_id=None) == "deleted"
    db.session.flush()
    assert db.session.scalar(db.select(db.func.count(PictureFile.key))) == 0


# --- the shop's VAT rates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "rates"),
    [("TRY", ["0", "1", "10", "20"]), ("PLN", ["0", "5", "8", "23"]), ("IRR", ["0", "10"])],
)
def test_each_market_has_its_vat_rates_by_default(currency, rates):
    shop = settings.update(currency=currency)
    assert shop.offered_vat_rates() == [Decimal(rate) for rate in rates]


def test_the_seller_sets_the_rates_and_a_bad_list_is_refused():
    admin = make_user("admin")
    settings.save({"vat_rates": "23 8 5,5 0"}, by_user_id=admin.id)
    assert settings.current_fresh().offered_vat_rates() == [Decimal(r) for r in ("0", "5.5", "8", "23")]
    for bad in ("", "100", "abc", "1 2 3 4 5 6 7 8 9 10 11", "-5"):
        with pytest.raises(settings.InvalidSettings) as raised:
            settings.save({"vat_rates": bad}, by_user_id=admin.id)
        assert "vat_rates" in raised.value.errors


def test_a_cart_holding_a_variant_archived_since_cannot_be_checked_out():
    from shop.errors import OutOfStock
    from tests.factories import checkout_details

    product = make_product(variants=2)
    ordered, _other = product.variants
    make_sales_order((ordered, 1))
    cart = make_cart((ordered, 1))
    editing.remove_variant(ordered, by_user_id=None)
    db.session.flush()

    with pytest.raises(OutOfStock) as refused:
        sales.confirm_quotation(cart, checkout_details())
    assert "no longer available" in str(refused.value)
    assert cart.state.value == "quotation"
