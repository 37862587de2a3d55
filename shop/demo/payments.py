"""Demo payments and refunds, made through the real services: a card order partly refunded by
lines, one refunded in full, a bank transfer refunded by hand, and a card order cancelled after
payment, so the Refunds due page has one to show.

Card payments are captured on the test provider (the demo's provider, script/server switches it
on). Where it is off, the refunds the demo would send through it are recorded as manual ones."""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask import current_app

from shop.accounts.models import User
from shop.catalog.models import Stock, Variant
from shop.errors import ShopError
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.payments import refunds
from shop.payments import services as payments
from shop.payments.models import PaymentTransaction, RefundMethod
from shop.payments.providers import Notification
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order, PaymentMethod

CUSTOMERS = [
    ("Elif Koç", "elif@example.com", "+905321234201", "tr", PaymentMethod.CARD),
    ("Piotr Zieliński", "piotr@example.com", "+48601234202", "pl", PaymentMethod.CARD),
    ("Canan Yurt", "canan@example.com", "+905321234203", "tr", PaymentMethod.BANK_TRANSFER),
    ("Reza Karimi", "reza@example.com", "+989121234204", "fa", PaymentMethod.CARD),
]


def load_payments() -> int:
    from shop.demo.orders import DEMO_STAFF

    staff = db.session.scalar(db.select(User).where(User.email == DEMO_STAFF[0]))
    if staff is None:
        return 0
    by = Actor.user(staff)
    variants = list(
        db.session.scalars(
            db.select(Variant)
            .where(Variant.id.in_(db.select(Stock.variant_id).where(Stock.quantity - Stock.reserved >= 4)))
            .order_by(Variant.id.desc())
            .limit(8)
        )
    )
    made = 0
    for n, (name, email, phone, locale, method) in enumerate(CUSTOMERS):
        if len(variants) < 2 * n + 2:
            break
        try:
            order = _paid_order(variants[2 * n : 2 * n + 2], name, email, phone, locale, method, by=by)
            if n == 0:  # one unit of the first line given back, through the provider
                _refund(
                    order,
                    by=by,
                    lines=[{"line_id": order.lines[0].id, "quantity": 1}],
                    reason="Arrived broken",
                )
            elif n == 1:  # all of it: lines and delivery
                lines = [{"line_id": line.id, "quantity": line.quantity} for line in order.lines]
                _refund(order, by=by, lines=lines, delivery=True, reason="Out of stock after all")
            elif n == 2:  # a goodwill amount paid back in cash at the counter
                refunds.record_manual_refund(
                    order,
                    by=by,
                    key=secrets.token_urlsafe(24),
                    amount=Decimal("25.00"),
                    method=RefundMethod.CASH,
                    reference="Counter receipt 2041",
                    reason="Late delivery",
                )
            else:  # cancelled after payment: to refund, listed on Refunds due
                cancelled = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "cancelled"))
                orders.change_status(order, cancelled, by=by, note="customer changed their mind")
        except ShopError as error:  # a demo order the rules refuse is skipped, the others stay
            db.session.rollback()
            current_app.logger.info("demo payment skipped: %s", error)
            continue
        db.session.commit()
        made += 1
    return made


def _paid_order(variants, name, email, phone, locale, method, *, by: Actor) -> Order:  # noqa: ANN001
    cart = sales.start_quotation(locale=locale)
    db.session.flush()
    sales.add_to_cart(cart, variants[0], 2)
    sales.add_to_cart(cart, variants[1], 1)
    db.session.flush()
    details = sales.CheckoutDetails(
        email=email,
        phone=phone,
        name=name,
        delivery_method=DeliveryMethod.CARRIER,
        payment_method=method,
        address_line="Bağdat Cd. 200",
        city="İstanbul",
        postal_code="34710",
        country="TR",
    )
    order = sales.confirm_quotation(cart, details)
    if method == PaymentMethod.BANK_TRANSFER:
        payments.record_bank_transfer(order, order.total, by=by, reference=f"EFT-{order.number}")
        return order
    # The test provider's capture, as its signed notification would say it.
    transaction = PaymentTransaction(
        order_id=order.id,
        method=PaymentMethod.CARD,
        provider="test",
        reference=secrets.token_hex(12),
        amount=order.amount_due,
        currency=order.currency,
    )
    db.session.add(transaction)
    db.session.flush()
    payments.apply_notification(
        "test",
        Notification(
            event_id=f"demo-{transaction.reference}",
            reference=transaction.reference,
            outcome="captured",
            amount=transaction.amount,
            currency=transaction.currency,
            provider_reference=f"tp_demo_{order.id}",
        ),
    )
    return order


def _refund(order: Order, *, by: Actor, **what) -> None:
    key = secrets.token_urlsafe(24)
    taken = [t for t in payments.transactions_for(order) if refunds.provider_refundable(t)]
    if taken:
        refunds.refund(order, by=by, key=key, **what)
    else:  # the test provider is off here: the seller gave it back by transfer
        refunds.record_manual_refund(
            order,
            by=by,
            key=key,
            method=RefundMethod.BANK_TRANSFER,
            reference=f"EFT-R-{order.number}",
            **what,
        )
