"""Money shown right (issue 10, item 14): rounded half up like the shop rounds everywhere (Babel
alone rounds half to even), -0 shown as 0, negative amounts (refunds, credit notes) in all four
languages, with the minus on the right of the amount in Persian, whatever text surrounds it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.i18n import format_money

NBSP = "\u00a0"
LRM, RLI, PDI = "\u200e", "\u2067", "\u2069"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        # half up to the currency's minor unit, as money.round_money does (Babel gave 0,04 zł)
        ("0.045", "PLN", "pl", f"0,05{NBSP}zł"),
        ("0.125", "TRY", "tr", "₺0,13"),
        ("2.675", "TRY", "en", "TRY2.68"),
        ("-0.045", "PLN", "pl", f"-0,05{NBSP}zł"),
        ("0.005", "TRY", "fa", f"{LRM}TRY{NBSP}۰٫۰۱"),
        # IRR has no decimals
        ("1234.5", "IRR", "en", "IRR1,235"),
        ("1234.4", "IRR", "pl", f"1{NBSP}234{NBSP}IRR"),
        ("2.5", "IRR", "fa", f"{LRM}ریال{NBSP}۳"),
        # negative amounts
        ("-12.5", "TRY", "en", "-TRY12.50"),
        ("-12.5", "TRY", "tr", "-₺12,50"),
        ("-12.5", "TRY", "pl", f"-12,50{NBSP}TRY"),
        ("-12.5", "TRY", "fa", f"{RLI}-{LRM}TRY{NBSP}۱۲٫۵۰{PDI}"),
        ("-1234567", "IRR", "fa", f"{RLI}-{LRM}ریال{NBSP}۱٬۲۳۴٬۵۶۷{PDI}"),
        # -0, and what rounds to it, is 0
        ("-0", "TRY", "en", "TRY0.00"),
        ("-0.00", "PLN", "pl", f"0,00{NBSP}zł"),
        ("-0.004", "TRY", "tr", "₺0,00"),
        ("-0.4", "IRR", "fa", f"{LRM}ریال{NBSP}۰"),
    ],
)
def test_money_is_rounded_half_up_and_signed_right(app, amount, currency, locale, shown):
    assert format_money(Decimal(amount), currency, locale) == shown


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        # an SMS cost at 0.045 a segment keeps its decimals (sms_count.cost rounded it already)
        ("0.0450", "PLN", "pl", f"0,045{NBSP}zł"),
        ("0.1350", "TRY", "en", "TRY0.135"),
        ("0.30", "PLN", "pl", f"0,30{NBSP}zł"),
        ("0.3", "TRY", "fa", f"{LRM}TRY{NBSP}۰٫۳۰"),
        ("1500.00", "IRR", "en", "IRR1,500"),
    ],
)
def test_an_exact_amount_keeps_its_decimals_and_at_least_the_currencys(app, amount, currency, locale, shown):
    assert format_money(Decimal(amount), currency, locale, exact=True) == shown


def test_positive_persian_amounts_are_not_isolated(app):
    """Only a negative amount needs the isolate: a positive one reads right as Babel writes it."""
    assert RLI not in format_money(Decimal("12.5"), "TRY", "fa")
