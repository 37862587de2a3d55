"""Categories edited in the back office (issue 11): names per language, a unique slug made
from the default language's name when none is typed, the order, and no deleting a category
that has products. Every change has a history row."""

from __future__ import annotations

import pytest

from shop.catalog import categories
from shop.catalog.editing import CatalogRefusal, InvalidCatalogInput
from shop.catalog.history import CatalogChange
from shop.catalog.models import Category
from shop.extensions import db
from shop.settings import services as settings
from tests.factories import make_product, make_user

SLUG_MESSAGE = (
    "Use at most 80 lowercase letters a to z, digits and single hyphens, for example summer-shirts."
)


def create(name: dict | str, slug: str = "") -> Category:
    names = {"en": name} if isinstance(name, str) else name
    return categories.create_category({"name": names, "slug": slug}, by_user_id=None)


def refused(given: dict, category: Category | None = None) -> dict[str, str]:
    with pytest.raises(InvalidCatalogInput) as caught:
        if category is None:
            categories.create_category(given, by_user_id=None)
        else:
            categories.update_category(category, given, by_user_id=None)
    return caught.value.errors


def order() -> list[str]:
    return [category.slug for category in categories.categories()]


def changes() -> list[CatalogChange]:
    return list(db.session.scalars(db.select(CatalogChange).order_by(CatalogChange.id)))


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Shirts & Blouses", "shirts-blouses"),
        ("Gömlek ve Bluz", "gomlek-ve-bluz"),
        ("IŞIKLI Çanta", "isikli-canta"),
        ("Żółte buty", "zolte-buty"),
        ("  Łódź -- 2026 ", "lodz-2026"),
    ],
)
def test_a_slug_is_made_from_the_default_language_name(name, slug):
    assert create(name).slug == slug


def test_a_slug_made_from_a_name_that_is_taken_gets_a_number():
    slugs = [create("Shoes").slug, create("shoes!").slug, create("SHOES").slug]

    assert slugs == ["shoes", "shoes-2", "shoes-3"]


def test_a_name_without_latin_letters_gets_a_plain_slug():
    settings.update(default_language="fa")

    assert create({"fa": "کفش"}).slug == "category"


def test_a_typed_slug_that_is_taken_is_refused_with_a_clear_message():
    create("Shoes")

    errors = refused({"name": {"en": "Boots"}, "slug": "Shoes"})

    assert errors == {"slug": "Another category already uses the address shoes; choose another."}
    assert order() == ["shoes"]


@pytest.mark.parametrize("slug", ["summer shirts", "çanta", "a--b", "-a", "a_b", "x" * 81])
def test_a_typed_slug_must_be_lowercase_ascii_digits_and_hyphens(slug):
    assert refused({"name": {"en": "Boots"}, "slug": slug}) == {"slug": SLUG_MESSAGE}


def test_names_the_default_one_required_the_others_optional_and_bounded():
    errors = refused({"name": {"en": "", "tr": "x" * 61}, "slug": ""})

    assert errors == {
        "name.en": "Enter it in English, the shop's default language.",
        "name.tr": "Write at most 60 characters.",
    }
    assert db.session.scalar(db.select(db.func.count(Category.id))) == 0


def test_a_rename_in_two_languages_keeps_the_slug_and_is_recorded():
    admin = make_user("admin")
    category = create({"en": "Shoes", "tr": "Ayakkabı"})

    renamed = {"name": {"en": "Shoes", "tr": "Ayakkabılar", "pl": "Buty"}, "slug": ""}
    change = categories.update_category(category, renamed, by_user_id=admin.id)

    assert category.name == {"en": "Shoes", "tr": "Ayakkabılar", "pl": "Buty"}
    assert category.slug == "shoes"
    assert change.changes == {
        "name": [{"en": "Shoes", "tr": "Ayakkabı"}, {"en": "Shoes", "tr": "Ayakkabılar", "pl": "Buty"}]
    }
    assert change.by_user_id == admin.id
    unchanged = {"name": dict(category.name), "slug": "shoes"}
    assert categories.update_category(category, unchanged, by_user_id=None) is None


def test_a_slug_can_be_changed_to_a_free_one():
    category = create("Shoes")

    categories.update_category(category, {"name": {"en": "Shoes"}, "slug": "all-shoes"}, by_user_id=None)

    assert category.slug == "all-shoes"


def test_new_categories_come_last_and_move_up_and_down():
    for name in ("a", "b", "c"):
        create(name)
    b = db.session.scalar(db.select(Category).where(Category.slug == "b"))

    assert categories.move_category(b, -1, by_user_id=None) is True
    assert order() == ["b", "a", "c"]
    assert categories.move_category(b, -1, by_user_id=None) is False  # already first
    assert categories.move_category(b, 1, by_user_id=None) is True
    assert categories.move_category(b, 1, by_user_id=None) is True
    assert order() == ["a", "c", "b"]
    assert categories.move_category(b, 1, by_user_id=None) is False  # already last
    assert [c.position for c in categories.categories()] == [0, 1, 2]
    assert [c.action for c in changes()][-3:] == ["moved", "moved", "moved"]


def test_equal_positions_are_renumbered_when_one_moves():
    for slug in ("a", "b", "c"):
        db.session.add(Category(slug=slug, name={"en": slug}, position=0))
    db.session.flush()
    c = db.session.scalar(db.select(Category).where(Category.slug == "c"))

    categories.move_category(c, -1, by_user_id=None)

    assert order() == ["a", "c", "b"]


def test_a_category_with_products_cannot_be_deleted():
    product = make_product()
    category = product.category
    product.published = False  # drafts count too

    with pytest.raises(CatalogRefusal, match="has 1 product; move it to another category"):
        categories.delete_category(category, by_user_id=None)
    assert db.session.get(Category, category.id) is not None


def test_an_empty_category_is_deleted_and_its_history_stays():
    category = create("Old")
    category_id = category.id

    categories.delete_category(category, by_user_id=None)

    assert db.session.get(Category, category_id) is None
    assert [(c.action, c.subject) for c in changes()] == [("created", "old"), ("deleted", "old")]
