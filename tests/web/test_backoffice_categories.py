"""The category pages (issue 11): admins and staff add, rename per language, re-address (slug),
order and delete categories; a category with products is not deleted; bad input is refused
next to its field and changes nothing; couriers get 403; the storefront shows the new names in
each language."""

from __future__ import annotations

import re

import pytest

from shop.catalog.history import CatalogChange
from shop.catalog.models import Category
from shop.extensions import db
from tests.factories import make_product
from tests.statements import statements
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in
from tests.web.test_backoffice_warehouses import WRITES

LIST = "/admin/categories"
NEW = "/admin/categories/new"


@pytest.fixture
def staff(shopper):
    logged_in(shopper, "staff", name="Selin Staff")
    return shopper


def add(slug: str, position: int = 0, **names) -> Category:
    category = Category(slug=slug, name=names or {"en": slug.title()}, position=position)
    db.session.add(category)
    db.session.flush()
    return category


def form(**over) -> dict:
    values = {"name_en": "Shoes", "name_tr": "Ayakkabı", "name_pl": "", "name_fa": "", "slug": "", **over}
    return {key: value for key, value in values.items() if value is not None}


def slugs() -> list[str]:
    return list(db.session.scalars(db.select(Category.slug).order_by(Category.position, Category.id)))


def storefront_nav(shopper, language: str) -> list[str]:
    page = shopper.get(f"/?lang={language}").get_data(as_text=True)
    nav = page.split('<nav class="categories"', 1)[1].split("</nav>", 1)[0]
    return [name.strip() for name in re.findall(r"<a [^>]*>([^<]+)</a>", nav)]


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_admin_and_staff_see_the_categories_with_their_product_counts(shopper, role):
    logged_in(shopper, role)
    product = make_product()

    page = text(shopper.get(LIST))

    assert "Things" in page and f'href="/c/{product.category.slug}"' in page
    row = page.split(f'data-slug="{product.category.slug}"')[1].split("</tr>")[0]
    assert ">1<" in row  # one product
    assert "Delete" not in row  # a category with products offers no delete button


def test_a_courier_gets_403_everywhere(shopper):
    logged_in(shopper, "courier")
    category = add("shoes")
    pages = [LIST, NEW, f"{LIST}/{category.id}"]

    assert [shopper.get(page).status_code for page in pages] == [403, 403, 403]
    for action in ("move", "delete"):  # with a valid token: the role is what refuses
        assert shopper.post(f"{LIST}/{category.id}/{action}", {"direction": "up"}).status_code == 403
    assert shopper.post(NEW, form()).status_code == 403
    assert slugs() == ["shoes"]


def test_a_get_writes_nothing_and_runs_as_many_statements_for_twelve_categories_as_for_two(staff):
    add("a"), add("b")
    staff.get(LIST)
    with statements() as few:
        staff.get(LIST)
    for number in range(10):
        add(f"c{number}")
    with statements() as many:
        staff.get(LIST)

    assert len(many) == len(few) <= 12
    assert not [s for s in many if WRITES.match(s)]


def test_staff_add_a_category_with_a_slug_made_from_its_name(staff):
    response = staff.post(NEW, form(name_en="Summer Shirts"), token_from=NEW)

    assert response.status_code == 303 and location_path(response) == LIST
    assert slugs() == ["summer-shirts"]
    page = text(staff.get(LIST))
    assert "Category Summer Shirts added." in page
    assert "Selin Staff" in page.split('id="c-history"')[1]


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"name_en": ""}, "name_en", "Enter it in English, the shop's default language."),
        ({"name_en": " "}, "name_en", "Enter it in English, the shop's default language."),
        ({"name_en": "x" * 61}, "name_en", "Write at most 60 characters."),
        ({"name_pl": "x" * 61}, "name_pl", "Write at most 60 characters."),
        ({"slug": "taken"}, "slug", "Another category already uses the address taken; choose another."),
        ({"slug": "TAKEN"}, "slug", "Another category already uses the address taken; choose another."),
        (
            {"slug": "yaz gömlek"},
            "slug",
            "Use at most 80 lowercase letters a to z, digits and single hyphens, for example summer-shirts.",
        ),
        (
            {"slug": "x" * 81},
            "slug",
            "Use at most 80 lowercase letters a to z, digits and single hyphens, for example summer-shirts.",
        ),
        ({"slug": "a\x07b"}, "slug", "This field contains characters that are not allowed."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_changes_nothing(staff, over, field, message):
    add("taken")

    response = staff.post(NEW, form(**over), token_from=NEW)

    assert response.status_code == 422
    assert field_errors(response, field) == [message]
    assert slugs() == ["taken"]
    assert db.session.scalar(db.select(db.func.count(CatalogChange.id))) == 0


def test_a_rename_in_two_languages_reaches_the_storefront_in_each_language(staff, shopper):
    product = make_product()  # in "Things"
    category = product.category
    page = f"{LIST}/{category.id}"
    assert 'name="name_en" type="text" value="Things"' in text(staff.get(page))

    response = staff.post(page, form(name_en="Gifts", name_tr="Hediyeler", slug=""), token_from=page)

    assert response.status_code == 303
    assert "Gifts" in storefront_nav(staff, "en")
    assert "Hediyeler" in storefront_nav(staff, "tr")
    assert "Gifts" in storefront_nav(staff, "pl")  # no Polish name: the default language's
    db.session.expire_all()
    assert db.session.get(Category, category.id).slug == "things"  # an empty slug keeps the address


def test_the_storefront_falls_back_to_the_shops_default_language_not_english(staff):
    from shop.settings import services as settings

    settings.update(default_language="tr")
    add("hediye", en="Gifts", tr="Hediyeler")  # no Polish name

    nav = storefront_nav(staff, "pl")

    assert "Hediyeler" in nav and "Gifts" not in nav


def test_categories_move_up_and_down(staff):
    for position, slug in enumerate(("a", "b", "c")):
        add(slug, position)
    b = db.session.scalar(db.select(Category).where(Category.slug == "b"))

    response = staff.post(f"{LIST}/{b.id}/move", {"direction": "up"}, token_from=LIST)

    assert response.status_code == 303 and location_path(response) == f"{LIST}#category-{b.id}"
    assert slugs() == ["b", "a", "c"]
    staff.post(f"{LIST}/{b.id}/move", {"direction": "down"}, token_from=LIST)
    staff.post(f"{LIST}/{b.id}/move", {"direction": "down"}, token_from=LIST)
    assert slugs() == ["a", "c", "b"]
    staff.post(f"{LIST}/{b.id}/move", {"direction": "sideways"}, token_from=LIST)
    assert slugs() == ["a", "c", "b"]
    assert "Choose up or down." in text(staff.get(LIST))


def test_a_category_with_products_is_not_deleted_and_the_page_says_why(staff):
    category = make_product().category

    response = staff.post(f"{LIST}/{category.id}/delete", {}, token_from=LIST)

    assert location_path(response) == LIST
    assert "Things has 1 product; move it to another category before deleting the category." in text(
        staff.get(LIST)
    )
    assert slugs() == ["things"]


def test_an_empty_category_is_deleted(staff):
    category = add("old")

    staff.post(f"{LIST}/{category.id}/delete", {}, token_from=LIST)

    assert slugs() == []
    assert "Category Old deleted." in text(staff.get(LIST))


def test_the_pages_work_in_persian(staff):
    category = add("shoes", en="Shoes", fa="کفش")
    staff.get(f"{LIST}?lang=fa")

    listing, edit = text(staff.get(LIST)), text(staff.get(f"{LIST}/{category.id}"))

    assert 'dir="rtl"' in listing and "کفش" in listing
    assert 'lang="fa" dir="rtl"' in edit and 'lang="en" dir="ltr"' in edit
