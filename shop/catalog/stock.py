"""Stock reservation: promise units to a confirmed order, give them back when it is cancelled.

Never oversold, with any number of web processes: each reservation is one conditional
UPDATE (``reserved + n`` only where ``quantity - reserved >= n``), which PostgreSQL
re-checks after waiting for a concurrent writer and SQLite runs under its single write
lock. Rows are updated in stock-id order so two orders never wait on each other in a
cycle, and the CHECK constraint on ``stock`` is the last guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext, ngettext
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from shop.catalog.models import Stock, StockMove, StockMoveKind, StockReservation, Variant, Warehouse
from shop.errors import OutOfStock, ShopError
from shop.extensions import db
from shop.i18n import format_number, translated
from shop.sales.models import Order, OrderLine

if TYPE_CHECKING:
    from shop.orders.history import Actor


def record_move(
    stock: Stock,
    kind: StockMoveKind,
    *,
    by: Actor | None,
    quantity: int = 0,
    reserved: int = 0,
    reference_type: str = "adjustment",
    reference_id: int | None = None,
    note: str = "",
) -> StockMove:
    """The ledger row of a change just made to ``stock`` (same transaction). Only this module
    changes stock, so only this module calls it."""
    move = StockMove(
        variant_id=stock.variant_id,
        warehouse_id=stock.warehouse_id,
        quantity_change=quantity,
        reserved_change=reserved,
        kind=kind.value,
        reference_type=reference_type,
        reference_id=reference_id,
        actor_kind=by.kind if by else "system",
        actor_id=by.id if by else None,
        actor_label=((by.label if by else "") or (by.kind if by else "system"))[:160],
        note=note,
    )
    db.session.add(move)
    return move


def _out_of_stock(line: OrderLine, available: int) -> OutOfStock:
    name = f"{translated(line.product_name)} ({translated(line.variant_name)})"
    return OutOfStock(sku=line.sku, name=name, available=max(available, 0), line_id=line.id)


def reserve(
    order: Order, *, warehouse: Warehouse | None = None, transfer: bool = False, by: Actor | None = None
) -> None:
    """Reserve every line of the order, from one warehouse (pickup) or from any, in warehouse order.
    With ``transfer``, a pickup warehouse's own units go first and the rest comes from the others
    (``transfers_for`` tells what has to be brought).

    The stock rows are read locked (``FOR UPDATE``, in id order) so the plan is made on values
    no one else can change before we write; SQLite has no row locks, but checkout already holds
    its single write lock when it gets here. The conditional UPDATE stays as the guard.
    """
    lines = sorted(order.lines, key=lambda line: line.variant_id)
    statement = db.select(Stock).where(Stock.variant_id.in_([line.variant_id for line in lines]))
    if warehouse is not None and not transfer:
        statement = statement.where(Stock.warehouse_id == warehouse.id)
    locked = list(
        db.session.scalars(
            statement.order_by(Stock.id).with_for_update().execution_options(populate_existing=True)
        )
    )
    positions = dict(db.session.execute(db.select(Warehouse.id, Warehouse.position)).tuples().all())
    chosen = warehouse.id if warehouse is not None else None

    def order_of_use(stock: Stock) -> tuple:  # the pickup warehouse's own units first
        return (stock.warehouse_id != chosen, positions.get(stock.warehouse_id, 0), stock.id)

    stocks = sorted(locked, key=order_of_use)

    plan: list[tuple[Stock, OrderLine, int]] = []
    for line in lines:
        candidates = [stock for stock in stocks if stock.variant_id == line.variant_id]
        needed = line.quantity
        for stock in candidates:
            take = min(needed, stock.available)
            if take > 0:
                plan.append((stock, line, take))
                needed -= take
        if needed > 0:
            raise _out_of_stock(line, sum(stock.available for stock in candidates))

    for stock, line, quantity in sorted(plan, key=lambda step: step[0].id):
        result = db.session.execute(
            update(Stock)
            .where(Stock.id == stock.id, Stock.quantity - Stock.reserved >= quantity)
            .values(reserved=Stock.reserved + quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            # Someone took these units between our read and our write.
            db.session.refresh(stock)
            raise _out_of_stock(line, stock.available)
        db.session.add(StockReservation(order_line_id=line.id, stock_id=stock.id, quantity=quantity))
        record_move(
            stock,
            StockMoveKind.RESERVATION,
            by=by or _customer(order),
            reserved=quantity,
            reference_type="order",
            reference_id=order.id,
        )
    for stock in stocks:
        db.session.expire(stock)


def _customer(order: Order) -> Actor:
    from shop.orders.history import Actor

    return Actor.customer(order)


def release(order: Order, *, by: Actor | None = None) -> int:
    """Give back every unit reserved for the order; returns how many."""
    reservations = list(
        db.session.scalars(
            db.select(StockReservation)
            .join(OrderLine, StockReservation.order_line_id == OrderLine.id)
            .where(OrderLine.order_id == order.id)
            .order_by(StockReservation.stock_id)
        )
    )
    for reservation in reservations:
        db.session.execute(
            update(Stock)
            .where(Stock.id == reservation.stock_id)
            .values(reserved=Stock.reserved - reservation.quantity)
            .execution_options(synchronize_session=False)
        )
        db.session.delete(reservation)
        record_move(
            reservation.stock,
            StockMoveKind.RELEASE,
            by=by,
            reserved=-reservation.quantity,
            reference_type="order",
            reference_id=order.id,
        )
        db.session.expire(reservation.stock)
    return sum(r.quantity for r in reservations)


def release_units(
    line: OrderLine,
    units: int,
    *,
    warehouse: Warehouse,
    by: Actor | None,
    reference_type: str = "order",
    reference_id: int | None = None,
) -> list[StockMove]:
    """Give back part of a line's reservation in one warehouse (a delivery short of goods, with
    no backorder): reserved goes down, on hand stays. Refused when fewer units are reserved there."""
    _check_units(units)
    reservations = list(
        db.session.scalars(
            db.select(StockReservation)
            .join(Stock, StockReservation.stock_id == Stock.id)
            .where(StockReservation.order_line_id == line.id, Stock.warehouse_id == warehouse.id)
            .order_by(StockReservation.stock_id)
        )
    )
    if sum(r.quantity for r in reservations) < units:
        raise StockRefused(gettext("The stock changed meanwhile; check the figures and try again."))
    moves, left = [], units
    for reservation in reservations:
        if left == 0:
            break
        give = min(left, reservation.quantity)
        db.session.execute(
            update(Stock)
            .where(Stock.id == reservation.stock_id)
            .values(reserved=Stock.reserved - give)
            .execution_options(synchronize_session=False)
        )
        if give == reservation.quantity:
            db.session.delete(reservation)
        else:
            reservation.quantity -= give
        moves.append(
            record_move(
                reservation.stock,
                StockMoveKind.RELEASE,
                by=by,
                reserved=-give,
                reference_type=reference_type,
                reference_id=reference_id if reference_id is not None else line.order_id,
            )
        )
        db.session.expire(reservation.stock)
        left -= give
    db.session.flush()
    return moves


def take_reserved(
    line: OrderLine,
    units: int,
    *,
    kind: StockMoveKind,
    by: Actor | None,
    warehouse: Warehouse | None = None,
    reference_type: str = "order",
    reference_id: int | None = None,
    note: str = "",
) -> list[StockMove]:
    """Goods reserved for an order line leave the warehouse: a delivery shipped or a pickup
    handed over (``kind``). On hand and reserved go down together, by ``units`` taken from the
    line's reservations (in ``warehouse`` only, if given), each stock row's part one ledger row.
    Refused, with nothing changed, when fewer units are reserved there."""
    if kind not in (StockMoveKind.DELIVERY, StockMoveKind.PICKUP):
        raise ValueError(f"take_reserved moves goods out by delivery or pickup, not {kind}")
    _check_units(units)
    note = _note(note)
    statement = db.select(StockReservation).where(StockReservation.order_line_id == line.id)
    if warehouse is not None:
        statement = statement.join(Stock, StockReservation.stock_id == Stock.id).where(
            Stock.warehouse_id == warehouse.id
        )
    reservations = list(db.session.scalars(statement.order_by(StockReservation.stock_id)))
    if sum(r.quantity for r in reservations) < units:
        raise StockRefused(
            ngettext(
                "Only %(num)s unit of %(sku)s is reserved for this order there.",
                "Only %(num)s units of %(sku)s are reserved for this order there.",
                sum(r.quantity for r in reservations),
                sku=line.sku,
            )
        )
    # Lock the stock rows in id order, like every other writer, before changing them.
    stock_ids = sorted({r.stock_id for r in reservations})
    list(
        db.session.scalars(
            db.select(Stock).where(Stock.id.in_(stock_ids)).order_by(Stock.id).with_for_update()
        )
    )
    moves, left = [], units
    for reservation in reservations:
        if left == 0:
            break
        take = min(left, reservation.quantity)
        result = db.session.execute(
            update(Stock)
            .where(Stock.id == reservation.stock_id, Stock.reserved >= take, Stock.quantity >= take)
            .values(quantity=Stock.quantity - take, reserved=Stock.reserved - take)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # the CHECK and the reservation rows say this cannot happen
            raise StockRefused(gettext("The stock changed meanwhile; check the figures and try again."))
        if take == reservation.quantity:
            db.session.delete(reservation)
        else:
            reservation.quantity -= take
        moves.append(
            record_move(
                reservation.stock,
                kind,
                by=by,
                quantity=-take,
                reserved=-take,
                reference_type=reference_type,
                reference_id=reference_id if reference_id is not None else line.order_id,
                note=note,
            )
        )
        db.session.expire(reservation.stock)
        left -= take
    db.session.flush()
    return moves


def reserved_for(order: Order) -> list[StockReservation]:
    return list(
        db.session.scalars(
            db.select(StockReservation)
            .join(OrderLine, StockReservation.order_line_id == OrderLine.id)
            .where(OrderLine.order_id == order.id)
            .order_by(StockReservation.id)
        )
    )


@dataclass(frozen=True)
class Transfer:
    """Units of an order line reserved in another warehouse than the one the customer collects at."""

    sku: str
    name: str
    quantity: int
    source: Warehouse


def transfers_for(order: Order) -> list[Transfer]:
    """What has to be brought to the order's pickup warehouse before it can be handed out."""
    if order.pickup_warehouse_id is None:
        return []
    rows = db.session.execute(
        db.select(OrderLine, StockReservation.quantity, Warehouse)
        .join(StockReservation, StockReservation.order_line_id == OrderLine.id)
        .join(Stock, StockReservation.stock_id == Stock.id)
        .join(Warehouse, Stock.warehouse_id == Warehouse.id)
        .where(OrderLine.order_id == order.id, Stock.warehouse_id != order.pickup_warehouse_id)
        .order_by(StockReservation.id)
    )
    return [
        Transfer(
            sku=line.sku,
            name=f"{translated(line.product_name)} ({translated(line.variant_name)})",
            quantity=quantity,
            source=source,
        )
        for line, quantity, source in rows
    ]


# --- adjustments by hand: receive, count, write off, transfer ------------------------------
#
# Each locks the stock rows it changes (FOR UPDATE, in id order) and changes them with a
# conditional UPDATE that re-states its condition, so a reservation made meanwhile (or, on
# SQLite, which has no row locks, any other writer) can never drive quantity below reserved.

MAX_UNITS = 1_000_000
NOTE_MAX = 500


class StockRefused(ShopError):
    """An adjustment refused with a message for the field it concerns; nothing changed."""

    code = "stock_refused"
    http_status = 422

    def __init__(self, message: str, *, field: str = "quantity") -> None:
        super().__init__(message, field=field)


def _check_units(units: int, *, field: str = "quantity", minimum: int = 1) -> None:
    if isinstance(units, bool) or not isinstance(units, int) or not minimum <= units <= MAX_UNITS:
        raise StockRefused(
            gettext(
                "Enter a whole number of units from %(min)s to %(max)s.",
                min=minimum,
                max=format_number(MAX_UNITS),
            ),
            field=field,
        )


def _note(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > NOTE_MAX:
        raise StockRefused(gettext("Write at most %(max)s characters.", max=NOTE_MAX), field="note")
    return text


def _locked(variant: Variant, warehouses: list[Warehouse]) -> dict[int, Stock]:
    """The variant's stock rows in these warehouses, created at 0 where missing, locked in id order."""
    wanted = {warehouse.id for warehouse in warehouses}
    have = set(
        db.session.scalars(
            db.select(Stock.warehouse_id).where(
                Stock.variant_id == variant.id, Stock.warehouse_id.in_(wanted)
            )
        )
    )
    for warehouse_id in sorted(wanted - have):
        try:
            with db.session.begin_nested():  # another request may create it at the same moment
                db.session.add(
                    Stock(variant_id=variant.id, warehouse_id=warehouse_id, quantity=0, reserved=0)
                )
        except IntegrityError:
            pass
    rows = db.session.scalars(
        db.select(Stock)
        .where(Stock.variant_id == variant.id, Stock.warehouse_id.in_(wanted))
        .order_by(Stock.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {stock.warehouse_id: stock for stock in rows}


def _too_few(stock: Stock, units: int, field: str = "quantity") -> StockRefused:
    db.session.refresh(stock)
    where = translated(stock.warehouse.name)
    if stock.reserved and stock.quantity >= units:
        message = ngettext(
            "Only %(available)s can go from %(warehouse)s: %(num)s is reserved for orders.",
            "Only %(available)s can go from %(warehouse)s: %(num)s are reserved for orders.",
            stock.reserved,
            available=format_number(stock.available),
            warehouse=where,
        )
    else:
        message = gettext(
            "Only %(available)s available in %(warehouse)s.",
            available=format_number(stock.available),
            warehouse=where,
        )
    return StockRefused(message, field=field)


def _take(stock: Stock, units: int) -> bool:
    """Remove units that nobody reserved; False when there are not that many."""
    result = db.session.execute(
        update(Stock)
        .where(Stock.id == stock.id, Stock.quantity - Stock.reserved >= units)
        .values(quantity=Stock.quantity - units)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _add(stock: Stock, units: int) -> None:
    db.session.execute(
        update(Stock)
        .where(Stock.id == stock.id)
        .values(quantity=Stock.quantity + units)
        .execution_options(synchronize_session=False)
    )


def open_stock(
    variant: Variant,
    warehouse: Warehouse,
    units: int,
    *,
    by: Actor | None,
    note: str = "",
    reference_type: str = "adjustment",
    reference_id: int | None = None,
) -> Stock:
    """A new SKU's first stock in a warehouse (the catalog being set up, the demo, tests): the
    row and, for units on hand, its receipt. For a row that may exist already, use receive()."""
    if units:
        _check_units(units)
    stock = Stock(variant=variant, warehouse=warehouse, quantity=units, reserved=0)
    db.session.add(stock)
    if units:
        db.session.add(
            StockMove(
                variant=variant,
                warehouse=warehouse,
                quantity_change=units,
                reserved_change=0,
                kind=StockMoveKind.RECEIPT.value,
                reference_type=reference_type,
                reference_id=reference_id,
                actor_kind=by.kind if by else "system",
                actor_id=by.id if by else None,
                actor_label=((by.label if by else "") or "system")[:160],
                note=note,
            )
        )
    return stock


def receive(
    variant: Variant, warehouse: Warehouse, units: int, *, by: Actor | None, note: str = ""
) -> StockMove:
    """Goods arrived: on hand grows by ``units``."""
    _check_units(units)
    note = _note(note)
    stock = _locked(variant, [warehouse])[warehouse.id]
    _add(stock, units)
    move = record_move(stock, StockMoveKind.RECEIPT, by=by, quantity=units, note=note)
    db.session.expire(stock)
    return move


def take_back(
    variant: Variant,
    warehouse: Warehouse,
    *,
    restocked: int,
    written_off: int,
    by: Actor | None,
    return_id: int,
    note: str = "",
) -> list[StockMove]:
    """Units of a customer's return arrived at ``warehouse``: every unit received comes back on
    hand (a RETURN row), and the damaged ones leave again at once (a DAMAGE_LOSS row), so the
    ledger tells what came back and what was written off. Both rows name the return (its id;
    ``note``: its number, which reads the same in every language)."""
    _check_units(restocked, field="restocked", minimum=0)
    _check_units(written_off, field="written_off", minimum=0)
    if restocked + written_off == 0:
        return []
    note = _note(note)
    stock = _locked(variant, [warehouse])[warehouse.id]
    _add(stock, restocked + written_off)
    moves = [
        record_move(
            stock,
            StockMoveKind.RETURN,
            by=by,
            quantity=restocked + written_off,
            reference_type="return",
            reference_id=return_id,
            note=note,
        )
    ]
    if written_off:
        if not _take(stock, written_off):  # just added, nobody else can take them under our lock
            raise _too_few(stock, written_off, field="written_off")
        moves.append(
            record_move(
                stock,
                StockMoveKind.DAMAGE_LOSS,
                by=by,
                quantity=-written_off,
                reference_type="return",
                reference_id=return_id,
                note=note,
            )
        )
    db.session.expire(stock)
    return moves


def correct_count(
    variant: Variant,
    warehouse: Warehouse,
    counted: int,
    *,
    by: Actor | None,
    note: str = "",
    reference_type: str = "adjustment",
    reference_id: int | None = None,
) -> StockMove:
    """The units found on the shelf: the difference from the books is the ledger row."""
    _check_units(counted, field="counted", minimum=0)
    note = _note(note)
    stock = _locked(variant, [warehouse])[warehouse.id]
    seen, reserved = stock.quantity, stock.reserved
    if counted < reserved:
        raise StockRefused(
            ngettext(
                "The count cannot be below %(num)s: %(num)s is reserved for orders.",
                "The count cannot be below %(num)s: %(num)s are reserved for orders.",
                reserved,
            ),
            field="counted",
        )
    if counted == seen:
        raise StockRefused(
            gettext("The books already say %(count)s; nothing to correct.", count=format_number(seen)),
            field="counted",
        )
    result = db.session.execute(
        update(Stock)
        .where(Stock.id == stock.id, Stock.quantity == seen, Stock.reserved <= counted)
        .values(quantity=counted)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # only without row locks (SQLite): changed between our read and write
        raise StockRefused(
            gettext("The stock changed meanwhile; check the figures and try again."), field="counted"
        )
    move = record_move(
        stock,
        StockMoveKind.COUNT_CORRECTION,
        by=by,
        quantity=counted - seen,
        note=note,
        reference_type=reference_type,
        reference_id=reference_id,
    )
    db.session.expire(stock)
    return move


def write_off(
    variant: Variant, warehouse: Warehouse, units: int, *, reason: str, by: Actor | None
) -> StockMove:
    """Damaged or lost units leave the books; the reason is required. Reserved units stay."""
    _check_units(units)
    reason = _note(reason)
    if not reason:
        raise StockRefused(gettext("Write why these units are written off."), field="note")
    stock = _locked(variant, [warehouse])[warehouse.id]
    if not _take(stock, units):
        raise _too_few(stock, units)
    move = record_move(stock, StockMoveKind.DAMAGE_LOSS, by=by, quantity=-units, note=reason)
    db.session.expire(stock)
    return move


def transfer(
    variant: Variant, source: Warehouse, target: Warehouse, units: int, *, by: Actor | None, note: str = ""
) -> tuple[StockMove, StockMove]:
    """Move units that nobody reserved from one warehouse to another: two rows, one transaction."""
    _check_units(units)
    note = _note(note)
    if source.id == target.id:
        raise StockRefused(gettext("Choose two different warehouses."), field="target")
    stocks = _locked(variant, [source, target])
    if not _take(stocks[source.id], units):
        raise _too_few(stocks[source.id], units)
    _add(stocks[target.id], units)
    out = record_move(stocks[source.id], StockMoveKind.TRANSFER_OUT, by=by, quantity=-units, note=note)
    db.session.flush()
    out.reference_id = out.id
    into = record_move(
        stocks[target.id], StockMoveKind.TRANSFER_IN, by=by, quantity=units, reference_id=out.id, note=note
    )
    for stock in stocks.values():
        db.session.expire(stock)
    return out, into


def set_low_stock_threshold(variant: Variant, threshold: int | None) -> None:
    """The SKU's own low-stock threshold; None: the shop's default (settings)."""
    if threshold is not None:
        _check_units(threshold, field="threshold", minimum=0)
    variant.low_stock_threshold = threshold
