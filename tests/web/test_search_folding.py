"""Search in Turkish, Polish and Persian (issue 10, item 12), through HTTP: the back-office order
list and the storefront find a name or a word however its I, accents and letters were typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from shop.catalog.models import Product
from shop.extensions import db, limiter
from shop.sales.models import Order
from tests.factories import make_product, make_sales_order, make_staff

LIST = "/admin/orders"

# One customer, typed three ways at three checkouts (Turkish keyboard, caps, none).
AYSE_YILMAZ = ("AYŞE YILMAZ", "ayşe yılmaz", "Ayse Yilmaz")
TURKISH_I_QUERIES = ["YILMAZ", "Yılmaz", "yılmaz", "AYŞE", "yilmaz", "ayse yilmaz"]


# --- the back-office order list ----------------------------------------------------------------


@pytest.fixture
def staff(shopper):
    make_staff("staff@example.com", "staff-password-1")
    limiter.reset()  # the login allows a few posts a minute per address
    credentials = {"email": "staff@example.com", "password": "staff-password-1"}
    response = shopper.post("/admin/login", credentials, token_from="/admin/login")
    assert response.status_code == 303
    return shopper


def order_at(minutes: int, **details) -> Order:
    order = make_sales_order(**details)
    order.created_at = datetime(2026, 3, 10, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    db.session.flush()
    return order


def numbers_on(response) -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)">', response.get_data(as_text=True))


@pytest.mark.parametrize("query", TURKISH_I_QUERIES)
def test_the_order_list_finds_a_turkish_name_whatever_its_i_and_case(staff, query):
    wanted = [order_at(minute, name=name) for minute, name in enumerate(AYSE_YILMAZ)]
    order_at(10, name="Ayten Yıldız", email="ayten@example.com")

    response = staff.get(LIST, query_string={"q": query})

    assert response.status_code == 200
    assert numbers_on(response) == [o.number for o in reversed(wanted)]


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("gomlek", {"company_name": "Gömlek Evi Ltd."}),
        ("GÖMLEK", {"company_name": "gomlek evi ltd."}),
        ("cay", {"name": "Hakan Çaykara"}),
        ("zolw", {"name": "Zofia Żółwińska"}),
        ("ŻÓŁW", {"name": "Zofia Zolwinska"}),
        ("strasse", {"email": "kunde@straße.de"}),
    ],
)
def test_the_order_list_finds_names_without_their_accents(staff, query, details):
    wanted = order_at(1, **details)
    order_at(2, name="Ali Veli", email="ali@example.com")

    response = staff.get(LIST, query_string={"q": query})

    assert numbers_on(response) == [wanted.number]


def test_the_order_list_finds_a_persian_name_typed_with_arabic_letters(staff):
    wanted = order_at(1, name="علی کریمی")  # Persian yeh and keheh
    order_at(2, name="رضا احمدی")

    response = staff.get(LIST, query_string={"q": "علي كريمي"})  # Arabic yeh and kaf

    assert numbers_on(response) == [wanted.number]


def test_a_renamed_customer_is_found_by_the_new_name_only(staff):
    order = order_at(1, name="Ayşe Yılmaz")
    order.name = "Ayşe Öztürk"  # corrected in the back office (or any other write)
    db.session.flush()

    by_new = staff.get(LIST, query_string={"q": "OZTURK"})
    by_old = staff.get(LIST, query_string={"q": "yilmaz"})

    assert numbers_on(by_new) == [order.number]
    assert numbers_on(by_old) == []


# --- the storefront ----------------------------------------------------------------------------


def _product(name: str, description: dict[str, str] | None = None) -> Product:
    """A product named ``name`` (the factory names it in the other languages "Ürün n", "کالا n"...)."""
    product = make_product(name=name)
    if description is not None:
        product.description = description
        db.session.flush()
    return product


def _listed(response) -> list[str]:
    """Product slugs on a listing page, in order."""
    return re.findall(r'href="/p/([^"?]+)"', response.get_data(as_text=True))


@pytest.mark.parametrize("query", TURKISH_I_QUERIES)
def test_the_storefront_finds_a_turkish_name_whatever_its_i_and_case(shopper, query):
    wanted = [_product(f"{name} sabunu") for name in AYSE_YILMAZ]
    _product("Ayten Yıldız lambası")

    response = shopper.get("/", query_string={"q": query})

    assert response.status_code == 200
    assert sorted(set(_listed(response))) == sorted(p.slug for p in wanted)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("gomlek", "Keten gömlek"),
        ("GÖMLEK", "Keten gomlek"),
        ("cay", "Çay bardağı"),
        ("zolw", "Żółw pluszowy"),
        ("ŻÓŁW", "Zolw pluszowy"),
        ("strasse", "Straßenkarte"),
    ],
)
def test_the_storefront_finds_words_without_their_accents(shopper, query, name):
    wanted = _product(name)
    other = _product("Bambu tabak")

    listed = _listed(shopper.get("/", query_string={"q": query}))

    assert wanted.slug in listed and other.slug not in listed


def test_the_storefront_finds_persian_words_typed_with_arabic_letters_or_without_zwnj(shopper):
    book = _product("کتاب کودک")  # Persian keheh
    wish = _product("می‌خواهم")  # with a zero-width non-joiner
    _product("لیوان")

    by_arabic_kaf = _listed(shopper.get("/", query_string={"q": "كتاب"}))
    without_zwnj = _listed(shopper.get("/", query_string={"q": "میخواهم"}))

    assert set(by_arabic_kaf) == {book.slug}
    assert set(without_zwnj) == {wish.slug}


def test_the_storefront_finds_descriptions_but_ranks_names_first(shopper):
    described = _product("Keten pantolon", description={"tr": "Gömlekle uyumlu, yazlık."})
    named = _product("Keten gömlek")  # made later: a higher id, yet listed first
    _product("Bambu tabak")

    listed = list(dict.fromkeys(_listed(shopper.get("/", query_string={"q": "GOMLEK"}))))

    assert listed == [named.slug, described.slug]


def test_a_renamed_product_is_found_by_its_new_name_only(shopper):
    product = _product("Keten gömlek")
    product.name = {"en": "Cotton T-shirt", "tr": "Pamuklu tişört", "pl": "Bawełniana koszulka"}
    db.session.flush()

    assert product.slug in _listed(shopper.get("/", query_string={"q": "tisort"}))
    assert product.slug in _listed(shopper.get("/", query_string={"q": "bawelniana"}))
    assert product.slug not in _listed(shopper.get("/", query_string={"q": "gomlek"}))
