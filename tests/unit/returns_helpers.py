"""Returns for the handling tests, made directly as rows (the customer's form has its own tests)."""

from __future__ import annotations

from shop.extensions import db
from shop.orders.history import Actor
from shop.returns.models import ReturnLine, ReturnRequest, ReturnState
from shop.sales.models import Order

STAFF = Actor.system("test")


def make_return(
    order: Order,
    units: dict[int, int] | None = None,
    *,
    state: ReturnState = ReturnState.REQUESTED,
    reason: str = "wrong_size",
) -> ReturnRequest:
    """A return of ``units`` (order line id -> units; default: every unit of every line)."""
    units = units or {line.id: line.quantity for line in order.lines}
    count = db.session.scalar(
        db.select(db.func.count()).select_from(ReturnRequest).where(ReturnRequest.order_id == order.id)
    )
    rr = ReturnRequest(
        number=f"{order.number}-R{(count or 0) + 1}",
        order=order,
        customer_id=order.customer_id,
        reason=reason,
        state=state,
    )
    for line_id, quantity in units.items():
        rr.lines.append(ReturnLine(order_line_id=line_id, quantity=quantity))
    db.session.add(rr)
    db.session.flush()
    return rr


def line_of(rr: ReturnRequest, index: int = 0) -> ReturnLine:
    return rr.lines[index]
