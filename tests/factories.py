"""Factories: plain functions with defaults and overrides, offered as fixtures."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest

from shop.catalog.models import Category, Product, Variant, Warehouse
from shop.catalog.services import allowed_pickup_dates
from shop.catalog.stock import open_stock
from shop.extensions import db
from shop.i18n import shop_today
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order, PaymentMethod

_seq = itertools.count(1)


def make_warehouse(
    code: str | None = None, *, pickup: bool = True, weekdays=(0, 1, 2, 3, 4, 5), **over
) -> Warehouse:
    code = code or f"W{next(_seq)}"
    warehouse = Warehouse(
        code=code,
        name={"en": f"Warehouse {code}", "fa": f"انبار {code}"},
        address={"en": f"{code} street 1"},
        pickup=pickup,
        pickup_weekdays=list(weekdays),
        pickup_hours="10:00-19:00",
        pickup_lead_days=over.pop("lead", 1),
        pickup_horizon_days=over.pop("horizon", 14),
        **over,
    )
    db.session.add(warehouse)
    db.session.flush()
    return warehouse


def make_product(
    *,
    price: str = "100.00",
    vat_rate: str = "20",
    stock: dict[Warehouse, int] | int = 10,
    variants: int = 1,
    name: str | None = None,
    returnable: bool = True,
) -> Product:
    """A published product; ``stock`` is per warehouse, or a number put in a new warehouse."""
    n = next(_seq)
    if isinstance(stock, int):
        stock = {make_warehouse(): stock}
    category = db.session.scalar(db.select(Category).limit(1)) or Category(
        slug="things", name={"en": "Things"}
    )
    product = Product(
        slug=f"product-{n}",
        category=category,
        name={"en": name or f"Product {n}", "tr": f"Ürün {n}", "pl": f"Produkt {n}", "fa": f"کالا {n}"},
        description={"en": "A fine product."},
        returnable=returnable,
    )
    db.session.add(product)
    for i in range(variants):
        variant = Variant(
            sku=f"SKU-{n}-{i}",
            name={"en": f"Size {i}"},
            price=Decimal(price),
            vat_rate=Decimal(vat_rate),
            position=i,
        )
        for warehouse, quantity in stock.items():
            open_stock(variant, warehouse, quantity, by=None)
        product.variants.append(variant)
    db.session.add(product)
    db.session.flush()
    return product


def make_cart(*lines: tuple[Variant, int], locale: str = "en", customer_id: int | None = None) -> Order:
    cart = sales.start_quotation(locale=locale, customer_id=customer_id)
    db.session.flush()
    for variant, quantity in lines:
        sales.add_to_cart(cart, variant, quantity)
    db.session.flush()
    return cart


def checkout_details(**over) -> sales.CheckoutDetails:
    values = {
        "email": "ayse@example.com",
        "phone": "+905321234567",
        "name": "Ayşe Yılmaz",
        "delivery_method": DeliveryMethod.CARRIER,
        "payment_method": PaymentMethod.CASH,
        "address_line": "İstiklal Cd. 1",
        "city": "İstanbul",
        "postal_code": "34430",
        "country": "TR",
    }
    values.update(over)
    return sales.CheckoutDetails(**values)


def pickup_details(warehouse: Warehouse, **over) -> sales.CheckoutDetails:
    values = {
        "delivery_method": DeliveryMethod.PICKUP,
        "pickup_warehouse_id": warehouse.id,
        "pickup_date": allowed_pickup_dates(warehouse, shop_today())[0],
    }
    return checkout_details(**{**values, **over})


@pytest.fixture(name="make_warehouse")
def _make_warehouse() -> Callable[..., Warehouse]:
    return make_warehouse


@pytest.fixture(name="make_product")
def _make_product() -> Callable[..., Product]:
    return make_product


@pytest.fixture(name="make_cart")
def _make_cart() -> Callable[..., Order]:
    return make_cart


# --- back office: staff users and sales orders (order page, statuses) ----------------------


def make_staff(email: str = "staff@example.com", password: str = "staff-password-1", **over):
    """A back-office user (staff unless ``role=`` says otherwise) who can log in with ``password``."""
    from shop.accounts.models import Role, User
    from shop.accounts.services import hash_password

    values = {"name": "Selin Kaya", "role": Role.STAFF, **over}
    user = User(email=email, password_hash=hash_password(password), **values)
    db.session.add(user)
    db.session.flush()
    return user


def make_sales_order(*lines: tuple[Variant, int], **details) -> Order:
    """A confirmed sales order (cash is confirmed at checkout) in the first status, "new"."""
    lines = lines or ((make_product().variants[0], 1),)
    order = sales.confirm_quotation(make_cart(*lines), checkout_details(**details))
    db.session.flush()
    return order


@pytest.fixture(name="make_staff")
def _make_staff() -> Callable[..., object]:
    return make_staff


@pytest.fixture(name="make_sales_order")
def _make_sales_order() -> Callable[..., Order]:
    return make_sales_order


# --- back office: users of each role, sales teams (users, settings, access) -------------------

USER_PASSWORD = "user-password-1"


def make_user(role: str = "staff", email: str | None = None, password: str = USER_PASSWORD, **over):
    """A user of ``role`` (admin, staff, courier or customer) who can log in with ``password``."""
    from shop.accounts.models import Role

    email = email or f"{role}{next(_seq)}@example.com"
    return make_staff(email, password, role=Role(role), **{"name": role.title(), **over})


def make_team(name: str | None = None):
    from shop.accounts.models import SalesTeam

    team = SalesTeam(name=name or f"Team {next(_seq)}")
    db.session.add(team)
    db.session.flush()
    return team


@pytest.fixture(name="make_user")
def _make_user() -> Callable[..., object]:
    return make_user
