"""Demo data: a small Turkish shop (catalog.json) loaded once; loading again changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from shop.catalog.models import Category, Product, Variant, Warehouse
from shop.catalog.stock import open_stock
from shop.extensions import db

CATALOG = Path(__file__).with_name("catalog.json")


IRANIAN_HOLIDAYS_1405 = [
    "2026-03-21",
    "2026-03-22",
    "2026-03-23",
    "2026-03-24",
    "2026-04-01",
    "2026-04-02",
    "2026-06-04",
    "2026-06-05",
    "2027-02-11",
    "2027-03-20",
]


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
                open_stock(variant, warehouses[code], quantity, by=None, note="opening stock")
        db.session.add(product)
    db.session.flush()

    from shop.demo.orders import load_orders, load_people
    from shop.settings import services as settings

    # The seller's own details, printed on dispatch notes and labels.
    settings.update(
        seller_address="Demo Ticaret A.Ş.\nBağdat Cd. 100, 34710 Kadıköy / İstanbul",
        seller_tax_id="1234567890",
        seller_tax_office="Kadıköy",
        # Iran's official holidays of 1405 on fixed days (Nowruz, 12-13 Farvardin, 14-15 Khordad,
        # 22 Bahman, 29 Esfand): the returns settings show them, and the return window skips
        # them, once the shop sells in rials (its window then counts working days).
        returns={"holidays": IRANIAN_HOLIDAYS_1405},
    )
    load_people()
    _stock_moves(warehouses)
    _price_changes()
    from shop.demo.pictures import add_demo_pictures

    add_demo_pictures()
    db.session.commit()  # the catalog stays even if a demo order is refused
    _catalog_import()
    if with_orders:
        load_orders()
        from shop.demo.pickups import load_pickups

        load_pickups()
        from shop.demo.deliveries import load_deliveries

        load_deliveries()
        from shop.demo.couriers import load_couriers

        load_couriers()
        from shop.demo.payments import load_payments

        load_payments()
        from shop.demo.invoices import load_invoices

        load_invoices()
        from shop.demo.returns import load_returns

        load_returns()
    return True


def _stock_moves(warehouses: dict[str, Warehouse]) -> None:
    """A few days of stock work by the demo admin, so the stock pages have a ledger to show;
    one SKU with a threshold of its own, above what it holds, to be on the low-stock list."""
    from shop.accounts.models import User
    from shop.catalog import stock
    from shop.orders.history import Actor

    admin = db.session.scalar(db.select(User).where(User.email == "admin@example.com"))
    by = Actor.user(admin) if admin else None
    sku = {v.sku: v for v in db.session.scalars(db.select(Variant))}
    ist, ank = warehouses["IST"], warehouses["ANK"]
    stock.receive(sku["TSH-M-BLK"], ist, 12, by=by, note="Supplier delivery 4471")
    stock.receive(sku["DNJ-M"], ank, 6, by=by, note="Supplier delivery 4472")
    stock.correct_count(sku["TWL-RED"], ist, 11, by=by, note="Monthly count")
    stock.write_off(sku["MSW-M-GRY"], ist, 1, reason="Stained in the shop window", by=by)
    stock.transfer(sku["CZV-STD"], ist, ank, 3, by=by, note="Ankara is running low")
    sku["RZT-250G"].low_stock_threshold = 60


def _catalog_import() -> None:
    """The demo catalog exported and imported back by the demo admin, so the import page has a
    finished import to show (the same file: nothing changes), and before it a file with three
    bad rows that imported nothing, so the page of problems by row and column has one too."""
    from shop.accounts.models import User
    from shop.catalog.csv_transfer import columns, export, jobs

    admin = db.session.scalar(db.select(User).where(User.email == "admin@example.com"))
    rows = list(export.rows())
    header, first = rows[0], rows[1]
    bad = [dict(zip(header, first, strict=True)) for _ in range(3)]
    bad[0].update(sku="DEMO-NEW-1", price="-5")  # a negative price
    bad[1].update(sku="DEMO-NEW-2", vat_rate="7")  # not one of the shop's rates
    bad[2].update(sku="DEMO-NEW-1", category="no-such-category")  # a SKU twice, another category
    lines = [header, *(list(row.values()) for row in bad)]
    wrong = ("\ufeff" + "".join(columns.stream_rows(lines, ","))).encode()
    job = jobs.enqueue(wrong, filename="new-products.csv", separator=",", user=admin, locale="en")
    db.session.commit()
    jobs.run(job.id)
    content = ("\ufeff" + "".join(columns.stream_rows(export.rows(), ";"))).encode("utf-8")
    job = jobs.enqueue(content, filename="katalog.csv", separator=";", user=admin, locale="en")
    db.session.commit()
    jobs.run(job.id)


def _price_changes() -> None:
    """Two price changes by the demo staff, so a product page has a history to show."""
    from shop.accounts.models import User
    from shop.catalog import editing

    staff = db.session.scalar(db.select(User).where(User.email == "staff@example.com"))
    for sku, price in (("TSH-M-BLK", "-30"), ("DNJ-M", "+50")):
        variant = db.session.scalar(db.select(Variant).where(Variant.sku == sku))
        if variant is None:
            continue
        details = editing.VariantDetails(
            sku=variant.sku,
            price=variant.price + Decimal(price),
            vat_rate=variant.vat_rate,
            options=dict(variant.options or {}),
            position=variant.position,
        )
        editing.update_variant(variant, details, by_user_id=staff.id if staff else None)
