"""Money: Decimal amounts with a currency, rounded once per line by one named rule."""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_currency_precision,
    get_group_symbol,
    parse_decimal,
)

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


# --- amounts typed by people ------------------------------------------------------------------

# Digits, signs, spaces and the separators of the shop's languages; anything else (1e3, 0x10,
# NaN, Infinity) is no amount a seller types.
_AMOUNT_CHARACTERS = re.compile(r"^[+-]?[0-9\s.,٫٬]+$")
_PLAIN_DECIMAL = re.compile(r"^[+-]?[0-9]+([.,][0-9]+)?$")


def parse_amount(text: str, locale: str) -> Decimal | None:
    """An amount as the reader writes it in their language (``12,50`` in Turkish and Polish,
    ``12.50`` in English, Persian digits in Persian); failing that, digits with one dot or
    comma as the decimal separator (``12.50`` pasted in Turkish, ``0,12`` typed in English);
    None when it is not a number.

    The one parser for every typed price. Grouping follows the language, strictly: in Turkish
    ``1.250`` is one thousand two hundred and fifty, in English it is 1.25."""
    from shop.i18n import ascii_digits

    text = ascii_digits(text or "").strip()
    if not text or not _AMOUNT_CHARACTERS.match(text):
        return None
    group = get_group_symbol(locale, numbering_system="default")
    if group.isspace():  # Polish groups with a no-break space; people type a plain one
        text = re.sub(r"\s", group, text)
    try:
        amount = parse_decimal(text, locale=locale, strict=True, numbering_system="default")
    except NumberFormatError:
        if not _PLAIN_DECIMAL.match(text):
            return None
        try:
            amount = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None
    return amount if amount.is_finite() else None


def format_amount(amount: Decimal, locale: str) -> str:
    """An amount for a form field, in the reader's notation without grouping (``12,50`` in
    Turkish), so that what parse_amount reads back is what was shown."""
    from shop.i18n import localize_digits

    places = max(-amount.as_tuple().exponent, 0) if amount.is_finite() else 0
    pattern = "0." + "0" * places if places else "0"  # the places the amount has, 79.90 not 79.9
    text = format_decimal(amount, format=pattern, locale=locale, numbering_system="default")
    return localize_digits(text, locale)
