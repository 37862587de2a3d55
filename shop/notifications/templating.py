"""Seller-edited e-mail and SMS templates: the events, their documented variables, and a
bounded sandbox that renders them.

Sellers write Jinja (``{{ order.number }}``, ``{% for item in order.items %}``). A template is
checked when it is saved (``validate``): syntax, every variable and filter against the event's
documented list, no features a message does not need; then it is rendered once with example
values. Rendering (``render``) runs in a ``SandboxedEnvironment`` with caps on everything a
template could grow: operators, filters, loops, output length and time, so a seller's template
can never stall the worker or fill its memory. Every failure is one ``TemplateProblem`` with
the line and the offending name, in words a seller understands.

Templates are text. The HTML part of an e-mail is made from the rendered text by
``render_email_html`` (escaped, paragraphs, links) in the shop's layout.
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import re
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale, gettext, lazy_gettext
from jinja2 import StrictUndefined, TemplateSyntaxError, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.filters import FILTERS, make_attrgetter
from jinja2.runtime import LoopContext, Undefined
from jinja2.sandbox import SandboxedEnvironment
from jinja2.tests import TESTS

from shop.errors import ShopError

# --- the events and their variables -----------------------------------------------------------


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
    )
}


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


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    """{"order.number": x} -> {"order": {"number": x}}."""
    tree: dict[str, Any] = {}
    for name, value in flat.items():
        *groups, leaf = str(name).split(".")
        node = tree
        for group in groups:
            node = node.setdefault(group, {})
        if isinstance(value, Mapping) and isinstance(node.get(leaf), dict):
            node[leaf].update(_nested(value))
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
    return _nested(flat)


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
    return _nested(flat)


# --- the one error -------------------------------------------------------------------------


class TemplateProblem(ShopError):
    """A template that cannot be saved or rendered. ``kind`` says why (stable, for code and
    tests), ``line`` where (None if not known), ``name`` what (variable, filter, tag)."""

    code = "template_problem"
    http_status = 422
    field = "body"

    def __init__(
        self,
        kind: str,
        *,
        line: int | None = None,
        name: str | None = None,
        field: str | None = None,
        **data: Any,
    ) -> None:
        super().__init__(None, field=field, **data)
        self.kind = kind
        self.line = line
        self.name = name

    def _problem(self) -> str:
        from shop.i18n import format_number

        name = self.name or "…"
        data = self.data
        limit = format_number(data.get("max", 0))
        if self.kind == "syntax":
            return gettext("This is not valid template syntax (%(detail)s).", detail=data.get("detail", ""))
        if self.kind == "unknown_variable":
            if data.get("suggestion"):
                return gettext(
                    "Unknown variable %(name)s. Did you mean %(suggestion)s?",
                    name=name,
                    suggestion=data["suggestion"],
                )
            return gettext("Unknown variable %(name)s.", name=name)
        if self.kind == "group":
            return gettext(
                "%(name)s is a group of variables: use one of them, for example %(example)s.",
                name=name,
                example=data.get("example") or f"{name}.…",
            )
        if self.kind == "list" and self.name is None:
            return gettext("A list cannot be shown as it is: show its items with a {%% for %%} loop.")
        if self.kind == "list":
            return gettext(
                "%(name)s is a list: show its items with {%% for item in %(name)s %%}…{%% endfor %%}.",
                name=name,
            )
        if self.kind == "unknown_filter":
            return gettext("Unknown filter %(name)s.", name=name)
        if self.kind == "unknown_test":
            return gettext("Unknown test %(name)s.", name=name)
        if self.kind == "tag":
            return gettext("{%% %(name)s %%} cannot be used in notification templates.", name=name)
        if self.kind == "unknown_function":
            return gettext("Unknown function %(name)s(); only range() can be called.", name=name)
        if self.kind == "call":
            return gettext(
                "%(name)s() cannot be called; use a filter instead, for example {{ order.number|upper }}.",
                name=name,
            )
        if self.kind == "unsafe":
            return gettext("%(name)s is not allowed in notification templates.", name=name)
        if self.kind == "not_text":
            return gettext("This value cannot be shown as text.")
        if self.kind == "range":
            return gettext("range() can count to at most %(max)s.", max=limit)
        if self.kind == "too_many_loops":
            return gettext("The loops repeat more than %(max)s times in all.", max=limit)
        if self.kind == "too_large":
            return gettext("This builds a text or a number larger than %(max)s characters.", max=limit)
        if self.kind == "too_long":
            return gettext("The message is longer than %(max)s characters.", max=limit)
        if self.kind == "source_too_long":
            return gettext("The template is longer than %(max)s characters.", max=limit)
        if self.kind == "too_slow":
            return gettext("The template takes too long to fill in.")
        if self.kind == "too_deep":
            return gettext("The template is nested too deeply.")
        if self.kind == "empty":
            return gettext("The message is empty.")
        return gettext("This cannot be filled in (%(detail)s).", detail=data.get("detail", ""))

    def describe(self) -> str:
        if self.line is None:
            return self._problem()
        from shop.i18n import localize_digits

        return gettext(
            "Line %(line)s: %(problem)s", line=localize_digits(str(self.line)), problem=self._problem()
        )


# --- limits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    source: int  # characters of template
    output: int  # characters of rendered text; also the largest value an operator may build


LIMITS: dict[tuple[str, str], Limits] = {
    # An e-mail lists every line of the order: room for a few hundred lines, still small memory.
    ("email", "body"): Limits(source=20_000, output=50_000),
    ("email", "subject"): Limits(source=1_000, output=300),
    ("sms", "body"): Limits(source=2_000, output=2_000),
}
RANGE_MAX = 1_000  # range() in a template
LOOP_MAX = 10_000  # iterations of all loops of one render together
INT_BITS_MAX = 4_096  # the largest integer an operator may build (about 1,200 digits)
RENDER_SECONDS = 1.0  # a render that takes longer is stopped

_LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
        "cycle",
        "changed",
    }
)
_LOOP_METHODS = frozenset({"cycle", "changed"})
_TAGS = {
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Block: "block",
    nodes.AssignBlock: "set … endset",
    nodes.FilterBlock: "filter",
    nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
    nodes.ExprStmt: "do",
    nodes.Break: "break",
    nodes.Continue: "continue",
}
# Filters a seller may use. Left out: those that build text of any size from a small input
# (center, indent, wordwrap, format, batch, slice), reach into objects (attr, pprint, tojson,
# xmlattr, dictsort, items), are HTML (safe, escape, striptags, urlize) or random.
SELLER_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "float",
    "int",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "select",
    "selectattr",
    "sort",
    "string",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "wordcount",
)
SELLER_TESTS = (
    "!=",
    "<",
    "<=",
    "==",
    ">",
    ">=",
    "boolean",
    "defined",
    "divisibleby",
    "eq",
    "equalto",
    "even",
    "false",
    "float",
    "ge",
    "greaterthan",
    "gt",
    "in",
    "integer",
    "le",
    "lessthan",
    "lower",
    "lt",
    "ne",
    "none",
    "number",
    "odd",
    "string",
    "true",
    "undefined",
    "upper",
)
# Filters through which a list keeps its items (so ``item.name`` stays checked).
_ITEM_KEEPING_FILTERS = frozenset(
    {"list", "reverse", "sort", "unique", "select", "reject", "selectattr", "rejectattr"}
)


# --- what a template sees: plain values in read-only records -------------------------------


class _Record:
    """A group of values (``order``, an item of ``order.items``). Read through the sandbox's
    getattr only; it has no methods a template could reach, unlike a dict's ``items``."""

    __slots__ = ("_path", "_values")

    def __init__(self, path: str, values: dict[str, Any]) -> None:
        self._path = path
        self._values = values

    def __str__(self) -> str:
        example = next(iter(self._values), "")
        raise TemplateProblem(
            "group", name=self._path or None, example=f"{self._path}.{example}" if self._path else None
        )

    def __repr__(self) -> str:
        return f"<{self._path or 'item'}>"

    def __iter__(self) -> Iterator[Any]:
        raise TemplateProblem("group", name=self._path or None)

    def __bool__(self) -> bool:
        return True


def _plain(value: Any, path: str) -> Any:
    if isinstance(value, _Record) or value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return _Record(
            path,
            {str(key): _plain(item, f"{path}.{key}" if path else str(key)) for key, item in value.items()},
        )
    if isinstance(value, list | tuple):
        return tuple(_plain(item, "") for item in value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{path}: a {type(value).__name__} cannot go into a template; pass plain values")


def _template_values(context: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _plain(value, name) for name, value in _nested(context).items()}


class _Missing(StrictUndefined):
    """An unknown or unsafe name: fails, when used, with a TemplateProblem naming it."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        if self._undefined_exception is SecurityError:
            raise TemplateProblem("unsafe", name=str(self._undefined_name or ""))
        owner = self._undefined_obj
        name = str(self._undefined_name) if self._undefined_name is not None else None
        if isinstance(owner, _Record) and owner._path and name is not None:
            name = f"{owner._path}.{name}"
        raise TemplateProblem("unknown_variable", name=name, detail=self._undefined_message)


# Undefined binds its failing operators (str, iteration, +, ==, ...) to the base method when
# the class is made: point them at ours.
for _operator, _value in (*vars(Undefined).items(), *vars(StrictUndefined).items()):
    if _value is Undefined._fail_with_undefined_error and _operator.startswith("__"):
        setattr(_Missing, _operator, lambda self, *args, **kwargs: self._fail_with_undefined_error())


def _weight(value: Any, limit: int) -> int:
    """About how many characters ``str(value)`` has; stops counting past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if isinstance(value, list | tuple):
        total = 2
        for item in value:
            total += _weight(item, limit) + 2
            if total > limit:
                break
        return total
    return 32


# --- the render state: one per render, for the loop budget and the time limit -------------


class _RenderState:
    __slots__ = ("deadline", "loops")

    def __init__(self) -> None:
        self.deadline = time.monotonic() + RENDER_SECONDS
        self.loops = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateProblem("too_slow")


_STATE: contextvars.ContextVar[_RenderState | None] = contextvars.ContextVar("template_render", default=None)


def _check_time() -> None:
    state = _STATE.get()
    if state is not None:
        state.check_time()


@pass_context
def _budget(context: Any, iterable: Iterable[Any]) -> Iterator[Any]:
    """Wraps every ``{% for %}``: counts iterations of the whole render and checks the clock."""
    state = _STATE.get()
    for item in iterable:
        if state is not None:
            state.loops += 1
            if state.loops > LOOP_MAX:
                raise TemplateProblem("too_many_loops", max=LOOP_MAX)
            state.check_time()
        yield item


def _range(*args: int) -> range:
    numbers = range(*args)
    try:
        size = len(numbers)
    except OverflowError:
        size = RANGE_MAX + 1
    if size > RANGE_MAX:
        raise TemplateProblem("range", max=RANGE_MAX)
    return numbers


def _finalize(value: Any) -> Any:
    """What ``{{ ... }}`` may print: text and numbers (an unknown name fails when printed)."""
    if value is None or isinstance(value, str | int | float | Decimal | Undefined | _Record):
        return value
    if isinstance(value, list | tuple):
        raise TemplateProblem("list")
    raise TemplateProblem("not_text")


# --- the environment -----------------------------------------------------------------------


class _CodeGenerator(CodeGenerator):
    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # ``a ~ b`` builds text too: through the same size check as ``+``.
        self.write("environment.concat_bounded((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class SellerEnvironment(SandboxedEnvironment):
    """A sandbox that bounds what a seller's template can build: no methods, no globals but a
    small ``range``, vetted filters, size-checked operators; loops and time are bounded by
    ``render``. Text only: no autoescape (the HTML e-mail escapes the rendered text)."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, limits: Limits) -> None:
        super().__init__(
            undefined=_Missing,
            autoescape=False,
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,
            cache_size=0,
        )
        self.limits = limits
        self.globals.clear()
        self.globals["range"] = _range
        self.filters = {name: self._guarded(FILTERS[name]) for name in SELLER_FILTERS}
        self.filters.update(join=self._join, replace=self._replace, sum=self._sum, _budget=_budget)
        self.tests = {name: TESTS[name] for name in SELLER_TESTS}

    # Values --------------------------------------------------------------------------------

    def _too_large(self) -> TemplateProblem:
        return TemplateProblem("too_large", max=self.limits.output)

    def _check_size(self, *values: Any) -> None:
        limit = self.limits.output
        if sum(_weight(value, limit) for value in values) > limit:
            raise self._too_large()

    def concat_bounded(self, parts: tuple[Any, ...]) -> str:
        _check_time()
        for part in parts:
            if isinstance(part, list | tuple):
                raise TemplateProblem("list")
        self._check_size(*parts)
        return "".join(str(part) for part in parts)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_time()
        sequence = (str, list, tuple)
        if operator == "%" and isinstance(left, str):
            raise TemplateProblem("unsafe", name="%")
        if operator == "+" and isinstance(left, sequence) and isinstance(right, sequence):
            self._check_size(left, right)
        if operator == "*":
            for items, times in ((left, right), (right, left)):
                if isinstance(items, sequence) and isinstance(times, int):
                    if times > 0 and _weight(items, self.limits.output) * times > self.limits.output:
                        raise self._too_large()
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > INT_BITS_MAX:
                    raise self._too_large()
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if abs(left) > 1 and (left.bit_length() - 1) * right > INT_BITS_MAX:
                raise self._too_large()
        return super().call_binop(context, operator, left, right)

    # Attributes and calls ------------------------------------------------------------------

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, _Record):
            return self._record_value(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, _Record):
            return self._record_value(obj, str(argument))
        return super().getitem(obj, argument)

    def _record_value(self, record: _Record, name: str) -> Any:
        if name.startswith("_"):
            return self.undefined(obj=record, name=name, exc=SecurityError)
        try:
            return record._values[name]
        except KeyError:
            return self.undefined(obj=record, name=name)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Only the loop's attributes: strings' and numbers' methods stay out of reach.
        return isinstance(obj, LoopContext) and attr in _LOOP_ATTRIBUTES

    def is_safe_callable(self, obj: Any) -> bool:
        if obj is _range:
            return True
        return (
            isinstance(obj, types.MethodType)
            and isinstance(obj.__self__, LoopContext)
            and obj.__func__.__name__ in _LOOP_METHODS
        )

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format is a method like the others: not reachable

    # Filters -------------------------------------------------------------------------------

    def _guarded(self, filter_: Callable[..., Any]) -> Callable[..., Any]:
        """The filter, refusing inputs that print too large and text results past the limit."""
        passes_first = getattr(filter_, "jinja_pass_arg", None) is not None

        @functools.wraps(filter_)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            _check_time()
            self._check_size(*(args[1:] if passes_first else args), *kwargs.values())
            result = filter_(*args, **kwargs)
            if isinstance(result, str) and len(result) > self.limits.output:
                raise self._too_large()
            return result

        return guarded

    def _join(self, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
        _check_time()
        if attribute is not None:
            value = map(make_attrgetter(self, attribute), value)
        separator = str(d)
        parts: list[str] = []
        size = 0
        for item in value:
            if isinstance(item, list | tuple):
                raise TemplateProblem("list")
            self._check_size(item)
            text = str(item)
            size += len(text) + len(separator)
            if size > self.limits.output + len(separator):
                raise self._too_large()
            parts.append(text)
        return separator.join(parts)

    def _replace(self, value: Any, old: Any, new: Any, count: int | None = None) -> str:
        _check_time()
        self._check_size(value, old, new)
        text, old, new = str(value), str(old), str(new)
        times = len(text) + 1 if old == "" else text.count(old)
        if count is not None:
            times = min(times, max(int(count), 0))
        if len(text) + times * (len(new) - len(old)) > self.limits.output:
            raise self._too_large()
        return text.replace(old, new, -1 if count is None else max(int(count), 0))

    def _sum(self, iterable: Iterable[Any], attribute: str | int | None = None, start: Any = 0) -> Any:
        _check_time()
        if not isinstance(start, int | float) or isinstance(start, bool):
            raise TemplateProblem("unsafe", name="sum(start=…)")
        if attribute is not None:
            iterable = map(make_attrgetter(self, attribute), iterable)
        total = start
        for item in iterable:
            if not isinstance(item, int | float | Decimal):
                raise TemplateProblem("not_text", detail="sum")
            total = self.call_binop(None, "+", total, item)
        return total


_ENVIRONMENTS: dict[tuple[str, str], SellerEnvironment] = {}


def _environment(channel: str, field: str) -> SellerEnvironment:
    key = (channel, field)
    if key not in LIMITS:
        raise ValueError(f"no templates for the {field} of {channel!r} messages")
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = SellerEnvironment(LIMITS[key])
    return _ENVIRONMENTS[key]


# --- checking a template before it runs ----------------------------------------------------


def _chain(node: nodes.Node) -> tuple[nodes.Name, list[str]] | None:
    """``order.items`` / ``order['number']`` as (Name order, [attributes]); None if not a chain."""
    attributes: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            attributes.append(node.attr)
            node = node.node
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            attributes.append(node.arg.value)
            node = node.node
        else:
            break
    if isinstance(node, nodes.Name):
        return node, attributes[::-1]
    return None


_STATEMENTS = (nodes.Output, nodes.For, nodes.If, nodes.Assign, nodes.With)
_EXPRESSIONS = (
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
    nodes.Call,
    nodes.Filter,
    nodes.Test,
    nodes.CondExpr,
    nodes.BinExpr,
    nodes.UnaryExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.Const,
    nodes.TemplateData,
    nodes.List,
    nodes.Tuple,
    nodes.Dict,
    nodes.Pair,
    nodes.Keyword,
)


def _names(target: nodes.Node) -> list[nodes.Name]:
    return [target] if isinstance(target, nodes.Name) else list(target.find_all(nodes.Name))


# A local name: None (set by the template, not checked) or the documented list it iterates.
_Scope = dict[str, str | None]
_LOOP = "\0loop"


class _Checker:
    """Walks a parsed template: refuses what notification templates may not use and, when an
    event is given, every variable, filter and test that is not documented for it."""

    def __init__(self, spec: EventSpec, field: str) -> None:
        self.spec = spec
        self.field = field
        self.prefixes = {
            ".".join(name.split(".")[:i]) for name in spec.names for i in range(1, name.count(".") + 1)
        }

    def fail(self, kind: str, node: nodes.Node | None, **data: Any) -> TemplateProblem:
        return TemplateProblem(kind, line=getattr(node, "lineno", None), field=self.field, **data)

    def check(self, template: nodes.Template) -> None:
        self.statements(template.body, {})

    # Statements ----------------------------------------------------------------------------

    def statements(self, body: list[nodes.Node], scope: _Scope) -> None:
        for node in body:
            self.statement(node, scope)

    def statement(self, node: nodes.Node, scope: _Scope) -> None:
        if not isinstance(node, _STATEMENTS):
            tag = next(
                (tag for kind, tag in _TAGS.items() if isinstance(node, kind)), type(node).__name__.lower()
            )
            raise self.fail("tag", node, name=tag)
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                self.shown(child, scope)
        elif isinstance(node, nodes.For):
            if node.recursive:
                raise self.fail("tag", node, name="for … recursive")
            self.expression(node.iter, scope)
            inner = dict(scope)
            inner["loop"] = _LOOP
            items = self.list_of(node.iter, scope)
            for target in _names(node.target):
                inner[target.name] = items if isinstance(node.target, nodes.Name) else None
            if node.test is not None:
                self.expression(node.test, inner)
            self.statements(node.body, inner)
            self.statements(node.else_, scope)
        elif isinstance(node, nodes.If):
            self.expression(node.test, scope)
            self.statements(node.body, scope)
            for branch in node.elif_:
                self.statement(branch, scope)
            self.statements(node.else_, scope)
        elif isinstance(node, nodes.Assign):
            self.expression(node.node, scope)
            self.bind(node.target, scope)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=False):
                self.expression(value, scope)
                self.bind(target, inner)
            self.statements(node.body, inner)

    def bind(self, target: nodes.Node, scope: _Scope) -> None:
        if isinstance(target, nodes.NSRef):
            raise self.fail("unknown_variable", target, name=f"{target.name}.{target.attr}")
        for name in _names(target):
            scope[name.name] = None

    def shown(self, node: nodes.Node, scope: _Scope) -> None:
        """``{{ ... }}``: a documented group or list cannot be printed as it is."""
        found = _chain(node)
        if found is not None and not found[1] and scope.get(found[0].name) not in (None, _LOOP):
            item = found[0].name
            raise self.fail("group", node, name=item, example=f"{item}.name")
        if found is not None and found[0].name not in scope:
            path = ".".join([found[0].name, *found[1]])
            variable = self.spec.variable(path)
            if variable is not None and variable.is_list:
                raise self.fail("list", node, name=path)
            if variable is None and path in self.prefixes:
                example = next(name for name in self.spec.names if name.startswith(path + "."))
                raise self.fail("group", node, name=path, example=example)
        self.expression(node, scope)

    # Expressions ---------------------------------------------------------------------------

    def list_of(self, node: nodes.Node, scope: _Scope) -> str | None:
        """The documented list ``node`` iterates (through item-keeping filters), if any."""
        while isinstance(node, nodes.Filter) and node.name in _ITEM_KEEPING_FILTERS and node.node is not None:
            node = node.node
        found = _chain(node)
        if found is None or found[0].name in scope:
            return None
        variable = self.spec.variable(".".join([found[0].name, *found[1]]))
        return variable.name if variable is not None and variable.is_list else None

    def expression(self, node: nodes.Node | None, scope: _Scope) -> None:
        if node is None:
            return
        if not isinstance(node, _EXPRESSIONS):
            raise self.fail("unsafe", node, name=type(node).__name__)
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise self.fail("unsafe", node, name=node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
                raise self.fail("unsafe", node, name=node.arg.value)
        found = _chain(node)
        if found is not None:
            self.variable(found[0], found[1], scope)
            return
        if isinstance(node, nodes.Call):
            self.call(node, scope)
            return
        if isinstance(node, nodes.Filter):
            if node.name not in SELLER_FILTERS:
                raise self.fail("unknown_filter", node, name=node.name)
        if isinstance(node, nodes.Test):
            if node.name not in SELLER_TESTS:
                raise self.fail("unknown_test", node, name=node.name)
        for child in node.iter_child_nodes():
            self.expression(child, scope)

    def call(self, node: nodes.Call, scope: _Scope) -> None:
        found = _chain(node.node)
        allowed = found is not None and (
            (found[0].name == "range" and not found[1] and "range" not in scope)
            or (scope.get(found[0].name) == _LOOP and found[1] in (["cycle"], ["changed"]))
        )
        if not allowed:
            if found is None:
                raise self.fail("call", node)
            name = ".".join([found[0].name, *found[1]])
            known = found[0].name in scope or found[0].name in self.prefixes or self.spec.variable(name)
            raise self.fail("call" if known else "unknown_function", node, name=name)
        for child in (*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs):
            self.expression(child, scope)

    def variable(self, root: nodes.Name, attributes: list[str], scope: _Scope) -> None:
        for attribute in attributes:
            if attribute.startswith("_"):
                raise self.fail("unsafe", root, name=attribute)
        path = ".".join([root.name, *attributes])
        if root.name in scope:
            local = scope[root.name]
            if local == _LOOP:
                if len(attributes) > 1 or (attributes and attributes[0] not in _LOOP_ATTRIBUTES):
                    candidates = [f"loop.{name}" for name in _LOOP_ATTRIBUTES]
                    raise self.unknown(root, path, candidates)
            elif local is not None and attributes:
                fields = self.spec.variable(local).fields  # type: ignore[union-attr]
                if len(attributes) > 1 or attributes[0] not in {f.name for f in fields}:
                    candidates = [f"{root.name}.{f.name}" for f in fields]
                    raise self.unknown(root, path, candidates)
            return
        if root.name == "range" and not attributes:
            return
        if self.spec.variable(path) is not None or path in self.prefixes:
            return
        raise self.unknown(root, path, list(self.spec.names))

    def unknown(self, node: nodes.Node, path: str, candidates: list[str]) -> TemplateProblem:
        close = difflib.get_close_matches(path, candidates, n=1, cutoff=0.6)
        return self.fail("unknown_variable", node, name=path, suggestion=close[0] if close else None)


def _count_loops(template: nodes.Template) -> nodes.Template:
    """Every ``{% for %}`` iterates through ``_budget`` (the loop limit and the clock)."""
    for loop in list(template.find_all(nodes.For)):
        loop.iter = nodes.Filter(loop.iter, "_budget", [], [], None, None, lineno=loop.iter.lineno)
    return template


_CLOSERS = {"%": "%}", "#": "#}", "{": "}}"}
_RAW_TAG = re.compile(r"[-+]?\s*raw\s*[-+]?")
_END_RAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")


def _tags(source: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of each ``{% %}`` ("%"), ``{# #}`` ("#"), ``{{ }}`` ("{") and raw
    block ("raw"), in one pass: each closer is searched once per stretch, so a template full
    of unclosed ``{%`` costs linear time, not quadratic."""
    next_closer: dict[str, int] = {}
    position = 0
    while (start := source.find("{", position)) >= 0 and start + 1 < len(source):
        closer = _CLOSERS.get(source[start + 1])
        if closer is None:
            position = start + 1
            continue
        found = next_closer.get(closer)
        if found is None or (found != -1 and found < start + 2):
            found = next_closer[closer] = source.find(closer, start + 2)
        if found == -1:
            position = start + 2
            continue
        end = found + 2
        if closer == "%}" and _RAW_TAG.fullmatch(source, start + 2, found):
            end_raw = _END_RAW.search(source, end)
            end = end_raw.end() if end_raw else len(source)
            yield start, end, "raw"
        else:
            yield start, end, source[start + 1]
        position = end


def _keep_line_breaks(source: str) -> str:
    """A line holding only ``{% %}`` tags disappears from the output (trim_blocks and
    lstrip_blocks), but a tag that ends a line of text keeps that line's break, as a seller
    expects: ``When: {{ d }}{% if h %}, {{ h }}{% endif %}`` stays a line of its own. Jinja's
    ``+%}`` says so per tag; no line is added or removed, so line numbers stay right."""
    parts: list[str] = []
    done = 0
    previous_end = 0
    text_on_line = False  # something other than {% %} and {# #} before the tag, on its line
    for start, end, kind in _tags(source):
        between = source[previous_end:start]
        if "\n" in between:
            text_on_line = bool(between.rsplit("\n", 1)[1].strip())
        else:
            text_on_line = text_on_line or bool(between.strip())
        previous_end = end
        if kind in ("{", "raw"):
            text_on_line = True
            continue
        tag = source[start:end]
        if kind == "%" and text_on_line and not tag.endswith(("-%}", "+%}")):
            if source.startswith(("\n", "\r\n"), end):
                parts.append(source[done : end - 2])
                parts.append("+%}")
                done = end
    parts.append(source[done:])
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def _compile(event: str, channel: str, field: str, source: str) -> Any:
    spec = event_spec(event)
    if channel not in spec.channels:
        raise ValueError(f"{event} has no {channel} message")
    if field == "subject" and channel != "email":
        raise ValueError("only e-mails have a subject")
    env = _environment(channel, field)
    if len(source) > env.limits.source:
        raise TemplateProblem("source_too_long", field=field, max=env.limits.source)
    try:
        tree = env.parse(_keep_line_breaks(source))
        _Checker(spec, field).check(tree)
        return env.from_string(_count_loops(tree))
    except TemplateSyntaxError as error:
        raise TemplateProblem("syntax", line=error.lineno, field=field, detail=error.message or "") from None
    except RecursionError:
        raise TemplateProblem("too_deep", field=field) from None
    except (SyntaxError, MemoryError, ValueError, OverflowError) as error:  # Python's compiler
        raise TemplateProblem("too_deep", field=field, detail=str(error)[:200]) from None


# --- rendering -----------------------------------------------------------------------------


def _template_line(error: BaseException) -> int | None:
    """The template line an exception came from (Jinja rewrites tracebacks to point there)."""
    line = None
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_WHITESPACE = re.compile(r"\s+")


def _tidy(text: str, field: str) -> str:
    if field == "subject":  # one line: a line break in a header is refused (or an injection)
        return _WHITESPACE.sub(" ", text).strip()
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


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
    spec = event_spec(event)
    template = _compile(spec.key, channel, field, source)
    values = _template_values(context)
    limit = _environment(channel, field).limits.output
    token = _STATE.set(_RenderState())
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(values):
            size += len(chunk)
            if size > limit:
                raise TemplateProblem("too_long", max=limit)
            _check_time()
            parts.append(chunk)
    except TemplateProblem as problem:
        if problem.line is None:
            problem.line = _template_line(problem)
        problem.field = field
        raise problem.with_traceback(None) from None
    except SecurityError as error:
        raise TemplateProblem(
            "unsafe", line=_template_line(error), field=field, detail=str(error)[:200]
        ) from None
    except UndefinedError as error:
        raise TemplateProblem(
            "unknown_variable", line=_template_line(error), field=field, detail=str(error)[:200]
        ) from None
    except RecursionError as error:
        raise TemplateProblem("too_deep", line=_template_line(error), field=field) from None
    except Exception as error:  # a TypeError, ZeroDivisionError ... of the seller's template
        detail = f"{type(error).__name__}: {error}"[:200]
        raise TemplateProblem("error", line=_template_line(error), field=field, detail=detail) from None
    finally:
        _STATE.reset(token)
    return _tidy("".join(parts), field)


def validate(event: str | EventSpec, channel: str, source: str, *, field: str = "body") -> None:
    """Refuse a template at save time: syntax, undocumented variables, filters, tests and
    tags (with line and name), then a render with example and with longest values."""
    spec = event_spec(event)
    if not isinstance(source, str):
        raise TypeError("a template is text")
    _compile(spec.key, channel, field, source)
    text = render(spec, channel, source, example_context(spec), field=field)
    if not text:
        raise TemplateProblem("empty", field=field)
    render(spec, channel, source, longest_context(spec), field=field)


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

        merge_groups(values, _nested({key: plain(value) for key, value in (extra or {}).items()}))
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


# --- the HTML e-mail -----------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TAIL = ".,;:!?)]}'\"»،؛"


def _segments(line: str) -> list[dict[str, str]]:
    """A line of text as pieces, the bare http(s) URLs marked as links."""
    pieces: list[dict[str, str]] = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TAIL)
        if len(url) <= len("https://"):
            continue
        if match.start() > position:
            pieces.append({"text": line[position : match.start()], "url": ""})
        pieces.append({"text": url, "url": url})
        position = match.start() + len(url)
    if position < len(line):
        pieces.append({"text": line[position:], "url": ""})
    return pieces


def _paragraphs(text: str) -> list[list[list[dict[str, str]]]]:
    """Blank lines separate paragraphs; within one, each line is kept (a <br>)."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [
        [_segments(line) for line in paragraph.split("\n")] for paragraph in paragraphs if paragraph.strip()
    ]


def render_email_html(text: str, *, language: str, shop: Mapping[str, Any], subject: str = "") -> str:
    """The HTML part of an e-mail: the rendered text (escaped) in the shop's layout, right to
    left in Persian. ``shop`` is the context's ``shop`` group (name, url, email, phone)."""
    from shop.i18n import text_direction

    with force_locale(language):
        template = current_app.jinja_env.get_template("notifications/email.html")
        return template.render(
            language=language,
            direction=text_direction(language),
            subject=subject,
            shop={key: shop.get(key, "") for key in ("name", "url", "email", "phone")},
            paragraphs=_paragraphs(text),
        )


__all__ = [
    "EVENTS",
    "LIMITS",
    "EventSpec",
    "Limits",
    "SellerEnvironment",
    "TemplateProblem",
    "Variable",
    "event_spec",
    "example_context",
    "longest_context",
    "longest_values",
    "merge_groups",
    "order_context",
    "render",
    "render_email_html",
    "validate",
]
