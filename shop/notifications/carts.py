"""Abandoned carts (S6): one reminder per cart left with an e-mail address and lines.

Run by the worker every minute. Safe with several workers scanning at once: the reminder's
dedupe key (``abandoned_cart:<order id>``) is unique in the outbox, so a second worker's
insert for the same cart fails on its savepoint and that cart is skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from shop.db_types import utcnow
from shop.extensions import db
from shop.notifications import messages
from shop.notifications.models import Channel, OutboxMessage

EVENT = "abandoned_cart"
# Carts older than this are not reminded any more: a reminder weeks later is spam.
OLDEST = timedelta(days=7)
SCAN_LIMIT = 200


def dedupe_key(order_id: int) -> str:
    return f"{EVENT}:{order_id}"


def still_wanted(message: OutboxMessage) -> bool:
    """Checked just before sending: a cart reminder for a cart that became an order goes no more."""
    if message.event == EVENT and message.order_id is not None:
        from shop.sales.models import Order

        # Read afresh: the customer may have checked out since the reminder was queued.
        cart = db.session.get(Order, message.order_id, populate_existing=True)
        return cart is not None and cart.is_cart
    return True


def scan_abandoned_carts(now: datetime | None = None) -> int:
    """Queue the reminders that are due and commit; how many were queued."""
    from shop.accounts.models import User
    from shop.sales.models import Order, OrderLine, OrderState
    from shop.settings import services as settings

    shop = settings.current_fresh()
    policy = shop.abandoned_cart or {}
    if not policy.get("enabled") or not messages.enabled(EVENT, Channel.EMAIL):
        db.session.rollback()
        return 0
    now = now or utcnow()
    left_before = now - timedelta(hours=int(policy.get("delay_hours") or 4))
    reminded = exists().where(OutboxMessage.order_id == Order.id, OutboxMessage.event == EVENT)
    has_lines = exists().where(OrderLine.order_id == Order.id)
    has_email = (Order.email != "") | Order.customer_id.in_(select(User.id).where(User.email != ""))
    carts = list(
        db.session.scalars(
            select(Order)
            .where(
                Order.state == OrderState.QUOTATION,
                Order.updated_at <= left_before,
                Order.updated_at >= now - OLDEST,
                has_lines,
                has_email,
                ~reminded,
            )
            .order_by(Order.updated_at)
            .limit(SCAN_LIMIT)
        )
    )
    queued = 0
    with messages.url_context():
        for cart in carts:
            try:
                with db.session.begin_nested():
                    message = messages.queue_for_order(
                        cart,
                        EVENT,
                        Channel.EMAIL,
                        recipient=messages.customer_email(cart),
                        extra={"cart.restore_url": _restore_url(cart)},
                        dedupe_key=dedupe_key(cart.id),
                    )
                    db.session.flush()
            except IntegrityError:
                continue  # another worker reminded this cart a moment ago
            queued += message is not None
    db.session.commit()
    return queued


def _restore_url(cart: object) -> str:
    from shop.sales.services import cart_restore_token

    return url_for("storefront.restore_cart", token=cart_restore_token(cart), _external=True)
