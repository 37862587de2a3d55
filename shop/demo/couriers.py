"""Demo courier tasks: orders given to the demo courier (courier@example.com) in each state My
tasks and the order page show: assigned, picked up, on the way, delivered with the cash
collected, failed. Made through the real services, so the ledger, payments and history are as
a seller's would be."""

from __future__ import annotations

from flask import current_app

from shop.accounts.models import User
from shop.catalog.models import Warehouse
from shop.demo.deliveries import CUSTOMERS, _variant_in
from shop.errors import ShopError
from shop.extensions import db
from shop.fulfillment import couriers
from shop.fulfillment.courier_models import TaskState
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order, PaymentMethod

STATES = ("assigned", "picked_up", "on_the_way", "delivered", "failed")


def _order(n: int, variant, units: int = 1) -> Order:  # noqa: ANN001
    name, email, phone, locale = CUSTOMERS[(n + 2) % len(CUSTOMERS)]
    cart = sales.start_quotation(locale=locale)
    db.session.flush()
    sales.add_to_cart(cart, variant, units)
    details = sales.CheckoutDetails(
        email=email,
        phone=phone,
        name=name,
        delivery_method=DeliveryMethod.COURIER,
        payment_method=PaymentMethod.CASH,  # cash on delivery: a sales order at checkout
        address_line=f"Moda Cd. {20 + n}",
        city="İstanbul",
        postal_code="34710",
        country="TR",
    )
    return sales.confirm_quotation(cart, details)


def load_couriers() -> int:
    from shop.demo.orders import DEMO_COURIER, DEMO_STAFF

    staff = db.session.scalar(db.select(User).where(User.email == DEMO_STAFF[0]))
    courier = db.session.scalar(db.select(User).where(User.email == DEMO_COURIER[0]))
    in_progress = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "processing"))
    warehouse = db.session.scalar(db.select(Warehouse).order_by(Warehouse.position, Warehouse.id))
    if staff is None or courier is None or in_progress is None or warehouse is None:
        return 0
    if not courier.phone:
        courier.phone = "+905321110022"
    by = Actor.user(staff)
    made = 0
    for n, state in enumerate(STATES):
        variant = _variant_in(warehouse, 1)
        if variant is None:
            break
        try:
            order = _order(n, variant)
            orders.change_status(order, in_progress, by=by)
            task = couriers.assign(order, courier, by=by)
            if state in ("picked_up", "on_the_way", "delivered"):
                couriers.mark(task, courier, TaskState.PICKED_UP)
            if state in ("on_the_way", "delivered"):
                couriers.mark(task, courier, TaskState.ON_THE_WAY)
            if state == "delivered":
                couriers.deliver(task, courier, cash_collected=True)
            if state == "failed":
                couriers.fail(task, courier, reason="not_home")
            db.session.commit()
            made += 1
        except ShopError as error:  # a demo order the rules refuse is skipped, the others stay
            db.session.rollback()
            current_app.logger.info("demo courier task skipped: %s", error)
    return made
