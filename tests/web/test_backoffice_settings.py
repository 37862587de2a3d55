"""The settings page (B14, B15): admins change the shop's settings; every change is checked
and recorded with who made it."""

from __future__ import annotations

import pytest

from shop.catalog.models import Warehouse
from shop.extensions import db
from shop.settings import services as settings
from shop.settings.models import SettingChange
from tests.factories import make_team, make_warehouse
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in

PAGE = "/admin/settings"


@pytest.fixture
def admin(shopper):
    logged_in(shopper, "admin", name="Aylin Admin")
    return shopper


def settings_form(**over) -> dict:
    """The form as the page sends it, unchanged from the defaults, with ``over`` applied."""
    values = {
        "shop_name": "Demo Shop",
        "currency": "TRY",
        "default_language": "en",
        "enabled_languages": ["en", "tr", "pl", "fa"],
        "admin_email": "admin@example.com",
        "confirm_bank_transfer": "payment",
        "confirm_cash": "checkout",
        "window_card": "1",
        "window_bank_transfer": "72",
        "bank_account": "Demo Bank - IBAN TR00 0000 0000 0000 0000 0000 00",
        "order_number_prefix": "S",
        "price_carrier": "79.90",
        "price_courier": "49.90",
        "price_pickup": "0.00",
        "sales_policy": "none",
        "sales_team": "",
        "sms_price_domestic": "0.15",
        "sms_price_foreign": "0.35",
        "sms_price_currency": "PLN",
        "cart_reminder": "y",
        "cart_reminder_hours": "4",
    }
    values.update(over)
    return {key: value for key, value in values.items() if value is not None}


def pickup_fields(warehouse: Warehouse, **over) -> dict:
    values = {
        "pickup": "y",
        "pickup_weekdays": ["0", "1", "2", "3", "4", "5"],
        "pickup_hours": "10:00-19:00",
        "pickup_lead_days": "1",
        "pickup_horizon_days": "14",
        **over,
    }
    return {f"wh{warehouse.id}-{key}": value for key, value in values.items() if value is not None}


def save(shopper, **fields):
    return shopper.post(PAGE, settings_form(**fields), token_from=PAGE)


def recorded() -> list[SettingChange]:
    return list(db.session.scalars(db.select(SettingChange).order_by(SettingChange.id)))


def test_the_page_shows_the_current_settings(admin):
    warehouse = make_warehouse("IST")

    page = text(admin.get(PAGE))

    assert 'name="shop_name" type="text" value="Demo Shop"' in page
    assert 'value="79.90"' in page
    assert f'name="wh{warehouse.id}-pickup_hours"' not in page  # edited on the warehouse page
    assert 'href="/admin/warehouses"' in page
    assert 'name="pickup_transfer_days"' in page  # the shop-wide rule stays here
    assert "Changing the currency does not convert existing prices" in page
    assert "No changes yet." in page


def test_an_unchanged_form_changes_nothing(admin):
    response = admin.post(PAGE, settings_form(), token_from=PAGE)

    assert response.status_code == 303
    assert recorded() == []
    assert "Nothing changed." in text(admin.get(PAGE))


def test_pickup_rules_posted_to_the_settings_page_change_no_warehouse(admin):
    """The warehouse page is the one place a warehouse is edited."""
    warehouse = make_warehouse("IST")

    response = admin.post(
        PAGE, {**settings_form(), **pickup_fields(warehouse, pickup_hours="08:00-09:00")}, token_from=PAGE
    )

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Warehouse, warehouse.id).pickup_hours == "10:00-19:00"
    assert recorded() == []


def test_a_change_is_saved_and_shown_in_the_history_with_who_made_it(admin):
    response = save(admin, shop_name="Kitap Evi", order_number_prefix="KE")

    assert response.status_code == 303 and location_path(response) == PAGE
    now = settings.current_fresh()
    assert (now.shop_name, now.order_number_prefix) == ("Kitap Evi", "KE")
    page = text(admin.get(PAGE))
    assert "Settings saved." in page
    history = page.split('id="s-history"')[1]
    assert "Aylin Admin" in history and "Shop name" in history
    assert "Demo Shop" in history and "Kitap Evi" in history


def test_errors_come_back_next_to_the_fields_and_nothing_is_saved(admin):
    response = save(
        admin,
        shop_name="Kitap Evi",
        order_number_prefix="ke1",
        window_card="0",
        price_courier="-5",
        admin_email="nope",
    )

    assert response.status_code == 422
    assert field_errors(response, "order_number_prefix") == [
        "Use 1 to 5 capital letters A to Z, for example S."
    ]
    assert field_errors(response, "window_card") == ["Enter a whole number of hours from 1 to 720."]
    assert field_errors(response, "price_courier")
    assert field_errors(response, "admin_email")
    assert 'value="Kitap Evi"' in text(response)  # what was typed stays
    assert settings.current_fresh().shop_name == "Demo Shop"
    assert recorded() == []


def test_the_default_language_must_be_enabled(admin):
    response = save(admin, enabled_languages=["tr", "fa"], default_language="en")

    assert response.status_code == 422
    assert field_errors(response, "default_language") == [
        "The default language must be one of the enabled languages."
    ]


def test_changing_the_currency_warns_that_prices_are_not_converted(admin):
    response = save(admin, currency="PLN")

    assert response.status_code == 303
    page = text(admin.get(PAGE))
    assert "Existing product and delivery prices were not converted" in page
    assert settings.current_fresh().currency == "PLN"


def test_rial_prices_have_no_decimals(admin):
    response = save(
        admin, currency="IRR", price_carrier="1500000.5", price_courier="900000", price_pickup="0"
    )

    assert response.status_code == 422
    assert field_errors(response, "price_carrier") == ["Enter a whole amount of 0 or more, without decimals."]


def test_card_confirmation_is_shown_but_cannot_be_changed(admin):
    save(admin, confirm_card="checkout", confirm_bank_transfer="checkout")

    now = settings.current_fresh()
    assert now.confirm_order_on["card"] == "payment"
    assert now.confirm_order_on["bank_transfer"] == "checkout"
    assert 'name="confirm_card_shown" checked disabled' in text(admin.get(PAGE))


def test_one_team_policy_needs_a_team(admin):
    response = save(admin, sales_policy="team", sales_team="")

    assert response.status_code == 422
    assert field_errors(response, "sales_team") == ["Choose the team that takes every new order."]


def test_the_sales_team_policy_is_saved(admin):
    team = make_team("Online")

    response = save(admin, sales_policy="round_robin", sales_team=str(team.id))

    assert response.status_code == 303
    assert settings.current_fresh().sales_assignment == {"policy": "round_robin", "team_id": team.id}
    history = text(admin.get(PAGE)).split('id="s-history"')[1]
    assert "round-robin · Online" in history


@pytest.mark.parametrize(
    "fields",
    [
        {"currency": "USD"},
        {"enabled_languages": ["xx"]},
        {"sales_policy": "random"},
        {"sales_team": "abc", "sales_policy": "team"},
        {"window_bank_transfer": "9" * 40},
        {"price_carrier": "Infinity"},
        {"shop_name": "a\x00b"},
        {"confirm_cash": "never"},
    ],
)
def test_nonsense_input_is_refused_not_a_crash(admin, fields):
    response = save(admin, **fields)

    assert response.status_code == 422
    assert recorded() == []


def test_a_post_without_the_token_is_refused(admin):
    response = admin.post(PAGE, settings_form(shop_name="Kitap Evi"), csrf=False)

    assert response.status_code == 400
    assert settings.current_fresh().shop_name == "Demo Shop"


def test_the_page_shows_the_last_twenty_changes(admin):
    for number in range(22):
        settings.save({"shop_name": f"Shop {number}"}, by_user_id=None)

    history = text(admin.get(PAGE)).split('id="s-history"')[1]

    assert history.count("<tr>") == 21  # header + 20
    assert "Shop 21" in history and "System" in history


def test_the_settings_page_works_in_persian(admin):
    response = admin.get(PAGE + "?lang=fa")

    assert response.status_code == 200
    assert 'dir="rtl"' in response.get_data(as_text=True)


def test_the_history_tells_values_in_words(admin):
    save(
        admin,
        window_card="1",
        window_bank_transfer="48",
        confirm_bank_transfer="checkout",
        default_language="tr",
    )

    history = text(admin.get(PAGE)).split('id="s-history"')[1]

    assert "card: 1, bank transfer: 72" in history and "card: 1, bank transfer: 48" in history
    assert "bank transfer: when paid" in history and "bank transfer: at checkout" in history
    assert "English" in history and "Türkçe" in history


# --- messages to customers -----------------------------------------------------------------------


def test_sms_prices_and_cart_reminders_are_saved_and_recorded(admin):
    response = save(
        admin,
        sms_price_domestic="0,12",
        sms_price_foreign="0.3",
        sms_price_currency="EUR",
        cart_reminder=None,
        cart_reminder_hours="24",
    )

    assert response.status_code == 303
    shop = settings.current_fresh()
    assert shop.sms_prices == {"domestic": "0.12", "foreign": "0.3", "currency": "EUR"}
    assert shop.abandoned_cart == {"enabled": False, "delay_hours": 24}
    page = text(admin.get("/admin/settings"))
    assert "SMS prices" in page and "Abandoned-cart reminders" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sms_price_domestic", "-1"),
        ("sms_price_domestic", "abc"),
        ("sms_price_foreign", "0.123456"),
        ("sms_price_foreign", "1e9"),
        ("sms_price_domestic", "NaN"),
        ("sms_price_currency", "XXX"),
        ("cart_reminder_hours", "0"),
        ("cart_reminder_hours", "169"),
        ("cart_reminder_hours", "4.5"),
    ],
)
def test_bad_message_settings_are_refused_next_to_the_field_and_nothing_changes(admin, field, value):
    response = save(admin, **{field: value})

    assert response.status_code == 422
    assert field_errors(response, field)
    shop = settings.current_fresh()
    assert shop.sms_prices["domestic"] == "0.15" and shop.abandoned_cart["delay_hours"] == 4
