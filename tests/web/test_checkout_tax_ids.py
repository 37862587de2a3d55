"""Tax IDs at checkout (issue 10, item 13): checked for the chosen country, stored in ASCII digits."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.sales.models import Order, OrderState
from tests.web.conftest import field_errors

INVALID = "This tax ID is not valid for the chosen country."


@pytest.fixture
def filled(shopper, make_product):
    assert shopper.add(make_product(stock=5).variants[0], 1).status_code == 303


def _placed() -> Order | None:
    return db.session.scalar(db.select(Order).where(Order.state != OrderState.QUOTATION))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("۰۴۹۹۳۷۰۸۹۹", "0499370899"), ("١٠٣٨٠٢٨٤٧٩٠", "10380284790"), ("10380284790", "10380284790")],
)
def test_an_iranian_tax_id_in_persian_digits_is_stored_in_ascii(shopper, filled, typed, stored):
    response = shopper.checkout(country="IR", company_name="شرکت نمونه", tax_id=typed)

    assert response.status_code == 303
    assert _placed().tax_id == stored


@pytest.mark.parametrize("typed", ["1234567890", "10380284792", "۱۲۳۴۵۶۷۸۹۰"])
def test_an_iranian_tax_id_that_fails_its_check_digit_is_refused(shopper, filled, typed):
    response = shopper.checkout(country="IR", company_name="شرکت نمونه", tax_id=typed)

    assert response.status_code == 422
    assert field_errors(response, "tax_id") == [INVALID]
    assert _placed() is None


@pytest.mark.parametrize(("country", "typed"), [("TR", "PL1234567890"), ("PL", "TR8567346215")])
def test_another_countrys_prefix_is_refused(shopper, filled, country, typed):
    response = shopper.checkout(country=country, company_name="Firma", tax_id=typed)

    assert response.status_code == 422
    assert field_errors(response, "tax_id") == [INVALID]
