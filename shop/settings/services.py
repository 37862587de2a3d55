"""Shop settings with their defaults; one call gives them typed, for the request."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from flask import g, has_request_context

from shop.extensions import db
from shop.settings.models import Setting

# Delivery prices (gross) that suit each currency when the seller has not set any.
_DELIVERY_PRICES = {
    "TRY": {"carrier": "79.90", "courier": "49.90", "pickup": "0"},
    "PLN": {"carrier": "14.99", "courier": "9.99", "pickup": "0"},
    "IRR": {"carrier": "1500000", "courier": "900000", "pickup": "0"},
}


@dataclass
class ShopSettings:
    shop_name: str = "Demo Shop"
    currency: str = "TRY"
    default_language: str = "en"
    shipping_countries: list[str] = field(default_factory=lambda: ["TR", "PL", "IR", "DE"])
    delivery_prices: dict[str, str] = field(default_factory=dict)  # empty: the currency's defaults
    delivery_vat_rate: str = "20"
    # When a quotation sent becomes a sales order, per payment method:
    # "checkout" (at once) or "payment" (once the payment is confirmed). Card is always "payment".
    confirm_order_on: dict[str, str] = field(
        default_factory=lambda: {"card": "payment", "bank_transfer": "payment", "cash": "checkout"}
    )
    # Hours a quotation sent waits for its payment before it is cancelled and its stock released.
    payment_window_hours: dict[str, int] = field(default_factory=lambda: {"card": 1, "bank_transfer": 72})
    bank_account: str = "Demo Bank - IBAN TR00 0000 0000 0000 0000 0000 00"
    order_number_prefix: str = "S"
    admin_email: str = "admin@example.com"
    enabled_languages: list[str] = field(default_factory=lambda: ["en", "tr", "pl", "fa"])
    # Who takes new storefront orders: {"policy": "none" | "team" | "round_robin", "team_id": id or None}.
    sales_assignment: dict = field(default_factory=lambda: {"policy": "none", "team_id": None})

    def delivery_price(self, method: str) -> Decimal:
        prices = self.delivery_prices or _DELIVERY_PRICES.get(self.currency, _DELIVERY_PRICES["TRY"])
        return Decimal(prices.get(method, "0"))


def current() -> ShopSettings:
    """The settings, read once per request."""
    if has_request_context() and "shop_settings" in g:
        return g.shop_settings
    stored = {row.key: row.value for row in db.session.scalars(db.select(Setting))}
    known = {f.name for f in fields(ShopSettings)}
    loaded = ShopSettings(**{key: value for key, value in stored.items() if key in known})
    if has_request_context():
        g.shop_settings = loaded
    return loaded


def update(**values: Any) -> ShopSettings:
    """Store settings (validated by the caller's form); the back office page comes later."""
    known = {f.name for f in fields(ShopSettings)}
    for key, value in values.items():
        if key not in known:
            raise KeyError(key)
        row = db.session.get(Setting, key) or Setting(key=key)
        row.value = value
        db.session.add(row)
    if has_request_context():
        g.pop("shop_settings", None)
    return current()
