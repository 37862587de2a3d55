"""The catalog as CSV rows, a batch of products at a time, so a catalog of any size streams
out without sitting in memory. Archived products and variants are left out: they are not on
sale, and an import does not bring them back (it refuses their SKUs)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from shop.catalog.csv_transfer import columns as c
from shop.catalog.models import Category, Product, Stock, Variant, Warehouse
from shop.extensions import db
from shop.i18n import enabled_languages
from shop.money import scale
from shop.settings import services as settings

BATCH = 500  # products per round trip


def warehouse_codes() -> list[str]:
    return list(db.session.scalars(select(Warehouse.code).order_by(Warehouse.position, Warehouse.id)))


def rows() -> Iterator[list[str]]:
    """The header, then one row per SKU on sale or in draft, product by product."""
    languages, _default = enabled_languages()
    places = scale(settings.current().currency)
    warehouses = list(
        db.session.execute(select(Warehouse.id, Warehouse.code).order_by(Warehouse.position, Warehouse.id))
    )
    yield c.header(languages, [code for _id, code in warehouses])
    categories = dict(db.session.execute(select(Category.id, Category.slug)).tuples().all())
    last_id = 0
    while True:
        products = list(
            db.session.scalars(
                select(Product)
                .where(Product.id > last_id, Product.archived.is_(False))
                .order_by(Product.id)
                .limit(BATCH)
            )
        )
        if not products:
            return
        last_id = products[-1].id
        variants = list(
            db.session.scalars(
                select(Variant)
                .where(Variant.product_id.in_([p.id for p in products]), Variant.archived.is_(False))
                .order_by(Variant.product_id, Variant.position, Variant.id)
            )
        )
        on_hand: dict[tuple[int, int], int] = {
            (variant_id, warehouse_id): quantity
            for variant_id, warehouse_id, quantity in db.session.execute(
                select(Stock.variant_id, Stock.warehouse_id, Stock.quantity).where(
                    Stock.variant_id.in_([v.id for v in variants])
                )
            )
        }
        by_product: dict[int, list[Variant]] = {}
        for variant in variants:
            by_product.setdefault(variant.product_id, []).append(variant)
        for product in products:
            for variant in by_product.get(product.id, []):
                yield _row(product, variant, languages, categories, warehouses, on_hand, places)
        # Nothing to let go of: the session holds unchanged objects weakly, so a batch's objects
        # are freed once the next batch replaces them here.


def _row(product, variant, languages, categories, warehouses, on_hand, places) -> list[str]:  # noqa: ANN001
    names, descriptions = product.name or {}, product.description or {}
    cells = [
        product.slug,
        *(names.get(code, "") for code in languages),
        *(descriptions.get(code, "") for code in languages),
        categories.get(product.category_id, ""),
        c.yes_no(product.published),
        c.yes_no(product.returnable),
        "" if product.return_days is None else str(product.return_days),
        "" if product.weight_grams is None else str(product.weight_grams),
        variant.sku,
        c.format_options(variant.options or {}),
        c.format_amount(variant.price, places),
        c.format_amount(variant.vat_rate),
        "" if variant.low_stock_threshold is None else str(variant.low_stock_threshold),
        # No stock row: empty (an import leaves it so); a row: its units on hand, 0 included.
        *(
            str(on_hand[(variant.id, warehouse_id)]) if (variant.id, warehouse_id) in on_hand else ""
            for warehouse_id, _code in warehouses
        ),
    ]
    return [c.guarded(cell) for cell in cells]
