"""The product page says which return window an empty field means: the shop's, in its unit."""

from __future__ import annotations

from shop.extensions import db
from shop.settings import services as settings
from tests.factories import make_product
from tests.web.conftest import text
from tests.web.test_backoffice_access import logged_in


def test_the_hint_names_the_shops_window_and_its_unit(shopper):
    product = make_product()
    db.session.commit()
    logged_in(shopper, "staff")

    assert "Empty: the shop’s default, 14 days." in text(shopper.get(f"/admin/products/{product.id}"))

    settings.update(currency="IRR", returns={"window_days": 10})
    db.session.commit()
    page = text(shopper.get(f"/admin/products/{product.id}"))
    assert "Empty: the shop’s default, 10 working days. A number here counts working days too." in page
