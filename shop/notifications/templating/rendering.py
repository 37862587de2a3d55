"""The values of a real order as a template sees them (``order_context``), and rendering a
seller's template with them.

``render`` and ``render_fields`` compile in this process (bounded by the size and literal
checks) and fill the template in a child process with a hard time limit (``isolation``), so no
template can hold the worker, a preview or a save for longer than that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import force_locale

from shop.notifications.templating import isolation
from shop.notifications.templating.email_html import find_urls
from shop.notifications.templating.events import LINK_VARIABLES, EventSpec, event_spec, nested
from shop.notifications.templating.sandbox import LIMITS, fill, template_values
from shop.notifications.templating.validation import compile_template


def render(
    event: str | EventSpec,
    channel: str,
    source: str,
    context: Mapping[str, Any],
    *,
    field: str = "body",
) -> str:
    """The message text: ``source`` rendered with ``context`` (nested or dotted names, plain
    values), within the limits. Raises TemplateProblem; ValueError for an event, channel or
    field that has no template; TypeError for a context value that is not plain data."""
    return render_fields(event, channel, {field: source}, context)[field]


def render_fields(
    event: str | EventSpec, channel: str, sources: Mapping[str, str], context: Mapping[str, Any]
) -> dict[str, str]:
    """Several fields of one message (``{"subject": ..., "body": ...}``) with one context, in
    one child process under the hard time limit. The first problem is raised, with its field."""
    spec = event_spec(event)
    templates = {
        field: compile_template(spec.key, channel, field, source) for field, source in sources.items()
    }
    values = template_values(context)  # TypeError here, in this process, for a value not plain

    def fill_all() -> dict[str, str]:
        return {
            field: fill(template, values, limit=LIMITS[(channel, field)].output, field=field)
            for field, template in templates.items()
        }

    return isolation.run(fill_all)


def shop_links(context: Mapping[str, Any], sources: Iterable[str] = ()) -> set[str]:
    """The addresses the shop itself puts in a message, which alone may be clickable in its
    HTML part: the values of the context's link variables (the shop's, the order's, the
    carrier's tracking page, the cart's restore link ...) and the addresses the seller typed
    into the template itself. Anything else (a link a customer typed as their name) stays text."""
    links: set[str] = set()
    flat = flatten(context)
    for name in LINK_VARIABLES:
        value = flat.get(name)
        if isinstance(value, str) and value:
            links.add(value)
    for source in sources:
        links.update(url for url in find_urls(source or ""))
    return links


def flatten(context: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"order": {"url": x}} -> {"order.url": x} (lists are left as they are)."""
    flat: dict[str, Any] = {}
    for key, value in context.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def snapshot(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as JSON data, to be stored with a queued message and filled in later by the
    worker: text, numbers, booleans, lists and dicts; Decimals become text and dates ISO dates,
    as a template would see them. TypeError for anything else (a model object, say)."""

    def plain(value: Any, path: str) -> Any:
        if value is None or isinstance(value, str | bool | int | float):
            return value
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, date | datetime):
            return value.isoformat()
        if isinstance(value, Mapping):
            return {str(key): plain(item, f"{path}.{key}") for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item, path) for item in value]
        raise TypeError(f"{path}: a {type(value).__name__} cannot be kept for a message; pass plain values")

    return {str(name): plain(value, str(name)) for name, value in nested(context).items()}


# --- the values of a real order ------------------------------------------------------------


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else ""


def order_context(order: Any, *, language: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The variables of ``order`` (a ``shop.sales.models.Order``) as plain values, written in
    ``language`` (money, dates, labels). ``extra`` adds the event's own values by dotted name
    (``{"refund.amount": Decimal("10"), "courier.name": "..."}``): Decimals become money in
    the order's currency, dates become days. URLs are absolute: call it in a request context,
    or with ``SERVER_NAME`` (and ``PREFERRED_URL_SCHEME``) configured."""
    from shop.i18n import country_name, format_day, format_money, format_number, translated
    from shop.orders.carriers import carrier_name, tracking_url
    from shop.sales.models import delivery_method_label, payment_method_label, state_label
    from shop.settings import services as settings

    shop = settings.current()

    def money(amount: Decimal | None) -> str:
        return format_money(amount or Decimal("0"), order.currency, language)

    with force_locale(language):
        if order.status is not None:
            status = translated(order.status.name, language)
        else:
            status = state_label(order.state)
        carrier = carrier_name(order.carrier)
        items = []
        for line in order.lines:
            product, variant = (
                translated(line.product_name, language),
                translated(line.variant_name, language),
            )
            items.append(
                {
                    "name": f"{product} – {variant}" if variant else product,
                    "quantity": format_number(line.quantity, language),
                    "total": money(line.gross),
                }
            )
        city = " ".join(part for part in (order.postal_code, order.city) if part)
        country = country_name(order.country, language) if order.country else ""
        warehouse = order.pickup_warehouse
        method = order.delivery_method.value if order.delivery_method else ""
        payment = order.payment_method.value if order.payment_method else ""
        due = order.amount_due
        values: dict[str, Any] = {
            "shop": {
                "name": shop.shop_name,
                "url": url_for("storefront.home", _external=True),
                # Settings have no public contact yet: the admin's address, and no phone.
                "email": shop.admin_email,
                "phone": "",
                "bank_account": shop.bank_account,
            },
            "customer": {
                "name": order.name,
                "first_name": _first_name(order.name),
                "email": order.email,
                "phone": order.phone,
            },
            "order": {
                "number": order.number or "",
                "date": format_day(order.confirmed_at or order.created_at, language),
                "total": money(order.total),
                "amount_due": money(due) if due > 0 else "",
                "status": status,
                "url": url_for("storefront.track", token=order.tracking_token, _external=True),
                "payment_method": payment_method_label(payment) if payment else "",
                "delivery_method": delivery_method_label(method) if method else "",
                "address": ", ".join(part for part in (order.address_line, city, country) if part),
                "items": items,
                "tracking_number": order.tracking_number,
                "carrier": carrier,
                "tracking_url": tracking_url(order.carrier, order.tracking_number),
            },
            "pickup": {
                "warehouse": translated(warehouse.name, language) if warehouse else "",
                "address": translated(warehouse.address, language) if warehouse else "",
                "date": format_day(order.pickup_date, language, weekday=True),
                "hours": warehouse.pickup_hours if warehouse else "",
            },
            "cart": {"items": items, "total": money(order.subtotal)},
        }

        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return money(value)
            if isinstance(value, date | datetime):
                return format_day(value, language)
            if isinstance(value, Mapping):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list | tuple):
                return [plain(item) for item in value]
            return value

        merge_groups(values, nested({key: plain(value) for key, value in (extra or {}).items()}))
    return values


def merge_groups(context: dict[str, Any], groups: Mapping[str, Any]) -> dict[str, Any]:
    """Put ``groups`` (values by group, ``{"order": {...}}``) into ``context``: a group both
    have as dicts is updated name by name, anything else replaced. Returns ``context``."""
    for group, values in groups.items():
        if isinstance(values, dict) and isinstance(context.get(group), dict):
            context[group].update(values)
        else:
            context[group] = values
    return context

