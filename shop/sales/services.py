"""Sales verbs: the cart (a quotation), checkout, and the order's lifecycle state.

Views, the CLI and the payment callbacks call these; none of them sets ``order.state``.
Callers own the transaction: commit after a verb returns, roll back when it raises.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update

from shop import events
from shop.catalog import pickup, stock
from shop.catalog import services as catalog
from shop.catalog.models import Variant
from shop.db_types import utcnow
from shop.errors import (
    CartChanged,
    EmptyCart,
    InvalidPickupDate,
    InvalidQuantity,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PickupNotPossible,
    VariantUnavailable,
)
from shop.extensions import db
from shop.i18n import shop_today, translated
from shop.money import line_amounts, round_money
from shop.orders import history
from shop.orders.history import Actor
from shop.sales.models import DeliveryMethod, Order, OrderLine, OrderState, PaymentMethod
from shop.settings import services as settings

MAX_LINE_QUANTITY = 999


# --- the cart ---------------------------------------------------------------------------


def lock_order(order: Order) -> Order:
    """Take the order for this database transaction and read it fresh: whatever decides on its
    money, stock or returns after this is decided one caller after the other. PostgreSQL: the
    UPDATE locks its row until commit; SQLite: it takes the write lock (SELECT FOR UPDATE would
    not)."""
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    return order


def start_quotation(*, locale: str, customer_id: int | None = None) -> Order:
    """The first product added to a cart creates a quotation."""
    order = Order(currency=settings.current().currency, locale=locale, customer_id=customer_id)
    db.session.add(order)
    return order


def add_to_cart(order: Order, variant: Variant, quantity: int) -> OrderLine:
    _require_cart(order)
    line = next((line for line in order.lines if line.variant_id == variant.id), None)
    wanted = quantity + (line.quantity if line else 0)
    _check_quantity(variant, wanted, line)
    if line is None:
        line = OrderLine(variant=variant, quantity=wanted, **_snapshot(variant))
        order.lines.append(line)
    else:
        line.quantity = wanted
    refresh_quotation(order)
    return line


def set_line_quantity(order: Order, line_id: int, quantity: int) -> OrderLine | None:
    """Change a line's quantity in place; 0 removes the line. Returns the line, or None if removed."""
    _require_cart(order)
    line = _line(order, line_id)
    if quantity == 0:
        return remove_line(order, line_id)
    _check_quantity(line.variant, quantity, line)
    line.quantity = quantity
    refresh_quotation(order)
    return line


def remove_line(order: Order, line_id: int) -> None:
    _require_cart(order)
    order.lines.remove(_line(order, line_id))
    refresh_quotation(order)
    return None


def merge_carts(guest: Order, into: Order) -> Order:
    """At login, the guest's cart joins the account's cart; quantities add up to what is in stock."""
    _require_cart(guest)
    _require_cart(into)
    for guest_line in list(guest.lines):
        existing = next((line for line in into.lines if line.variant_id == guest_line.variant_id), None)
        wanted = guest_line.quantity + (existing.quantity if existing else 0)
        limit = min(catalog.available(guest_line.variant), MAX_LINE_QUANTITY)
        wanted = min(wanted, limit)
        if wanted <= 0:
            continue
        if existing is None:
            existing = OrderLine(variant=guest_line.variant, quantity=wanted, **_snapshot(guest_line.variant))
            into.lines.append(existing)
        else:
            existing.quantity = wanted
        _price_line(existing, into.currency)
    _recompute_totals(into)
    db.session.delete(guest)
    return into


def refresh_quotation(order: Order) -> None:
    """A cart follows the catalog's current prices until checkout is confirmed: store them
    (on a change to the cart; a page that only shows the cart uses ``priced_cart``)."""
    if order.state != OrderState.QUOTATION:
        return
    for line in order.lines:
        for key, value in _current_line(line, order.currency).items():
            if getattr(line, key) != value:
                setattr(line, key, value)
    _recompute_totals(order)


@dataclass(frozen=True)
class PricedLine:
    """A cart line as it stands at today's catalog prices (read-only, nothing stored)."""

    id: int
    variant_id: int
    variant: Variant
    quantity: int
    sku: str
    product_name: dict
    variant_name: dict
    unit_price: Decimal
    vat_rate: Decimal
    gross: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class PricedCart:
    """The cart a page shows: its lines at today's prices, computed as ``refresh_quotation``
    would store them, so that showing a cart (a GET) never writes."""

    order: Order
    lines: list[PricedLine]
    currency: str
    subtotal: Decimal
    tax_total: Decimal

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def priced_cart(order: Order) -> PricedCart:
    if order.state != OrderState.QUOTATION:
        stored = (*_SNAPSHOT_KEYS, "gross", "net", "tax")  # placed: its own prices stand
        values = [{key: getattr(line, key) for key in stored} for line in order.lines]
    else:
        values = [_current_line(line, order.currency) for line in order.lines]
    lines = [
        PricedLine(
            id=line.id, variant_id=line.variant_id, variant=line.variant, quantity=line.quantity, **current
        )
        for line, current in zip(order.lines, values, strict=True)
    ]
    delivery = order.delivery_amounts
    return PricedCart(
        order=order,
        lines=lines,
        currency=order.currency,
        subtotal=sum((line.gross for line in lines), Decimal("0")),
        tax_total=sum((line.tax for line in lines), Decimal("0")) + delivery.tax,
    )


def _current_line(line: OrderLine, currency: str) -> dict:
    """The line's snapshot of its variant as the catalog has it now, and its amounts."""
    current = _snapshot(line.variant)
    amounts = line_amounts(
        Decimal(current["unit_price"]), line.quantity, Decimal(current["vat_rate"]), currency
    )
    return {**current, "gross": amounts.gross, "net": amounts.net, "tax": amounts.tax}


def _require_cart(order: Order) -> None:
    if order.state != OrderState.QUOTATION:
        raise CartChanged()


def _line(order: Order, line_id: int) -> OrderLine:
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:
        raise NotFound()
    return line


def _check_quantity(variant: Variant, quantity: int, line: OrderLine | None) -> None:
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidQuantity(maximum=MAX_LINE_QUANTITY)
    if not variant.on_sale:  # a draft, or archived (shop.catalog.editing)
        raise VariantUnavailable()
    left = catalog.available(variant)
    if quantity > left:
        name = f"{translated(variant.product.name)} ({translated(variant.name)})"
        raise OutOfStock(sku=variant.sku, name=name, available=left, line_id=line.id if line else None)


_SNAPSHOT_KEYS = ("sku", "product_name", "variant_name", "unit_price", "vat_rate")


def _snapshot(variant: Variant) -> dict:
    return {
        "sku": variant.sku,
        "product_name": dict(variant.product.name),
        "variant_name": dict(variant.name),
        "unit_price": variant.price,
        "vat_rate": variant.vat_rate,
    }


def _price_line(line: OrderLine, currency: str) -> None:
    amounts = line_amounts(Decimal(line.unit_price), line.quantity, Decimal(line.vat_rate), currency)
    line.gross, line.net, line.tax = amounts.gross, amounts.net, amounts.tax


def _recompute_totals(order: Order) -> None:
    """Totals are sums of the rounded lines, plus delivery rounded the same way."""
    delivery = order.delivery_amounts
    order.net_total = sum((line.net for line in order.lines), Decimal("0")) + delivery.net
    order.tax_total = sum((line.tax for line in order.lines), Decimal("0")) + delivery.tax
    order.total = sum((line.gross for line in order.lines), Decimal("0")) + delivery.gross


# --- checkout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutDetails:
    email: str
    phone: str
    name: str
    delivery_method: DeliveryMethod
    payment_method: PaymentMethod
    address_line: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    pickup_warehouse_id: int | None = None
    pickup_date: date | None = None
    company_name: str = ""
    tax_id: str = ""
    # The language the customer checks out in: the order's e-mails speak it. None keeps the
    # cart's (the language of the first "add to cart").
    locale: str | None = None


def delivery_quote(order: Order, method: DeliveryMethod) -> Decimal:
    return round_money(settings.current().delivery_price(method.value), order.currency)


def confirm_quotation(
    order: Order,
    details: CheckoutDetails,
    *,
    by: Actor | None = None,
    expected_subtotal: Decimal | None = None,
    today: date | None = None,
) -> Order:
    """Checkout: the quotation becomes a quotation sent, its stock reserved and a number given.

    ``expected_subtotal`` is the products' total the shopper saw; if prices changed meanwhile
    we stop rather than take a different amount.
    """
    if order.state != OrderState.QUOTATION:
        raise InvalidTransition(number=order.number or "", before=order.state.value, after="quotation_sent")
    if not order.lines:
        raise EmptyCart()
    for line in order.lines:  # archived or made a draft since it went into the cart (catalog.editing)
        if not line.variant.on_sale:
            name = f"{translated(line.product_name)} ({translated(line.variant_name)})"
            raise OutOfStock(sku=line.sku, name=name, available=0, line_id=line.id)
    today = today or shop_today()
    db.session.flush()  # lines added in this session get their variant ids before pickup is checked
    pickup_option = _pickup_option(order, details, today)

    # Claim the transition first: a double submit or a second tab finds the state taken.
    # On SQLite this is also the statement that takes the write lock.
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.state == OrderState.QUOTATION)
        .values(state=OrderState.QUOTATION_SENT)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise CartChanged()
    db.session.refresh(order)

    for field in CheckoutDetails.__dataclass_fields__:
        if field != "locale":
            setattr(order, field, getattr(details, field))
    order.locale = details.locale or order.locale
    if details.delivery_method == DeliveryMethod.PICKUP:
        order.address_line = order.city = order.postal_code = ""
    else:
        order.pickup_warehouse_id, order.pickup_date = None, None
    for line in order.lines:
        for key, value in _snapshot(line.variant).items():
            setattr(line, key, value)
        _price_line(line, order.currency)
    shop = settings.current()
    order.delivery_price = delivery_quote(order, details.delivery_method)
    order.delivery_vat_rate = Decimal(shop.delivery_vat_rate)
    _recompute_totals(order)
    if expected_subtotal is not None and order.subtotal != expected_subtotal:
        raise CartChanged()

    if pickup_option is None:
        stock.reserve(order)
    else:
        _reserve_for_pickup(order, pickup_option, today)

    now = utcnow()
    order.number = f"{shop.order_number_prefix}{order.id:06d}"
    order.confirmed_at = now
    window = shop.payment_window_hours.get(details.payment_method.value)
    if _confirmed_on(details.payment_method) == "payment" and window:
        order.expires_at = now + timedelta(hours=int(window))
    by = by or Actor.customer(order)
    history.record(order, by=by, kind="state", before="quotation", after="quotation_sent", public=True)
    if pickup_option is not None and stock.transfers_for(order):
        history.record(order, by=Actor.system(), kind="stock", note=history.TRANSFER_NEEDED)
    events.quotation_confirmed.send(order)
    if _confirmed_on(details.payment_method) == "checkout":
        confirm_sale(order, by=Actor.system("payment policy"))
    return order


def _pickup_option(order: Order, details: CheckoutDetails, today: date) -> pickup.PickupOption | None:
    """The pickup warehouse chosen, if it can hand out the whole order (alone, or with a
    transfer the seller allows) on the date chosen."""
    if details.delivery_method != DeliveryMethod.PICKUP:
        return None
    option = pickup.pickup_option(order, details.pickup_warehouse_id)
    if option is None:
        raise PickupNotPossible()
    if not option.possible:
        raise PickupNotPossible(warehouse=translated(option.warehouse.name), reason=option.reason())
    dates = pickup.allowed_pickup_dates(option.warehouse, today, transfer=option.transfer)
    if details.pickup_date not in dates:
        raise InvalidPickupDate()
    return option


def _reserve_for_pickup(order: Order, option: pickup.PickupOption, today: date) -> None:
    """Reserve at the pickup warehouse, the rest from the others when the seller allows
    transfers. Stock may have moved since the options were shown: an order that needs a
    transfer after all must still have a date the transfer leaves time for."""
    stock.reserve(order, warehouse=option.warehouse, transfer=pickup.transfer_days() is not None)
    if not option.transfer and stock.transfers_for(order):
        if order.pickup_date not in pickup.allowed_pickup_dates(option.warehouse, today, transfer=True):
            raise InvalidPickupDate()


def _confirmed_on(method: PaymentMethod) -> str:
    if method == PaymentMethod.CARD:
        return "payment"  # a card order is only real once the provider captured the money
    return settings.current().confirm_order_on.get(method.value, "payment")


def confirms_on_payment(order: Order) -> bool:
    return order.payment_method is not None and _confirmed_on(order.payment_method) == "payment"


# --- lifecycle --------------------------------------------------------------------------


def confirm_sale(order: Order, *, by: Actor) -> Order:
    """Quotation sent -> sales order: from now on the seller fulfils it."""
    if order.state != OrderState.QUOTATION_SENT:
        raise InvalidTransition(number=order.number or "", before=order.state.value, after="sales_order")
    order.state = OrderState.SALES_ORDER
    order.expires_at = None
    history.record(order, by=by, kind="state", before="quotation_sent", after="sales_order", public=True)
    events.sales_order_confirmed.send(order)
    return order


def cancel_quotation(order: Order, *, by: Actor, reason: str = "") -> Order:
    """Give up a quotation sent (unpaid, expired, or at the customer's request); stock goes back."""
    if order.state != OrderState.QUOTATION_SENT:
        raise InvalidTransition(number=order.number or "", before=order.state.value, after="cancelled")
    released = stock.release(order, by=by)
    order.state = OrderState.CANCELLED
    order.expires_at = None
    history.record(
        order, by=by, kind="state", before="quotation_sent", after="cancelled", note=reason, public=True
    )
    if released:
        history.record(order, by=by, kind="stock", note=history.released_note(released))
    events.order_cancelled.send(order)
    return order


def expire_quotations(now: datetime | None = None, *, limit: int = 500) -> list[Order]:
    """Cancel the quotations sent whose payment window has passed; safe to run from any number of workers."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            db.select(Order)
            .where(Order.state == OrderState.QUOTATION_SENT, Order.expires_at <= now)
            .order_by(Order.expires_at)
            .limit(limit)
        )
    )
    expired = []
    for order in due:
        # Claim each order; another worker (or a payment arriving now) may have taken it.
        claimed = db.session.execute(
            update(Order)
            .where(Order.id == order.id, Order.state == OrderState.QUOTATION_SENT, Order.expires_at <= now)
            .values(expires_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            db.session.refresh(order)
            expired.append(
                cancel_quotation(
                    order, by=Actor.system("payment window"), reason="payment not received in time"
                )
            )
    return expired


_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,32}")


def order_by_token(token: str) -> Order:
    """The order behind a customer's tracking link; anything not shaped like a token is no order
    (and never reaches the database: PostgreSQL refuses NUL in text)."""
    if not _TOKEN.fullmatch(token or ""):
        raise NotFound()
    order = db.session.scalar(db.select(Order).where(Order.tracking_token == token))
    if order is None or order.state == OrderState.QUOTATION:
        raise NotFound()
    return order


def order_by_number(number: str) -> Order:
    if not (number and len(number) <= 20 and number.isprintable()):
        raise NotFound()
    order = db.session.scalar(db.select(Order).where(Order.number == number))
    if order is None:
        raise NotFound()
    return order


# --- abandoned carts (S6) --------------------------------------------------------------------------

CART_LINK_MAX_AGE = timedelta(days=14)


def _cart_links() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="cart-restore")


def cart_restore_token(order: Order) -> str:
    """A signed, expiring link token naming the cart; with its tracking token, so it cannot be
    forged from an order id alone and dies with the cart."""
    return _cart_links().dumps({"o": order.id, "t": order.tracking_token})


def cart_from_restore_token(token: str) -> Order | None:
    """The order a restore link names, or None for a forged, altered or expired link."""
    try:
        data = _cart_links().loads(token, max_age=CART_LINK_MAX_AGE.total_seconds())
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("t"), str):
        return None
    order = db.session.get(Order, data["o"])
    if order is None or not secrets.compare_digest(order.tracking_token, data["t"]):
        return None
    return order
