"""An exchange (B12): the received units of a return are swapped for another variant of the same
product at the same price, sent in a new order that owes nothing.

The new order is a sales order like any other (its first status, its delivery orders, its stock
reserved), made from the returned order's customer, contact, address and delivery method
(pickup: the same warehouse), with no delivery charge. Its lines keep the original unit price
and VAT rate. It is settled by a payment transaction of provider "exchange" naming the return,
captured for the whole total and recorded through the payment service's one rule
(payments.services._register_payment): the goods were paid for in the returned order.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal

from flask_babel import gettext as _

from shop.catalog import pickup, stock
from shop.catalog import services as catalog
from shop.catalog.models import Variant, Warehouse
from shop.db_types import utcnow
from shop.errors import OutOfStock, ReturnRefused
from shop.extensions import db
from shop.i18n import format_money, shop_today, translated
from shop.orders import history
from shop.orders.history import Actor
from shop.payments import services as payments
from shop.payments.models import PaymentTransaction, TransactionState
from shop.returns import handling, notes
from shop.returns.models import ReturnLine, ReturnRequest, ReturnState
from shop.sales import services as sales
from shop.sales.models import EXCHANGE_SOURCE, DeliveryMethod, Order, OrderLine, OrderState, PaymentMethod
from shop.settings import services as settings

SOURCE = EXCHANGE_SOURCE
PROVIDER = "exchange"


def exchange(return_request: ReturnRequest, replacements: Mapping[int, int], *, by: Actor) -> ReturnRequest:
    """``replacements``: return line id -> variant id, for every line with units received.
    Refused, with nothing made, for a variant of another product, not for sale, at another price,
    or out of stock, naming the line."""
    if not isinstance(replacements, Mapping):
        raise ReturnRefused(_("Choose the replacement of each line."), field="lines")
    rr = handling._take(return_request, "exchange")
    order = rr.order
    chosen = _chosen(rr, replacements)
    pickup_warehouse = (
        db.session.get(Warehouse, order.pickup_warehouse_id) if order.pickup_warehouse_id else None
    )
    for line, variant, units in chosen:
        if catalog.available(variant, pickup_warehouse if _only_there(order) else None) < units:
            raise _out_of_stock(line, variant)

    for line, variant, _units in chosen:
        line.replacement_variant_id = variant.id
    new = _new_order(order, chosen)
    try:
        if pickup_warehouse is not None:
            stock.reserve(new, warehouse=pickup_warehouse, transfer=not _only_there(order), by=by)
        else:
            stock.reserve(new, by=by)
    except OutOfStock as short:  # taken meanwhile by another order: the caller rolls back
        line, variant = next(
            ((line, variant) for line, variant, _units in chosen if variant.sku == short.data.get("sku")),
            chosen[0][:2],
        )
        raise _out_of_stock(line, variant) from None
    if pickup_warehouse is not None:
        dates = pickup.allowed_pickup_dates(
            pickup_warehouse, shop_today(), transfer=bool(stock.transfers_for(new))
        )
        new.pickup_date = dates[0] if dates else None
        if stock.transfers_for(new):
            history.record(new, by=Actor.system(), kind="stock", note=history.TRANSFER_NEEDED)
    history.record(
        new, by=by, kind="state", before="quotation", after="quotation_sent",
        note=notes.replacement_for(rr, order.number), public=True,
    )  # fmt: skip
    _settle(new, rr, by=by)
    if new.state == OrderState.QUOTATION_SENT:
        sales.confirm_sale(new, by=by)  # the order's deliveries and first status follow its event

    before = rr.state
    rr.exchange_order_id = new.id
    rr.exchange_order = new
    rr.state = ReturnState.EXCHANGED
    rr.closed_at = utcnow()
    return handling._done(rr, before, by=by, note=notes.exchanged(rr, new.number))


def _chosen(rr: ReturnRequest, replacements: Mapping[int, int]) -> list[tuple[ReturnLine, Variant, int]]:
    """(line, replacement, units) for every line with units received, each checked."""
    by_id = {line.id: line for line in rr.lines}
    if any(line_id not in by_id for line_id in replacements):
        raise ReturnRefused(_("Choose lines of this return."), field="lines")
    chosen = []
    for line in rr.lines:
        if not line.received:
            continue
        field = f"line-{line.id}"
        variant_id = replacements.get(line.id)
        variant = (
            db.session.get(Variant, variant_id)
            if isinstance(variant_id, int) and not isinstance(variant_id, bool)
            else None
        )
        if variant is None:
            raise ReturnRefused(
                _("%(line)s: choose the variant to send instead.", line=handling.line_name(line)), field=field
            )
        order_line = line.order_line
        if variant.product_id != order_line.variant.product_id:
            raise ReturnRefused(
                _(
                    "%(line)s: a replacement must be a variant of the same product; refund it instead.",
                    line=handling.line_name(line),
                ),
                field=field,
            )
        if not variant.on_sale:
            raise ReturnRefused(
                _(
                    "%(line)s: %(variant)s is not for sale; choose another variant or refund it instead.",
                    line=handling.line_name(line),
                    variant=translated(variant.name),
                ),
                field=field,
            )
        if variant.price != order_line.unit_price:
            raise ReturnRefused(
                _(
                    "%(line)s: %(variant)s costs %(price)s now, not the %(paid)s paid: only a swap of "
                    "equal value is an exchange; refund it instead.",
                    line=handling.line_name(line),
                    variant=translated(variant.name),
                    price=format_money(variant.price, rr.order.currency),
                    paid=format_money(order_line.unit_price, rr.order.currency),
                ),
                field=field,
            )
        chosen.append((line, variant, line.received))
    if not chosen:
        raise ReturnRefused(_("Nothing of this return was received, so nothing can be exchanged."))
    if len({variant.id for _line, variant, _units in chosen}) != len(chosen):
        raise ReturnRefused(
            _("Each line needs its own replacement variant; two lines cannot both become the same one."),
            field="lines",
        )
    return chosen


def _only_there(order: Order) -> bool:
    """A pickup exchange comes from the pickup warehouse alone, unless the seller allows transfers."""
    return order.delivery_method == DeliveryMethod.PICKUP and pickup.transfer_days() is None


def _out_of_stock(line: ReturnLine, variant: Variant) -> ReturnRefused:
    return ReturnRefused(
        _(
            "%(line)s: %(variant)s is out of stock for this exchange; refund it instead, or receive "
            "stock first.",
            line=handling.line_name(line),
            variant=translated(variant.name),
        ),
        field=f"line-{line.id}",
    )


def _new_order(order: Order, chosen: list[tuple[ReturnLine, Variant, int]]) -> Order:
    """The replacement order, numbered and priced, as a quotation sent: reserved and settled next."""
    new = Order(
        currency=order.currency,
        locale=order.locale,
        customer_id=order.customer_id,
        source=SOURCE,
        state=OrderState.QUOTATION_SENT,
        email=order.email,
        phone=order.phone,
        name=order.name,
        address_line=order.address_line,
        city=order.city,
        postal_code=order.postal_code,
        country=order.country,
        company_name=order.company_name,
        tax_id=order.tax_id,
        delivery_method=order.delivery_method,
        pickup_warehouse_id=order.pickup_warehouse_id,
        payment_method=order.payment_method,
        delivery_price=Decimal("0"),
        delivery_vat_rate=order.delivery_vat_rate,
        salesperson_id=order.salesperson_id,
        sales_team_id=order.sales_team_id,
    )
    for line, variant, units in chosen:
        new_line = OrderLine(
            variant=variant,
            quantity=units,
            **{**sales._snapshot(variant), "unit_price": line.order_line.unit_price},
        )
        new_line.vat_rate = line.order_line.vat_rate
        sales._price_line(new_line, new.currency)
        new.lines.append(new_line)
    sales._recompute_totals(new)
    db.session.add(new)
    db.session.flush()
    new.number = f"{settings.current().order_number_prefix}{new.id:06d}"
    new.confirmed_at = utcnow()
    return new


def _settle(new: Order, rr: ReturnRequest, *, by: Actor) -> None:
    """Nothing is due: the goods were paid in the returned order. Recorded as a captured payment
    of provider "exchange" naming the return, through the payment service's rule."""
    transaction = PaymentTransaction(
        order_id=new.id,
        method=new.payment_method or PaymentMethod.BANK_TRANSFER,
        provider=PROVIDER,
        reference=secrets.token_hex(12),
        provider_reference=rr.number,
        amount=new.total,
        currency=new.currency,
        state=TransactionState.CAPTURED,
    )
    db.session.add(transaction)
    db.session.flush()
    payments._register_payment(new, transaction, by=by)
