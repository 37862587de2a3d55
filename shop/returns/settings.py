"""The seller's returns settings (kept in the shop settings under ``returns``, as invoicing is):
the return window, the status an order moves to once everything ordered came back, and the
instructions sent with an approved return's label. Checked here; saved by
shop.settings.services.update.

INTERFACE STUB written by the lead: the returns-requests work fills the bodies, keeping the
names and signatures (the settings page is written against them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ReturnSettings:
    window_days: int | None  # None: the shop country's default (default_window)
    working_days: bool  # the window counts working days (Iran's law), not calendar days
    status: str  # code of the status an order moves to when all of it came back ("returned")
    instructions: str  # sent with the label; "" for the built-in text


def default_window(currency: str) -> tuple[int, bool]:
    """The law's minimum by the shop's country (its currency): (14, False) for TRY and PLN,
    (7, True) for IRR."""
    raise NotImplementedError


def effective(stored: dict | None) -> ReturnSettings:
    raise NotImplementedError


def current() -> ReturnSettings:
    raise NotImplementedError


def validate(given: Any, now: dict | None) -> tuple[dict, dict[str, str]]:
    """(the settings as stored, {field: message}) for the settings page's ``returns`` values;
    fields named "returns.window_days", "returns.status", "returns.instructions"."""
    raise NotImplementedError
