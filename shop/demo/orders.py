"""Demo people and orders, made through the real services so each has a believable history."""

from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app

from shop.accounts.models import Role, SalesTeam, User
from shop.accounts.services import hash_password
from shop.catalog.models import Variant, Warehouse
from shop.catalog.services import allowed_pickup_dates, available
from shop.db_types import utcnow
from shop.demo.deliveries import ship_all
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import shop_today
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.payments.services import record_bank_transfer
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, PaymentMethod

DEMO_ADMIN = ("admin@example.com", "demo-admin-2026")
DEMO_STAFF = ("staff@example.com", "demo-staff-2026")
DEMO_COURIER = ("courier@example.com", "demo-courier-2026")

# A company buyer's tax ID that passes each country's check (VKN, NIP, shenase-ye melli), so the
# demo's B2B orders get their invoices.
DEMO_TAX_IDS = {"TR": "1234567890", "PL": "5260250995", "IR": "10100302746"}

CUSTOMERS = [
    (
        "Ayşe Yılmaz",
        "ayse.yilmaz@example.com",
        "+905321234567",
        "TR",
        "İstanbul",
        "34430",
        "İstiklal Cd. 12",
        "tr",
    ),
    (
        "Mehmet Demir",
        "mehmet.demir@example.com",
        "+905051112233",
        "TR",
        "Ankara",
        "06420",
        "Atatürk Blv. 101",
        "tr",
    ),
    (
        "Anna Kowalska",
        "anna.kowalska@example.com",
        "+48501234567",
        "PL",
        "Warszawa",
        "00-001",
        "ul. Marszałkowska 10",
        "pl",
    ),
    (
        "Piotr Nowak",
        "piotr.nowak@example.com",
        "+48601987654",
        "PL",
        "Kraków",
        "30-001",
        "ul. Floriańska 5",
        "pl",
    ),
    (
        "سارا محمدی",
        "sara.mohammadi@example.com",
        "+989121234567",
        "IR",
        "تهران",
        "1415914111",
        "خیابان ولیعصر ۱۲",
        "fa",
    ),
    (
        "Elif Kaya",
        "elif.kaya@example.com",
        "+905301234599",
        "TR",
        "İzmir",
        "35210",
        "Kıbrıs Şehitleri Cd. 8",
        "tr",
    ),
    ("John Smith", "john.smith@example.com", "+905441234500", "TR", "Antalya", "07100", "Lara Cd. 55", "en"),
]


def load_people() -> None:
    from shop.settings import services as settings

    team = SalesTeam(name="E-commerce")
    db.session.add(team)
    for (email, password), role, name in (
        (DEMO_ADMIN, Role.ADMIN, "Demo Admin"),
        (DEMO_STAFF, Role.STAFF, "Deniz Staff"),
    ):
        db.session.add(
            User(
                email=email,
                password_hash=hash_password(password),
                name=name,
                role=role,
                salesperson=True,
                sales_team=team,
            )
        )
    db.session.add(
        User(
            email=DEMO_COURIER[0],
            password_hash=hash_password(DEMO_COURIER[1]),
            name="Kemal Kurye",
            phone="+905321110022",
            role=Role.COURIER,
        )
    )
    db.session.flush()
    # New storefront orders go to the salespeople in turn, so the salesperson column means something.
    settings.update(sales_assignment={"policy": "round_robin", "team_id": team.id})


def load_orders(count: int = 36, *, seed: int = 7) -> int:
    """Orders in every state and status, spread over the last five weeks."""
    rng = random.Random(seed)
    variants = list(db.session.scalars(db.select(Variant).order_by(Variant.id)))
    warehouse = db.session.scalar(
        db.select(Warehouse).where(Warehouse.pickup.is_(True)).order_by(Warehouse.id)
    )
    status = {s.code: s for s in db.session.scalars(db.select(OrderStatus))}
    staff = db.session.scalar(db.select(User).where(User.email == DEMO_STAFF[0]))
    by_staff = Actor.user(staff)
    made = 0
    for n in range(count):
        name, email, phone, country, city, postal, street, locale = CUSTOMERS[n % len(CUSTOMERS)]
        picks = rng.sample([v for v in variants if available(v) > 2], k=rng.randint(1, 3))
        cart = sales.start_quotation(locale=locale)
        db.session.flush()
        for variant in picks:
            sales.add_to_cart(cart, variant, rng.randint(1, 2))
        method = rng.choice(
            [DeliveryMethod.CARRIER, DeliveryMethod.CARRIER, DeliveryMethod.COURIER, DeliveryMethod.PICKUP]
        )
        payment = rng.choice([PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER, PaymentMethod.BANK_TRANSFER])
        details = sales.CheckoutDetails(
            email=email,
            phone=phone,
            name=name,
            delivery_method=method,
            payment_method=payment,
            address_line=street,
            city=city,
            postal_code=postal,
            country=country,
            pickup_warehouse_id=warehouse.id if method == DeliveryMethod.PICKUP else None,
            pickup_date=allowed_pickup_dates(warehouse, shop_today())[0]
            if method == DeliveryMethod.PICKUP
            else None,
            company_name="Yılmaz Tekstil Ltd." if n % 9 == 4 else "",
            tax_id=DEMO_TAX_IDS[country] if n % 9 == 4 else "",
        )
        try:
            order = sales.confirm_quotation(cart, details)
            if payment == PaymentMethod.BANK_TRANSFER and n % 4:
                record_bank_transfer(order, order.total, by=by_staff, reference=f"EFT-{1000 + n}")
            stage = n % 6
            if order.status is not None and stage >= 1:
                orders.change_status(order, status["processing"], by=by_staff)
            if order.status is not None and stage == 5:
                orders.change_status(order, status["cancelled"], by=by_staff, note="customer asked")
                stage = -1
            if method == DeliveryMethod.PICKUP:
                stage = min(stage, 1)  # handed over in the pickup demo (shop.demo.pickups), not here
            if order.status is not None and stage >= 2:
                tracking = {"carrier": "yurtici", "tracking_number": f"YK{rng.randint(10**9, 10**10 - 1)}"}
                ship_all(order, by=by_staff, **tracking)  # the goods leave, then the status says so
                orders.change_status(order, status["shipped"], by=by_staff, **tracking)
            if order.status is not None and stage >= 3:
                orders.change_status(order, status["completed"], by=by_staff)
            if n % 5 == 0:
                orders.add_note(order, "Customer asked for gift wrapping.", by=by_staff)
        except ShopError as error:  # a demo order the rules refuse is skipped, the others stay
            db.session.rollback()
            current_app.logger.info("demo order skipped: %s", error)
            continue
        moment = utcnow() - timedelta(days=35 - n, hours=rng.randint(0, 20))
        order.created_at = order.confirmed_at = moment
        db.session.commit()
        made += 1
    return made
