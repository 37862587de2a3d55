"""Reading the stock ledger: a SKU's figures and moves, the low-stock list, and the check that
the current values in ``stock`` equal the ledger's sums. Nothing here writes (changes go
through shop.catalog.stock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, or_, tuple_

from shop.catalog.models import Product, Stock, StockMove, StockMoveKind, Variant, Warehouse
from shop.extensions import db

MOVES_PER_PAGE = 50
LOW_STOCK_PER_PAGE = 100


@dataclass(frozen=True)
class Difference:
    """A stock row whose current values are not the ledger's sums (or ledger rows without one)."""

    sku: str
    warehouse: str
    quantity: int
    ledger_quantity: int
    reserved: int
    ledger_reserved: int

    def __str__(self) -> str:
        return (
            f"{self.sku} @ {self.warehouse}: quantity {self.quantity}, ledger {self.ledger_quantity}; "
            f"reserved {self.reserved}, ledger {self.ledger_reserved}"
        )


def differences() -> list[Difference]:
    """Every stock row that disagrees with its ledger, and every ledger without a stock row."""
    sums = (
        db.select(
            StockMove.variant_id,
            StockMove.warehouse_id,
            func.sum(StockMove.quantity_change).label("quantity"),
            func.sum(StockMove.reserved_change).label("reserved"),
        )
        .group_by(StockMove.variant_id, StockMove.warehouse_id)
        .subquery()
    )
    ledger_quantity = func.coalesce(sums.c.quantity, 0)
    ledger_reserved = func.coalesce(sums.c.reserved, 0)
    disagreeing = (
        db.select(
            Variant.sku, Warehouse.code, Stock.quantity, ledger_quantity, Stock.reserved, ledger_reserved
        )
        .join(Variant, Stock.variant_id == Variant.id)
        .join(Warehouse, Stock.warehouse_id == Warehouse.id)
        .outerjoin(
            sums, (sums.c.variant_id == Stock.variant_id) & (sums.c.warehouse_id == Stock.warehouse_id)
        )
        .where(or_(Stock.quantity != ledger_quantity, Stock.reserved != ledger_reserved))
    )
    orphans = (
        db.select(Variant.sku, Warehouse.code, literal(0), sums.c.quantity, literal(0), sums.c.reserved)
        .join(Variant, sums.c.variant_id == Variant.id)
        .join(Warehouse, sums.c.warehouse_id == Warehouse.id)
        .where(
            ~db.select(Stock.id)
            .where(Stock.variant_id == sums.c.variant_id, Stock.warehouse_id == sums.c.warehouse_id)
            .exists(),
            or_(sums.c.quantity != 0, sums.c.reserved != 0),
        )
    )
    rows = [*db.session.execute(disagreeing), *db.session.execute(orphans)]
    return sorted(
        (Difference(sku, code, int(q), int(lq), int(r), int(lr)) for sku, code, q, lq, r, lr in rows),
        key=lambda d: (d.sku, d.warehouse),
    )


@dataclass(frozen=True)
class WarehouseStock:
    warehouse: Warehouse
    quantity: int
    reserved: int

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


def per_warehouse(variant: Variant, warehouses: list[Warehouse]) -> list[WarehouseStock]:
    """On hand, reserved and available in every warehouse (0 where the SKU has no row)."""
    rows = {
        warehouse_id: (quantity, reserved)
        for warehouse_id, quantity, reserved in db.session.execute(
            db.select(Stock.warehouse_id, Stock.quantity, Stock.reserved).where(
                Stock.variant_id == variant.id
            )
        )
    }
    return [WarehouseStock(warehouse, *rows.get(warehouse.id, (0, 0))) for warehouse in warehouses]


@dataclass(frozen=True)
class MoveFilter:
    warehouse_id: int | None = None
    kind: StockMoveKind | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    before: tuple[datetime, int] | None = None  # keyset: moves older than this one


def moves(variant: Variant, where: MoveFilter) -> tuple[list[StockMove], StockMove | None]:
    """A page of the SKU's moves, newest first, and the last one shown when there are more."""
    statement = db.select(StockMove).where(StockMove.variant_id == variant.id)
    if where.warehouse_id is not None:
        statement = statement.where(StockMove.warehouse_id == where.warehouse_id)
    if where.kind is not None:
        statement = statement.where(StockMove.kind == where.kind.value)
    if where.since is not None:
        statement = statement.where(StockMove.created_at >= where.since)
    if where.until is not None:
        statement = statement.where(StockMove.created_at < where.until)
    if where.before is not None:
        statement = statement.where(tuple_(StockMove.created_at, StockMove.id) < tuple_(*where.before))
    found = list(
        db.session.scalars(
            statement.order_by(StockMove.created_at.desc(), StockMove.id.desc()).limit(MOVES_PER_PAGE + 1)
        )
    )
    page = found[:MOVES_PER_PAGE]
    return page, (page[-1] if len(found) > MOVES_PER_PAGE else None)


@dataclass(frozen=True)
class LowStock:
    variant: Variant
    product_name: dict
    quantity: int
    reserved: int
    threshold: int

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


def low_stock(default_threshold: int) -> tuple[list[LowStock], int]:
    """SKUs whose available units (all warehouses) are at or below their threshold (the
    variant's own, else the shop's default), fewest first; and how many there are."""
    quantity = func.coalesce(func.sum(Stock.quantity), 0)
    reserved = func.coalesce(func.sum(Stock.reserved), 0)
    threshold = func.coalesce(Variant.low_stock_threshold, default_threshold)
    statement = (
        db.select(Variant, Product.name, quantity, reserved, threshold)
        .join(Product, Variant.product_id == Product.id)
        .outerjoin(Stock, Stock.variant_id == Variant.id)
        .group_by(Variant.id, Product.id)  # PostgreSQL: the rest depends on these keys
        .having(quantity - reserved <= threshold)
    )
    count = db.session.scalar(db.select(func.count()).select_from(statement.subquery()))
    rows = db.session.execute(
        statement.order_by((quantity - reserved).asc(), Variant.sku).limit(LOW_STOCK_PER_PAGE)
    )
    return [LowStock(*row) for row in rows], count or 0
