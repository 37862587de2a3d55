"""Tax IDs on company invoices: checked for the buyer's country and stored in one form.

Turkey and Poland with python-stdnum. stdnum has no Iranian numbers (2.2), so Iran's two
published check-digit rules are here: the national ID of a person (kod-e melli, 10 digits)
and the national ID of a legal entity (shenase-ye melli, 11 digits).
"""

from __future__ import annotations

from stdnum.exceptions import ValidationError as InvalidTaxId
from stdnum.pl import nip
from stdnum.tr import tckimlik, vkn

from shop.i18n import ascii_digits

__all__ = ["InvalidTaxId", "normalise_tax_id", "valid_iranian_legal_id", "valid_iranian_national_id"]

# The VAT prefix a number may carry, per country: only its own (a "PL" NIP for Turkey is a mistake).
_PREFIXES = {"TR": "TR", "PL": "PL"}
_LEGAL_ID_WEIGHTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)


def valid_iranian_national_id(number: str) -> bool:
    """A person's national ID: 10 digits, the last a mod-11 check over the first nine weighted
    10 down to 2; a number of one repeated digit or with six zeros after the town code is none."""
    if len(number) != 10 or not (number.isascii() and number.isdigit()):
        return False
    if len(set(number)) == 1 or number[3:9] == "000000":
        return False
    remainder = sum(int(digit) * (10 - i) for i, digit in enumerate(number[:9])) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return int(number[9]) == check


def valid_iranian_legal_id(number: str) -> bool:
    """A legal entity's national ID: 11 digits; each of the first ten plus (the tenth + 2),
    weighted 29, 27, 23, 19, 17 twice over, summed mod 11 (10 counts as 0) is the last."""
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        return False
    if number[3:9] == "000000":
        return False
    shift = int(number[9]) + 2
    weighted = zip(number[:10], _LEGAL_ID_WEIGHTS, strict=True)
    remainder = sum((int(digit) + shift) * weight for digit, weight in weighted) % 11
    return int(number[10]) == (0 if remainder == 10 else remainder)


def normalise_tax_id(country: str, value: str) -> str:
    """The tax ID as stored: ASCII digits (Persian and Arabic-Indic ones converted), without
    spaces, dashes or the country's own prefix; raises InvalidTaxId when it is not valid."""
    compact = ascii_digits(value).replace(" ", "").replace("-", "").replace(".", "").upper()
    prefix = _PREFIXES.get(country)
    if prefix and compact.startswith(prefix):
        compact = compact[len(prefix) :]
    if country == "TR":
        # Companies have a 10-digit VKN; sole traders use their 11-digit T.C. Kimlik No.
        module = vkn if len(compact) == 10 else tckimlik
        return module.validate(compact)
    if country == "PL":
        return nip.validate(compact)
    if country == "IR":
        if valid_iranian_national_id(compact) or valid_iranian_legal_id(compact):
            return compact
        raise InvalidTaxId()
    if not (4 <= len(compact) <= 20 and compact.isascii() and compact.isalnum()):
        raise InvalidTaxId()
    return compact
