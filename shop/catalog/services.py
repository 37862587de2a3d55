"""Catalog verbs: finding products, what is available where, when a warehouse hands out orders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from shop import readcache
from shop.catalog.listing import SEARCH_MAX_TERMS, search_conditions  # noqa: F401  (the rule lives there)
from shop.catalog.models import Category, Product, Stock, Variant, Warehouse
from shop.catalog.pickup import allowed_pickup_dates, pickup_warehouses  # noqa: F401  (their home is pickup.py)
from shop.errors import NotFound
from shop.extensions import db


def published_products(category: Category | None = None, query: str = "") -> list[Product]:
    """Published products, of ``category`` if given, that have every word of ``query`` (folded
    like the stored text: "gomlek" finds "Gömlek", "YILMAZ" finds "Yılmaz") in a name in any
    language, a SKU or a description; products with every word in a name or SKU come first."""
    statement = db.select(Product).where(Product.published.is_(True), Product.archived.is_(False))
    if category is not None:
        statement = statement.where(Product.category_id == category.id)
    conditions, rank = search_conditions(query)
    statement = statement.where(*conditions)
    if rank is not None:
        statement = statement.order_by(rank)
    return list(db.session.scalars(statement.order_by(Product.id)))


@cache
def _product_by_slug_statement() -> Select:
    """Built once per process, the slug its one parameter: building it and its cache key with
    two joinedloads was a fifth of a product page's Python."""
    return (
        select(Product)
        .where(Product.slug == bindparam("slug"), Product.published.is_(True), Product.archived.is_(False))
        # One statement for the product, its category and its few variants on sale.
        .options(joinedload(Product.category), joinedload(Product.variants))
    )


def product_by_slug(slug: str) -> Product:
    product = db.session.scalars(_product_by_slug_statement(), {"slug": slug}).unique().one_or_none()
    if product is None or not product.variants:  # variants: only those on sale (not archived)
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


@dataclass(frozen=True)
class MenuCategory:
    """A category as the storefront shows it (menu, title, its list): plain data, so that one
    copy serves every request of a revision (shop.readcache)."""

    id: int
    slug: str
    name: dict[str, str]


def menu() -> tuple[MenuCategory, ...]:
    """The shop's categories in the seller's order."""
    return readcache.remember("categories", None, _read_menu)


def _read_menu() -> tuple[MenuCategory, ...]:
    rows = db.session.execute(
        db.select(Category.id, Category.slug, Category.name).order_by(Category.position, Category.id)
    )
    return tuple(MenuCategory(row.id, row.slug, row.name or {}) for row in rows)
