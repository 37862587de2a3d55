"""Benchmark of batch printing (issue 12): N packing slips in one PDF, made as the worker does.

    .venv/bin/python -m benchmarks.documents --database-url postgresql://USER@HOST/DB --count 100

1. Builds the schema with the app's migrations if it is not there; a warehouse (DOC-BENCH)
   and a product of its own with three SKUs and plenty of stock.
2. Places N cash orders (confirmed at checkout: sales orders) of three lines each, in turn in
   English, Turkish, Polish and Persian (each slip is printed in its order's language).
3. Queues one batch of their packing slips and runs it as the worker does (batches.enqueue,
   claim, run): HTML per order, laid out by WeasyPrint in chunks, joined into one PDF.
The last line is ``documents kind=packing-slip count=N seconds=X`` (the batch alone, not the
orders' creation). Target (issue 12): 100 packing slips in under 20 s.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from decimal import Decimal

LOCALES = ("en", "tr", "pl", "fa")
NAMES = {"en": "Linen shirt", "tr": "Keten gömlek", "pl": "Lniana koszula", "fa": "پیراهن کتانی"}
CUSTOMERS = {"en": "Jane Doe", "tr": "Ayşe Yılmaz Doğan", "pl": "Zażółć Gęślą", "fa": "علی رضایی"}


def make_app(url: str):
    from shop import create_app

    logging.getLogger("flask_limiter").setLevel(logging.ERROR)
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "documents-benchmark", "SERVER_NAME": None}
    )


def prepare(run: str):
    """The schema, a warehouse and a product of this run with three SKUs; returns the variants."""
    from flask_migrate import upgrade

    from shop.catalog.models import Category, Product, Variant, Warehouse
    from shop.catalog.stock import open_stock
    from shop.extensions import db
    from shop.orders.defaults import install_default_statuses

    upgrade()
    install_default_statuses()
    warehouse = db.session.scalar(db.select(Warehouse).where(Warehouse.code == "DOC-BENCH"))
    if warehouse is None:
        warehouse = Warehouse(code="DOC-BENCH", name={"en": "Documents bench"})
        db.session.add(warehouse)
    category = db.session.scalar(db.select(Category).where(Category.slug == "doc-bench"))
    if category is None:
        category = Category(slug="doc-bench", name={"en": "Documents bench"})
        db.session.add(category)
    product = Product(slug=f"doc-bench-{run}", category=category, name=NAMES, weight_grams=300)
    db.session.add(product)
    for size in ("S", "M", "L"):
        variant = Variant(
            sku=f"DOC{run}-{size}", name={"en": size}, price=Decimal("199.90"), vat_rate=Decimal("20")
        )
        product.variants.append(variant)
        db.session.flush()
        open_stock(variant, warehouse, 100_000, by=None)
    db.session.commit()
    return list(product.variants)


def place_orders(count: int, variants) -> list[str]:  # noqa: ANN001
    from shop.extensions import db
    from shop.sales import services as sales
    from shop.sales.models import DeliveryMethod, PaymentMethod

    numbers = []
    for n in range(count):
        locale = LOCALES[n % len(LOCALES)]
        cart = sales.start_quotation(locale=locale)
        db.session.flush()
        for quantity, variant in enumerate(variants, start=1):
            sales.add_to_cart(cart, variant, quantity)
        details = sales.CheckoutDetails(
            email=f"bench{n}@example.com",
            phone="+905321234567",
            name=CUSTOMERS[locale],
            delivery_method=DeliveryMethod.CARRIER,
            payment_method=PaymentMethod.CASH,
            address_line="İstiklal Cd. 1",
            city="İstanbul",
            postal_code="34430",
            country="TR",
        )
        numbers.append(sales.confirm_quotation(cart, details).number)
        db.session.commit()
    return numbers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args(argv)
    app = make_app(args.database_url)
    with app.test_request_context():
        from shop.documents import batches
        from shop.extensions import db

        run = str(int(time.time()))
        numbers = place_orders(args.count, prepare(run))
        batch = batches.enqueue("packing-slip", numbers, user=None, locale="en")
        db.session.commit()
        started = time.perf_counter()
        batch = batches.run(batches.claim())
        seconds = time.perf_counter() - started
        if batch.status != batches.DONE:
            raise SystemExit(f"batch failed: {batch.error}")
        print(f"{batch.total} packing slips, one PDF of {len(batch.pdf) // 1024} KiB, in {seconds:.1f} s")
        print(f"documents kind=packing-slip count={batch.total} seconds={seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
