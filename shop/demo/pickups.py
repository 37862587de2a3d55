"""Demo pickup orders, one in each state a seller meets on the Self-service orders page: ready
today, ready tomorrow, overdue, partly picked up, and one collected (Completed)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from shop.accounts.models import User
from shop.catalog.models import Stock, Variant, Warehouse
from shop.catalog.services import allowed_pickup_dates
from shop.errors import ShopError
from shop.extensions import db
from shop.fulfillment import pickups
from shop.i18n import shop_today
from shop.orders.history import Actor
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, PaymentMethod

CUSTOMERS = [
    ("Zeynep Arslan", "zeynep@example.com", "+905321234101", "tr"),
    ("Anna Nowak", "anna@example.com", "+48601234102", "pl"),
    ("Mehmet Demir", "mehmet@example.com", "+905321234103", "tr"),
    ("Sara Ahmadi", "sara@example.com", "+989121234104", "fa"),
    ("Emre Şahin", "emre@example.com", "+905321234105", "en"),
]


def load_pickups() -> int:
    """Five pickup orders at the first pickup warehouse, made through the real services."""
    from shop.demo.orders import DEMO_STAFF

    warehouse = db.session.scalar(
        db.select(Warehouse).where(Warehouse.pickup.is_(True)).order_by(Warehouse.id)
    )
    staff = db.session.scalar(db.select(User).where(User.email == DEMO_STAFF[0]))
    if warehouse is None or staff is None:
        return 0
    by = Actor.user(staff)
    today = shop_today()
    # SKUs with a few units free in that warehouse, so each order can be collected there.
    variants = list(
        db.session.scalars(
            db.select(Variant)
            .join(Stock, Stock.variant_id == Variant.id)
            .where(Stock.warehouse_id == warehouse.id, Stock.quantity - Stock.reserved >= 6)
            .order_by(Variant.id)
            .limit(10)
        )
    )
    plans = [  # (pickup date, ready, units handed over per line: None = nothing, "all" = everything)
        (today, True, None),
        (today + timedelta(days=1), True, None),
        (today - timedelta(days=2), True, None),
        (today, True, "some"),
        (today - timedelta(days=1), True, "all"),
    ]
    made = 0
    for n, (day, ready, taken) in enumerate(plans):
        if len(variants) < 2 * n + 2:
            break
        name, email, phone, locale = CUSTOMERS[n]
        cart = sales.start_quotation(locale=locale)
        db.session.flush()
        sales.add_to_cart(cart, variants[2 * n], 2)
        sales.add_to_cart(cart, variants[2 * n + 1], 1)
        db.session.flush()  # the lines' variant ids, which the pickup options read
        details = sales.CheckoutDetails(
            email=email,
            phone=phone,
            name=name,
            delivery_method=DeliveryMethod.PICKUP,
            payment_method=PaymentMethod.CASH,
            country="TR",
            pickup_warehouse_id=warehouse.id,
            pickup_date=allowed_pickup_dates(warehouse, today)[0],
        )
        try:
            order = sales.confirm_quotation(cart, details)
            order.pickup_date = day  # the demo's clock: orders placed days ago for these dates
            if ready:
                pickups.mark_ready(order, by=by)
            if taken:
                first, second = sorted(order.lines, key=lambda line: line.id)
                quantities = {first.id: 1} if taken == "some" else {first.id: 2, second.id: 1}
                pickups.hand_over(order, quantities, by=by)
        except ShopError as error:  # a demo order the rules refuse is skipped, the others stay
            db.session.rollback()
            current_app.logger.info("demo pickup skipped: %s", error)
            continue
        db.session.commit()
        made += 1
    return made
