"""The settings page's courier statuses (issue 12, B9): three selects offering "no change" and
the statuses a courier's change may move to; saved and recorded; a forged value refused with
nothing saved; and a courier's "on the way" over HTTP then moves the order."""

from __future__ import annotations

from shop.extensions import db
from shop.fulfillment.courier_models import CourierTask
from shop.orders.models import OrderStatus
from shop.sales.models import Order
from shop.settings import services as settings
from tests.web.conftest import field_errors, text
from tests.web.test_backoffice_access import logged_in
from tests.web.test_backoffice_settings import PAGE, recorded, save
from tests.web.test_courier_tasks import world  # noqa: F401 (a fixture)

EMPTY = {"picked_up": "", "on_the_way": "", "failed": ""}
COURIER_FIELDS = {f"courier_status_{state}": "" for state in EMPTY}


def test_the_page_offers_only_statuses_a_courier_may_move_to(shopper):
    logged_in(shopper, "admin")

    page = text(shopper.get(PAGE))

    for name in COURIER_FIELDS:
        assert f'name="{name}"' in page
    section = page.split('data-testid="courier-settings"')[1].split("</div>\n        </div>")[0]
    assert "(no change)" in section and ">Processing<" in section and ">Returned<" in section
    assert ">Shipped<" not in section and ">Cancelled<" not in section  # tracking, cancelling
    assert ">New<" not in section and ">Completed<" not in section  # only Delivered completes


def test_the_choices_are_saved_and_recorded(shopper):
    logged_in(shopper, "admin", name="Aylin Admin")

    choices = {
        **COURIER_FIELDS,
        "courier_status_on_the_way": "processing",
        "courier_status_failed": "returned",
    }
    response = save(shopper, **choices)

    assert response.status_code == 303
    db.session.expire_all()
    assert settings.current_fresh().courier_statuses == {
        **EMPTY,
        "on_the_way": "processing",
        "failed": "returned",
    }
    [change] = [c for c in recorded() if c.key == "courier_statuses"]
    assert change.after["failed"] == "returned"
    page = text(shopper.get(PAGE))
    assert "Status after the courier’s changes" in page and "not delivered: Returned" in page
    # The page shows the choice again.
    assert '<option selected value="returned">Returned<' in page


def test_a_form_without_the_selects_leaves_the_choices_as_they_are(shopper):
    settings.update(courier_statuses={**EMPTY, "picked_up": "processing"})
    db.session.commit()
    logged_in(shopper, "admin")

    assert save(shopper, shop_name="Kitap Evi").status_code == 303

    db.session.expire_all()
    assert settings.current_fresh().courier_statuses["picked_up"] == "processing"


def test_a_forged_status_is_refused_next_to_its_select_and_nothing_is_saved(shopper):
    logged_in(shopper, "admin")

    response = save(
        shopper, **{**COURIER_FIELDS, "courier_status_picked_up": "cancelled"}, shop_name="Kitap Evi"
    )

    assert response.status_code == 422
    assert field_errors(response, "courier_status_picked_up")
    db.session.expire_all()
    shop = settings.current_fresh()
    assert (shop.shop_name, shop.courier_statuses) == ("Demo Shop", EMPTY)
    assert [c for c in recorded() if c.key in ("shop_name", "courier_statuses")] == []


def test_a_courier_on_the_way_over_http_moves_the_order(world):  # noqa: F811
    settings.update(courier_statuses={**EMPTY, "on_the_way": "returned"})
    db.session.commit()
    shopper, task_id = world["shopper"], world["my_task"]

    response = shopper.post(f"/courier/tasks/{task_id}/on-the-way", {}, token_from="/courier/tasks")

    assert response.status_code == 303
    db.session.expire_all()
    order = db.session.get(Order, db.session.get(CourierTask, task_id).order_id)
    assert db.session.get(OrderStatus, order.status_id).code == "returned"
