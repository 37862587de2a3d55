"""The numbers printed on invoices and credit notes: lines, VAT per rate, totals, in words.

Pure functions over Decimals (no database), so the rules are tested on their own:
- a line is priced by the shop's one line rule (shop.money.line_amounts, prices include VAT);
- the VAT breakdown is computed from each rate's gross total (net = total / (1 + rate), rounded
  once; VAT = total - net), not by adding rounded line VATs, which drifts by up to half a unit
  per line (60 lines of 0.03 at 20 %: 0.00 summed, 0.30 from the total);
- the document's gross total is the sum of the line grosses: the order's total to the last unit;
- a refund by amount is split over the invoice's rates in proportion to their gross, rounded,
  with the remainder on the last rate, so the parts add up to the refund exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from babel.numbers import get_currency_name

from shop.money import round_money, scale

ZERO = Decimal("0")


def rate_key(rate: Decimal | str) -> str:
    """A VAT rate as text, the same for 20, 20.0 and 20.00 ("20"; "5.5")."""
    return f"{Decimal(rate).normalize():f}"


def breakdown(lines: Iterable[Mapping], currency: str) -> list[dict[str, str]]:
    """[{rate, net, vat, gross}] per VAT rate, ascending; VAT from each rate's total. ``lines``
    carry ``vat_rate`` and ``gross`` (Decimal or text); negative grosses (credit notes) work
    the same way (half up rounds away from zero, so a correction mirrors the sale)."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        key = rate_key(line["vat_rate"])
        totals[key] = totals.get(key, ZERO) + Decimal(line["gross"])
    rows = []
    for key in sorted(totals, key=Decimal):
        gross = totals[key]
        net = round_money(gross / (1 + Decimal(key) / 100), currency)
        rows.append({"rate": key, "net": str(net), "vat": str(gross - net), "gross": str(gross)})
    return rows


def totals(rows: Iterable[Mapping]) -> tuple[Decimal, Decimal, Decimal]:
    """(net, VAT, gross) of a breakdown: the document's totals."""
    net = vat = gross = ZERO
    for row in rows:
        net += Decimal(row["net"])
        vat += Decimal(row["vat"])
        gross += Decimal(row["gross"])
    return net, vat, gross


def split_by_rates(amount: Decimal, rows: list[Mapping], currency: str) -> list[tuple[str, Decimal]]:
    """``amount`` shared over the breakdown's rates in proportion to their gross: [(rate,
    part)], each part rounded by the shop's rule and the last taking the remainder, so the parts
    add up to ``amount`` exactly. Rates with nothing on them get nothing."""
    weighted = [(row["rate"], Decimal(row["gross"])) for row in rows if Decimal(row["gross"]) != 0]
    whole = sum((gross for _, gross in weighted), ZERO)
    if not weighted or whole == 0:
        raise ValueError("nothing to split the amount over")
    parts: list[tuple[str, Decimal]] = []
    given = ZERO
    for index, (rate, gross) in enumerate(weighted):
        if index == len(weighted) - 1:
            part = amount - given
        else:
            part = round_money(amount * gross / whole, currency)
        parts.append((rate, part))
        given += part
    return parts


def in_words(amount: Decimal, currency: str, language: str) -> str:
    """The amount in words in ``language`` where num2words has it (pl, tr, fa, en), else in
    English: the whole units in words, the currency's name (Babel, in that language), and the
    minor units as a fraction ("56/100"). num2words' own currency mode is not used: it lacks
    TRY and IRR, and its Persian currency word is toman, while the amounts are rials."""
    from num2words import num2words

    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    whole = int(amount)
    try:
        words = num2words(whole, lang=language)
    except NotImplementedError:
        language, words = "en", num2words(whole, lang="en")
    name = get_currency_name(currency, count=whole, locale=language)
    places = scale(currency)
    text = f"{sign}{words} {name}"
    if places:
        minor = int((amount - whole) * 10**places)
        text += f" {minor:0{places}d}/{10**places}"
    return text
