"""Settings (B14, B15): every value validated, all or nothing, and each change recorded."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.settings import services as settings
from shop.settings.models import SettingChange
from tests.factories import make_team, make_user, make_warehouse


def changes() -> list[SettingChange]:
    return list(db.session.scalars(db.select(SettingChange).order_by(SettingChange.id)))


def refused(values: dict, **kwargs) -> dict[str, str]:
    with pytest.raises(settings.InvalidSettings) as caught:
        settings.save(values, by_user_id=None, **kwargs)
    return caught.value.errors


def test_a_change_is_stored_and_recorded_with_before_after_and_who():
    admin = make_user("admin")

    recorded = settings.save({"shop_name": "Kitap Evi"}, by_user_id=admin.id)

    assert settings.current_fresh().shop_name == "Kitap Evi"
    assert [(c.key, c.before, c.after, c.user_id) for c in recorded] == [
        ("shop_name", "Demo Shop", "Kitap Evi", admin.id)
    ]
    assert changes() == recorded


def test_only_what_actually_changed_is_recorded():
    now = settings.current_fresh()

    recorded = settings.save(
        {"shop_name": now.shop_name, "currency": now.currency, "order_number_prefix": "SO"}, by_user_id=None
    )

    assert [c.key for c in recorded] == ["order_number_prefix"]


def test_saving_the_same_values_twice_records_nothing_the_second_time():
    settings.save({"admin_email": "orders@example.com"}, by_user_id=None)

    again = settings.save({"admin_email": "orders@example.com"}, by_user_id=None)

    assert again == []
    assert len(changes()) == 1


def test_one_invalid_value_saves_nothing():
    errors = refused({"shop_name": "Kitap Evi", "order_number_prefix": "so1"})

    assert set(errors) == {"order_number_prefix"}
    assert settings.current_fresh().shop_name == "Demo Shop"
    assert changes() == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"shop_name": "  "}, "shop_name"),
        ({"shop_name": "x" * 81}, "shop_name"),
        ({"currency": "USD"}, "currency"),
        ({"enabled_languages": []}, "enabled_languages"),
        ({"enabled_languages": ["en", "de"]}, "enabled_languages"),
        ({"default_language": "de"}, "default_language"),
        ({"admin_email": "not an address"}, "admin_email"),
        ({"order_number_prefix": ""}, "order_number_prefix"),
        ({"order_number_prefix": "ABCDEF"}, "order_number_prefix"),
        ({"order_number_prefix": "Ş"}, "order_number_prefix"),
        ({"confirm_order_on": {"bank_transfer": "whenever"}}, "confirm_order_on.bank_transfer"),
        ({"payment_window_hours": {"card": "0", "bank_transfer": "72"}}, "payment_window_hours.card"),
        (
            {"payment_window_hours": {"card": "1", "bank_transfer": "721"}},
            "payment_window_hours.bank_transfer",
        ),
        ({"payment_window_hours": {"card": "1.5", "bank_transfer": "72"}}, "payment_window_hours.card"),
        ({"bank_account": "x" * 501}, "bank_account"),
        ({"delivery_prices": {"carrier": "-1", "courier": "1", "pickup": "0"}}, "delivery_prices.carrier"),
        ({"delivery_prices": {"carrier": "1.999", "courier": "1", "pickup": "0"}}, "delivery_prices.carrier"),
        ({"delivery_prices": {"carrier": "NaN", "courier": "1", "pickup": "0"}}, "delivery_prices.carrier"),
        ({"delivery_prices": {"carrier": "1e20", "courier": "1", "pickup": "0"}}, "delivery_prices.carrier"),
        ({"sales_assignment": {"policy": "everyone"}}, "sales_assignment.policy"),
        ({"sales_assignment": {"policy": "team", "team_id": None}}, "sales_assignment.team_id"),
        ({"sales_assignment": {"policy": "team", "team_id": "999"}}, "sales_assignment.team_id"),
    ],
)
def test_invalid_values_are_refused_with_the_field_named(values, field):
    errors = refused(values)

    assert field in errors and errors[field]


def test_the_default_language_must_be_enabled():
    errors = refused({"enabled_languages": ["tr", "fa"], "default_language": "en"})

    assert errors["default_language"] == "The default language must be one of the enabled languages."


def test_languages_are_kept_in_a_stable_order():
    settings.save({"enabled_languages": ["fa", "en"], "default_language": "fa"}, by_user_id=None)

    assert settings.current_fresh().enabled_languages == ["en", "fa"]


def test_rials_have_no_decimals():
    errors = refused(
        {"currency": "IRR", "delivery_prices": {"carrier": "1500000.50", "courier": "900000", "pickup": "0"}}
    )

    assert errors == {"delivery_prices.carrier": "Enter a whole amount of 0 or more, without decimals."}


def test_prices_are_stored_with_the_currency_places():
    settings.save({"delivery_prices": {"carrier": "80", "courier": "49.9", "pickup": "0"}}, by_user_id=None)

    assert settings.current_fresh().delivery_prices == {
        "carrier": "80.00",
        "courier": "49.90",
        "pickup": "0.00",
    }


def test_writing_down_the_default_prices_is_not_a_change():
    shown = {m: f"{settings.current_fresh().delivery_price(m):.2f}" for m in settings.DELIVERY_METHODS}

    recorded = settings.save({"delivery_prices": shown}, by_user_id=None)

    assert recorded == []


def test_changing_the_currency_keeps_the_prices_the_seller_saw():
    settings.save({"currency": "PLN"}, by_user_id=None)

    now = settings.current_fresh()
    assert now.currency == "PLN"
    assert str(now.delivery_price("carrier")) == "79.90"  # not converted, not PLN's defaults
    assert [c.key for c in changes()] == ["currency"]


def test_card_orders_are_always_confirmed_when_paid():
    settings.save({"confirm_order_on": {"card": "checkout", "bank_transfer": "checkout"}}, by_user_id=None)

    assert settings.current_fresh().confirm_order_on == {
        "card": "payment",
        "bank_transfer": "checkout",
        "cash": "checkout",
    }


def test_a_team_policy_names_an_existing_team():
    team = make_team("Online")

    settings.save({"sales_assignment": {"policy": "team", "team_id": str(team.id)}}, by_user_id=None)

    assert settings.current_fresh().sales_assignment == {"policy": "team", "team_id": team.id}


def test_no_policy_forgets_the_team():
    team = make_team("Online")

    settings.save({"sales_assignment": {"policy": "none", "team_id": team.id}}, by_user_id=None)

    assert settings.current_fresh().sales_assignment == {"policy": "none", "team_id": None}


def test_round_robin_may_be_limited_to_a_team_or_not():
    settings.save({"sales_assignment": {"policy": "round_robin", "team_id": None}}, by_user_id=None)

    assert settings.current_fresh().sales_assignment == {"policy": "round_robin", "team_id": None}


def test_unknown_keys_are_a_programming_error():
    with pytest.raises(KeyError):
        settings.save({"colour_scheme": "dark"}, by_user_id=None)


def test_the_settings_no_longer_take_warehouses():
    """Pickup rules are edited on the warehouse page only (shop.catalog.warehouses)."""
    warehouse = make_warehouse("IST")

    with pytest.raises(TypeError):
        settings.save({}, by_user_id=None, warehouses={warehouse.id: {"pickup_lead_days": "5"}})

    assert warehouse.pickup_lead_days == 1


def test_recent_changes_come_newest_first_and_at_most_twenty():
    for number in range(25):
        settings.save({"shop_name": f"Shop {number}"}, by_user_id=None)

    recent = settings.recent_changes(20)

    assert len(recent) == 20
    assert recent[0].after == "Shop 24"
