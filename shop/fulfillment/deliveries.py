"""Delivery orders (B7): created when an order becomes a sales order, one per warehouse holding
its reservations (pickup orders are handed over by shop.fulfillment.pickups instead); their steps
done line by line; a shortfall becomes a backorder or is released, per the shop's setting; the
last step ships: the goods leave the warehouse through ``stock.take_reserved``.

Every change writes an order history row with who made it, in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext, ngettext
from sqlalchemy import update

from shop import events
from shop.catalog import stock
from shop.catalog.models import StockMoveKind, Warehouse
from shop.db_types import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.fulfillment.models import (
    STEPS_BY_SETTING,
    DeliveryOrder,
    DeliveryState,
    DeliveryStep,
    StepKind,
    StepLine,
    StepState,
)
from shop.orders import history
from shop.orders.carriers import CARRIERS
from shop.orders.history import Actor
from shop.sales.models import DeliveryMethod, Order, OrderState
from shop.settings import services as settings

BACKORDER_POLICIES = ("ask", "always", "never")


class DeliveryRefused(ShopError):
    """A step that cannot be done as asked; nothing changed. ``field``: the form field."""

    code = "delivery_refused"
    http_status = 422


class BackorderQuestion(DeliveryRefused):
    """Less than ordered with the "ask" policy: the caller must say whether the rest follows."""

    code = "backorder_question"
    field = "backorder"

    def describe(self) -> str:
        return gettext("Less than ordered: say whether the rest follows in a backorder.")


# --- creating ------------------------------------------------------------------------------


def create_for(order: Order, *, by: Actor | None = None) -> list[DeliveryOrder]:
    """One delivery order per warehouse holding the order's reservations; none for pickup
    orders, none twice."""
    if order.delivery_method == DeliveryMethod.PICKUP or order.state != OrderState.SALES_ORDER:
        return []
    if db.session.scalar(db.select(DeliveryOrder.id).where(DeliveryOrder.order_id == order.id).limit(1)):
        return []
    by = by or Actor.system()
    units: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # warehouse -> line -> units
    for reservation in stock.reserved_for(order):
        units[reservation.stock.warehouse_id][reservation.order_line_id] += reservation.quantity
    made = []
    for warehouse_id in sorted(units, key=lambda wid: (db.session.get(Warehouse, wid).position, wid)):
        warehouse = db.session.get(Warehouse, warehouse_id)
        kinds = STEPS_BY_SETTING.get(warehouse.delivery_steps, STEPS_BY_SETTING[1])
        made.append(_new_delivery(order, warehouse, kinds, dict(units[warehouse_id]), by=by))
    return made


def _new_delivery(
    order: Order,
    warehouse: Warehouse,
    kinds: tuple[StepKind, ...],
    quantities: dict[int, int],
    *,
    by: Actor,
    backorder_of: DeliveryOrder | None = None,
) -> DeliveryOrder:
    count = db.session.scalar(
        db.select(db.func.count()).select_from(DeliveryOrder).where(DeliveryOrder.order_id == order.id)
    )
    delivery = DeliveryOrder(
        order=order,
        warehouse=warehouse,
        reference=f"{order.number}/{(count or 0) + 1}",
        backorder_of=backorder_of,
    )
    for position, kind in enumerate(kinds):
        step = DeliveryStep(
            kind=kind, position=position, state=StepState.READY if position == 0 else StepState.WAITING
        )
        step.lines = [
            StepLine(order_line_id=line_id, ordered=units) for line_id, units in sorted(quantities.items())
        ]
        delivery.steps.append(step)
    db.session.add(delivery)
    db.session.flush()
    history.record(
        order,
        by=by,
        kind="delivery",
        before=backorder_of.reference if backorder_of else "",
        after=delivery.reference,
        note="backorder" if backorder_of else "",
    )
    return delivery


def _on_sales_order(order: Order, **_kwargs) -> None:
    create_for(order)


events.sales_order_confirmed.connect(_on_sales_order)


# --- doing a step --------------------------------------------------------------------------


def do_step(
    step: DeliveryStep,
    quantities: dict[int, int],
    *,
    by: Actor,
    backorder: bool | None = None,
    carrier: str = "",
    tracking_number: str = "",
) -> DeliveryOrder | None:
    """Do the ready ``step`` with ``quantities`` (order line id -> units done, 0 to what the step
    has for it; every line of the step given). Less than ordered: a backorder for the rest, or the
    rest released, per the ``backorder_policy`` setting ("ask": ``backorder`` must say). The ship
    step takes the goods out of stock and needs a carrier and tracking number for carrier
    shipping. Returns the backorder made, if any."""
    from shop.orders.services import TRACKING_NUMBER

    delivery = step.delivery
    if step.state != StepState.READY or delivery.state != DeliveryState.OPEN:
        raise _not_ready()
    done = _checked_quantities(step, quantities)
    short = {line.order_line_id: line.ordered - done[line.order_line_id] for line in step.lines}
    short = {line_id: units for line_id, units in short.items() if units}
    if not any(done.values()):
        raise DeliveryRefused(
            gettext("Enter at least one unit done; nothing to do otherwise."), field="quantity"
        )
    follow = _backorder_wanted(backorder) if short else False
    last = step.position == len(delivery.steps) - 1
    if last:
        carrier, tracking_number = carrier.strip(), tracking_number.strip()
        needs_tracking = delivery.order.delivery_method == DeliveryMethod.CARRIER
        if needs_tracking or tracking_number:
            if carrier not in CARRIERS or not tracking_number:
                raise DeliveryRefused(
                    gettext("Shipping needs a carrier and a tracking number."), field="tracking_number"
                )
            if not TRACKING_NUMBER.match(tracking_number):
                raise DeliveryRefused(
                    gettext(
                        "A tracking number has 3 to 64 letters, digits, spaces, dashes, dots or slashes."
                    ),
                    field="tracking_number",
                )

    _claim(step, delivery)
    for line in step.lines:
        line.done = done[line.order_line_id]
    step.state, step.done_at = StepState.DONE, utcnow()
    step.done_by_kind, step.done_by_id, step.done_by_label = by.kind, by.id, by.label[:160]
    order = delivery.order
    history.record(
        order,
        by=by,
        kind="delivery",
        before=step.kind.value,
        after=delivery.reference,
        note=", ".join(f"{line.order_line.sku} {line.done}/{line.ordered}" for line in step.lines),
    )
    made = None
    if short and follow:
        kinds = tuple(later.kind for later in delivery.steps[step.position :])
        made = _new_delivery(order, delivery.warehouse, kinds, short, by=by, backorder_of=delivery)
    elif short:
        _release_rest(delivery, short, by=by)

    if last:
        _ship(delivery, step, by=by, carrier=carrier, tracking_number=tracking_number)
    else:
        _carry_on(delivery, step, done)
    db.session.flush()
    return made


def _claim(step: DeliveryStep, delivery: DeliveryOrder) -> None:
    """Once: two people doing the same step at the same moment cannot both win (the conditional
    UPDATE is the guard; the order must still be a sales order)."""
    if delivery.order.state != OrderState.SALES_ORDER:
        raise _not_ready()
    claimed = db.session.execute(
        update(DeliveryStep)
        .where(DeliveryStep.id == step.id, DeliveryStep.state == StepState.READY)
        .values(state=StepState.DONE)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise _not_ready()


def _not_ready() -> DeliveryRefused:
    return DeliveryRefused(gettext("This step is not ready to be done; reload the page."), field="step")


def _checked_quantities(step: DeliveryStep, quantities: dict[int, int]) -> dict[int, int]:
    lines = {line.order_line_id: line for line in step.lines}
    if set(quantities) != set(lines):
        raise DeliveryRefused(gettext("Give a quantity for each line of this step."), field="quantity")
    for line_id, units in quantities.items():
        ordered = lines[line_id].ordered
        if isinstance(units, bool) or not isinstance(units, int) or not 0 <= units <= ordered:
            raise DeliveryRefused(
                ngettext(
                    "%(sku)s: enter 0 to %(num)s unit.",
                    "%(sku)s: enter 0 to %(num)s units.",
                    ordered,
                    sku=lines[line_id].order_line.sku,
                ),
                field=f"line-{line_id}",
            )
    return dict(quantities)


def _backorder_wanted(backorder: bool | None) -> bool:
    policy = settings.current().backorder_policy
    if policy == "always":
        return True
    if policy == "never":
        return False
    if backorder is None:
        raise BackorderQuestion()
    return backorder


def _release_rest(delivery: DeliveryOrder, short: dict[int, int], *, by: Actor) -> None:
    """No backorder: the units not delivered go back on sale."""
    lines = {line.id: line for line in delivery.order.lines}
    for line_id, units in sorted(short.items()):
        stock.release_units(
            lines[line_id],
            units,
            warehouse=delivery.warehouse,
            by=by,
            reference_type="delivery",
            reference_id=delivery.id,
        )
    history.record(delivery.order, by=by, kind="stock", note=history.released_note(sum(short.values())))


def _carry_on(delivery: DeliveryOrder, step: DeliveryStep, done: dict[int, int]) -> None:
    """The next step handles what this one did, and is ready now."""
    following = delivery.steps[step.position + 1 :]
    for later in following:
        for line in list(later.lines):
            if done[line.order_line_id]:
                line.ordered = done[line.order_line_id]
            else:
                later.lines.remove(line)
    following[0].state = StepState.READY


def _ship(
    delivery: DeliveryOrder, step: DeliveryStep, *, by: Actor, carrier: str, tracking_number: str
) -> None:
    lines = {line.id: line for line in delivery.order.lines}
    for line in step.lines:
        if line.done:
            stock.take_reserved(
                lines[line.order_line_id],
                line.done,
                kind=StockMoveKind.DELIVERY,
                by=by,
                warehouse=delivery.warehouse,
                reference_type="delivery",
                reference_id=delivery.id,
            )
    delivery.state, delivery.done_at = DeliveryState.DONE, utcnow()
    delivery.carrier, delivery.tracking_number = carrier, tracking_number
    order = delivery.order
    history.record(
        order, by=by, kind="shipped", after=delivery.reference, note=f"{carrier} {tracking_number}".strip()
    )
    events.delivery_done.send(order, delivery=delivery, by=by)
    if tracking_number and settings.current().ship_moves_to_shipped:
        _move_to_shipped(order, by=by, carrier=carrier, tracking_number=tracking_number)


def _move_to_shipped(order: Order, *, by: Actor, carrier: str, tracking_number: str) -> None:
    """The first status that needs a tracking number, through the one way statuses change."""
    from shop.orders import services as orders

    shipped = next((status for status in orders.statuses() if status.requires_tracking), None)
    if shipped is None or order.status_id == shipped.id:
        return
    orders.change_status(order, shipped, by=by, carrier=carrier, tracking_number=tracking_number)


# --- cancelling ----------------------------------------------------------------------------


def cancel_open(order: Order, *, by: Actor) -> int:
    """The order is cancelled before shipment: its open deliveries and their open steps are
    cancelled (the reservations are released by the caller). Returns how many deliveries."""
    open_deliveries = list(
        db.session.scalars(
            db.select(DeliveryOrder).where(
                DeliveryOrder.order_id == order.id, DeliveryOrder.state == DeliveryState.OPEN
            )
        )
    )
    for delivery in open_deliveries:
        delivery.state = DeliveryState.CANCELLED
        for step in delivery.steps:
            if step.state in (StepState.READY, StepState.WAITING):
                step.state = StepState.CANCELLED
        history.record(order, by=by, kind="delivery", before=delivery.reference, after="cancelled")
    db.session.flush()
    return len(open_deliveries)


# --- reading -------------------------------------------------------------------------------


def for_order(order: Order) -> list[DeliveryOrder]:
    return list(
        db.session.scalars(
            db.select(DeliveryOrder).where(DeliveryOrder.order_id == order.id).order_by(DeliveryOrder.id)
        )
    )
