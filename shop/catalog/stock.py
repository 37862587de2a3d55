"""Stock reservation: promise units to a confirmed order, give them back when it is cancelled.

Never oversold, with any number of web processes: each reservation is one conditional
UPDATE (``reserved + n`` only where ``quantity - reserved >= n``), which PostgreSQL
re-checks after waiting for a concurrent writer and SQLite runs under its single write
lock. Rows are updated in stock-id order so two orders never wait on each other in a
cycle, and the CHECK constraint on ``stock`` is the last guard.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from shop.catalog.models import Stock, StockReservation, Warehouse
from shop.errors import OutOfStock
from shop.extensions import db
from shop.i18n import translated
from shop.sales.models import Order, OrderLine


def _out_of_stock(line: OrderLine, available: int) -> OutOfStock:
    name = f"{translated(line.product_name)} ({translated(line.variant_name)})"
    return OutOfStock(sku=line.sku, name=name, available=max(available, 0), line_id=line.id)


def reserve(order: Order, *, warehouse: Warehouse | None = None, transfer: bool = False) -> None:
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
    for stock in stocks:
        db.session.expire(stock)


def release(order: Order) -> int:
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
        db.session.expire(reservation.stock)
    return sum(r.quantity for r in reservations)


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
