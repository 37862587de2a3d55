"""Goods that left an order: its ledger rows of kind delivery or pickup (shop.catalog.stock
take_reserved writes them). The one answer cancelling, returns and the screens read."""

from __future__ import annotations

from sqlalchemy import and_, func, or_

from shop.catalog.models import StockMove, StockMoveKind
from shop.extensions import db
from shop.sales.models import Order, OrderLine

_LEAVING = (StockMoveKind.DELIVERY.value, StockMoveKind.PICKUP.value)


def _moves_of(order: Order):
    from shop.fulfillment.models import DeliveryOrder

    deliveries = db.select(DeliveryOrder.id).where(DeliveryOrder.order_id == order.id).scalar_subquery()
    return and_(
        StockMove.kind.in_(_LEAVING),
        or_(
            and_(StockMove.reference_type == "order", StockMove.reference_id == order.id),
            and_(StockMove.reference_type == "delivery", StockMove.reference_id.in_(deliveries)),
        ),
    )


def units_gone(order: Order) -> dict[int, int]:
    """Units of each order line (by id) that left the warehouse, shipped or picked up."""
    rows = db.session.execute(
        db.select(OrderLine.id, func.sum(-StockMove.quantity_change))
        .join(StockMove, StockMove.variant_id == OrderLine.variant_id)
        .where(OrderLine.order_id == order.id, _moves_of(order))
        .group_by(OrderLine.id)
    )
    return {line_id: int(units) for line_id, units in rows if units}


def any_goods_gone(order: Order) -> bool:
    return db.session.scalar(db.select(StockMove.id).where(_moves_of(order)).limit(1)) is not None
