"""Demo invoices and credit notes, made through the real services: the B2B demo orders are
invoiced already (when they became sales orders); here the refunded demo payments are invoiced
on the customers' request (their refunds become credit notes at once), two other sales orders
get theirs from staff, and one B2B order paid in cash gets a goodwill refund by amount after its
invoice, so its credit note splits the amount over the VAT rates."""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask import current_app

from shop.accounts.models import User
from shop.errors import ShopError
from shop.extensions import db
from shop.invoicing import services as invoicing
from shop.invoicing.models import Invoice
from shop.orders.history import Actor
from shop.payments import refunds
from shop.payments import services as payments
from shop.payments.models import Refund, RefundMethod
from shop.sales.models import Order, OrderState


def load_invoices() -> int:
    from shop.demo.orders import DEMO_STAFF

    staff = db.session.scalar(db.select(User).where(User.email == DEMO_STAFF[0]))
    if staff is None:
        return 0
    by = Actor.user(staff)
    made = 0
    sales_orders = db.select(Order).where(Order.state == OrderState.SALES_ORDER).order_by(Order.id)
    refunded = db.session.scalars(
        sales_orders.where(Order.id.in_(db.select(Refund.order_id))).where(
            Order.id.not_in(db.select(Invoice.order_id))
        )
    ).all()
    for order in refunded:  # asked for by the customer after the refund
        made += _try(lambda order=order: invoicing.request_invoice(order))
    plain = db.session.scalars(
        sales_orders.where(Order.company_name == "", Order.id.not_in(db.select(Invoice.order_id))).limit(2)
    ).all()
    for order in plain:  # staff pressed "issue invoice"
        made += _try(lambda order=order: invoicing.issue_invoice(order, by=by))
    company = db.session.scalars(
        sales_orders.where(Order.company_name != "", Order.id.in_(db.select(Invoice.order_id))).limit(1)
    ).first()
    if company is not None:
        made += _try(lambda: _goodwill(company, by))
    return made


def _goodwill(order: Order, by: Actor) -> None:
    """Paid in cash at the door, then 10 % back as goodwill for a late delivery."""
    if order.amount_due:
        payments.record_cash_payment(order, order.amount_due, by=by, reference="Courier cash")
    refunds.record_manual_refund(
        order,
        by=by,
        key=secrets.token_urlsafe(24),
        amount=(order.total / 10).quantize(Decimal("1") if order.currency == "IRR" else Decimal("0.01")),
        method=RefundMethod.BANK_TRANSFER,
        reference=f"Goodwill {order.number}",
        reason="Late delivery",
    )


def _try(make) -> int:  # noqa: ANN001
    try:
        make()
    except ShopError as error:  # a demo document the rules refuse is skipped, the others stay
        db.session.rollback()
        current_app.logger.info("demo invoice skipped: %s", error)
        return 0
    db.session.commit()
    return 1
