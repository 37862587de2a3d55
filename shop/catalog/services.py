"""Catalog verbs: finding products, what is available where, when a warehouse hands out orders."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func

from shop.catalog.models import Category, Product, Stock, Variant, Warehouse
from shop.errors import NotFound
from shop.extensions import db

SEARCH_MAX_TERMS = 5


def index_product(product: Product) -> None:
    """Keep the text the storefront search looks in: names in every language and the SKUs."""
    parts = [*product.name.values(), *(v.sku for v in product.variants)]
    product.search_text = " ".join(parts).casefold()[:4000]


def published_products(category: Category | None = None, query: str = "") -> list[Product]:
    statement = db.select(Product).where(Product.published.is_(True))
    if category is not None:
        statement = statement.where(Product.category_id == category.id)
    terms = [t for t in query.casefold().split() if t][:SEARCH_MAX_TERMS]
    for term in terms:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Product.search_text.like(f"%{escaped}%", escape="\\"))
    return list(db.session.scalars(statement.order_by(Product.id)))


def product_by_slug(slug: str) -> Product:
    product = db.session.scalar(db.select(Product).where(Product.slug == slug, Product.published.is_(True)))
    if product is None:
        raise NotFound()
    return product


def available(variant: Variant, warehouse: Warehouse | None = None) -> int:
    """Units that can still be promised: on hand minus reserved, in one warehouse or all."""
    statement = db.select(func.coalesce(func.sum(Stock.quantity - Stock.reserved), 0)).where(
        Stock.variant_id == variant.id
    )
    if warehouse is not None:
        statement = statement.where(Stock.warehouse_id == warehouse.id)
    return int(db.session.scalar(statement) or 0)


def available_by_variant(variant_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        db.select(Stock.variant_id, func.sum(Stock.quantity - Stock.reserved))
        .where(Stock.variant_id.in_(variant_ids))
        .group_by(Stock.variant_id)
    )
    found = {variant_id: int(total) for variant_id, total in rows}
    return {variant_id: found.get(variant_id, 0) for variant_id in variant_ids}


def pickup_warehouses() -> list[Warehouse]:
    return list(
        db.session.scalars(
            db.select(Warehouse).where(Warehouse.pickup.is_(True)).order_by(Warehouse.position, Warehouse.id)
        )
    )


def allowed_pickup_dates(warehouse: Warehouse, today: date) -> list[date]:
    """Days the warehouse hands out orders: its weekdays, from the lead time to the horizon."""
    if not warehouse.pickup:
        return []
    first = today + timedelta(days=max(warehouse.pickup_lead_days, 0))
    last = today + timedelta(days=max(warehouse.pickup_horizon_days, 0))
    days = []
    day = first
    while day <= last:
        if day.weekday() in warehouse.pickup_weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def categories() -> list[Category]:
    return list(db.session.scalars(db.select(Category).order_by(Category.position, Category.id)))


def category_by_slug(slug: str) -> Category:
    category = db.session.scalar(db.select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound()
    return category
