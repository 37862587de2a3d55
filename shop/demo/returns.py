"""Demo returns (S5, B12), one in each state a seller meets on the Returns page: requested,
approved, rejected, received, refunded (with its credit note) and exchanged. They are asked for
by a demo customer who has an account (log in as DEMO_CUSTOMER to see them from the customer's
side), on orders that were shipped and delivered, all made through the real services so each
has its history, its stock moves and its messages."""

from __future__ import annotations

import secrets

from flask import current_app

from shop.accounts import addresses
from shop.accounts import services as accounts
from shop.accounts.models import User
from shop.catalog.models import Product, Stock, Variant, Warehouse
from shop.db_types import utcnow
from shop.demo.deliveries import ship_all
from shop.demo.orders import DEMO_TAX_IDS
from shop.errors import ShopError
from shop.extensions import db
from shop.invoicing import services as invoicing
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.payments import services as payments
from shop.payments.models import RefundMethod
from shop.returns import handling, requests
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order, PaymentMethod

DEMO_CUSTOMER = ("customer@example.com", "demo-customer-2026")
_PHONE = "+905321239876"
_ADDRESS = {"address_line": "Moda Cd. 45", "city": "İstanbul", "postal_code": "34710", "country": "TR"}

# What becomes of each demo return, and why the customer sent it back.
PLANS = [
    ("requested", "wrong_size", ""),
    ("approved", "changed_mind", ""),
    ("rejected", "other", "The colour looks different in daylight."),
    ("received", "damaged", "The box was crushed and one corner is broken."),
    ("refunded", "not_as_described", ""),
    ("exchanged", "wrong_size", "One size larger, please."),
]


def load_returns() -> int:
    from shop.demo.orders import DEMO_STAFF

    staff = db.session.scalar(db.select(User).where(User.email == DEMO_STAFF[0]))
    warehouse = db.session.scalar(db.select(Warehouse).order_by(Warehouse.position, Warehouse.id))
    if staff is None or warehouse is None:
        return 0
    customer = _demo_customer()
    by = Actor.user(staff)
    swaps = _swappable_variants(warehouse)
    made = 0
    for n, (state, reason, text) in enumerate(PLANS):
        if n >= len(swaps):
            break
        variant, _replacement = swaps[n]
        try:
            order = _delivered_order(customer, variant, by=by, invoiced=state == "refunded")
            line = order.lines[0]
            asked = requests.request_return(
                order,
                {line.id: 1},
                reason=reason,
                reason_text=text,
                channel="account",
                by=Actor("customer", customer.id, customer.email),
            )
            _move(asked, state, by=by, warehouse=warehouse, replacement=_replacement)
        except ShopError as error:  # a demo return the rules refuse is skipped, the others stay
            db.session.rollback()
            current_app.logger.info("demo return skipped: %s", error)
            continue
        db.session.commit()
        made += 1
    return made


def _demo_customer() -> User:
    """The demo's customer with an account: verified e-mail, company data, two saved addresses
    (the default one prefills checkout)."""
    customer = accounts.register_customer(*DEMO_CUSTOMER, name="Elif Kaya", locale="en")
    addresses.update_profile(
        customer, name="Elif Kaya", phone=_PHONE, company_name="Kaya Tasarım Ltd.", tax_id=DEMO_TAX_IDS["TR"]
    )
    customer.email_verified_at = utcnow()
    for label, line, city, postal in (
        ("Home", _ADDRESS["address_line"], _ADDRESS["city"], _ADDRESS["postal_code"]),
        ("Office", "Büyükdere Cd. 185, Kat 7", "İstanbul", "34394"),
    ):
        addresses.add_address(
            customer,
            addresses.AddressDetails(
                name="Elif Kaya",
                phone=_PHONE,
                address_line=line,
                city=city,
                postal_code=postal,
                country="TR",
                label=label,
            ),
        )
    db.session.commit()
    return customer


def _move(asked, state: str, *, by: Actor, warehouse: Warehouse, replacement: Variant) -> None:  # noqa: ANN001
    if state == "requested":
        return
    if state == "rejected":
        handling.reject(asked, reason="Worn items cannot be taken back.", by=by)
        return
    handling.approve(asked, by=by)
    if state == "approved":
        return
    line = asked.lines[0]
    damaged = state == "received"
    handling.receive(
        asked,
        {line.id: (0, 1) if damaged else (1, 0)},
        warehouse=warehouse,
        by=by,
        note="Parcel opened at the desk",
    )
    if state == "refunded":
        handling.refund(asked, by=by, key=secrets.token_urlsafe(24), method=RefundMethod.CASH)
    elif state == "exchanged":
        handling.exchange(asked, {line.id: replacement.id}, by=by)


def _swappable_variants(warehouse: Warehouse) -> list[tuple[Variant, Variant]]:
    """Pairs of variants of one returnable product at the same price, both with units in the
    warehouse: the first is bought, the second is what an exchange would send instead."""
    in_stock = set(
        db.session.scalars(
            db.select(Stock.variant_id).where(
                Stock.warehouse_id == warehouse.id, Stock.quantity - Stock.reserved >= 3
            )
        )
    )
    pairs = []
    for product in db.session.scalars(
        db.select(Product)
        .where(Product.returnable.is_(True), Product.archived.is_(False))
        .order_by(Product.id)
    ):
        variants = [v for v in product.variants if v.id in in_stock]
        for first, second in zip(variants, variants[1:], strict=False):
            if first.price == second.price:
                pairs.append((first, second))
                break
    return pairs


def _delivered_order(customer: User, variant: Variant, *, by: Actor, invoiced: bool) -> Order:
    """An order of the customer's, paid in cash on delivery, shipped and delivered."""
    cart = sales.start_quotation(locale=customer.locale)
    cart.customer_id = customer.id
    db.session.flush()
    sales.add_to_cart(cart, variant, 2)
    db.session.flush()
    details = sales.CheckoutDetails(
        email=customer.email,
        phone=_PHONE,
        name=customer.name,
        delivery_method=DeliveryMethod.CARRIER,
        payment_method=PaymentMethod.CASH,
        **_ADDRESS,
    )
    order = sales.confirm_quotation(cart, details)
    tracking = {"carrier": "yurtici", "tracking_number": f"YK{4000000000 + order.id}"}
    ship_all(order, by=by, **tracking)
    shipped = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "shipped"))
    orders.change_status(order, shipped, by=by, **tracking)
    payments.record_cash_payment(order, order.total, by=by, reference=f"COD-{order.number}")
    orders.complete(order, by=by)
    if invoiced:
        invoicing.issue_invoice(order, by=by)
    return order
