"""The warehouse pages (issue 11): admins and staff add and edit warehouses (code, names and
addresses per language, position, pickup rules); bad input is refused next to its field and
changes nothing; couriers get 403; a warehouse edited here is what checkout offers."""

from __future__ import annotations

import re

import pytest

from shop.catalog.history import CatalogChange
from shop.catalog.models import Warehouse
from shop.extensions import db
from tests.factories import make_product, make_warehouse
from tests.statements import statements
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in

LIST = "/admin/warehouses"
NEW = "/admin/warehouses/new"
HOURS_MESSAGE = "Write the opening hours as HH:MM-HH:MM, opening before closing, for example 10:00-19:00."
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b(?!.*sign_in_sessions)", re.I | re.S)


@pytest.fixture
def staff(shopper):
    logged_in(shopper, "staff", name="Selin Staff")
    return shopper


def form(**over) -> dict:
    values = {
        "code": "IZM",
        "name_en": "Izmir depot",
        "name_tr": "İzmir deposu",
        "name_pl": "",
        "name_fa": "",
        "address_en": "Alsancak 1, İzmir",
        "position": "2",
        "pickup": "y",
        "pickup_weekdays": ["0", "1", "2", "3", "4"],
        "pickup_hours": "10:00-19:00",
        "pickup_lead_days": "1",
        "pickup_horizon_days": "14",
        **over,
    }
    return {key: value for key, value in values.items() if value is not None}


def count() -> int:
    return db.session.scalar(db.select(db.func.count(Warehouse.id)))


def history() -> list[CatalogChange]:
    return list(db.session.scalars(db.select(CatalogChange)))


# --- who may open the pages ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_admin_and_staff_see_the_list_under_catalog(shopper, role):
    logged_in(shopper, role)
    make_warehouse("IST")

    response = shopper.get(LIST)

    page = text(response)
    assert response.status_code == 200
    assert "Warehouse IST" in page and "10:00-19:00" in page
    assert re.search(r'<a href="/admin/(products|categories)" aria-current="page">Catalog</a>', page)
    assert '<a href="/admin/warehouses" aria-current="page">Warehouses</a>' in page  # the sub-navigation


def test_a_courier_gets_403_everywhere(shopper):
    logged_in(shopper, "courier")
    warehouse = make_warehouse("IST")
    pages = [LIST, NEW, f"{LIST}/{warehouse.id}"]

    assert [shopper.get(page).status_code for page in pages] == [403, 403, 403]
    # With a valid token (from the storefront): the role is what refuses.
    assert shopper.post(NEW, form()).status_code == 403
    assert shopper.post(f"{LIST}/{warehouse.id}", form(code="IST", name_en="Hacked")).status_code == 403
    assert shopper.post(f"{LIST}/{warehouse.id}/delete", {}).status_code == 403
    assert count() == 1


def test_logged_out_goes_to_the_login(shopper):
    assert location_path(shopper.get(LIST)).startswith("/admin/login")


def test_a_get_writes_nothing_and_runs_as_many_statements_for_ten_warehouses_as_for_two(staff):
    make_warehouse("A1"), make_warehouse("A2")
    staff.get(LIST)
    with statements() as few:
        staff.get(LIST)
    for number in range(8):
        make_warehouse(f"B{number}")
    with statements() as many:
        staff.get(LIST)

    assert len(many) == len(few) <= 12
    assert not [s for s in many if WRITES.match(s)]


# --- adding and editing ----------------------------------------------------------------------


def test_staff_add_a_warehouse_and_it_is_in_the_history(staff):
    response = staff.post(NEW, form(code="izm"), token_from=NEW)

    assert response.status_code == 303 and location_path(response) == LIST
    warehouse = db.session.scalar(db.select(Warehouse).where(Warehouse.code == "IZM"))
    assert warehouse.name == {"en": "Izmir depot", "tr": "İzmir deposu"}
    assert (warehouse.position, warehouse.pickup_weekdays) == (2, [0, 1, 2, 3, 4])
    page = text(staff.get(LIST))
    assert "Warehouse Izmir depot added." in page
    history_part = page.split('id="w-history"')[1]
    assert "Selin Staff" in history_part and "IZM" in history_part and "İzmir deposu" in history_part


def test_the_edit_page_shows_the_warehouse_and_saves_pickup_rules(staff):
    warehouse = make_warehouse("IST")
    page = f"{LIST}/{warehouse.id}"
    shown = text(staff.get(page))
    assert 'name="pickup_hours" placeholder="10:00-19:00" type="text" value="10:00-19:00"' in shown
    assert 'name="name_fa" type="text" value="انبار IST"' in shown

    response = staff.post(
        page,
        form(
            code="IST",
            name_en="Warehouse IST",
            name_tr="",
            name_fa="انبار IST",
            address_en="IST street 1",
            pickup_weekdays=["5", "6"],
            pickup_hours="۰۹:۰۰ – ۱۸:۳۰",
            pickup_lead_days="0",
            pickup_horizon_days="7",
            position="0",
        ),
        token_from=page,
    )

    assert response.status_code == 303
    db.session.expire_all()
    warehouse = db.session.get(Warehouse, warehouse.id)
    assert (warehouse.pickup_weekdays, warehouse.pickup_hours) == ([5, 6], "09:00-18:30")
    assert (warehouse.pickup_lead_days, warehouse.pickup_horizon_days) == (0, 7)
    [change] = history()
    assert set(change.changes) == {
        "pickup_weekdays",
        "pickup_hours",
        "pickup_lead_days",
        "pickup_horizon_days",
    }


def test_pickup_can_be_switched_off(staff):
    warehouse = make_warehouse("IST")
    page = f"{LIST}/{warehouse.id}"

    staff.post(page, form(code="IST", pickup=None, pickup_weekdays=None, pickup_hours=""), token_from=page)

    db.session.expire_all()
    assert db.session.get(Warehouse, warehouse.id).pickup is False


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"name_en": ""}, "name_en", "Enter it in English, the shop's default language."),
        ({"name_en": "   "}, "name_en", "Enter it in English, the shop's default language."),
        ({"name_tr": "x" * 81}, "name_tr", "Write at most 80 characters."),
        ({"address_en": "x" * 301}, "address_en", "Write at most 300 characters."),
        ({"code": ""}, "code", "Use 2 to 16 capital letters A to Z and digits, for example IST1."),
        ({"code": "IZ-1"}, "code", "Use 2 to 16 capital letters A to Z and digits, for example IST1."),
        ({"code": "X" * 17}, "code", "Use 2 to 16 capital letters A to Z and digits, for example IST1."),
        ({"code": "IST"}, "code", "Another warehouse already has the code IST."),
        ({"pickup_hours": "18:00-09:00"}, "pickup_hours", HOURS_MESSAGE),
        ({"pickup_hours": "25:00-26:00"}, "pickup_hours", HOURS_MESSAGE),
        ({"pickup_hours": "9-18"}, "pickup_hours", HOURS_MESSAGE),
        ({"pickup_hours": ""}, "pickup_hours", HOURS_MESSAGE),
        ({"pickup_weekdays": ["7"]}, "pickup_weekdays", "Choose weekdays from the list."),
        ({"pickup_weekdays": ["-1"]}, "pickup_weekdays", "Choose weekdays from the list."),
        ({"pickup_weekdays": None}, "pickup_weekdays", "Choose at least one day when orders can be collected."),  # noqa: E501
        ({"pickup_lead_days": "-1"}, "pickup_lead_days", "Enter a whole number of days from 0 to 30."),
        ({"pickup_lead_days": "31"}, "pickup_lead_days", "Enter a whole number of days from 0 to 30."),
        ({"pickup_horizon_days": "0"}, "pickup_horizon_days", "Enter a whole number of days from 1 to 90."),
        ({"pickup_horizon_days": "abc"}, "pickup_horizon_days", "Enter a whole number of days from 1 to 90."),
        (
            {"pickup_lead_days": "10", "pickup_horizon_days": "5"},
            "pickup_horizon_days",
            "Customers must be able to book at least as far ahead as the preparation time.",
        ),
        ({"position": "-3"}, "position", "Enter a number from 0 to 9999."),
        ({"name_en": "Depot\x00"}, "name_en", "This field contains characters that are not allowed."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_changes_nothing(staff, over, field, message):
    make_warehouse("IST")

    response = staff.post(NEW, form(**over), token_from=NEW)

    assert response.status_code == 422
    assert field_errors(response, field) == [message]
    assert count() == 1
    assert history() == []


def test_a_refused_edit_keeps_what_was_typed_and_the_warehouse_unchanged(staff):
    warehouse = make_warehouse("IST")
    page = f"{LIST}/{warehouse.id}"

    response = staff.post(page, form(code="IST", name_en="New name", pickup_hours="late"), token_from=page)

    assert response.status_code == 422
    assert 'value="New name"' in text(response) and 'value="late"' in text(response)
    db.session.expire_all()
    assert db.session.get(Warehouse, warehouse.id).name["en"] == "Warehouse IST"


def test_a_post_without_the_token_is_refused(staff):
    response = staff.post(NEW, form(), csrf=False)

    assert response.status_code == 400
    assert count() == 0


def test_an_unknown_warehouse_is_404(staff):
    assert staff.get(f"{LIST}/999999").status_code == 404


def test_the_pages_work_in_persian(staff):
    warehouse = make_warehouse("IST")
    staff.get(f"{LIST}?lang=fa")

    listing, edit = text(staff.get(LIST)), text(staff.get(f"{LIST}/{warehouse.id}"))

    assert 'dir="rtl"' in listing and "انبار IST" in listing
    assert 'lang="en" dir="ltr"' in edit  # the English name field stays left to right


# --- deleting ---------------------------------------------------------------------------------


def test_a_warehouse_with_stock_is_not_deleted_and_the_page_says_why(staff):
    warehouse = make_warehouse("IST")
    make_product(stock={warehouse: 3})
    page = f"{LIST}/{warehouse.id}"

    response = staff.post(f"{page}/delete", {}, token_from=page)

    assert location_path(response) == page
    assert "IST has stock records, so it cannot be deleted." in text(staff.get(page))
    assert count() == 1


def test_an_unused_warehouse_is_deleted(staff):
    warehouse = make_warehouse("TMP")
    page = f"{LIST}/{warehouse.id}"

    response = staff.post(f"{page}/delete", {}, token_from=page)

    assert location_path(response) == LIST
    assert count() == 0
    assert "Warehouse Warehouse TMP deleted." in text(staff.get(LIST))
