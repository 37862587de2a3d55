"""What sellers type on the settings page (issue 10, item 17): prices are read in the seller's
language (``12,50`` in Turkish and Polish). Pickup hours moved to the warehouse page
(tests/web/test_backoffice_warehouses.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.extensions import db
from shop.settings import services as settings
from shop.settings.models import SettingChange
from tests.web.conftest import field_errors, text
from tests.web.test_backoffice_access import logged_in
from tests.web.test_backoffice_settings import settings_form

PAGE = "/admin/settings"


@pytest.fixture
def admin(shopper):
    logged_in(shopper, "admin")
    return shopper


def _save(shopper, **fields):
    return shopper.post(PAGE, fields or settings_form(), token_from=PAGE)


# --- prices with a decimal comma ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["tr", "pl"])
def test_a_price_with_a_decimal_comma_is_accepted_in_turkish_and_polish(admin, language):
    admin.get(f"{PAGE}?lang={language}")

    response = _save(admin, **settings_form(price_carrier="12,50", sms_price_domestic="0,12"))

    assert response.status_code == 303
    shop = settings.current_fresh()
    assert shop.delivery_price("carrier") == Decimal("12.50")
    assert shop.delivery_prices["carrier"] == "12.50"
    assert shop.sms_prices["domestic"] == "0.12"
    page = admin.get(PAGE).get_data(as_text=True)
    assert 'name="price_carrier" type="text" value="12,50"' in page  # shown as the seller writes it


def test_turkish_grouping_is_read_as_turkish(admin):
    admin.get(f"{PAGE}?lang=tr")

    response = _save(admin, **settings_form(price_carrier="1.250,75"))

    assert response.status_code == 303
    assert settings.current_fresh().delivery_prices["carrier"] == "1250.75"


def test_an_unchanged_turkish_form_changes_nothing(admin):
    """The prices come back as the page showed them (79,90) and mean what they meant."""
    admin.get(f"{PAGE}?lang=tr")
    page = admin.get(PAGE).get_data(as_text=True)
    assert 'name="price_carrier" type="text" value="79,90"' in page

    response = _save(
        admin, **settings_form(price_carrier="79,90", price_courier="49,90", price_pickup="0,00")
    )

    assert response.status_code == 303
    assert db.session.scalar(db.select(db.func.count(SettingChange.id))) == 0
    assert settings.current_fresh().delivery_price("carrier") == Decimal("79.90")


@pytest.mark.parametrize("price", ["12,5,0", "1e3", "NaN", "12 zł", "--1"])
def test_a_price_that_is_no_number_is_refused_at_its_field(admin, price):
    admin.get(f"{PAGE}?lang=pl")

    response = _save(admin, **settings_form(price_carrier=price, shop_name="Not Saved"))

    assert response.status_code == 422
    # In the seller's language, with an example written as they write amounts.
    assert field_errors(response, "price_carrier") == ["Podaj kwotę, np. 12,50."]
    assert settings.current_fresh().shop_name == "Demo Shop"
    assert "12,50" in text(response)
