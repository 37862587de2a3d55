"""Warehouses edited in the back office (issue 11): code, names and addresses per language,
position and pickup rules, each checked as a whole, stored with a history row; a warehouse
that held stock or served an order cannot be deleted."""

from __future__ import annotations

import pytest

from shop.catalog import warehouses
from shop.catalog.editing import CatalogRefusal, InvalidCatalogInput
from shop.catalog.history import CatalogChange
from shop.catalog.models import Warehouse
from shop.extensions import db
from shop.settings import services as settings
from tests.factories import make_product, make_sales_order, make_user, make_warehouse

HOURS_MESSAGE = "Write the opening hours as HH:MM-HH:MM, opening before closing, for example 10:00-19:00."


def values(**over) -> dict:
    return {
        "code": "IZM",
        "name": {"en": "Izmir depot", "tr": "İzmir deposu", "pl": "", "fa": ""},
        "address": {"en": "Alsancak 1", "tr": "", "pl": "", "fa": ""},
        "position": "3",
        "pickup": True,
        "pickup_weekdays": ["0", "2", "4"],
        "pickup_hours": "09:00-18:00",
        "pickup_lead_days": "2",
        "pickup_horizon_days": "21",
        **over,
    }


def refused(given: dict, warehouse: Warehouse | None = None) -> dict[str, str]:
    with pytest.raises(InvalidCatalogInput) as caught:
        if warehouse is None:
            warehouses.create_warehouse(given, by_user_id=None)
        else:
            warehouses.update_warehouse(warehouse, given, by_user_id=None)
    return caught.value.errors


def changes() -> list[CatalogChange]:
    return list(db.session.scalars(db.select(CatalogChange).order_by(CatalogChange.id)))


def test_a_warehouse_is_created_with_its_texts_and_rules_and_recorded():
    staff = make_user("staff")

    warehouse = warehouses.create_warehouse(values(), by_user_id=staff.id)

    assert warehouse.code == "IZM"
    assert warehouse.name == {"en": "Izmir depot", "tr": "İzmir deposu"}  # empty languages are not kept
    assert warehouse.address == {"en": "Alsancak 1"}
    assert (warehouse.position, warehouse.pickup, warehouse.pickup_weekdays) == (3, True, [0, 2, 4])
    assert (warehouse.pickup_hours, warehouse.pickup_lead_days, warehouse.pickup_horizon_days) == (
        "09:00-18:00",
        2,
        21,
    )
    [change] = changes()
    assert (change.kind, change.object_id, change.action, change.by_user_id) == (
        "warehouse",
        warehouse.id,
        "created",
        staff.id,
    )
    assert change.changes["code"] == [None, "IZM"]


def test_a_code_typed_in_small_letters_is_stored_in_capitals():
    assert warehouses.create_warehouse(values(code=" izm2 "), by_user_id=None).code == "IZM2"


@pytest.mark.parametrize("code", ["", "I", "IZ-1", "İZM", "X" * 17, "IZ M"])
def test_a_code_must_be_2_to_16_capital_letters_and_digits(code):
    errors = refused(values(code=code))

    assert errors == {"code": "Use 2 to 16 capital letters A to Z and digits, for example IST1."}
    assert db.session.scalar(db.select(db.func.count(Warehouse.id))) == 0


def test_a_code_is_unique():
    make_warehouse("IZM")

    assert refused(values(code="izm")) == {"code": "Another warehouse already has the code IZM."}


def test_the_default_language_name_is_required_and_texts_have_a_length():
    errors = refused(values(name={"en": "  ", "tr": "x" * 81}, address={"en": "y" * 301}))

    assert errors == {
        "name.en": "Enter it in English, the shop's default language.",
        "name.tr": "Write at most 80 characters.",
        "address.en": "Write at most 300 characters.",
    }


def test_the_default_language_is_the_shops():
    settings.update(default_language="tr")

    errors = refused(values(name={"en": "Izmir depot", "tr": ""}))

    # Said in the shop's language too, now that it is Turkish.
    assert errors == {"name.tr": "Mağazanın varsayılan dilinde (Türkçe) girin."}


def test_texts_of_a_language_the_shop_no_longer_offers_are_kept():
    warehouse = make_warehouse("IST")  # name in en and fa
    settings.update(enabled_languages=["en", "tr"])

    warehouses.update_warehouse(warehouse, values(code="IST", name={"en": "Istanbul"}), by_user_id=None)

    assert warehouse.name == {"en": "Istanbul", "fa": "انبار IST"}


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"pickup_lead_days": "31"}, "pickup_lead_days"),
        ({"pickup_lead_days": "-1"}, "pickup_lead_days"),
        ({"pickup_lead_days": "two"}, "pickup_lead_days"),
        ({"pickup_horizon_days": "0"}, "pickup_horizon_days"),
        ({"pickup_horizon_days": "91"}, "pickup_horizon_days"),
        ({"pickup_lead_days": "10", "pickup_horizon_days": "5"}, "pickup_horizon_days"),
        ({"pickup_weekdays": ["7"]}, "pickup_weekdays"),
        ({"pickup_weekdays": ["-1"]}, "pickup_weekdays"),
        ({"pickup_weekdays": []}, "pickup_weekdays"),
        ({"pickup_hours": "x" * 41}, "pickup_hours"),
        ({"pickup_hours": ""}, "pickup_hours"),
        ({"position": "-1"}, "position"),
        ({"position": "10000"}, "position"),
    ],
)
def test_pickup_rules_and_position_are_validated_and_nothing_changes(over, field):
    warehouse = make_warehouse("ANK")

    errors = refused(values(code="ANK", **over), warehouse)

    assert list(errors) == [field]
    db.session.expire_all()
    assert (warehouse.pickup_lead_days, warehouse.pickup_hours, warehouse.position) == (1, "10:00-19:00", 0)
    assert changes() == []


@pytest.mark.parametrize("hours", ["25:00-26:00", "18:00-09:00", "9-18", "10:00-10:00", "10:60-12:00", "ab"])
def test_pickup_hours_that_are_not_an_opening_before_a_closing_are_refused(hours):
    assert refused(values(pickup_hours=hours)) == {"pickup_hours": HOURS_MESSAGE}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("09:00-18:00", "09:00-18:00"),
        (" 9:00 – 18:30 ", "09:00-18:30"),
        ("۰۹:۰۰-۱۸:۰۰", "09:00-18:00"),
        ("10:00-24:00", "10:00-24:00"),
        ("", ""),
    ],
)
def test_pickup_hours_are_stored_in_one_form(typed, stored):
    assert warehouses.pickup_hours(typed) == stored


def test_a_warehouse_without_pickup_needs_no_days_nor_hours():
    warehouse = warehouses.create_warehouse(
        values(pickup=False, pickup_weekdays=[], pickup_hours=""), by_user_id=None
    )

    assert (warehouse.pickup, warehouse.pickup_weekdays, warehouse.pickup_hours) == (False, [], "")


def test_an_edit_records_only_what_changed_and_nothing_when_nothing_did():
    warehouse = warehouses.create_warehouse(values(), by_user_id=None)

    edited = values(pickup_weekdays=["5", "6"], name={"en": "Izmir depot", "tr": "İzmir"})
    change = warehouses.update_warehouse(warehouse, edited, by_user_id=None)

    assert change.action == "changed"
    assert change.changes == {
        "name": [{"en": "Izmir depot", "tr": "İzmir deposu"}, {"en": "Izmir depot", "tr": "İzmir"}],
        "pickup_weekdays": [[0, 2, 4], [5, 6]],
    }
    again = values(pickup_weekdays=["5", "6"], name={"en": "Izmir depot", "tr": "İzmir"})
    assert warehouses.update_warehouse(warehouse, again, by_user_id=None) is None
    assert len(changes()) == 2


def test_an_edited_warehouse_offers_the_pickup_dates_it_now_allows():
    from datetime import date

    from shop.catalog.services import allowed_pickup_dates

    warehouse = make_warehouse("IST")
    warehouses.update_warehouse(
        warehouse,
        values(code="IST", pickup_weekdays=["6"], pickup_lead_days="0", pickup_horizon_days="7"),
        by_user_id=None,
    )

    dates = allowed_pickup_dates(warehouse, today=date(2026, 12, 7))  # a Monday

    assert dates == [date(2026, 12, 13)]  # the one Sunday within a week


def test_a_warehouse_that_holds_stock_cannot_be_deleted():
    warehouse = make_warehouse("IST")
    make_product(stock={warehouse: 0})

    with pytest.raises(CatalogRefusal, match="IST has stock records, so it cannot be deleted."):
        warehouses.delete_warehouse(warehouse, by_user_id=None)
    assert db.session.get(Warehouse, warehouse.id) is not None


def test_a_pickup_place_of_orders_cannot_be_deleted():
    warehouse = make_warehouse("IST")  # holds no stock
    order = make_sales_order()
    order.pickup_warehouse_id = warehouse.id
    db.session.flush()

    with pytest.raises(CatalogRefusal, match="IST is the pickup place of orders"):
        warehouses.delete_warehouse(warehouse, by_user_id=None)


def test_an_unused_warehouse_is_deleted_and_its_history_stays():
    warehouse = make_warehouse("TMP")
    warehouse_id = warehouse.id

    warehouses.delete_warehouse(warehouse, by_user_id=None)

    assert db.session.get(Warehouse, warehouse_id) is None
    [change] = changes()
    assert (change.action, change.subject, change.object_id) == ("deleted", "TMP", warehouse_id)
