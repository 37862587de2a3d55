"""The seller's returns settings (kept in the shop settings under ``returns``, as invoicing is):
the return window, the status an order moves to once everything ordered came back, and the
instructions sent with an approved return's label. Checked here; saved by
shop.settings.services.save.

The window's unit is not a setting: it follows the shop's country (its currency), because the
law of that country says how it is counted. Where it counts working days (Iran), the seller
lists the official holidays, which the calendar cannot know ahead: most follow the lunar year
and are announced for each year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import jdatetime
from flask_babel import gettext

from shop.extensions import db
from shop.i18n import ascii_digits
from shop.orders.models import OrderStatus

WINDOW_DAYS = (1, 365)
INSTRUCTIONS_MAX = 2000
HOLIDAYS_MAX = 100  # a few years of official holidays
# A date as sellers type it: 1405/01/01 (the Persian calendar) or 2026-03-21, in any digits.
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_PERSIAN_YEARS = range(1300, 1500)
DEFAULT_STATUS = "returned"
# The law's minimum per country, by the shop's currency: Turkey (TKHK 6502 art. 48 and the
# distance-contracts regulation: 14 days), Poland (consumer rights act: 14 days), Iran
# (e-commerce law art. 37: at least 7 working days).
_DEFAULT_WINDOWS = {"TRY": (14, False), "PLN": (14, False), "IRR": (7, True)}


@dataclass(frozen=True)
class ReturnSettings:
    window_days: int | None  # None: the shop country's default (default_window)
    working_days: bool  # the window counts working days (Iran's law), not calendar days
    status: str  # code of the status an order moves to when all of it came back ("returned")
    instructions: str  # sent with the label; "" for the built-in text
    default_days: int = 14  # the shop country's window, used when window_days is None
    # Official holidays, not counted as working days (only where the window counts them).
    holidays: frozenset[date] = frozenset()

    @property
    def days(self) -> int:
        """The window in effect: the seller's, else the country's."""
        return self.window_days if self.window_days is not None else self.default_days


def default_window(currency: str) -> tuple[int, bool]:
    """The law's minimum by the shop's country (its currency): (14, False) for TRY and PLN,
    (7, True) for IRR."""
    return _DEFAULT_WINDOWS.get(currency, (14, False))


def effective(stored: dict | None, currency: str | None = None) -> ReturnSettings:
    """The settings in effect; ``currency`` is the shop's (read from the settings when not given)."""
    if currency is None:
        from shop.settings import services as settings

        currency = settings.current().currency
    stored = stored if isinstance(stored, dict) else {}
    default_days, working_days = default_window(currency)
    days = stored.get("window_days")
    valid_days = (
        isinstance(days, int) and not isinstance(days, bool) and WINDOW_DAYS[0] <= days <= WINDOW_DAYS[1]
    )
    status, instructions = stored.get("status"), stored.get("instructions")
    return ReturnSettings(
        window_days=days if valid_days else None,
        working_days=working_days,
        status=status if isinstance(status, str) and status else DEFAULT_STATUS,
        instructions=instructions if isinstance(instructions, str) else "",
        default_days=default_days,
        holidays=frozenset(_stored_holidays(stored.get("holidays"))) if working_days else frozenset(),
    )


def _stored_holidays(value: Any) -> list[date]:
    """The stored ISO dates; anything else in the list is skipped."""
    days = []
    for item in value if isinstance(value, list) else []:
        try:
            days.append(date.fromisoformat(item))
        except (TypeError, ValueError):
            continue
    return days


def parse_day(text: str) -> date:
    """A typed date: year/month/day in the Persian calendar (1300-1499) or the Gregorian one,
    with -, / or . between, in ASCII or Persian digits. ValueError when it is not a real day."""
    found = _DATE.match(ascii_digits(text.strip()))
    if found is None:
        raise ValueError(text)
    year, month, day = (int(part) for part in found.groups())
    if year in _PERSIAN_YEARS:
        return jdatetime.date(year, month, day).togregorian()
    if not 1900 <= year <= 2200:
        raise ValueError(text)
    return date(year, month, day)


def holidays_text(holidays: frozenset[date] | list[date]) -> str:
    """The holidays as the settings page shows them: one per line, in the Persian calendar."""
    return "\n".join(jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d") for day in sorted(holidays))


def current() -> ReturnSettings:
    from shop.settings import services as settings

    shop = settings.current()
    return effective(shop.returns, shop.currency)


def target_statuses() -> list[OrderStatus]:
    """Statuses an order may move to once everything came back (the settings page's choice): in
    use, not cancelling (the goods were delivered; cancelling would give stock back a second
    time) and needing no tracking number (nothing is shipped)."""
    return list(
        db.session.scalars(
            db.select(OrderStatus)
            .where(
                OrderStatus.archived.is_(False),
                OrderStatus.cancels_order.is_(False),
                OrderStatus.requires_tracking.is_(False),
            )
            .order_by(OrderStatus.position, OrderStatus.id)
        )
    )


def _window_days(value: Any) -> int | None:
    """The typed window: None when empty; ValueError when it is not a whole number."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = ascii_digits(value.strip()) if isinstance(value, str) else "?"
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) < 5):
        raise ValueError(text)
    return int(text)


def _readable(text: str) -> bool:
    return all(char.isprintable() or char in "\n\t" for char in text)


def validate(given: Any, now: dict | None) -> tuple[dict, dict[str, str]]:
    """(the settings as stored, {field: message}) for the settings page's ``returns`` values;
    fields named "returns.window_days", "returns.status", "returns.instructions". A value not
    given stays as it is."""
    given = given if isinstance(given, dict) else {}
    now = now if isinstance(now, dict) else {}
    errors: dict[str, str] = {}

    try:
        days = _window_days(given.get("window_days", now.get("window_days")))
        in_range = days is None or WINDOW_DAYS[0] <= days <= WINDOW_DAYS[1]
    except ValueError:
        in_range = False
    if not in_range:
        errors["returns.window_days"] = gettext(
            "Enter a whole number of days from %(min)s to %(max)s, or leave it empty for the law’s minimum.",
            min=WINDOW_DAYS[0],
            max=WINDOW_DAYS[1],
        )
        days = None

    status = given.get("status", now.get("status") or DEFAULT_STATUS)
    status = status.strip() if isinstance(status, str) else ""
    if "status" in given and status not in {s.code for s in target_statuses()}:
        errors["returns.status"] = gettext(
            "Choose one of the statuses offered: in use, not cancelling the order, without a tracking number."
        )

    instructions = given.get("instructions", now.get("instructions", ""))
    instructions = instructions.replace("\r\n", "\n").strip() if isinstance(instructions, str) else None
    if instructions is None or not _readable(instructions):
        errors["returns.instructions"] = gettext("Write the instructions as plain text.")
        instructions = ""
    elif len(instructions) > INSTRUCTIONS_MAX:
        errors["returns.instructions"] = gettext(
            "Write the instructions in at most %(max)s characters.", max=INSTRUCTIONS_MAX
        )
    clean = {"window_days": days, "status": status, "instructions": instructions}
    # Holidays are stored once a seller has listed some: a shop without any keeps its old shape.
    if "holidays" in given:
        holidays, holiday_errors = _holidays(given["holidays"])
        if holiday_errors:
            errors["returns.holidays"] = " ".join(holiday_errors)
        if holidays or "holidays" in now:
            clean["holidays"] = holidays
    elif "holidays" in now:
        clean["holidays"] = [day.isoformat() for day in _stored_holidays(now.get("holidays"))]
    return clean, errors


def _holidays(given: Any) -> tuple[list[str], list[str]]:
    """(the typed holidays as sorted ISO dates, [message per wrong line])."""
    lines = given.splitlines() if isinstance(given, str) else [] if given is None else None
    if lines is None:
        return [], [gettext("Write one date per line.")]
    days, errors = set(), []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            days.add(parse_day(line))
        except ValueError:
            errors.append(
                gettext(
                    "Line %(line)s: write a date as 1405/01/01 (Persian calendar) or 2026-03-21.",
                    line=number,
                )
            )
    if len(days) > HOLIDAYS_MAX:
        errors.append(gettext("List at most %(max)s holidays.", max=HOLIDAYS_MAX))
    return sorted(day.isoformat() for day in days), errors
