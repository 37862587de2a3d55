"""Amounts typed by people (shop.money.parse_amount): the reader's notation, one parser for every price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.money import format_amount, parse_amount


@pytest.mark.parametrize(
    ("locale", "typed", "amount"),
    [
        ("tr", "12,50", "12.50"),
        ("pl", "12,50", "12.50"),
        ("tr", "1.250,75", "1250.75"),  # Turkish grouping
        ("pl", "1 250,75", "1250.75"),  # Polish groups with a space
        ("en", "1,250.75", "1250.75"),
        ("en", "12.50", "12.50"),
        ("tr", "12.50", "12.50"),  # a plain decimal point is understood everywhere
        ("en", "0,12", "0.12"),  # one comma and no grouping: a decimal comma
        ("fa", "۱۲٫۵۰", "12.50"),  # Persian digits and decimal separator
        ("fa", "1500000", "1500000"),
    ],
)
def test_amounts_are_read_in_the_readers_notation(locale, typed, amount):
    assert parse_amount(typed, locale) == Decimal(amount)


@pytest.mark.parametrize(
    "typed", ["", " ", "abc", "1e3", "NaN", "Infinity", "12,5,0", "12 zł", "--1", "0x10"]
)
def test_what_is_no_amount_gives_none(typed):
    assert parse_amount(typed, "pl") is None


@pytest.mark.parametrize("locale", ["en", "tr", "pl", "fa"])
@pytest.mark.parametrize("amount", ["79.90", "0", "1234567.89", "0.15"])
def test_what_the_form_shows_reads_back_as_the_same_amount(locale, amount):
    shown = format_amount(Decimal(amount), locale)

    assert parse_amount(shown, locale) == Decimal(amount)
    assert str(parse_amount(shown, locale)) == amount  # the places too: 79.90, not 79.9
