"""Bad input found by fuzzing gets the page's normal answer, never a 500 (issue 10, item 8):
a file sent for a text field of any form, the pickup-dates fragment opened as a page, and
control characters in any URL part that reaches a query (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import importlib
import io
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm

import shop
from shop.extensions import db
from shop.forms import ShopForm
from shop.sales.models import Order, OrderState
from shop.settings import services as settings
from tests.web.conftest import checkout_form, csrf_token_in, field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in
from tests.web.test_backoffice_settings import settings_form

NOT_A_FILE = "This field takes text, not a file."


def _file() -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"%PDF-1.4 not a name"), "invoice.pdf"


@pytest.fixture
def filled(shopper, make_product):
    variant = make_product(price="100.00", stock=5).variants[0]
    assert shopper.add(variant, 1).status_code == 303
    return shopper.cart_id()


def _orders_placed() -> int:
    return db.session.scalar(db.select(db.func.count(Order.id)).where(Order.state != OrderState.QUOTATION))


# --- a file where text belongs ----------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "email", "phone", "tax_id", "country", "pickup_warehouse"])
def test_a_file_in_a_checkout_field_is_refused_at_that_field(shopper, filled, field):
    page = shopper.get("/checkout")
    form = {**checkout_form(csrf_token=csrf_token_in(page)), field: _file()}

    response = shopper.post("/checkout", form, content_type="multipart/form-data")

    assert response.status_code == 422
    assert NOT_A_FILE in field_errors(response, field)
    assert _orders_placed() == 0


def test_a_file_in_the_login_form_is_refused_with_the_login_page(shopper):
    response = shopper.post(
        "/account/login",
        {"email": _file(), "password": "whatever-it-is"},
        token_from="/account/login",
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert NOT_A_FILE in field_errors(response, "email")


def test_a_file_in_a_settings_price_is_refused_and_nothing_is_saved(shopper):
    logged_in(shopper, "admin")

    response = shopper.post(
        "/admin/settings",
        settings_form(price_carrier=_file(), shop_name="Not Saved"),
        token_from="/admin/settings",
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    assert NOT_A_FILE in field_errors(response, "price_carrier")
    assert settings.current_fresh().shop_name == "Demo Shop"


def test_a_json_body_with_numbers_and_lists_for_text_fields_is_refused_not_a_500(shopper, filled):
    token = shopper.csrf_token("/checkout")

    response = shopper.open(
        "/checkout",
        method="POST",
        json={**checkout_form(), "name": {"first": "Ayşe"}, "postal_code": 34430, "city": None},
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 422
    assert NOT_A_FILE in field_errors(response, "name")
    assert NOT_A_FILE in field_errors(response, "city")
    assert field_errors(response, "postal_code") == []  # a number is text enough for a postal code
    assert _orders_placed() == 0


def test_every_form_of_the_app_is_a_shop_form():
    """The refusal lives in ShopForm: a form built on FlaskForm directly would not have it."""
    for module in pkgutil.walk_packages(shop.__path__, "shop."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        return {cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))}

    ours = {form for form in subclasses(FlaskForm) if form.__module__.startswith("shop.")}
    assert ours, "no forms found"
    assert {form for form in ours if not issubclass(form, ShopForm)} == set()


# --- the pickup-dates fragment opened as a page ----------------------------------------------


def test_pickup_dates_opened_without_htmx_is_the_checkout_page_with_the_warehouse_chosen(
    shopper, make_product, make_warehouse
):
    warehouse = make_warehouse("KDK")
    variant = make_product(stock={warehouse: 3}).variants[0]
    shopper.add(variant, 1)

    response = shopper.get(f"/checkout/pickup-dates?pickup_warehouse={warehouse.id}")

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" in body and 'name="csrf_token"' in body
    assert f'<option selected value="{warehouse.id}">' in body
    assert re.search(r'<input checked [^>]*value="pickup"', body)
    assert body.count('<option value="20') >= 1  # the warehouse's dates are listed


@pytest.mark.parametrize(
    "query", ["", "?pickup_warehouse=abc", "?pickup_warehouse=999999", "?pickup_warehouse=%00"]
)
def test_pickup_dates_opened_without_htmx_and_odd_parameters_still_answer_a_page(shopper, filled, query):
    response = shopper.get(f"/checkout/pickup-dates{query}")

    assert response.status_code == 200
    assert "Checkout" in text(response)


def test_pickup_dates_opened_without_a_cart_redirects(shopper):
    response = shopper.get("/checkout/pickup-dates")

    assert response.status_code == 303
    assert location_path(response) == "/checkout"


# --- control characters in URLs ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/p/%00",
        "/c/%00",
        "/p/a%00b/picture.svg",
        "/c/shirts%1F",
        "/orders/%00",
        "/orders/abc%00/pay",
        "/checkout/return/%00",
        "/cart/restore/%00",
        "/testpay/pay/%00",
    ],
)
def test_a_control_character_in_a_url_part_is_a_404(shopper, make_product, url):
    make_product()

    response = shopper.get(url) if not url.endswith("/pay") else shopper.post(url, {})

    assert response.status_code == 404


@pytest.mark.parametrize("url", ["/admin/orders/%00", "/admin/orders/S%00001/status"])
def test_a_control_character_in_a_back_office_order_number_is_a_404(shopper, url):
    logged_in(shopper, "staff")

    response = shopper.get(url)

    assert response.status_code == 404


def test_a_slug_with_other_unicode_still_reaches_the_page(shopper, make_product):
    product = make_product()
    product.slug = "gömlek-çay"

    response = shopper.get("/p/g%C3%B6mlek-%C3%A7ay")

    assert response.status_code == 200
    assert text(response).count(product.name["en"]) >= 1
