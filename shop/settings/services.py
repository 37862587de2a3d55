"""Shop settings with their defaults; one call gives them typed, for the request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext

from shop import readcache
from shop.accounts.models import SalesTeam
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import LANGUAGES, ascii_digits
from shop.money import CURRENCIES, scale
from shop.orders.models import OrderStatus, StatusGroup
from shop.settings.models import Setting, SettingChange

# Delivery prices (gross) that suit each currency when the seller has not set any.
_DELIVERY_PRICES = {
    "TRY": {"carrier": "79.90", "courier": "49.90", "pickup": "0"},
    "PLN": {"carrier": "14.99", "courier": "9.99", "pickup": "0"},
    "IRR": {"carrier": "1500000", "courier": "900000", "pickup": "0"},
}

# VAT rates (percent) of each currency's market, offered until the seller sets their own.
DEFAULT_VAT_RATES = {
    "TRY": ["0", "1", "10", "20"],
    "PLN": ["0", "5", "8", "23"],
    "IRR": ["0", "10"],
}


@dataclass(frozen=True)  # one copy is shared by the requests of a revision (shop.readcache)
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
    # The seller as printed on dispatch notes and labels (tax office: Turkey's vergi dairesi).
    seller_address: str = ""
    seller_tax_id: str = ""
    seller_tax_office: str = ""
    order_number_prefix: str = "S"
    admin_email: str = "admin@example.com"
    enabled_languages: list[str] = field(default_factory=lambda: ["en", "tr", "pl", "fa"])
    # Who takes new storefront orders: {"policy": "none" | "team" | "round_robin", "team_id": id or None}.
    sales_assignment: dict = field(default_factory=lambda: {"policy": "none", "team_id": None})
    # Net price of one SMS segment, as the SMS provider bills it (SMSAPI: PLN), for the cost
    # shown in the SMS editor (B5).
    sms_prices: dict = field(
        default_factory=lambda: {"domestic": "0.15", "foreign": "0.35", "currency": "PLN"}
    )
    # One reminder for a cart with an e-mail address left this many hours (S6).
    abandoned_cart: dict = field(default_factory=lambda: {"enabled": True, "delay_hours": 4})
    # Pickup at a warehouse that lacks part of the order, with units brought from the others;
    # the transfer adds "days" to the warehouse's preparation time. Off: only warehouses that
    # have the whole order are offered.
    pickup_transfer: dict = field(default_factory=lambda: {"enabled": False, "days": 2})
    # A SKU with this many available units or fewer (all warehouses) is on the low-stock list,
    # unless it has a threshold of its own.
    low_stock_threshold: int = 5

    # VAT rates (percent, as text) products may be priced with; empty: the currency's market's.
    vat_rates: list[str] = field(default_factory=list)
    # A delivery step done with less than ordered: the rest follows in a backorder
    # ("always"), is released back on sale ("never"), or whoever does the step says ("ask").
    backorder_policy: str = "ask"
    # Doing the ship step with a tracking number moves the order to the Shipped status.
    ship_moves_to_shipped: bool = False
    # The status an order moves to when its courier marks the task picked up, on the way or
    # failed (a status code; empty: no change). Delivered always completes the order.
    courier_statuses: dict[str, str] = field(
        default_factory=lambda: {"picked_up": "", "on_the_way": "", "failed": ""}
    )
    # Invoice numbering formats, request window, issue on online payment (shop.invoicing.settings).
    invoicing: dict = field(default_factory=dict)
    # Return window, status after a full return, label instructions (shop.returns.settings).
    # (A row of the retired "return_days" key may still be stored: current() skips unknown keys.)
    returns: dict = field(default_factory=dict)

    def offered_vat_rates(self) -> list[Decimal]:
        rates = self.vat_rates or DEFAULT_VAT_RATES.get(self.currency, DEFAULT_VAT_RATES["TRY"])
        return sorted({Decimal(rate) for rate in rates})

    def delivery_price(self, method: str) -> Decimal:
        prices = self.delivery_prices or _DELIVERY_PRICES.get(self.currency, _DELIVERY_PRICES["TRY"])
        return Decimal(prices.get(method, "0"))


_KNOWN = frozenset(f.name for f in fields(ShopSettings))


def current() -> ShopSettings:
    """The settings, read once per request (and kept between GET requests while the database
    is unchanged)."""
    if has_request_context() and "shop_settings" in g:
        return g.shop_settings
    return _for_request(readcache.remember("settings", None, _read))


def current_fresh() -> ShopSettings:
    """The stored settings, read now (not the copy kept for the request or its revision)."""
    return _for_request(_read())


def _read() -> ShopSettings:
    stored = {row.key: row.value for row in db.session.scalars(db.select(Setting))}
    return ShopSettings(**{key: value for key, value in stored.items() if key in _KNOWN})


def _for_request(loaded: ShopSettings) -> ShopSettings:
    """``loaded``, kept as the request's settings (current() gives it again)."""
    if has_request_context():
        g.shop_settings = loaded
    return loaded


def update(**values: Any) -> ShopSettings:
    """Store settings as given, unchecked: for the demo data and tests. The back office saves
    through save(), which validates and records each change."""
    _check_keys(values)
    for key, value in values.items():
        _store(key, value)
    _forget_cached()
    return current()


def _check_keys(keys: Any) -> None:
    """Unknown keys are a bug in the caller, not user input."""
    for key in keys:
        if key not in _KNOWN:
            raise KeyError(key)


def _store(key: str, value: Any) -> None:
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value = value
    db.session.add(row)


def _forget_cached() -> None:
    if has_request_context():
        g.pop("shop_settings", None)


# --- the settings page: validated changes, each recorded with who made it ------------------

DELIVERY_METHODS = ("carrier", "courier", "pickup")
# Payment methods whose confirmation the seller chooses; a card order is confirmed once paid.
CONFIRMABLE_METHODS = ("bank_transfer", "cash")
CONFIRM_POLICIES = ("checkout", "payment")
WINDOW_METHODS = ("card", "bank_transfer")
WINDOW_HOURS = (1, 720)
SALES_POLICIES = ("none", "team", "round_robin")
SMS_PRICE_CURRENCIES = ("PLN", "TRY", "IRR", "EUR", "USD")
SMS_PRICE_MAX = Decimal("100")
CART_DELAY_HOURS = (1, 168)
TRANSFER_DAYS = (0, 30)
LOW_STOCK_THRESHOLD = (0, 100000)
# Courier task states a seller may follow with a status of their choice.
COURIER_STATES = ("picked_up", "on_the_way", "failed")
SHOP_NAME_MAX = 80
BANK_ACCOUNT_MAX = 500
SELLER_TEXT_MAX = {"seller_address": 300, "seller_tax_id": 32, "seller_tax_office": 80}
PRICE_MAX = Decimal("1000000000000")  # fits Numeric(14, 2)
_PREFIX = re.compile(r"^[A-Z]{1,5}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class InvalidSettings(ShopError):
    """One or more values were refused; ``errors`` maps each field (``delivery_prices.carrier``)
    to its message. Nothing was saved."""

    code = "invalid_settings"
    http_status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors=errors)
        self.errors = errors

    def describe(self) -> str:
        return gettext("Nothing was saved: correct the fields marked below.")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = _text(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _money(value: Any, currency: str) -> str | None:
    """A price as stored: a plain decimal string with the currency's places; None if invalid."""
    try:
        amount = Decimal(_text(value) if not isinstance(value, Decimal) else value)
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount >= PRICE_MAX:
        return None
    places = Decimal(1).scaleb(-scale(currency))
    if amount != amount.quantize(places, rounding=ROUND_HALF_UP):
        return None
    return str(amount.quantize(places))


def _validate(changes: dict[str, Any], now: ShopSettings) -> tuple[dict[str, Any], dict[str, str]]:
    """Each known key checked and normalised; unknown keys are refused (a bug, not user input)."""
    _check_keys(changes)
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    currency = changes.get("currency", now.currency)

    if "shop_name" in changes:
        name = _text(changes["shop_name"])
        if not 1 <= len(name) <= SHOP_NAME_MAX:
            errors["shop_name"] = gettext("Enter a shop name of 1 to %(max)s characters.", max=SHOP_NAME_MAX)
        clean["shop_name"] = name
    if "currency" in changes:
        if currency not in CURRENCIES:
            errors["currency"] = gettext("Choose one of the currencies.")
            currency = now.currency
        clean["currency"] = currency
    if "enabled_languages" in changes:
        chosen = changes["enabled_languages"]
        chosen = [code for code in LANGUAGES if isinstance(chosen, list | tuple) and code in chosen]
        if not chosen or len(chosen) != len(set(changes["enabled_languages"])):
            errors["enabled_languages"] = gettext("Choose at least one of the languages offered.")
        clean["enabled_languages"] = chosen
    if "default_language" in changes:
        default = changes["default_language"]
        enabled = clean.get("enabled_languages", now.enabled_languages)
        if default not in LANGUAGES:
            errors["default_language"] = gettext("Choose one of the languages.")
        elif default not in enabled:
            errors["default_language"] = gettext("The default language must be one of the enabled languages.")
        clean["default_language"] = default
    if "backorder_policy" in changes:
        if changes["backorder_policy"] not in ("ask", "always", "never"):
            errors["backorder_policy"] = gettext("Choose what happens to the units not delivered.")
        clean["backorder_policy"] = changes["backorder_policy"]
    if "courier_statuses" in changes:
        given = changes["courier_statuses"] if isinstance(changes["courier_statuses"], dict) else {}
        allowed = {status.code for status in courier_target_statuses()}
        chosen = {}
        for state in COURIER_STATES:
            code = given.get(state, now.courier_statuses.get(state, ""))
            code = code.strip() if isinstance(code, str) else None
            if code is None or (code and code not in allowed):
                errors[f"courier_statuses.{state}"] = gettext(
                    "Choose no change, or one of the statuses offered (In progress or Not completed, "
                    "with no tracking number, not cancelling)."
                )
            chosen[state] = code or ""
        clean["courier_statuses"] = chosen
    if "ship_moves_to_shipped" in changes:
        clean["ship_moves_to_shipped"] = changes["ship_moves_to_shipped"] is True
    if "admin_email" in changes:
        email = _text(changes["admin_email"]).lower()
        if len(email) > 254 or not _EMAIL.match(email):
            errors["admin_email"] = gettext("Enter an e-mail address, for example orders@example.com.")
        clean["admin_email"] = email
    if "confirm_order_on" in changes:
        given = changes["confirm_order_on"] if isinstance(changes["confirm_order_on"], dict) else {}
        policy = {"card": "payment"}  # a card order is only real once the provider captured the money
        for method in CONFIRMABLE_METHODS:
            value = given.get(method, now.confirm_order_on.get(method, "payment"))
            if value not in CONFIRM_POLICIES:
                errors[f"confirm_order_on.{method}"] = gettext("Choose when these orders are confirmed.")
            policy[method] = value
        clean["confirm_order_on"] = policy
    if "payment_window_hours" in changes:
        given = changes["payment_window_hours"] if isinstance(changes["payment_window_hours"], dict) else {}
        windows = {}
        for method in WINDOW_METHODS:
            hours = _int(given.get(method, now.payment_window_hours.get(method)))
            if hours is None or not WINDOW_HOURS[0] <= hours <= WINDOW_HOURS[1]:
                errors[f"payment_window_hours.{method}"] = gettext(
                    "Enter a whole number of hours from %(min)s to %(max)s.",
                    min=WINDOW_HOURS[0],
                    max=WINDOW_HOURS[1],
                )
            windows[method] = hours
        clean["payment_window_hours"] = windows
    if "bank_account" in changes:
        text = _text(changes["bank_account"])
        if len(text) > BANK_ACCOUNT_MAX:
            errors["bank_account"] = gettext(
                "Write the bank account in at most %(max)s characters.", max=BANK_ACCOUNT_MAX
            )
        clean["bank_account"] = text
    for key, limit in SELLER_TEXT_MAX.items():
        if key in changes:
            text = _text(changes[key])
            if len(text) > limit:
                errors[key] = gettext("Write this in at most %(max)s characters.", max=limit)
            clean[key] = text
    if "order_number_prefix" in changes:
        prefix = _text(changes["order_number_prefix"])
        if not _PREFIX.match(prefix):
            errors["order_number_prefix"] = gettext("Use 1 to 5 capital letters A to Z, for example S.")
        clean["order_number_prefix"] = prefix
    if "delivery_prices" in changes or "currency" in clean:
        given = changes.get("delivery_prices")
        if not isinstance(given, dict):  # the currency changed alone: keep the prices as they are
            given = {method: now.delivery_price(method) for method in DELIVERY_METHODS}
        prices = {}
        for method in DELIVERY_METHODS:
            price = _money(given.get(method, now.delivery_price(method)), currency)
            if price is None:
                errors[f"delivery_prices.{method}"] = (
                    gettext("Enter a whole amount of 0 or more, without decimals.")
                    if scale(currency) == 0
                    else gettext("Enter an amount of 0 or more, with at most 2 decimals.")
                )
            prices[method] = price
        clean["delivery_prices"] = prices
    if "sales_assignment" in changes:
        given = changes["sales_assignment"] if isinstance(changes["sales_assignment"], dict) else {}
        policy = given.get("policy")
        team_id = _int(given.get("team_id")) if given.get("team_id") not in (None, "") else None
        if policy not in SALES_POLICIES:
            errors["sales_assignment.policy"] = gettext("Choose how new orders are assigned.")
        if team_id is not None and db.session.get(SalesTeam, team_id) is None:
            errors["sales_assignment.team_id"] = gettext("Choose one of the sales teams.")
        elif policy == "team" and team_id is None:
            errors["sales_assignment.team_id"] = gettext("Choose the team that takes every new order.")
        clean["sales_assignment"] = {"policy": policy, "team_id": None if policy == "none" else team_id}
    if "sms_prices" in changes:
        given = changes["sms_prices"] if isinstance(changes["sms_prices"], dict) else {}
        prices: dict[str, str] = {}
        for where in ("domestic", "foreign"):
            price = _sms_price(given.get(where, now.sms_prices.get(where)))
            if price is None:
                errors[f"sms_prices.{where}"] = gettext(
                    "Enter a price from 0 to %(max)s with at most 4 decimals, for example 0.15.",
                    max=SMS_PRICE_MAX,
                )
            prices[where] = price or ""
        sms_currency = given.get("currency", now.sms_prices.get("currency"))
        if sms_currency not in SMS_PRICE_CURRENCIES:
            errors["sms_prices.currency"] = gettext("Choose one of the currencies.")
        prices["currency"] = sms_currency
        clean["sms_prices"] = prices
    if "abandoned_cart" in changes:
        given = changes["abandoned_cart"] if isinstance(changes["abandoned_cart"], dict) else {}
        hours = _int(given.get("delay_hours", now.abandoned_cart.get("delay_hours")))
        if hours is None or not CART_DELAY_HOURS[0] <= hours <= CART_DELAY_HOURS[1]:
            errors["abandoned_cart.delay_hours"] = gettext(
                "Enter a whole number of hours from %(min)s to %(max)s.",
                min=CART_DELAY_HOURS[0],
                max=CART_DELAY_HOURS[1],
            )
        clean["abandoned_cart"] = {"enabled": bool(given.get("enabled")), "delay_hours": hours}
    if "pickup_transfer" in changes:
        given = changes["pickup_transfer"] if isinstance(changes["pickup_transfer"], dict) else {}
        enabled = bool(given.get("enabled"))
        days = given.get("days")
        if not enabled and days in (None, ""):  # the days only matter with transfers on
            days = now.pickup_transfer.get("days")
        days = _int(days)
        if days is None or not TRANSFER_DAYS[0] <= days <= TRANSFER_DAYS[1]:
            errors["pickup_transfer.days"] = gettext(
                "Enter a whole number of days from %(min)s to %(max)s.",
                min=TRANSFER_DAYS[0],
                max=TRANSFER_DAYS[1],
            )
        clean["pickup_transfer"] = {"enabled": enabled, "days": days}
    if "low_stock_threshold" in changes:
        threshold = _int(changes["low_stock_threshold"])
        if threshold is None or not LOW_STOCK_THRESHOLD[0] <= threshold <= LOW_STOCK_THRESHOLD[1]:
            errors["low_stock_threshold"] = gettext(
                "Enter a whole number of units from %(min)s to %(max)s.",
                min=LOW_STOCK_THRESHOLD[0],
                max=LOW_STOCK_THRESHOLD[1],
            )
        clean["low_stock_threshold"] = threshold
    if "vat_rates" in changes:
        rates = vat_rates(changes["vat_rates"])
        if rates is None:
            errors["vat_rates"] = gettext(
                "Enter up to %(max)s rates from 0 to 99.99 separated by spaces, for example 0 5 8 23.",
                max=VAT_RATES_MAX,
            )
        clean["vat_rates"] = rates if rates is not None else now.vat_rates
    if "invoicing" in changes:
        from shop.invoicing.settings import validate as validate_invoicing

        clean["invoicing"], invoicing_errors = validate_invoicing(changes["invoicing"], now.invoicing)
        errors.update(invoicing_errors)
    if "returns" in changes:
        from shop.returns.settings import validate as validate_returns

        clean["returns"], returns_errors = validate_returns(changes["returns"], now.returns)
        errors.update(returns_errors)
    return clean, errors


def courier_target_statuses() -> list[OrderStatus]:
    """Statuses a courier's change may move an order to: in use, of the In progress or Not
    completed group (the goods are on their way, or did not arrive; Delivered alone completes),
    and none that needs a tracking number (a courier has none) or cancels the order (the goods
    are with the courier)."""
    return list(
        db.session.scalars(
            db.select(OrderStatus)
            .where(
                OrderStatus.archived.is_(False),
                OrderStatus.group.in_([StatusGroup.IN_PROGRESS, StatusGroup.NOT_COMPLETED]),
                OrderStatus.requires_tracking.is_(False),
                OrderStatus.cancels_order.is_(False),
            )
            .order_by(OrderStatus.position, OrderStatus.id)
        )
    )


VAT_RATES_MAX = 10
_RATE = re.compile(r"^[0-9]{1,2}(\.[0-9]{1,2})?$")


def vat_rates(value: Any) -> list[str] | None:
    """VAT rates as stored, ascending, as plain text ("0", "5", "8", "23"); None when the text
    is not 1 to 10 rates from 0 to 99.99 separated by spaces or semicolons (a comma
    separates too, unless it stands between digits: "5,5" is five and a half in Polish)."""
    if isinstance(value, list | tuple):
        value = " ".join(str(item) for item in value)
    text = ascii_digits(_text(value))
    text = re.sub(r"(?<=[0-9]),(?=[0-9])", ".", text)
    parts = [part for part in re.split(r"[\s;,]+", text) if part]
    if not 1 <= len(parts) <= VAT_RATES_MAX or not all(_RATE.match(part) for part in parts):
        return None
    return [f"{rate.normalize():f}" for rate in sorted({Decimal(part) for part in parts})]


def _sms_price(value: Any) -> str | None:
    """A per-segment price as a plain decimal string ("0.15"), or None when it is not one.
    Typed prices come parsed in the reader's notation (shop.forms.AmountField)."""
    try:
        price = value if isinstance(value, Decimal) else Decimal(_text(value))
    except (InvalidOperation, TypeError):
        return None
    if not price.is_finite() or not 0 <= price <= SMS_PRICE_MAX or price.as_tuple().exponent < -4:
        return None
    return f"{price.normalize():f}" if price else "0"


def save(changes: dict[str, Any], *, by_user_id: int | None) -> list[SettingChange]:
    """Validate and store settings; every value that actually changed gets a SettingChange row
    with before, after and who. All or nothing: any invalid value raises InvalidSettings before
    anything is written. Returns the changes recorded. (Warehouses' pickup rules are edited on
    the warehouse page: shop.catalog.warehouses.)"""
    now = current_fresh()
    clean, errors = _validate(changes, now)
    if errors:
        raise InvalidSettings(errors)

    recorded: list[SettingChange] = []
    for key, value in clean.items():
        if value == getattr(now, key):
            continue
        _store(key, value)
        # Stored prices may only make explicit what was in effect (the currency's defaults).
        before = _effective(key, now)
        if value != before:
            recorded.append(SettingChange(key=key, before=before, after=value, user_id=by_user_id))
    db.session.add_all(recorded)
    db.session.flush()
    _forget_cached()
    return recorded


def _effective(key: str, settings: ShopSettings) -> Any:
    """What a setting is in effect now: empty delivery prices mean the currency's defaults."""
    if key == "delivery_prices":
        places = Decimal(1).scaleb(-scale(settings.currency))
        return {method: str(settings.delivery_price(method).quantize(places)) for method in DELIVERY_METHODS}
    if key == "confirm_order_on":
        return {"card": "payment", **settings.confirm_order_on}
    if key == "vat_rates":
        return [f"{rate.normalize():f}" for rate in settings.offered_vat_rates()]
    return getattr(settings, key)


def recent_changes(limit: int = 20) -> list[SettingChange]:
    return list(
        db.session.scalars(
            db.select(SettingChange).order_by(SettingChange.at.desc(), SettingChange.id.desc()).limit(limit)
        )
    )
