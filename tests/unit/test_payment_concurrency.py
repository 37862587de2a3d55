"""Two capture notifications for two transactions of one order, at the same time, over real
connections (threads): both amounts count, the order is confirmed once, the surplus is to refund.
On the database the suite runs on (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from decimal import Decimal

from flask import current_app

from shop.extensions import db
from shop.orders.models import OrderEvent
from shop.payments import services as payments
from shop.payments.models import PaymentTransaction, TransactionState
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod, PaymentState
from shop.testpay.provider import TestProvider
from tests.factories import checkout_details


def _notification(transaction: PaymentTransaction, event_id: str) -> tuple[bytes, dict]:
    page = {
        "reference": transaction.reference,
        "amount": str(transaction.amount),
        "currency": transaction.currency,
    }
    return TestProvider(current_app.config).notification_for(page, approved=True, event_id=event_id)


def test_two_captures_of_one_order_at_once_both_count_and_confirm_it_once(app, make_product, make_cart):
    cart = make_cart((make_product(price="150.00", stock=5).variants[0], 1))
    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.CARD))
    # Two pending payments, as before this issue's fix or from two providers' pages.
    for reference in ("ref-a", "ref-b"):
        db.session.add(
            PaymentTransaction(
                order_id=order.id,
                method=PaymentMethod.CARD,
                provider="test",
                reference=reference,
                amount=order.total,
                currency=order.currency,
            )
        )
    db.session.commit()
    order_id, total = order.id, order.total
    notifications = [_notification(t, f"evt-{t.reference}") for t in payments.transactions_for(order)]
    db.session.remove()

    start = threading.Barrier(2, timeout=60)
    outcome: list[str] = []

    def provider_posts(body: bytes, headers: dict) -> None:
        with app.test_request_context():
            start.wait()
            try:
                payments.handle_notification("test", body, headers)
                db.session.commit()
                outcome.append("ok")
            except Exception as error:  # noqa: BLE001  (the test reports whatever went wrong)
                db.session.rollback()
                outcome.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=provider_posts, args=n) for n in notifications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcome == ["ok", "ok"]
    order = db.session.get(Order, order_id)
    assert order.amount_paid == 2 * total
    assert (order.state, order.payment_state) == (OrderState.SALES_ORDER, PaymentState.OVERPAID)
    assert (order.amount_due, order.amount_to_refund) == (Decimal("0"), total)
    assert [t.state for t in payments.transactions_for(order)] == [TransactionState.CAPTURED] * 2
    confirmed = db.session.scalars(
        db.select(OrderEvent.id).where(OrderEvent.order_id == order_id, OrderEvent.after == "sales_order")
    ).all()
    assert len(confirmed) == 1
