"""Order words as people read them (translated when shown), and the status colour rule: one
place each, for the storefront, the back office and later the notifications."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

# Where orders come from; a status e-mails the customer only for the sources chosen on it.
ORDER_SOURCES = ("storefront", "api", "allegro", "trendyol", "other")

_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}")
DEFAULT_COLOUR = "#64748b"


def source_label(source: str) -> str:
    return {
        "storefront": _l("Storefront"),
        "api": _l("API"),
        "allegro": "Allegro",
        "trendyol": "Trendyol",
        "other": _l("Other"),
        "exchange": _l("Exchange of a return"),  # made by shop.returns.exchange
    }.get(source, source)


def group_label(group: str) -> str:
    return {
        "new": _l("New"),
        "in_progress": _l("In progress"),
        "completed": _l("Completed"),
        "not_completed": _l("Not completed"),
    }.get(group, group)


def safe_colour(colour: str | None) -> str:
    """A status colour fit for a style attribute: #rgb to #rrggbbaa, never anything else."""
    return colour if colour and _COLOUR.fullmatch(colour) else DEFAULT_COLOUR
