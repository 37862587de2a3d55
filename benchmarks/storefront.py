"""Benchmark of the storefront (S1) at 1,000 products and at N products, in one run.

    .venv/bin/python -m benchmarks.storefront --database-url postgresql://USER@HOST/DB \\
        --products 100000 [--repeat 30] [--batch 5000]

1. Builds the schema with the app's migrations (flask_migrate.upgrade) if it is not there, and
   two warehouses and five categories of its own (codes BENCH-A/B, slugs bench-cat-*).
2. Removes the products of an earlier run (slugs bench-p-*) and fills 1,000: each with a name
   and a description in English, Turkish, Polish and Persian, two variants (SKUs BP-nnnnnnn-A
   and -B, different prices), stock of each variant in both warehouses (some sold out) with
   the ledger's "receipt" row for it, created a minute apart, and a picture row on every tenth
   product when the pictures table is there (rows only: list and product pages read rows,
   never the picture bytes). The search columns
   are those shop.search keeps (checked on a sample). Rows go in with executemany (SQLAlchemy's
   multi-row INSERTs on PostgreSQL), then ANALYZE.
3. Measures through the Flask test client, as a guest with no cart: the home page, a category,
   page 50 of that category (its last page when it has fewer), a search for a word in about one
   product in twenty (typed in capitals with its Turkish letters), a search for a SKU, and a
   product page: each ``--repeat`` times after a warm-up, round-robin, p50 and p95 in ms. Each
   request reads the database (nothing kept from an earlier request of the same revision).
   After the warm-up the process calls gc.freeze(), as a server process should after start-up.
4. Fills up to N products and measures again.

The last line is ``storefront products=N p95_ms=X small_p95_ms=Y worst=NAME``: X the worst p95 at
N products, Y the worst at 1,000, NAME the case of X. Target (issue 11) on PostgreSQL at N =
100,000: X under 50 ms and within 1.5 x Y.
"""

from __future__ import annotations

import argparse
import gc
import logging
import math
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from sqlalchemy import inspect, text

SMALL = 1000
CATEGORIES = 5
PREFIX = "bench-p-"
PAGE_DEEP = 50

# (en, tr, pl, fa): the search word is NOUNS[3] ("Gömlek"), in one product in twenty.
NOUNS = [
    ("Mug", "Kupa", "Kubek", "لیوان"),
    ("Kettle", "Çaydanlık", "Czajnik", "کتری"),
    ("Towel", "Havlu", "Ręcznik", "حوله"),
    ("Shirt", "Gömlek", "Koszula", "پیراهن"),
    ("Bag", "Çanta", "Torba", "کیف"),
    ("Cap", "Şapka", "Czapka", "کلاه"),
    ("Sock", "Çorap", "Skarpeta", "جوراب"),
    ("Notebook", "Defter", "Zeszyt", "دفتر"),
    ("Bottle", "Şişe", "Butelka", "بطری"),
    ("Scarf", "Atkı", "Szalik", "شال"),
    ("Plate", "Tabak", "Talerz", "بشقاب"),
    ("Lamp", "Lamba", "Lampa", "چراغ"),
    ("Pillow", "Yastık", "Poduszka", "بالش"),
    ("Blanket", "Battaniye", "Koc", "پتو"),
    ("Glove", "Eldiven", "Rękawiczka", "دستکش"),
    ("Belt", "Kemer", "Pasek", "کمربند"),
    ("Apron", "Önlük", "Fartuch", "پیش‌بند"),
    ("Basket", "Sepet", "Kosz", "سبد"),
    ("Candle", "Mum", "Świeca", "شمع"),
    ("Wallet", "Cüzdan", "Portfel", "کیف پول"),
]
ADJECTIVES = [
    ("Linen", "Keten", "Lniany", "کتانی"),
    ("Wool", "Yün", "Wełniany", "پشمی"),
    ("Copper", "Bakır", "Miedziany", "مسی"),
    ("Blue", "Mavi", "Niebieski", "آبی"),
    ("Green", "Yeşil", "Zielony", "سبز"),
    ("Small", "Küçük", "Mały", "کوچک"),
    ("Large", "Büyük", "Duży", "بزرگ"),
]
LANGUAGES = ("en", "tr", "pl", "fa")
DESCRIPTIONS = (
    "Made to last. Goes well with the {}.",
    "Uzun ömürlü. {} ile çok yakışır.",
    "Na lata. Pasuje do: {}.",
    "بادوام. با {} هماهنگ است.",
)
SEARCH_WORD = "GÖMLEK"


def make_app(url: str):
    from shop import create_app

    logging.getLogger("flask_limiter").setLevel(logging.ERROR)
    # No RATELIMIT_ENABLED here: the storefront's GETs have no limit, and the limiter is one
    # object for every app of the process (the test suite runs this benchmark in its own).
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "storefront-benchmark",
            "SERVER_NAME": None,
        }
    )


def prepare() -> tuple[list[int], list[int]]:
    """The schema, default statuses, two warehouses and five categories: their ids."""
    from flask_migrate import upgrade

    from shop.catalog.models import Category, Warehouse
    from shop.extensions import db
    from shop.orders.defaults import install_default_statuses

    upgrade()
    install_default_statuses()
    warehouses = []
    for code in ("BENCH-A", "BENCH-B"):
        warehouse = db.session.scalar(db.select(Warehouse).where(Warehouse.code == code)) or Warehouse(
            code=code, name={"en": f"Bench {code[-1]}"}
        )
        db.session.add(warehouse)
        warehouses.append(warehouse)
    categories = []
    for i in range(CATEGORIES):
        slug = f"bench-cat-{i}"
        category = db.session.scalar(db.select(Category).where(Category.slug == slug)) or Category(
            slug=slug, name={language: f"{NOUNS[i][n]}" for n, language in enumerate(LANGUAGES)}
        )
        db.session.add(category)
        categories.append(category)
    db.session.commit()
    return [w.id for w in warehouses], [c.id for c in categories]


def bench_products() -> int:
    from shop.extensions import db

    count = text("SELECT count(*) FROM products WHERE slug LIKE :prefix")
    return db.session.scalar(count, {"prefix": PREFIX + "%"}) or 0


def _has_pictures() -> bool:
    """The pictures table of migration 0016, with the columns this fill writes."""
    from shop.extensions import db

    inspector = inspect(db.engine)
    if "pictures" not in inspector.get_table_names():
        return False
    columns = {c["name"] for c in inspector.get_columns("pictures")}
    return {"product_id", "position", "width", "height", "digest", "renditions", "created_at"} <= columns


def _stock_ledger():  # noqa: ANN202
    """The stock ledger's model (issue 11), so that ``flask stock verify`` agrees with the fill."""
    try:
        from shop.catalog.models import StockMove
    except ImportError:
        return None
    return StockMove


def remove_bench_products() -> None:
    from shop.extensions import db

    mine = f"SELECT id FROM products WHERE slug LIKE '{PREFIX}%'"
    with db.engine.begin() as connection:
        if _has_pictures():
            connection.execute(text(f"DELETE FROM pictures WHERE product_id IN ({mine})"))
        variants = f"SELECT id FROM variants WHERE product_id IN ({mine})"
        if _stock_ledger() is not None:
            connection.execute(text(f"DELETE FROM stock_moves WHERE variant_id IN ({variants})"))
        connection.execute(text(f"DELETE FROM stock WHERE variant_id IN ({variants})"))
        connection.execute(text(f"DELETE FROM variants WHERE product_id IN ({mine})"))
        connection.execute(text(f"DELETE FROM products WHERE slug LIKE '{PREFIX}%'"))


def product_rows(g: int, category_ids: list[int], start: datetime) -> tuple[dict, list[dict]]:
    """Product number ``g`` and its two variants, as plain rows with the search columns."""
    from shop.search import product_search_texts

    noun, other, adjective = NOUNS[g % 20], NOUNS[(g * 7 + 3) % 20], ADJECTIVES[(g // 20) % len(ADJECTIVES)]
    names = {lang: f"{adjective[i]} {noun[i]} {g}" for i, lang in enumerate(LANGUAGES)}
    descriptions = {lang: DESCRIPTIONS[i].format(other[i]) for i, lang in enumerate(LANGUAGES)}
    skus = [f"BP-{g:07d}-A", f"BP-{g:07d}-B"]
    search_text, search_description = product_search_texts(names, skus, descriptions)
    price = Decimal(49 + (g * 7919) % 2000) + Decimal("0.90")
    product = {
        "slug": f"{PREFIX}{g:07d}",
        "category_id": category_ids[g % len(category_ids)],
        "name": names,
        "description": descriptions,
        "colour": f"#{(g * 2654435761) % 0xFFFFFF:06x}",
        "returnable": True,
        "published": True,
        "search_text": search_text,
        "search_description": search_description,
        "created_at": start + timedelta(minutes=g),
    }
    names = ({"en": "Standard", "tr": "Standart"}, {"en": "Large", "tr": "Büyük"})
    variants = [
        {"sku": sku, "name": names[i], "price": price + 10 * i, "vat_rate": Decimal("20"), "position": i}
        for i, sku in enumerate(skus)
    ]
    return product, variants


def fill(upto: int, batch: int, warehouse_ids: list[int], category_ids: list[int]) -> None:
    """Bench products numbered from the ones there + 1 to ``upto``."""
    from shop.catalog.models import Product, Stock, Variant
    from shop.extensions import db

    pictures = _has_pictures()
    ledger = _stock_ledger()
    have = bench_products()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    with db.engine.connect() as connection:
        ids = {
            table: connection.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}"))
            for table in ("products", "variants", "stock")
        }
        for low in range(have + 1, upto + 1, batch):
            products, variants, stock, moves, picture_rows = [], [], [], [], []
            for g in range(low, min(low + batch, upto + 1)):
                product, its_variants = product_rows(g, category_ids, start)
                ids["products"] += 1
                products.append({"id": ids["products"], **product})
                for variant in its_variants:
                    ids["variants"] += 1
                    variants.append({"id": ids["variants"], "product_id": ids["products"], **variant})
                    for w, warehouse_id in enumerate(warehouse_ids):
                        ids["stock"] += 1
                        quantity = (g * 31 + w * 17 + variant["position"]) % 12  # 0 now and then
                        stock.append(
                            {"id": ids["stock"], "variant_id": ids["variants"], "warehouse_id": warehouse_id,
                             "quantity": quantity, "reserved": 0}
                        )
                        if quantity and ledger is not None:  # the receipt that brought them
                            moves.append(
                                {"variant_id": ids["variants"], "warehouse_id": warehouse_id,
                                 "quantity_change": quantity, "reserved_change": 0, "kind": "receipt",
                                 "note": "storefront benchmark"}
                            )
                if g % 10 == 0 and pictures:
                    picture_rows.append(_picture_row(ids["products"], g))
            connection.execute(Product.__table__.insert(), products)
            connection.execute(Variant.__table__.insert(), variants)
            connection.execute(Stock.__table__.insert(), stock)
            if moves:
                connection.execute(ledger.__table__.insert(), moves)
            if picture_rows:
                connection.execute(text(
                    "INSERT INTO pictures (product_id, variant_id, position, width, height, digest,"
                    " renditions, created_at) VALUES (:product_id, NULL, 0, 960, 960, :digest,"
                    " :renditions, :created_at)"), picture_rows)
            connection.commit()
            print(f"  filled {min(low + batch - 1, upto):,} of {upto:,} products "
                  f"({time.perf_counter() - began:.0f} s)", file=sys.stderr)
        if connection.dialect.name == "postgresql":
            for table in ("products", "variants", "stock"):
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        connection.execute(text("ANALYZE"))
        connection.commit()
    if not pictures:
        print("  no pictures table (migration 0016) with the expected columns: products have no pictures",
              file=sys.stderr)


def _picture_row(product_id: int, g: int) -> dict:
    import hashlib
    import json

    digest = hashlib.sha256(f"bench-picture-{g}".encode()).hexdigest()
    renditions = {str(w): {"width": w, "height": w, "etag": digest[:32]} for w in (160, 480, 960)}
    return {"product_id": product_id, "digest": digest, "renditions": json.dumps(renditions),
            "created_at": datetime.now(UTC)}


def check_search_text(samples: int = 200) -> None:
    """The fill wrote the search columns as shop.search keeps them: else searches measure nothing."""
    from shop.catalog.models import Product, Variant
    from shop.extensions import db
    from shop.search import product_search_texts

    products = db.session.scalars(
        db.select(Product).where(Product.slug.like(PREFIX + "%")).order_by(Product.id).limit(samples)
    )
    for product in products:
        skus = list(db.session.scalars(
            db.select(Variant.sku).where(Variant.product_id == product.id).order_by(Variant.position)))
        expected = product_search_texts(product.name, skus, product.description)
        if (product.search_text, product.search_description) != expected:
            raise SystemExit(f"product {product.slug}: search columns differ from shop.search's")


# --- measuring --------------------------------------------------------------------------------------


def cases(products: int) -> dict[str, str]:
    """Case name -> URL."""
    from shop.catalog.listing import PER_PAGE

    in_category = math.ceil(products / CATEGORIES)
    deep = min(PAGE_DEEP, max(1, math.ceil(in_category / PER_PAGE)))
    middle = products // 2
    return {
        "home": "/",
        "category": "/c/bench-cat-3",
        f"category_page_{deep}": f"/c/bench-cat-3?page={deep}",
        "search_word": "/?" + urlencode({"q": SEARCH_WORD}),
        "search_sku": "/?" + urlencode({"q": f"BP-{middle:07d}-B"}),
        "product": f"/p/{PREFIX}{middle:07d}",
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def get(client, url: str) -> tuple[float, int]:  # noqa: ANN001
    from shop import readcache

    # Every request builds its page from the database, as the first one after a commit does:
    # what a revision keeps (shop.readcache) would otherwise answer and hide the queries' cost.
    readcache.clear()
    began = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return elapsed, response.get_data(as_text=True).count('class="product-card"')


def measure(client, urls: dict[str, str], repeat: int) -> dict[str, tuple[float, float, int]]:  # noqa: ANN001
    """Each case ``repeat`` times, round-robin; p50, p95 and products shown per case."""
    shown = {name: get(client, url)[1] for name, url in urls.items()}  # warm-up
    gc.collect()
    gc.freeze()
    timings: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(repeat):
        for name, url in urls.items():
            timings[name].append(get(client, url)[0])
    gc.unfreeze()
    return {name: (percentile(v, 0.5), percentile(v, 0.95), shown[name]) for name, v in timings.items()}


def report(app, products: int, repeat: int) -> tuple[str, float]:  # noqa: ANN001
    from shop.extensions import db

    with app.app_context():
        dialect = db.engine.dialect.name
        urls = cases(products)
        db.session.remove()
    results = measure(app.test_client(), urls, repeat)
    print(f"storefront on {dialect}, {products:,} products, {repeat} requests per case")
    print(f"{'case':<18} {'shown':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95, shown) in results.items():
        print(f"{name:<18} {shown:>5} {p50:>8.1f} {p95:>8.1f}")
    worst = max(results, key=lambda name: results[name][1])
    return worst, results[worst][1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--products", type=int, required=True, help=f"products, at least {SMALL}")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per case")
    parser.add_argument("--batch", type=int, default=5000, help="products per insert batch")
    parser.add_argument("--small", type=int, default=SMALL, help=argparse.SUPPRESS)  # tests: a tiny run
    args = parser.parse_args(argv)
    if args.products < args.small:
        parser.error(f"--products must be at least {args.small}")

    from shop.extensions import db

    app = make_app(args.database_url)
    with app.app_context():
        warehouse_ids, category_ids = prepare()
        db.session.remove()
        if bench_products() != args.small:
            remove_bench_products()
            fill(args.small, args.batch, warehouse_ids, category_ids)
            check_search_text()
        db.session.remove()
    _small_worst, small_p95 = report(app, args.small, args.repeat)

    with app.app_context():
        fill(args.products, args.batch, warehouse_ids, category_ids)
        db.session.remove()
    worst, p95 = report(app, args.products, args.repeat)
    print(f"large / small (worst p95): {p95 / small_p95:.2f}")
    print(f"storefront products={args.products} p95_ms={p95:.1f} small_p95_ms={small_p95:.1f} worst={worst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
