from decimal import Decimal

import pytest

from shop.money import line_amounts, round_money, scale


def test_currency_minor_units_come_from_iso_4217():
    assert (scale("TRY"), scale("PLN"), scale("IRR")) == (2, 2, 0)


def test_rounding_is_half_up_to_the_minor_unit():
    assert round_money(Decimal("0.005"), "TRY") == Decimal("0.01")
    assert round_money(Decimal("0.004"), "PLN") == Decimal("0.00")
    assert round_money(Decimal("1234.5"), "IRR") == Decimal("1235")


@pytest.mark.parametrize(
    ("unit", "qty", "rate", "currency", "gross", "net", "tax"),
    [
        ("899.90", 1, "20", "TRY", "899.90", "749.92", "149.98"),
        ("0.10", 3, "23", "PLN", "0.30", "0.24", "0.06"),
        ("189.50", 3, "10", "TRY", "568.50", "516.82", "51.68"),
        ("12500000", 2, "10", "IRR", "25000000", "22727273", "2272727"),
        ("50.00", 1, "0", "PLN", "50.00", "50.00", "0.00"),
    ],
)
def test_a_line_is_rounded_once_and_net_plus_vat_is_the_gross(unit, qty, rate, currency, gross, net, tax):
    amounts = line_amounts(Decimal(unit), qty, Decimal(rate), currency)

    assert (amounts.gross, amounts.net, amounts.tax) == (Decimal(gross), Decimal(net), Decimal(tax))
    assert amounts.net + amounts.tax == amounts.gross
