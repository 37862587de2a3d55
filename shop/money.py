"""Money: Decimal amounts with a currency, rounded once per line by one named rule."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

CURRENCIES = ("TRY", "PLN", "IRR")


def scale(currency: str) -> int:
    """Minor units of the currency: 2 for TRY and PLN, 0 for IRR."""
    return get_currency_precision(currency)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """The shop's one rounding rule: half up to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-scale(currency)), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    net: Decimal
    tax: Decimal


def line_amounts(unit_price: Decimal, quantity: int, vat_rate: Decimal, currency: str) -> LineAmounts:
    """Prices include VAT. gross = unit price x quantity; net = gross / (1 + rate), rounded
    once for the whole line; VAT = gross - net, so net + VAT is always exactly the gross."""
    gross = round_money(unit_price * quantity, currency)
    net = round_money(gross / (1 + vat_rate / 100), currency)
    return LineAmounts(gross=gross, net=net, tax=gross - net)
