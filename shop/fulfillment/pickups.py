"""Self-service pickup (B8, the Stegback flow): the seller sets where and when a pickup order is
collected and which of its lines, makes it ready (the customer is told), and hands the goods
over per SKU and quantity, over as many visits as it takes. Stock leaves through
``stock.take_reserved`` (kind pickup); when every line is collected the order is Completed.

Checkout's rules are reused: a warehouse must hold the goods (``catalog.pickup``, or a
transfer when the seller allows it) and the date must be one that warehouse allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext

from shop import events
from shop.catalog import pickup, stock
from shop.catalog.models import Stock, StockMove, StockMoveKind, StockReservation, Warehouse
from shop.db_types import utcnow
from shop.errors import InvalidPickupDate, PickupNotPossible, ShopError
from shop.extensions import db
from shop.fulfillment import goods
from shop.fulfillment.pickup_models import OrderPickup
from shop.i18n import shop_today, translated
from shop.orders import history
from shop.orders.history import Actor
from shop.sales.models import DeliveryMethod, Order, OrderLine, OrderState

OPEN_STATES = (OrderState.QUOTATION_SENT, OrderState.SALES_ORDER)

# The pickup's own states, derived from the order, its pickup row and the ledger.
WAITING, READY, PARTLY, DONE, CANCELLED = "waiting", "ready", "partly_picked_up", "picked_up", "cancelled"


class PickupRefused(ShopError):
    code = "pickup_refused"
    http_status = 422


@dataclass(frozen=True)
class PickupLine:
    line: OrderLine
    collected: bool  # handed out at the warehouse (the seller may leave lines out)
    gone: int  # units already picked up

    @property
    def left(self) -> int:
        return max(self.line.quantity - self.gone, 0)

    @property
    def name(self) -> str:
        return f"{translated(self.line.product_name)} ({translated(self.line.variant_name)})"


# --- reading ---------------------------------------------------------------------------------


def is_pickup(order: Order) -> bool:
    return order.delivery_method == DeliveryMethod.PICKUP


def record_for(order: Order) -> OrderPickup | None:
    return db.session.get(OrderPickup, order.id)


def _record(order: Order) -> OrderPickup:
    found = record_for(order)
    if found is None:
        found = OrderPickup(order_id=order.id, line_ids=None, ready_by="")
        db.session.add(found)
    return found


def lines(order: Order, *, gone: dict[int, int] | None = None) -> list[PickupLine]:
    gone = goods.units_gone(order) if gone is None else gone
    chosen = (record_for(order) or OrderPickup()).line_ids
    return [
        PickupLine(line, chosen is None or line.id in chosen, gone.get(line.id, 0))
        for line in sorted(order.lines, key=lambda line: line.id)
    ]


def state(order: Order, pickup_lines: list[PickupLine] | None = None) -> str:
    if order.state == OrderState.CANCELLED:
        return CANCELLED
    pickup_lines = lines(order) if pickup_lines is None else pickup_lines
    if pickup_lines and all(item.left == 0 for item in pickup_lines):
        return DONE
    if any(item.gone for item in pickup_lines):
        return PARTLY
    found = record_for(order)
    return READY if found is not None and found.ready_at is not None else WAITING


def state_label(code: str) -> str:
    return {
        WAITING: gettext("Being prepared"),
        READY: gettext("Ready for pickup"),
        PARTLY: gettext("Partly picked up"),
        DONE: gettext("Picked up"),
        CANCELLED: gettext("Cancelled"),
    }.get(code, code)


@dataclass(frozen=True)
class WarehouseChoice:
    warehouse: Warehouse
    possible: bool
    transfer: bool
    reason: str


def warehouse_choices(order: Order) -> list[WarehouseChoice]:
    """Every pickup warehouse and whether the order could be collected there: checkout's
    options, with the units this order already holds in each warehouse counted as there."""
    own: dict[tuple[int, int], int] = {}
    for variant_id, warehouse_id, units in db.session.execute(
        db.select(OrderLine.variant_id, Stock.warehouse_id, StockReservation.quantity)
        .join(StockReservation, StockReservation.order_line_id == OrderLine.id)
        .join(Stock, StockReservation.stock_id == Stock.id)
        .where(OrderLine.order_id == order.id)
    ):
        own[(variant_id, warehouse_id)] = own.get((variant_id, warehouse_id), 0) + int(units)
    transfers = pickup.transfer_days() is not None
    choices = []
    for option in pickup.pickup_options(order):
        short = [
            shortage
            for shortage in option.shortages
            if shortage.here + own.get((shortage.line.variant_id, option.warehouse.id), 0)
            < shortage.line.quantity
        ]
        # The order's own reservations exist somewhere in the shop, so a transfer can always
        # bring what this warehouse lacks when the seller allows transfers.
        transfer = bool(short) and transfers
        reason = ""
        if short and not transfer:
            reason = pickup.PickupOption(option.warehouse, tuple(short)).reason()
        elif transfer:
            reason = pickup.PickupOption(option.warehouse, tuple(short), transfer=True).reason()
        choices.append(WarehouseChoice(option.warehouse, not short or transfer, transfer, reason))
    return choices


def needs_transfer(order: Order) -> bool:
    return bool(stock.transfers_for(order))


def date_choices(
    order: Order,
    today: date | None = None,
    *,
    warehouse: Warehouse | None = None,
    transfer: bool | None = None,
) -> list[date]:
    warehouse = warehouse or order.pickup_warehouse
    if warehouse is None:
        return []
    transfer = needs_transfer(order) if transfer is None else transfer
    return pickup.allowed_pickup_dates(warehouse, today or shop_today(), transfer=transfer)


# --- the seller's verbs ------------------------------------------------------------------------


def _require_open(order: Order, *, confirmed: bool = False) -> None:
    if not is_pickup(order):
        raise PickupRefused(gettext("Order %(number)s is not collected at a warehouse.", number=order.number))
    allowed = (OrderState.SALES_ORDER,) if confirmed else OPEN_STATES
    if order.state not in allowed:
        if order.state == OrderState.QUOTATION_SENT:
            raise PickupRefused(
                gettext("Order %(number)s is not confirmed yet (payment awaited).", number=order.number)
            )
        raise PickupRefused(gettext("Order %(number)s is closed.", number=order.number))


def _record_event(order: Order, by: Actor, action: str, value: str = "", note: str = "") -> None:
    history.record(order, by=by, kind="pickup", before=action, after=value[:80], note=note)


def change_warehouse(
    order: Order, warehouse_id: int | None, pickup_date: date | None, *, by: Actor, today: date | None = None
) -> Order:
    """Collect at another warehouse on one of its days: the reservations move there (released
    and made again, the pickup warehouse's units first, the rest by transfer when allowed).
    Refused once goods were handed over: they left from the old warehouse."""
    _require_open(order)
    today = today or shop_today()
    if warehouse_id is not None and warehouse_id == order.pickup_warehouse_id:
        raise PickupRefused(gettext("The order is already collected there."), field="warehouse")
    if goods.any_goods_gone(order):
        raise PickupRefused(
            gettext("Goods of this order were already handed over; the warehouse cannot change."),
            field="warehouse",
        )
    before = order.pickup_warehouse
    stock.release(order, by=by)
    db.session.flush()
    option = pickup.pickup_option(order, warehouse_id)
    if option is None:
        raise PickupNotPossible(field="warehouse")
    if not option.possible:
        raise PickupNotPossible(
            warehouse=translated(option.warehouse.name), reason=option.reason(), field="warehouse"
        )
    if pickup_date not in pickup.allowed_pickup_dates(option.warehouse, today, transfer=option.transfer):
        raise InvalidPickupDate(field="date")
    stock.reserve(order, warehouse=option.warehouse, transfer=pickup.transfer_days() is not None, by=by)
    order.pickup_warehouse_id, order.pickup_date = option.warehouse.id, pickup_date
    order.pickup_warehouse = option.warehouse
    if stock.transfers_for(order):
        # Stock moved since the options were read: a transfer after all needs its days.
        if pickup_date not in pickup.allowed_pickup_dates(option.warehouse, today, transfer=True):
            raise InvalidPickupDate(field="date")
        history.record(order, by=Actor.system(), kind="stock", note=history.TRANSFER_NEEDED)
    found = record_for(order)
    if found is not None:
        found.ready_at, found.ready_by = None, ""  # the goods must be made ready at the new place
    _record_event(order, by, "warehouse", option.warehouse.code, note=before.code if before else "")
    _record_event(order, by, "date", pickup_date.isoformat())
    return order


def change_date(order: Order, pickup_date: date | None, *, by: Actor, today: date | None = None) -> Order:
    """Another day at the same warehouse, one it allows. A customer already told the order is
    ready is told the new date (the "ready for pickup" message again)."""
    _require_open(order)
    if state(order) == DONE:
        raise PickupRefused(gettext("Everything was picked up already."), field="date")
    if pickup_date is not None and pickup_date == order.pickup_date:
        raise PickupRefused(gettext("The pickup date already is this day."), field="date")
    if pickup_date not in date_choices(order, today):
        raise InvalidPickupDate(field="date")
    order.pickup_date = pickup_date
    _record_event(order, by, "date", pickup_date.isoformat())
    found = record_for(order)
    if found is not None and found.ready_at is not None:
        events.pickup_ready.send(order)
    return order


def choose_lines(order: Order, line_ids: set[int], *, by: Actor) -> Order:
    """Which lines are handed out at the warehouse. A line partly or fully picked up stays in."""
    _require_open(order)
    own = {line.id for line in order.lines}
    if not line_ids or not line_ids <= own:
        raise PickupRefused(gettext("Choose at least one line of this order."), field="lines")
    gone = goods.units_gone(order)
    if any(gone.get(line_id) for line_id in own - line_ids):
        raise PickupRefused(
            gettext("A line with goods already picked up stays in the pickup."), field="lines"
        )
    found = _record(order)
    chosen = None if line_ids == own else sorted(line_ids)
    if found.line_ids == chosen or (found.line_ids is None and chosen is None):
        raise PickupRefused(gettext("These lines are already the ones collected."), field="lines")
    found.line_ids = chosen
    skus = ", ".join(
        line.sku for line in sorted(order.lines, key=lambda line: line.id) if line.id in line_ids
    )
    _record_event(order, by, "lines", note=skus)
    return order


def mark_ready(order: Order, *, by: Actor) -> Order:
    """The goods wait at the warehouse: the label can be printed, the customer is told."""
    _require_open(order, confirmed=True)
    if needs_transfer(order):
        raise PickupRefused(
            gettext("Some goods are still in another warehouse; transfer them before the order is ready.")
        )
    current = state(order)
    if current in (READY, PARTLY, DONE):
        raise PickupRefused(gettext("The order is already ready for pickup."))
    found = _record(order)
    found.ready_at, found.ready_by = utcnow(), by.label[:160]
    _record_event(order, by, "ready")
    events.pickup_ready.send(order)
    return order


def hand_over(order: Order, quantities: dict[int, int], *, by: Actor) -> list[StockMove]:
    """The customer takes ``quantities`` (units by order line id) now. Every unit leaves the
    pickup warehouse's stock; nothing changes if one line is refused. When every line is
    picked up, the order moves to the first status of the Completed group."""
    _require_open(order, confirmed=True)
    if needs_transfer(order):
        raise PickupRefused(
            gettext("Some goods are still in another warehouse; transfer them before handing them over."),
            field="quantities",
        )
    by_id = {item.line.id: item for item in lines(order)}
    wanted = {line_id: units for line_id, units in quantities.items() if units}
    if not wanted:
        raise PickupRefused(gettext("Enter how many units the customer takes."), field="quantities")
    for line_id, units in wanted.items():
        item = by_id.get(line_id)
        if item is None or not item.collected:
            raise PickupRefused(gettext("Choose lines of this order."), field="quantities")
        if isinstance(units, bool) or not isinstance(units, int) or units < 0 or units > item.left:
            raise PickupRefused(
                gettext("%(sku)s: enter 0 to %(left)s units.", sku=item.line.sku, left=item.left),
                field="quantities",
            )
    moves = []
    for line_id, units in sorted(wanted.items()):
        moves += stock.take_reserved(
            by_id[line_id].line,
            units,
            kind=StockMoveKind.PICKUP,
            by=by,
            warehouse=order.pickup_warehouse,
            reference_type="order",
            reference_id=order.id,
        )
    note = ", ".join(f"{units} × {by_id[line_id].line.sku}" for line_id, units in sorted(wanted.items()))
    _record_event(order, by, "handover", note=note)
    if all(item.left == 0 for item in lines(order)):
        _complete(order, by=by)
    return moves


def _complete(order: Order, *, by: Actor) -> None:
    from shop.orders import services as orders

    orders.complete(order, by=by)
