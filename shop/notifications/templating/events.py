"""The events a shop sends messages for, and the variables each event's template may use:
documented (a description, an example for the preview, a realistic longest value for the SMS
cost estimate), so the editor can list them and ``validation`` can refuse any other name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext


@dataclass(frozen=True)
class Variable:
    """One value a template may show. ``fields`` makes it a list of items (``order.items``):
    each item has those fields (``item.name``), ``examples`` are its example items, and the
    list's own ``example``/``longest`` are unused (each field has its own)."""

    name: str
    description: Any  # a lazy string
    longest: str = ""  # a realistic longest value: the SMS cost estimate counts with it
    example: str = ""  # what the preview shows
    fields: tuple[Variable, ...] = ()
    examples: tuple[dict[str, str], ...] = ()  # a list's example items

    @property
    def is_list(self) -> bool:
        return bool(self.fields)


@dataclass(frozen=True)
class EventSpec:
    key: str
    label: Any  # a lazy string
    channels: tuple[str, ...]
    variables: tuple[Variable, ...]
    recipient: str = "customer"  # or "courier"
    _names: dict[str, Variable] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._names.update({variable.name: variable for variable in self.variables})

    def variable(self, name: str) -> Variable | None:
        return self._names.get(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._names)


_ITEM_FIELDS = (
    Variable(
        "name",
        lazy_gettext("Product and variant"),
        "Handmade ceramic coffee mug 350 ml – Turquoise",
        "Ceramic mug – Blue",
    ),
    Variable("quantity", lazy_gettext("Quantity"), "100", "2"),
    Variable("total", lazy_gettext("Price of the line, VAT included"), "IRR12,345,678,900", "TRY499.80"),
)

# The example order: 2 mugs and a vase, 1,170.00 of goods and 79.90 of delivery.
_EXAMPLE_ITEMS = (
    {"name": "Ceramic mug – Blue", "quantity": "2", "total": "TRY499.80"},
    {"name": "Handmade vase, 30 cm – Sand", "quantity": "1", "total": "TRY670.20"},
)

_V = {
    variable.name: variable
    for variable in (
        Variable(
            "shop.name", lazy_gettext("The shop's name"), "Lale Handmade Ceramics & Home", "Lale Ceramics"
        ),
        Variable(
            "shop.url",
            lazy_gettext("The shop's address on the web"),
            "https://www.laleceramics.com.tr/",
            "https://shop.example.com/",
        ),
        Variable(
            "shop.email",
            lazy_gettext("The shop's e-mail address"),
            "customer-service@laleceramics.com.tr",
            "orders@example.com",
        ),
        Variable(
            "shop.phone",
            lazy_gettext("The shop's phone number (empty if not set)"),
            "+90 212 555 01 23",
            "+90 212 555 01 23",
        ),
        Variable(
            "shop.bank_account",
            lazy_gettext("The shop's bank account for transfers"),
            "Lale Ceramics Ltd. – Ziraat Bankası – IBAN TR33 0006 1005 1978 6457 8413 26",
            "IBAN TR33 0006 1005 1978 6457 8413 26",
        ),
        Variable(
            "customer.name",
            lazy_gettext("The customer's full name"),
            "Małgorzata Brzęczyszczykiewicz-Nowak",
            "Ayşe Yılmaz",
        ),
        Variable("customer.first_name", lazy_gettext("The customer's first name"), "Małgorzata", "Ayşe"),
        Variable(
            "customer.email",
            lazy_gettext("The customer's e-mail address"),
            "malgorzata.brzeczyszczykiewicz@example.com.pl",
            "ayse@example.com",
        ),
        Variable(
            "customer.phone", lazy_gettext("The customer's phone number"), "+989121234567", "+905321234567"
        ),
        Variable("order.number", lazy_gettext("Order number"), "SHOP01234567", "S000123"),
        Variable("order.date", lazy_gettext("Date of the order"), "30 September 2026", "12 March 2026"),
        Variable(
            "order.total",
            lazy_gettext("Order total, VAT and delivery included"),
            "IRR12,345,678,900",
            "TRY1,249.90",
        ),
        Variable(
            "order.amount_due",
            lazy_gettext("Amount still to pay (empty when paid in full)"),
            "IRR12,345,678,900",
            "TRY1,249.90",
        ),
        Variable("order.status", lazy_gettext("The order's status"), "Waiting for bank transfer", "Shipped"),
        Variable(
            "order.url",
            lazy_gettext("Link to the order's tracking page"),
            "https://www.laleceramics.com.tr/orders/kT3vQ9mZbW1xLp8RfA2sYd0e",
            "https://shop.example.com/orders/kT3vQ9mZbW1xLp8RfA2sYd0e",
        ),
        Variable(
            "order.payment_method",
            lazy_gettext("Payment method"),
            "Cash on delivery or at pickup",
            "Bank transfer",
        ),
        Variable(
            "order.delivery_method",
            lazy_gettext("Delivery method"),
            "Pickup at a warehouse",
            "Carrier shipping",
        ),
        Variable(
            "order.address",
            lazy_gettext("Delivery address"),
            "ul. Marszałkowska 142 m. 37, 00-061 Warszawa, Poland",
            "İstiklal Cd. 1, 34430 İstanbul, Türkiye",
        ),
        Variable(
            "order.items",
            lazy_gettext("The ordered products: a list, each with name, quantity and total"),
            fields=_ITEM_FIELDS,
            examples=_EXAMPLE_ITEMS,
        ),
        Variable(
            "order.tracking_number",
            lazy_gettext("Parcel tracking number"),
            "520000011395200025754311",
            "1234567890",
        ),
        Variable("order.carrier", lazy_gettext("Parcel carrier"), "Poczta Polska", "Yurtiçi Kargo"),
        Variable(
            "order.tracking_url",
            lazy_gettext("Link to the carrier's tracking page (empty if the carrier has none)"),
            "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=520000011395200025754311",
            "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=1234567890",
        ),
        Variable(
            "pickup.warehouse", lazy_gettext("Pickup point"), "Warszawa-Wola pickup point", "Kadıköy store"
        ),
        Variable(
            "pickup.address",
            lazy_gettext("Address of the pickup point"),
            "ul. Marszałkowska 142 m. 37, 00-061 Warszawa",
            "Moda Cd. 12, Kadıköy, İstanbul",
        ),
        Variable(
            "pickup.date",
            lazy_gettext("Pickup date"),
            "Wednesday, 30 September 2026",
            "Friday, 13 March 2026",
        ),
        Variable(
            "pickup.hours",
            lazy_gettext("Opening hours of the pickup point"),
            "Mon-Fri 10:00-19:00, Sat 10:00-14:00",
            "10:00-19:00",
        ),
        Variable("invoice.number", lazy_gettext("Invoice number"), "FV/2026/03/000123", "FV/2026/000123"),
        Variable(
            "invoice.url",
            lazy_gettext("Link to download the invoice"),
            "https://www.laleceramics.com.tr/orders/kT3vQ9mZbW1xLp8RfA2sYd0e/invoice",
            "https://shop.example.com/orders/kT3vQ9mZbW1xLp8RfA2sYd0e/invoice",
        ),
        Variable("refund.amount", lazy_gettext("Amount refunded"), "IRR12,345,678,900", "TRY249.90"),
        Variable(
            "cart.restore_url",
            lazy_gettext("Link that brings the cart back"),
            "https://www.laleceramics.com.tr/cart/restore/kT3vQ9mZbW1xLp8RfA2sYd0e",
            "https://shop.example.com/cart/restore/kT3vQ9mZbW1xLp8RfA2sYd0e",
        ),
        Variable(
            "cart.items",
            lazy_gettext("The products in the cart: a list, each with name, quantity and total"),
            fields=_ITEM_FIELDS,
            examples=_EXAMPLE_ITEMS,
        ),
        Variable("cart.total", lazy_gettext("Value of the cart"), "IRR12,345,678,900", "TRY1,170.00"),
        Variable(
            "courier.name", lazy_gettext("The courier's name"), "Krzysztof Wąsowski-Grabowski", "Mehmet Demir"
        ),
        # A return (shop.returns): filled in by shop.returns.notifications.
        Variable("return.number", lazy_gettext("Return number"), "SHOP01234567-R12", "S000123-R1"),
        Variable(
            "return.reason",
            lazy_gettext("Why the customer returns (the reason chosen)"),
            "Arrived damaged or faulty",
            "Wrong size or fit",
        ),
        Variable(
            "return.items",
            lazy_gettext("The products sent back: a list, each with name and quantity"),
            fields=_ITEM_FIELDS[:2],
            examples=({"name": "Ceramic mug – Blue", "quantity": "1"},),
        ),
        Variable(
            "return.rejection_reason",
            lazy_gettext("Why the return was rejected"),
            "The mug was used and washed, and the packaging is missing; hygiene rules do not allow "
            "us to take back used kitchenware. We will send you the photos we took on arrival.",
            "The return window of this product ended on 12 March 2026.",
        ),
        Variable(
            "return.instructions",
            lazy_gettext("What the customer does with the return label"),
            "Pack the items securely, preferably in their original packaging, with everything that "
            "came with them. Print this label and stick it on the parcel so that the barcode can be "
            "seen, then send the parcel to the address on the label.",
            "Print the label, stick it on the parcel and send it with Yurtiçi Kargo.",
        ),
        Variable(
            "return.url",
            lazy_gettext("Link to the return's page"),
            "https://www.laleceramics.com.tr/returns/kT3vQ9mZbW1xLp8RfA2sYd0e",
            "https://shop.example.com/returns/kT3vQ9mZbW1xLp8RfA2sYd0e",
        ),
        Variable(
            "exchange.order_number",
            lazy_gettext("Number of the new order that sends the replacement"),
            "SHOP01234568",
            "S000124",
        ),
        Variable(
            "exchange.order_url",
            lazy_gettext("Link to the tracking page of the replacement's order"),
            "https://www.laleceramics.com.tr/orders/pQ7wE2rT9yU4iO1aS6dF3gH8",
            "https://shop.example.com/orders/pQ7wE2rT9yU4iO1aS6dF3gH8",
        ),
    )
}


# The variables whose value is an address the shop made: in the HTML part of an e-mail only
# these (and addresses the seller typed into the template) become links.
LINK_VARIABLES = frozenset(
    {
        "shop.url",
        "order.url",
        "order.tracking_url",
        "invoice.url",
        "cart.restore_url",
        "return.url",
        "exchange.order_url",
    }
)


def _pick(*names: str) -> tuple[Variable, ...]:
    return tuple(_V[name] for name in names)


_SHOP = ("shop.name", "shop.url", "shop.email", "shop.phone")
_CUSTOMER = ("customer.name", "customer.first_name", "customer.email")
_ORDER = (
    "order.number",
    "order.date",
    "order.total",
    "order.status",
    "order.url",
    "order.payment_method",
    "order.delivery_method",
    "order.items",
)
_TRACKING = ("order.tracking_number", "order.carrier", "order.tracking_url")
_PICKUP = ("pickup.warehouse", "pickup.address", "pickup.date", "pickup.hours")
_RETURN = (
    "order.number",
    "order.date",
    "order.url",
    "return.number",
    "return.reason",
    "return.items",
    "return.url",
)

EVENTS: dict[str, EventSpec] = {
    spec.key: spec
    for spec in (
        EventSpec(
            "order_confirmation",
            lazy_gettext("Order confirmation"),
            ("email", "sms"),
            _pick(*_SHOP, "shop.bank_account", *_CUSTOMER, *_ORDER, "order.amount_due", "order.address"),
        ),
        EventSpec(
            "status_change",
            lazy_gettext("Status change"),
            ("email", "sms"),
            # A seller's own status may be "Shipped": the tracking values are there, empty if none.
            _pick(*_SHOP, *_CUSTOMER, *_ORDER, "order.amount_due", *_TRACKING),
        ),
        EventSpec(
            "tracking_number",
            lazy_gettext("Shipped, with tracking number"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_ORDER, "order.amount_due", "order.address", *_TRACKING),
        ),
        EventSpec(
            "pickup_ready",
            lazy_gettext("Ready for pickup"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_ORDER, "order.amount_due", *_PICKUP),
        ),
        EventSpec(
            "delivery_done",
            lazy_gettext("Delivered"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_ORDER),
        ),
        EventSpec(
            "invoice_issued",
            lazy_gettext("Invoice issued"),
            ("email", "sms"),
            _pick(
                *_SHOP,
                *_CUSTOMER,
                "order.number",
                "order.date",
                "order.total",
                "order.url",
                "invoice.number",
                "invoice.url",
            ),
        ),
        EventSpec(
            "refund_issued",
            lazy_gettext("Refund issued"),
            ("email", "sms"),
            _pick(
                *_SHOP,
                *_CUSTOMER,
                "order.number",
                "order.date",
                "order.total",
                "order.url",
                "order.payment_method",
                "refund.amount",
            ),
        ),
        EventSpec(
            "return_requested",
            lazy_gettext("Return requested"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_RETURN),
        ),
        EventSpec(
            "return_approved",
            lazy_gettext("Return approved, with the label"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_RETURN, "return.instructions"),
        ),
        EventSpec(
            "return_rejected",
            lazy_gettext("Return rejected"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_RETURN, "return.rejection_reason"),
        ),
        EventSpec(
            "return_received",
            lazy_gettext("Returned goods received"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_RETURN),
        ),
        EventSpec(
            "return_refunded",
            lazy_gettext("Return refunded"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_RETURN, "order.payment_method", "refund.amount"),
        ),
        EventSpec(
            "return_exchanged",
            lazy_gettext("Return exchanged"),
            ("email", "sms"),
            _pick(*_SHOP, *_CUSTOMER, *_RETURN, "exchange.order_number", "exchange.order_url"),
        ),
        EventSpec(
            "abandoned_cart",
            lazy_gettext("Abandoned cart reminder"),
            ("email",),
            _pick(*_SHOP, *_CUSTOMER, "cart.restore_url", "cart.items", "cart.total"),
        ),
        EventSpec(
            "courier_assignment",
            lazy_gettext("Delivery assigned to a courier"),
            ("sms", "email"),
            _pick(
                *_SHOP,
                "courier.name",
                "customer.name",
                "customer.phone",
                "order.number",
                "order.total",
                "order.amount_due",
                "order.payment_method",
                "order.address",
                "order.items",
            ),
            recipient="courier",
        ),
    )
}


def event_spec(event: str | EventSpec) -> EventSpec:
    if isinstance(event, EventSpec):
        return event
    try:
        return EVENTS[event]
    except KeyError:
        raise ValueError(f"unknown notification event {event!r}") from None


def nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """{"order.number": x} -> {"order": {"number": x}}."""
    tree: dict[str, Any] = {}
    for name, value in flat.items():
        *groups, leaf = str(name).split(".")
        node = tree
        for group in groups:
            node = node.setdefault(group, {})
        if isinstance(value, Mapping) and isinstance(node.get(leaf), dict):
            node[leaf].update(nested(value))
        else:
            node[leaf] = value
    return tree


def example_context(event: str | EventSpec) -> dict[str, Any]:
    """The event's variables with example values, for the preview."""
    spec = event_spec(event)
    flat: dict[str, Any] = {}
    for variable in spec.variables:
        if variable.is_list:
            flat[variable.name] = [dict(item) for item in variable.examples] or [
                {f.name: f.example for f in variable.fields}
            ]
        else:
            flat[variable.name] = variable.example
    return nested(flat)


def longest_values(event: str | EventSpec) -> dict[str, str]:
    """Flat dotted name -> realistic longest value; a list's fields as ``order.items.name``."""
    spec = event_spec(event)
    values: dict[str, str] = {}
    for variable in spec.variables:
        if variable.is_list:
            values.update({f"{variable.name}.{f.name}": f.longest for f in variable.fields})
        else:
            values[variable.name] = variable.longest
    return values


def longest_context(event: str | EventSpec, *, items: int = 3) -> dict[str, Any]:
    """The event's variables at their longest, lists with ``items`` longest items: render a
    template with it to know how long (and how many SMS parts) a message can get."""
    spec = event_spec(event)
    flat: dict[str, Any] = {}
    for variable in spec.variables:
        if variable.is_list:
            flat[variable.name] = [{f.name: f.longest for f in variable.fields} for _ in range(items)]
        else:
            flat[variable.name] = variable.longest
    return nested(flat)
