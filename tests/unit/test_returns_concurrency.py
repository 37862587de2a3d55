"""Two clerks act on one return at the same moment, over real connections (threads), on the
database the suite runs on: the order's lock lets one win; the other is refused, and the goods
come back on the shelf once."""

from __future__ import annotations

import threading

from shop.catalog.models import Stock, Warehouse
from shop.errors import ReturnRefused
from shop.extensions import db
from shop.returns import handling
from shop.returns.models import ReturnRequest, ReturnState
from tests.factories import make_product, make_sales_order, make_warehouse
from tests.unit.returns_helpers import STAFF, make_return

CLERKS = 4


def test_a_return_received_by_two_clerks_at_once_is_received_once(app):
    variant = make_product(stock=5).variants[0]
    order = make_sales_order((variant, 2))
    rr = make_return(order, state=ReturnState.APPROVED)
    warehouse = make_warehouse("RET")
    db.session.commit()
    return_id, line_id, warehouse_id, variant_id = rr.id, rr.lines[0].id, warehouse.id, variant.id
    db.session.remove()

    start = threading.Barrier(CLERKS, timeout=60)
    outcome: list[str] = []

    def clerk() -> None:
        with app.test_request_context():
            mine = db.session.get(ReturnRequest, return_id)
            shelf = db.session.get(Warehouse, warehouse_id)
            start.wait()
            try:
                handling.receive(mine, {line_id: (2, 0)}, warehouse=shelf, by=STAFF)
                db.session.commit()
                outcome.append("received")
            except ReturnRefused as refusal:
                db.session.rollback()
                outcome.append(refusal.field or "")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=clerk) for _ in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcome) == ["received"] + ["state"] * (CLERKS - 1)
    shelf = db.session.scalar(
        db.select(Stock).where(Stock.variant_id == variant_id, Stock.warehouse_id == warehouse_id)
    )
    assert shelf.quantity == 2
