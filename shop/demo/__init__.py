"""Demo data: a small Turkish shop (catalog.json) loaded once; loading again changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from shop.catalog.models import Category, Product, Stock, Variant, Warehouse
from shop.extensions import db

CATALOG = Path(__file__).with_name("catalog.json")


def load_demo(*, with_orders: bool = True) -> bool:
    """Load the demo catalog, people and orders into an empty shop.
    Returns False (and changes nothing) if the shop already has products."""
    if db.session.scalar(db.select(Product.id).limit(1)) is not None:
        return False
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    warehouses = {}
    for position, item in enumerate(data["warehouses"]):
        warehouse = Warehouse(
            code=item["code"],
            name=item["name"],
            address=item["address"],
            position=position,
            pickup=item.get("pickup", False),
            pickup_weekdays=item.get("pickup_weekdays", []),
            pickup_hours=item.get("pickup_hours", ""),
            pickup_lead_days=item.get("pickup_lead_days", 1),
            pickup_horizon_days=item.get("pickup_horizon_days", 14),
        )
        db.session.add(warehouse)
        warehouses[item["code"]] = warehouse
    categories = {}
    for position, item in enumerate(data["categories"]):
        categories[item["slug"]] = Category(slug=item["slug"], name=item["name"], position=position)
        db.session.add(categories[item["slug"]])
    for item in data["products"]:
        product = Product(
            slug=item["slug"],
            category=categories[item["category"]],
            name=item["name"],
            description=item["description"],
            colour=item.get("colour", "#888888"),
            returnable=item.get("returnable", True),
        )
        for position, variant_item in enumerate(item["variants"]):
            variant = Variant(
                sku=variant_item["sku"],
                name=variant_item["name"],
                price=Decimal(variant_item["price"]),
                vat_rate=Decimal(item["vat_rate"]),
                position=position,
            )
            product.variants.append(variant)
            for code, quantity in variant_item["stock"].items():
                variant.stock.append(Stock(warehouse=warehouses[code], quantity=quantity))
        db.session.add(product)
    db.session.flush()

    from shop.demo.orders import load_orders, load_people

    load_people()
    db.session.commit()  # the catalog stays even if a demo order is refused
    if with_orders:
        load_orders()
    return True
