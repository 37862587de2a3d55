"""The back-office stock pages: figures per warehouse, the ledger, the four actions (each a
service call with who), bad input refused with a message and nothing changed; couriers 403."""

from __future__ import annotations

import pytest

from shop.catalog.ledger import differences
from shop.catalog.models import Stock, StockMove
from shop.extensions import db
from tests.factories import make_product, make_warehouse
from tests.web.conftest import text
from tests.web.test_backoffice_access import logged_in


@pytest.fixture
def sku():
    ist, ank = make_warehouse("IST"), make_warehouse("ANK")
    variant = make_product(stock={ist: 5, ank: 0}, name="Linen Shirt").variants[0]
    db.session.commit()
    return variant.sku, ist.id, ank.id


def _figures(sku_code: str) -> dict[int, tuple[int, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        db.select(Stock.warehouse_id, Stock.quantity, Stock.reserved)
        .join(Stock.variant)
        .where(Stock.variant.property.mapper.class_.sku == sku_code)
    )
    return {w: (q, r) for w, q, r in rows}


def test_staff_see_the_sku_page_and_a_courier_gets_403(shopper, sku):
    code, _, _ = sku
    logged_in(shopper, "courier")
    assert shopper.get(f"/admin/stock/{code}").status_code == 403
    assert shopper.get("/admin/stock").status_code == 403


def test_the_sku_page_and_the_low_stock_list(shopper, sku):
    code, _, _ = sku
    logged_in(shopper, "staff")
    page = text(shopper.get(f"/admin/stock/{code}"))
    assert code in page and "Receive goods" in page and "Receipt" in page
    listing = text(shopper.get("/admin/stock"))
    assert code in listing  # 5 available is at the default threshold of 5


def test_receiving_goods_writes_a_ledger_row_with_who(shopper, sku):
    code, ist, ank = sku
    user = logged_in(shopper, "staff")
    response = shopper.post(
        f"/admin/stock/{code}/receive",
        {"receive-warehouse": str(ank), "receive-quantity": "4", "receive-note": "Delivery"},
        token_from=f"/admin/stock/{code}",
    )
    assert response.status_code == 303
    assert _figures(code)[ank] == (4, 0)
    move = db.session.scalar(db.select(StockMove).order_by(StockMove.id.desc()).limit(1))
    assert (move.kind, move.actor_id) == ("receipt", user.id)
    assert differences() == []


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("receive", {"receive-quantity": ""}, "whole number of units"),
        ("receive", {"receive-quantity": "-2"}, "whole number of units"),
        ("receive", {"receive-quantity": "abc"}, "whole number of units"),
        ("receive", {"receive-quantity": "2", "receive-note": "x" * 501}, "501"),
        ("write-off", {"write_off-quantity": "1", "write_off-note": ""}, "why"),
        ("write-off", {"write_off-quantity": "9", "write_off-note": "Broken"}, "Only 5 available"),
        ("transfer", {"transfer-quantity": "1", "transfer-target": "SAME"}, "two different warehouses"),
        ("count", {"count-counted": "5"}, "nothing to correct"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(shopper, sku, action, data, message):
    code, ist, _ = sku
    logged_in(shopper, "staff")
    prefix = action.replace("-", "_")
    form = {f"{prefix}-warehouse": str(ist), **data}
    if form.get("transfer-target") == "SAME":
        form["transfer-target"] = str(ist)
    before = _figures(code)
    moves = db.session.scalar(db.select(db.func.count(StockMove.id)))
    response = shopper.post(f"/admin/stock/{code}/{action}", form, token_from=f"/admin/stock/{code}")
    assert response.status_code == 422
    if message != "501":
        assert message in text(response)
    assert _figures(code) == before
    assert db.session.scalar(db.select(db.func.count(StockMove.id))) == moves


def test_a_transfer_moves_units_in_one_go_over_htmx(shopper, sku):
    code, ist, ank = sku
    logged_in(shopper, "staff")
    response = shopper.post(
        f"/admin/stock/{code}/transfer",
        {"transfer-warehouse": str(ist), "transfer-target": str(ank), "transfer-quantity": "2"},
        token_from=f"/admin/stock/{code}",
        htmx=True,
    )
    assert response.status_code == 200 and "Units transferred." in text(response)
    assert _figures(code) == {ist: (3, 0), ank: (2, 0)}
    assert differences() == []


def test_an_unknown_sku_is_404(shopper, sku):
    logged_in(shopper, "staff")
    assert shopper.get("/admin/stock/NOPE-1").status_code == 404
