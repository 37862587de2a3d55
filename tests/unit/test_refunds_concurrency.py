"""Refunds of one order at the same moment, over real connections (threads): the total refunded
never goes above what was captured, and one key sent at once from several requests refunds once.
On the database the suite runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from decimal import Decimal

from shop.errors import RefundNotPossible
from shop.extensions import db
from shop.orders.history import Actor
from shop.payments import refunds
from shop.payments.models import PaymentTransaction, Refund, RefundState
from shop.sales.models import Order
from tests.unit.test_refunds import card_order

THREADS = 6


def _at_once(app, order_id: int, calls: list[dict]) -> list[str]:
    """Run one refund per call, each in its own thread, request context and connection."""
    start = threading.Barrier(len(calls), timeout=60)
    outcome: list[str] = []

    def seller(kwargs: dict) -> None:
        with app.test_request_context():
            start.wait()
            try:
                order = db.session.get(Order, order_id)
                done = refunds.refund(order, by=Actor.system("test"), **kwargs)
                db.session.commit()
                outcome.append(done.state.value)
            except RefundNotPossible:
                db.session.rollback()
                outcome.append("refused")
            except Exception as error:  # noqa: BLE001  (the test reports whatever went wrong)
                db.session.rollback()
                outcome.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=seller, args=(kwargs,)) for kwargs in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome


def test_refunds_at_once_never_exceed_what_was_captured(app):
    order = card_order()  # 679.90 captured
    db.session.commit()
    order_id = order.id
    db.session.remove()

    # Six refunds of 200.00 at once: three fit in 679.90, the others must be refused.
    outcome = _at_once(app, order_id, [{"key": f"k{n}", "amount": "200.00"} for n in range(THREADS)])

    assert sorted(outcome) == ["refused"] * 3 + ["succeeded"] * 3, outcome
    order = db.session.get(Order, order_id)
    transaction = db.session.scalar(
        db.select(PaymentTransaction).where(PaymentTransaction.order_id == order_id)
    )
    assert order.amount_refunded == transaction.amount_refunded == Decimal("600.00")
    stored = db.session.scalars(db.select(Refund.amount).where(Refund.state == RefundState.SUCCEEDED)).all()
    assert sum(stored) == Decimal("600.00") <= transaction.amount


def test_one_key_sent_at_once_refunds_once(app):
    order = card_order()
    db.session.commit()
    order_id = order.id
    db.session.remove()

    outcome = _at_once(app, order_id, [{"key": "same", "amount": "100.00"} for _ in range(THREADS)])

    assert outcome == ["succeeded"] * THREADS, outcome  # each request is answered with the one refund
    assert db.session.get(Order, order_id).amount_refunded == Decimal("100.00")
    assert len(db.session.scalars(db.select(Refund)).all()) == 1
