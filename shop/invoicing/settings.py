"""The seller's invoicing settings (kept in the shop settings under ``invoicing``): the number
format of each series, how long a B2C customer may ask for an invoice, and whether an online
payment issues one at once. Checked here; saved by shop.settings.services.save."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from shop.invoicing.models import InvoiceKind

SERIES = (InvoiceKind.INVOICE.value, InvoiceKind.CREDIT_NOTE.value)
DEFAULTS: dict[str, Any] = {
    "formats": {"invoice": "INV/{year}/{number:06}", "credit-note": "CN/{year}/{number:06}"},
    "request_days": 30,  # a B2C customer may ask for an invoice this many days after the order
    "on_online_payment": False,  # a confirmed card payment issues the invoice at once
}
REQUEST_DAYS = (0, 365)
NUMBER_MAX = 32  # the column's width
_WIDTH = re.compile(r"^0?([1-9]|1[0-2])d?$")  # {number:06}, {number:9}, {number:09d}
# Turkish e-Arşiv and e-Fatura: 3 characters, the year, a 9-digit sequence (UBL-TR's rule).
E_ARSIV = re.compile(r"^[A-Z0-9]{3}20[0-9]{2}[0-9]{9}$")


@dataclass(frozen=True)
class InvoicingSettings:
    formats: dict[str, str]
    request_days: int
    on_online_payment: bool


def effective(stored: dict | None) -> InvoicingSettings:
    stored = stored or {}
    formats = {**DEFAULTS["formats"], **(stored.get("formats") or {})}
    return InvoicingSettings(
        formats=formats,
        request_days=stored.get("request_days", DEFAULTS["request_days"]),
        on_online_payment=stored.get("on_online_payment", DEFAULTS["on_online_payment"]),
    )


def current() -> InvoicingSettings:
    from shop.settings import services as settings

    return effective(settings.current().invoicing)


def format_number(pattern: str, year: int, sequence: int) -> str:
    """The printed number. Only {year} and {number} (with an optional zero-padded width) are
    allowed, checked by check_format when saved; formatted by hand, never with str.format on
    the seller's text."""
    out = []
    for literal, field, spec, _ in string.Formatter().parse(pattern):
        out.append(literal)
        if field == "year":
            out.append(str(year))
        elif field == "number":
            width = int(_WIDTH.match(spec).group(1)) if spec else 0
            out.append(f"{sequence:0{width}d}")
    return "".join(out)


def check_format(pattern: Any) -> str | None:
    """Why a number format cannot be used, or None. It needs {number} once (a width keeps
    numbers sortable, e.g. {number:06}), {year} at most once, printable text, and fits the
    column with the largest number; a format shaped like Turkish e-Arşiv (3 characters, the
    year, digits) must give exactly that shape: ABC2026000000001."""
    if not isinstance(pattern, str) or not pattern.strip() or not pattern.isprintable():
        return gettext("Write a number format, for example FV/{year}/{number:06}.")
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        return gettext("Use {year} and {number} with matching braces, for example FV/{year}/{number:06}.")
    fields = [(field, spec or "", conversion) for _, field, spec, conversion in parsed if field is not None]
    names = [field for field, _, _ in fields]
    if any(field not in ("year", "number") for field in names) or any(conv for _, _, conv in fields):
        return gettext("Only {year} and {number} can be used in a number format.")
    if names.count("number") != 1 or names.count("year") > 1:
        return gettext("Put {number} exactly once in the format (and {year} at most once).")
    if any(spec and (field == "year" or not _WIDTH.match(spec)) for field, spec, _ in fields):
        return gettext("Give the number a width from 1 to 12 digits, for example {number:06}.")
    if len(format_number(pattern, 2026, 10**9 - 1)) > NUMBER_MAX:
        return gettext("The number would be longer than %(max)s characters.", max=NUMBER_MAX)
    first = format_number(pattern, 2026, 1)
    if re.match(r"^[A-Z0-9]{3}20[0-9]{2}[0-9]+$", first) and not E_ARSIV.match(first):
        return gettext(
            "A Turkish e-Arşiv number is 3 characters, the year and 9 digits: use for example "
            "ABC{year}{number:09}."
        )
    return None


def validate(given: Any, now: dict | None) -> tuple[dict, dict[str, str]]:
    """(the settings as stored, {field: message}) for the settings page's ``invoicing`` values."""
    given = given if isinstance(given, dict) else {}
    before = effective(now)
    errors: dict[str, str] = {}
    formats = {}
    for series in SERIES:
        pattern = (given.get("formats") or {}).get(series, before.formats[series])
        pattern = pattern.strip() if isinstance(pattern, str) else pattern
        problem = check_format(pattern)
        if problem:
            errors[f"invoicing.formats.{series}"] = problem
        formats[series] = pattern
    if not errors and formats["invoice"] == formats["credit-note"]:
        errors["invoicing.formats.credit-note"] = gettext(
            "Credit notes need a number format of their own, different from the invoices'."
        )
    days = given.get("request_days", before.request_days)
    if isinstance(days, str) and days.strip().isdigit() and len(days.strip()) < 5:
        days = int(days.strip())
    if isinstance(days, bool) or not isinstance(days, int) or not REQUEST_DAYS[0] <= days <= REQUEST_DAYS[1]:
        errors["invoicing.request_days"] = gettext(
            "Enter a whole number of days from %(min)s to %(max)s.", min=REQUEST_DAYS[0], max=REQUEST_DAYS[1]
        )
    on_payment = given.get("on_online_payment", before.on_online_payment) is True
    return {"formats": formats, "request_days": days, "on_online_payment": on_payment}, errors
