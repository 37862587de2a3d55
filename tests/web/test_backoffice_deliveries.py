"""The deliveries back office (B7): a step done from the order page line by line, the work list
with counts, filters and bulk done; bad input refused with nothing changed; couriers 403."""

from __future__ import annotations

import pytest

from shop.catalog.ledger import differences
from shop.catalog.models import Stock
from shop.extensions import db
from shop.fulfillment import deliveries
from shop.fulfillment.models import DeliveryStep, StepState
from shop.settings import services as settings
from tests.factories import make_product, make_sales_order, make_warehouse
from tests.statements import statements
from tests.web.conftest import text
from tests.web.test_backoffice_access import logged_in


@pytest.fixture
def order():
    settings.update(backorder_policy="ask")
    warehouse = make_warehouse("IST", delivery_steps=2)
    variant = make_product(stock={warehouse: 10}, name="Linen Shirt").variants[0]
    order = make_sales_order((variant, 5))
    db.session.commit()
    return order


def _steps(order) -> list[DeliveryStep]:
    db.session.expire_all()
    return [step for delivery in deliveries.for_order(order) for step in delivery.steps]


def _url(order, step) -> str:
    return f"/admin/orders/{order.number}/deliveries/steps/{step.id}"


def test_couriers_get_403_everywhere(shopper, order):
    logged_in(shopper, "courier")
    pick = _steps(order)[0]
    assert shopper.get("/admin/deliveries").status_code == 403
    assert (
        shopper.post(_url(order, pick), {f"qty-{order.lines[0].id}": "5"}, token_from="/").status_code == 403
    )
    assert shopper.post("/admin/deliveries/done", {"steps": str(pick.id)}).status_code == 403
    assert _steps(order)[0].state == StepState.READY


def test_a_partial_pick_from_the_order_page_makes_a_backorder(shopper, order):
    logged_in(shopper, "staff")
    page = text(shopper.get(f"/admin/orders/{order.number}"))
    assert f"{order.number}/1" in page and "Pick" in page
    pick = _steps(order)[0]
    line_id = order.lines[0].id

    response = shopper.post(_url(order, pick), {f"qty-{line_id}": "3", "backorder": "yes"})

    assert response.status_code == 303
    steps = _steps(order)
    assert steps[0].state == StepState.DONE and steps[0].done_by_label
    assert [line.done for line in steps[0].lines] == [3]
    assert len(deliveries.for_order(order)) == 2
    page = text(shopper.get(f"/admin/orders/{order.number}"))
    assert f"Backorder of {order.number}/1" in page and f"Pick done for {order.number}/1" in page
    assert differences() == []


@pytest.mark.parametrize("units", ["-1", "6", "abc", "", "2.5", "١"])
def test_bad_quantities_change_nothing(shopper, order, units):
    logged_in(shopper, "staff")
    pick = _steps(order)[0]
    response = shopper.post(_url(order, pick), {f"qty-{order.lines[0].id}": units, "backorder": "yes"})
    assert response.status_code == 303
    assert _steps(order)[0].state == StepState.READY
    assert len(deliveries.for_order(order)) == 1


def test_asked_policy_without_an_answer_changes_nothing(shopper, order):
    logged_in(shopper, "staff")
    pick = _steps(order)[0]
    shopper.post(_url(order, pick), {f"qty-{order.lines[0].id}": "2"})
    assert _steps(order)[0].state == StepState.READY


def test_a_step_of_another_order_is_404(shopper, order):
    logged_in(shopper, "staff")
    other = make_sales_order()
    db.session.commit()
    [other_step] = _steps(other)
    response = shopper.post(_url(order, other_step), {f"qty-{other.lines[0].id}": "1"})
    assert response.status_code == 404
    assert _steps(other)[0].state == StepState.READY
    assert shopper.post(f"/admin/orders/{order.number}/deliveries/steps/999999", {}).status_code == 404


def test_without_csrf_nothing_changes(shopper, order):
    logged_in(shopper, "staff")
    pick = _steps(order)[0]
    response = shopper.post(_url(order, pick), {f"qty-{order.lines[0].id}": "5"}, csrf=False)
    assert response.status_code in (303, 400)
    assert _steps(order)[0].state == StepState.READY


def test_shipping_from_the_order_page_takes_the_goods_out(shopper, order):
    logged_in(shopper, "staff")
    line_id = order.lines[0].id
    pick = _steps(order)[0]
    shopper.post(_url(order, pick), {f"qty-{line_id}": "5"})
    ship = _steps(order)[1]
    assert ship.state == StepState.READY
    shopper.post(
        _url(order, ship), {f"qty-{line_id}": "5", "ship_carrier": "aras", "ship_tracking_number": "x"}
    )
    assert _steps(order)[1].state == StepState.READY  # a bad tracking number is refused
    shopper.post(
        _url(order, ship),
        {f"qty-{line_id}": "5", "ship_carrier": "aras", "ship_tracking_number": "AR-778899"},
    )
    assert _steps(order)[1].state == StepState.DONE
    stock = db.session.scalar(db.select(Stock).where(Stock.variant_id == order.lines[0].variant_id))
    assert (stock.quantity, stock.reserved) == (5, 0)
    assert differences() == []


def test_the_work_list_counts_filters_and_bulk_done(shopper, order):
    other_warehouse = make_warehouse("ANK", delivery_steps=3)
    other = make_sales_order((make_product(stock={other_warehouse: 4}).variants[0], 2))
    db.session.commit()
    logged_in(shopper, "staff")

    page = text(shopper.get("/admin/deliveries"))
    assert f"{order.number}/1" in page and f"{other.number}/1" in page
    assert shopper.get("/admin/deliveries?kind=ship").get_data(as_text=True).count('name="steps"') == 0
    only_ank = text(shopper.get("/admin/deliveries?warehouse=ANK"))
    assert f"{other.number}/1" in only_ank and f"{order.number}/1" not in only_ank
    assert shopper.get("/admin/deliveries?page=abc&state=nope&kind=zzz").status_code == 200

    picks = [_steps(order)[0].id, _steps(other)[0].id]
    response = shopper.post(
        "/admin/deliveries/done", {"steps": [str(i) for i in picks]}, token_from="/admin/deliveries"
    )
    assert response.status_code == 303
    assert _steps(order)[0].state == StepState.DONE and _steps(other)[0].state == StepState.DONE
    assert _steps(other)[1].state == StepState.READY  # pack
    assert "Pack" in text(shopper.get("/admin/deliveries?kind=pack"))
    # A ship step of a carrier order needs a tracking number: refused in bulk, said why.
    ship = _steps(order)[1]
    shopper.post("/admin/deliveries/done", {"steps": str(ship.id)})
    assert _steps(order)[1].state == StepState.READY
    assert differences() == []


def test_print_packing_slips_offers_the_batch_of_the_selected_orders(shopper, order):
    logged_in(shopper, "staff")
    pick = _steps(order)[0]
    page = text(shopper.post("/admin/deliveries/print", {"steps": str(pick.id)}))
    assert 'action="/admin/documents/batches"' in page and f'value="{order.number}"' in page
    assert 'value="packing-slip"' in page


def test_the_work_list_runs_in_a_bounded_number_of_statements(shopper, order):

    for _ in range(6):
        make_sales_order((make_product(stock=3).variants[0], 1))
    db.session.commit()
    logged_in(shopper, "staff")
    with statements() as seen:
        response = shopper.get("/admin/deliveries")
    assert response.status_code == 200
    assert len(seen) <= 20, len(seen)


# --- the delivery settings (settings page, warehouse page) -----------------------------------


def test_the_backorder_policy_and_auto_shipped_are_saved_and_checked(shopper):
    from tests.web.test_backoffice_settings import PAGE, save

    logged_in(shopper, "admin")
    assert 'name="backorder_policy"' in text(shopper.get(PAGE))
    assert save(shopper, backorder_policy="never", ship_moves_to_shipped="y").status_code == 303
    db.session.expire_all()
    assert (settings.current_fresh().backorder_policy, settings.current_fresh().ship_moves_to_shipped) == (
        "never",
        True,
    )
    response = save(shopper, backorder_policy="sometimes")
    assert response.status_code == 422
    assert settings.current_fresh().backorder_policy == "never"


def test_a_warehouse_sets_its_delivery_steps(shopper):
    warehouse = make_warehouse("IZM")
    db.session.commit()
    logged_in(shopper, "staff")
    url = f"/admin/warehouses/{warehouse.id}"
    page = text(shopper.get(url))
    assert 'name="delivery_steps"' in page
    form = {
        "code": "IZM",
        "name_en": "Izmir",
        "position": "0",
        "pickup_hours": "",
        "pickup_lead_days": "1",
        "pickup_horizon_days": "14",
    }
    assert shopper.post(url, {**form, "delivery_steps": "9"}, token_from=url).status_code == 422
    db.session.expire_all()
    assert db.session.get(type(warehouse), warehouse.id).delivery_steps == 1
    assert shopper.post(url, {**form, "delivery_steps": "3"}, token_from=url).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(warehouse), warehouse.id).delivery_steps == 3
