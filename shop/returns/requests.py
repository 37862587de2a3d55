"""Asking for a return (S5): which lines of an order may go back and how many units, until
when, and the request itself. Every refusal rule lives here once; the storefront's forms (guest
and account) and the back office call these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from shop import events
from shop.catalog.models import Product, Variant
from shop.errors import ReturnRefused
from shop.extensions import db
from shop.fulfillment import goods
from shop.i18n import format_day, format_number, shop_timezone, shop_today, translated
from shop.orders import history
from shop.orders.history import Actor
from shop.returns import photos
from shop.returns import settings as return_settings
from shop.returns.models import HOLDING_STATES, REASON_CODES, ReturnLine, ReturnRequest
from shop.sales.models import Order, OrderLine, OrderState
from shop.sales.services import lock_order

CHANNELS = ("account", "guest", "staff")
REASON_TEXT_MAX = 1000
# No order line has this many units: anything above is a typing accident or a probe.
UNITS_MAX = 100_000
CUSTOMER_LIST_MAX = 200
# Iran's weekend for offices (Python's weekday(): Monday is 0): Thursday and Friday.
IRANIAN_WEEKEND = (3, 4)


@dataclass
class ReturnableLine:
    """One order line as the return form shows it."""

    line: OrderLine
    delivered: int  # units that reached the customer (shipped or picked up)
    returning: int  # units already in other returns that hold them (HOLDING_STATES)
    deadline: date | None  # last day to ask; None when the line cannot be returned at all
    refusal: str  # "" when units may be returned; otherwise why not, naming the line

    @property
    def available(self) -> int:
        """Units that may still be asked for (0 when refused)."""
        return 0 if self.refusal else max(self.delivered - self.returning, 0)


def window(product: Product | None) -> tuple[int, bool]:
    """The return window of a product: (length, counted in working days?). The product's own
    ``return_days`` wins; otherwise the shop's setting; otherwise the shop country's default
    (14 days in Turkey and Poland, 7 working days in Iran). The unit is always the shop's."""
    return _window(product, return_settings.current())


def _window(product: Product | None, shop: return_settings.ReturnSettings) -> tuple[int, bool]:
    if product is not None and product.return_days is not None:
        return product.return_days, shop.working_days
    return shop.days, shop.working_days


def deadline(start: date, days: int, working_days: bool, holidays: frozenset[date] = frozenset()) -> date:
    """The last day a return may be asked for, ``start`` (the delivery day) counting as day 0.

    Working days skip Thursdays, Fridays and the official ``holidays`` the seller listed in
    the returns settings (Nowruz, the lunar religious days: announced for each year, so not
    known here); a holiday the seller did not list counts as a working day."""
    if not working_days:
        return start + timedelta(days=days)
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() not in IRANIAN_WEEKEND and day not in holidays:
            counted += 1
    return day


def delivered_on(order: Order) -> date | None:
    """The day (in the shop's time zone) the order was delivered or collected."""
    return order.delivered_at.astimezone(shop_timezone()).date() if order.delivered_at else None


def order_refusal(order: Order) -> str:
    """Why nothing of this order can be returned ("" when some lines may be): not a sales
    order, not delivered or collected yet ..."""
    number = order.number
    if number is None:  # the cart
        return gettext("This order has not been placed yet: there is nothing to return.")
    if order.state == OrderState.CANCELLED:
        return gettext("Order %(number)s was cancelled: there is nothing to return.", number=number)
    if order.state != OrderState.SALES_ORDER or order.delivered_at is None:
        return gettext(
            "Order %(number)s has not been delivered yet: a return can be asked for once it has "
            "been delivered or collected.",
            number=number,
        )
    return ""


def item_name(line: OrderLine) -> str:
    """The line as the customer knows it, in their language: "Shirt (Size M)"."""
    product, variant = translated(line.product_name), translated(line.variant_name)
    return gettext("%(product)s (%(variant)s)", product=product, variant=variant) if variant else product


def _returning(order_line_ids: list[int]) -> dict[int, int]:
    """Units of each order line in returns that still hold them."""
    if not order_line_ids:
        return {}
    rows = db.session.execute(
        db.select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
        .where(ReturnLine.order_line_id.in_(order_line_ids), ReturnRequest.state.in_(HOLDING_STATES))
        .group_by(ReturnLine.order_line_id)
    )
    return {line_id: int(units) for line_id, units in rows}


def _products(lines: list[OrderLine]) -> dict[int, Product]:
    """The product of each variant ordered, in one query."""
    variants = db.session.scalars(
        db.select(Variant)
        .options(joinedload(Variant.product))
        .where(Variant.id.in_({line.variant_id for line in lines}))
    )
    return {variant.id: variant.product for variant in variants}


def returnable_lines(order: Order, *, today: date | None = None) -> list[ReturnableLine]:
    """Every line of the order with what may still be returned of it and until when. An order
    refused as a whole (order_refusal) gives its lines that refusal."""
    today = today or shop_today()
    lines = list(order.lines)
    whole_refusal = order_refusal(order)
    products = _products(lines) if lines else {}
    gone = goods.units_gone(order) if order.number else {}  # a cart has sent nothing
    returning = _returning([line.id for line in lines])
    delivered_day = delivered_on(order)
    shop = return_settings.current()  # once, not per line (outside a request it is a query)
    result = []
    for line in lines:
        product = products.get(line.variant_id)
        name = item_name(line)
        delivered, held = gone.get(line.id, 0), returning.get(line.id, 0)
        last_day = None
        if product is not None and not product.returnable:
            refusal = gettext("%(item)s cannot be returned.", item=name)
        elif whole_refusal:
            refusal = whole_refusal
        else:
            last_day = deadline(delivered_day, *_window(product, shop), shop.holidays)
            if delivered == 0:
                refusal = gettext(
                    "Nothing of %(item)s has been delivered, so it cannot be returned.", item=name
                )
            elif today > last_day:
                refusal = gettext(
                    "The return window for %(item)s closed on %(date)s.", item=name, date=format_day(last_day)
                )
            elif held >= delivered:
                refusal = gettext("Every delivered unit of %(item)s is already being returned.", item=name)
            else:
                refusal = ""
        result.append(ReturnableLine(line, delivered, held, last_day, refusal))
    return result


def _wanted(order: Order, quantities: Mapping[int, int]) -> dict[int, int]:
    """The units asked for by order line id, zeros left out; ReturnRefused for an id that is not
    a line of this order or a count that is not a whole number of units."""
    own = {line.id: line for line in order.lines}
    wanted = {}
    for line_id, units in quantities.items():
        if isinstance(line_id, bool) or not isinstance(line_id, int) or line_id not in own:
            raise ReturnRefused(gettext("Choose lines of this order."), field=f"line-{line_id}"[:40])
        if isinstance(units, bool) or not isinstance(units, int) or not 0 <= units <= UNITS_MAX:
            raise ReturnRefused(
                gettext(
                    "Enter how many units of %(item)s to return, as a whole number.",
                    item=item_name(own[line_id]),
                ),
                field=f"line-{line_id}",
            )
        if units:
            wanted[line_id] = units
    if not wanted:
        raise ReturnRefused(gettext("Choose at least one item and how many to return."), field="lines")
    return wanted


def _check_units(order: Order, wanted: dict[int, int], today: date) -> None:
    by_id = {item.line.id: item for item in returnable_lines(order, today=today)}
    for line_id, units in wanted.items():
        item = by_id[line_id]
        if item.refusal:
            raise ReturnRefused(item.refusal, field=f"line-{line_id}")
        if units > item.available:
            raise ReturnRefused(
                gettext(
                    "You can return at most %(max)s of %(item)s: %(delivered)s delivered, "
                    "%(returning)s already being returned.",
                    max=format_number(item.available),
                    item=item_name(item.line),
                    delivered=format_number(item.delivered),
                    returning=format_number(item.returning),
                ),
                field=f"line-{line_id}",
            )


def _reason_text(reason: str, text: str) -> str:
    if reason not in REASON_CODES:
        raise ReturnRefused(gettext("Choose why you are returning the items."), field="reason")
    text = text.replace("\r\n", "\n").strip() if isinstance(text, str) else ""
    if not all(char.isprintable() or char in "\n\t" for char in text):
        raise ReturnRefused(gettext("Write the reason as plain text."), field="reason_text")
    if len(text) > REASON_TEXT_MAX:
        raise ReturnRefused(
            gettext("Write the reason in at most %(max)s characters.", max=format_number(REASON_TEXT_MAX)),
            field="reason_text",
        )
    if reason == "other" and not text:
        raise ReturnRefused(
            gettext("Tell us in a few words why you are returning the items."), field="reason_text"
        )
    return text


def request_return(
    order: Order,
    quantities: Mapping[int, int],
    *,
    reason: str,
    reason_text: str = "",
    photo: bytes | None = None,
    channel: str = "account",
    by: Actor,
    today: date | None = None,
) -> ReturnRequest:
    """Open a return for ``quantities`` (order line id -> units; zeros ignored). Raises
    ReturnRefused (nothing saved) naming the line for each rule; records the history row and
    sends ``events.return_changed``."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown return channel {channel!r}")  # a bug in the caller
    today = today or shop_today()
    refusal = order_refusal(order)
    if refusal:
        raise ReturnRefused(refusal, field="lines")
    wanted = _wanted(order, quantities)
    _check_units(order, wanted, today)
    text = _reason_text(reason, reason_text)
    image = photos.prepared(photo) if photo else None  # decoded and re-encoded, not stored yet

    order = lock_order(order)
    _check_units(order, wanted, today)  # again: another request may have taken units meanwhile
    count = db.session.scalar(
        db.select(func.count(ReturnRequest.id)).where(ReturnRequest.order_id == order.id)
    )
    return_request = ReturnRequest(
        number=f"{order.number}-R{count + 1}",
        order_id=order.id,
        customer_id=order.customer_id,
        channel=channel,
        reason=reason,
        reason_text=text,
        photo=photos.store(image) if image else "",
        lines=[
            ReturnLine(order_line_id=line_id, quantity=units) for line_id, units in sorted(wanted.items())
        ],
    )
    db.session.add(return_request)
    db.session.flush()
    history.record(
        order, by=by, kind="return", before="", after="requested", note=return_request.number, public=True
    )
    events.return_changed.send(order, return_request=return_request, by=by)
    return return_request


def returns_of(order: Order) -> list[ReturnRequest]:
    """The order's returns, oldest first, with their lines."""
    return list(
        db.session.scalars(
            db.select(ReturnRequest)
            .options(selectinload(ReturnRequest.lines).joinedload(ReturnLine.order_line))
            .where(ReturnRequest.order_id == order.id)
            .order_by(ReturnRequest.created_at, ReturnRequest.id)
        )
    )


def for_customer(customer_id: int) -> list[ReturnRequest]:
    """A customer's returns, newest first (the account's list): the returns of the orders that
    are theirs, so a guest order attached to the account later brings its returns along."""
    orders = db.select(Order.id).where(Order.customer_id == customer_id)
    return list(
        db.session.scalars(
            db.select(ReturnRequest)
            .options(
                joinedload(ReturnRequest.order),
                selectinload(ReturnRequest.lines).joinedload(ReturnLine.order_line),
            )
            .where(ReturnRequest.order_id.in_(orders))
            .order_by(ReturnRequest.created_at.desc(), ReturnRequest.id.desc())
            .limit(CUSTOMER_LIST_MAX)
        )
    )
