"""Tax IDs (issue 10, item 13): Iran's national and legal-entity IDs are checked, Persian and
Arabic-Indic digits are converted before checking and storing, and a country's VAT prefix is
only accepted on its own numbers."""

from __future__ import annotations

import pytest

from shop.sales.tax_ids import (
    InvalidTaxId,
    normalise_tax_id,
    valid_iranian_legal_id,
    valid_iranian_national_id,
)

# Published examples (persian-tools' test suite and others), checked by hand against the rule.
NATIONAL_IDS = ["0499370899", "0790419904", "1583250689", "0684159414", "4400276201", "0076229645"]
LEGAL_IDS = ["10380284790"]


@pytest.mark.parametrize("number", NATIONAL_IDS)
def test_known_iranian_national_ids_are_valid(number):
    assert valid_iranian_national_id(number)
    assert normalise_tax_id("IR", number) == number


@pytest.mark.parametrize(
    "number",
    [
        "0499370898",  # check digit off by one
        "1234567890",
        "0000000000",  # one repeated digit
        "9999999999",
        "0010000000",  # six zeros after the town code
        "499370899",  # nine digits
        "04993708990",  # eleven: not a legal ID either
        "04993708a9",
    ],
)
def test_iranian_national_ids_that_fail_the_rule_are_refused(number):
    assert not valid_iranian_national_id(number)
    with pytest.raises(InvalidTaxId):
        normalise_tax_id("IR", number)


@pytest.mark.parametrize("number", LEGAL_IDS)
def test_known_iranian_legal_entity_ids_are_valid(number):
    assert valid_iranian_legal_id(number)
    assert normalise_tax_id("IR", number) == number


@pytest.mark.parametrize(
    "number", ["10380284792", "10380285692", "11111111111", "09748208301", "10000000002"]
)
def test_iranian_legal_entity_ids_that_fail_the_rule_are_refused(number):
    assert not valid_iranian_legal_id(number)
    with pytest.raises(InvalidTaxId):
        normalise_tax_id("IR", number)


def test_the_legal_entity_rule_uses_the_weights_and_the_tenth_digit():
    """Worked by hand: 1038028479(0): d = 9 + 2 = 11; the sum of (digit + 11) x 29,27,23,19,17,...
    = 12·29 + 11·27 + 14·23 + 19·19 + 11·17 + 13·29 + 19·27 + 15·23 + 18·19 + 20·17 = 3432;
    3432 mod 11 = 0, the last digit."""
    weights = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)
    digits = [int(d) for d in "1038028479"]
    total = sum((d + digits[9] + 2) * w for d, w in zip(digits, weights, strict=True))
    assert total == 3432 and total % 11 == 0
    assert valid_iranian_legal_id("10380284790")
    assert not valid_iranian_legal_id("10380284791")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("۰۴۹۹۳۷۰۸۹۹", "0499370899"),  # Persian digits
        ("٠٤٩٩٣٧٠٨٩٩", "0499370899"),  # Arabic-Indic digits
        ("۱۰۳۸۰۲۸۴۷۹۰", "10380284790"),
        ("049-937089 9", "0499370899"),
    ],
)
def test_persian_and_arabic_indic_digits_are_converted_before_checking_and_storing(typed, stored):
    assert normalise_tax_id("IR", typed) == stored


def test_persian_digits_are_converted_for_other_countries_too():
    assert normalise_tax_id("TR", "۱۲۳۴۵۶۷۸۹۰") == "1234567890"


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("TR", "TR1234567890", "1234567890"),
        ("TR", "tr 1234567890", "1234567890"),
        ("PL", "PL8567346215", "8567346215"),
        ("PL", "PL 856-734-62-15", "8567346215"),
    ],
)
def test_a_countrys_own_prefix_is_accepted(country, typed, stored):
    assert normalise_tax_id(country, typed) == stored


@pytest.mark.parametrize(
    ("country", "typed"),
    [
        ("TR", "PL1234567890"),  # a valid VKN behind Poland's prefix
        ("PL", "TR8567346215"),  # a valid NIP behind Turkey's prefix
        ("IR", "IR0499370899"),
        ("IR", "TR0499370899"),
    ],
)
def test_another_countrys_prefix_is_refused(country, typed):
    with pytest.raises(InvalidTaxId):
        normalise_tax_id(country, typed)
