"""Demo delivery orders, one in each state the work list shows: shipped in one step, waiting to
pick, partly picked with a backorder (two steps, IST), packed and shipped (three steps, ANK).
Made through the real services, so the ledger and the history are as a seller's would be."""

from __future__ import annotations

from flask import current_app

from shop.accounts.models import User
from shop.catalog.models import Stock, Variant, Warehouse
from shop.errors import ShopError
from shop.extensions import db
from shop.fulfillment import deliveries
from shop.fulfillment.models import DeliveryOrder
from shop.orders.history import Actor
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order, PaymentMethod

CUSTOMERS = [
    ("Burak Çelik", "burak@example.com", "+905321234201", "tr"),
    ("Katarzyna Wiśniewska", "kasia@example.com", "+48601234202", "pl"),
    ("Elif Kaya", "elif@example.com", "+905321234203", "tr"),
    ("Reza Karimi", "reza@example.com", "+989121234204", "fa"),
    ("Deniz Aydın", "deniz@example.com", "+905321234205", "en"),
]
TRACKING = {"carrier": "yurtici", "tracking_number": "YK4400012345"}


def _variant_in(warehouse: Warehouse, units: int, *, only_there: bool = False) -> Variant | None:
    """A SKU with ``units`` free in the warehouse (and none elsewhere, so the order reserves there)."""
    for stock in db.session.scalars(
        db.select(Stock).where(Stock.warehouse_id == warehouse.id).order_by(Stock.variant_id)
    ):
        if stock.available < units or not stock.variant.on_sale:
            continue
        others = sum(s.available for s in stock.variant.stock if s.warehouse_id != warehouse.id)
        if only_there and others:
            continue
        return stock.variant
    return None


def _order(n: int, variant: Variant, units: int) -> Order:
    name, email, phone, locale = CUSTOMERS[n % len(CUSTOMERS)]
    cart = sales.start_quotation(locale=locale)
    db.session.flush()
    sales.add_to_cart(cart, variant, units)
    details = sales.CheckoutDetails(
        email=email,
        phone=phone,
        name=name,
        delivery_method=DeliveryMethod.CARRIER,
        payment_method=PaymentMethod.CASH,  # confirmed at checkout: a sales order at once
        address_line="Bağdat Cd. 12",
        city="İstanbul",
        postal_code="34710",
        country="TR",
    )
    return sales.confirm_quotation(cart, details)


def _full(step) -> dict[int, int]:  # noqa: ANN001
    return {line.order_line_id: line.ordered for line in step.lines}


def ship_all(order: Order, *, by: Actor, carrier: str, tracking_number: str) -> None:
    """Every step of the order's deliveries done in full, the ship step with this tracking
    number: the demo's shipped orders left their warehouses as a seller's would."""
    for delivery in deliveries.for_order(order):
        for step in delivery.steps:
            last = step is delivery.steps[-1]
            tracking = {"carrier": carrier, "tracking_number": tracking_number} if last else {}
            deliveries.do_step(step, _full(step), by=by, **tracking)


def load_deliveries() -> int:
    from shop.demo.orders import DEMO_STAFF

    staff = db.session.scalar(db.select(User).where(User.email == DEMO_STAFF[0]))
    first, second = list(db.session.scalars(db.select(Warehouse).order_by(Warehouse.position, Warehouse.id)))[
        :2
    ]
    if staff is None:
        return 0
    by = Actor.user(staff)
    made = 0
    plans = [
        # (warehouse, its steps, units, only there, what to do)
        (first, 1, 1, False, "shipped"),
        (first, 2, 1, False, "waiting"),
        (first, 2, 3, False, "backorder"),
        (second, 3, 1, True, "packed"),
        (second, 3, 1, True, "shipped"),
    ]
    for n, (warehouse, steps, units, only_there, state) in enumerate(plans):
        warehouse.delivery_steps = steps
        variant = _variant_in(warehouse, units, only_there=only_there)
        if variant is None:
            continue
        try:
            order = _order(n, variant, units)
            delivery = db.session.scalar(
                db.select(DeliveryOrder).where(
                    DeliveryOrder.order_id == order.id, DeliveryOrder.warehouse_id == warehouse.id
                )
            )
            if delivery is None:
                continue
            if state == "backorder":
                pick = delivery.steps[0]
                deliveries.do_step(pick, {line: units - 1 for line in _full(pick)}, by=by, backorder=True)
            elif state in ("packed", "shipped"):
                for step in delivery.steps:
                    last = step is delivery.steps[-1]
                    if last and state == "packed":
                        break
                    deliveries.do_step(step, _full(step), by=by, **(TRACKING if last else {}))
            db.session.commit()
            made += 1
        except ShopError as error:  # a demo order the rules refuse is skipped, the others stay
            db.session.rollback()
            current_app.logger.info("demo delivery skipped: %s", error)
    db.session.commit()
    return made
