from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shop.i18n import format_day, format_moment, format_money, localize_digits, text_direction, translated


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234567.50", "TRY", "tr", "₺1.234.567,50"),
        ("1234567.50", "PLN", "pl", "1\xa0234\xa0567,50\xa0zł"),
        ("1234567.50", "TRY", "en", "TRY1,234,567.50"),
    ],
)
def test_money_is_formatted_per_locale_and_currency(amount, currency, locale, expected):
    assert format_money(Decimal(amount), currency, locale) == expected


def test_rials_have_no_decimals_and_persian_digits():
    text = format_money(Decimal("12500000"), "IRR", "fa")

    assert "ریال" in text
    assert "۱۲" in text and "۵۰۰" in text
    assert not any(ch.isascii() and ch.isdigit() for ch in text)
    assert "٫" not in text  # no decimal separator: IRR has no minor unit


def test_persian_dates_are_jalali():
    assert format_day(date(2026, 3, 21), "fa") == "۰۱ فروردین ۱۴۰۵"


def test_other_languages_get_gregorian_dates():
    assert format_day(date(2026, 3, 21), "tr") == "21 Mart 2026"
    assert format_day(date(2026, 3, 21), "pl") == "21 marca 2026"


def test_moments_are_shown_in_the_shop_timezone():
    # 21:30 UTC is 00:30 the next day in Istanbul (UTC+3).
    moment = datetime(2026, 3, 20, 21, 30, tzinfo=UTC)

    assert format_moment(moment, "tr") == "21 Mar 2026 00:30"
    assert format_moment(moment, "fa") == "۰۱ فروردین ۱۴۰۵، ۰۰:۳۰"


def test_only_persian_is_right_to_left():
    assert [text_direction(code) for code in ("en", "tr", "pl", "fa")] == ["ltr", "ltr", "ltr", "rtl"]


def test_digits_are_converted_only_for_persian():
    assert localize_digits("S000012", "fa") == "S۰۰۰۰۱۲"
    assert localize_digits("S000012", "tr") == "S000012"


def test_seller_texts_fall_back_to_english_then_any():
    assert translated({"en": "Shirt", "tr": "Gömlek"}, "tr") == "Gömlek"
    assert translated({"en": "Shirt"}, "fa") == "Shirt"
    assert translated({"pl": "Koszula"}, "fa") == "Koszula"
    assert translated({}, "fa") == ""


def test_today_is_the_shops_day_not_the_servers(app, monkeypatch):
    """Kiritimati (UTC+14) and Pago Pago (UTC-11) are never on the same day at once: a pickup
    day or "today" on the pickup board follows the shop's timezone setting."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from shop.i18n import shop_today

    days = {}
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", zone)
        with app.test_request_context("/"):
            days[zone] = shop_today()
            assert days[zone] == datetime.now(ZoneInfo(zone)).date()
    assert days["Pacific/Kiritimati"] != days["Pacific/Pago_Pago"]
