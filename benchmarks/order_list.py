"""Benchmark of the back-office order list (B2) at a given number of orders.

    .venv/bin/python -m benchmarks.order_list --database-url postgresql://USER@HOST/DB \\
        --orders 1000000 [--repeat 30] [--batch 100000] [--refill]

1. Builds the schema with the app's migrations (flask_migrate.upgrade) if it is not there.
2. Fills N orders (plus one cart per ten orders, which the list must skip) with 1-3 lines each,
   SKUs from 300 variants, the default statuses, three delivery methods, both payment states,
   three sources, five salespeople in two teams, created over the last two years, each with the
   folded search text shop.search keeps (checked on a sample after the fill). An existing fill
   of exactly N orders is reused unless --refill.
   PostgreSQL: INSERT ... SELECT FROM generate_series in batches, computed in the database, with
   the list's secondary indexes dropped during the load and rebuilt after (from their own
   definitions, read with pg_get_indexdef), foreign-key triggers off for the load, then VACUUM
   ANALYZE. A million orders take a few minutes. SQLite: executemany in big transactions.
3. Logs in as a staff user through /admin/login and measures GET /admin/orders through the
   Flask test client (the whole page: filters, counts per group, 50 rows) for: no filter, each
   single filter, three filters combined, searches, and the 500th page (its cursor built from
   the row at position 499 * 50 with one query), each ``--repeat`` times after a warm-up,
   round-robin over the cases; prints p50 and p95 in milliseconds per case. After a warm-up
   the process calls gc.freeze(), as a server process should after start-up (--no-gc-freeze
   to measure without).

The last line is ``order_list orders=N p95_ms=X worst=NAME``: X is the worst p95 of all cases.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from sqlalchemy import text

ORDERS_PER_CART = 10  # one abandoned cart per ten orders: the list must skip them cheaply
VARIANTS = 300  # 100 products in 3 sizes
DAYS = 730  # orders spread over two years
STAFF_EMAIL = "bench-staff@example.com"
STAFF_PASSWORD = "bench-password-1"

FIRST_NAMES = [
    ("Ayşe", "ayse"),
    ("Mehmet", "mehmet"),
    ("Zeynep", "zeynep"),
    ("Mustafa", "mustafa"),
    ("Elif", "elif"),
    ("Ahmet", "ahmet"),
    ("Fatma", "fatma"),
    ("Emre", "emre"),
    ("Selin", "selin"),
    ("Burak", "burak"),
    ("Anna", "anna"),
    ("Piotr", "piotr"),
    ("Katarzyna", "katarzyna"),
    ("Krzysztof", "krzysztof"),
    ("Małgorzata", "malgorzata"),
    ("Tomasz", "tomasz"),
    ("Agnieszka", "agnieszka"),
    ("Paweł", "pawel"),
    ("Zahra", "zahra"),
    ("Ali", "ali"),
    ("Fatemeh", "fatemeh"),
    ("Reza", "reza"),
    ("Maryam", "maryam"),
    ("Hossein", "hossein"),
    ("Sara", "sara"),
    ("Amir", "amir"),
    ("Neda", "neda"),
    ("Omid", "omid"),
    ("Deniz", "deniz"),
    ("Can", "can"),
]
LAST_NAMES = [
    ("Yılmaz", "yilmaz"),
    ("Kaya", "kaya"),
    ("Demir", "demir"),
    ("Şahin", "sahin"),
    ("Çelik", "celik"),
    ("Yıldız", "yildiz"),
    ("Yıldırım", "yildirim"),
    ("Öztürk", "ozturk"),
    ("Aydın", "aydin"),
    ("Özdemir", "ozdemir"),
    ("Nowak", "nowak"),
    ("Kowalski", "kowalski"),
    ("Wiśniewski", "wisniewski"),
    ("Wójcik", "wojcik"),
    ("Kowalczyk", "kowalczyk"),
    ("Kamiński", "kaminski"),
    ("Lewandowski", "lewandowski"),
    ("Zieliński", "zielinski"),
    ("Mohammadi", "mohammadi"),
    ("Hosseini", "hosseini"),
    ("Ahmadi", "ahmadi"),
    ("Rezaei", "rezaei"),
    ("Moradi", "moradi"),
    ("Karimi", "karimi"),
    ("Jafari", "jafari"),
    ("Rahimi", "rahimi"),
    ("Arslan", "arslan"),
    ("Doğan", "dogan"),
    ("Koç", "koc"),
    ("Kurt", "kurt"),
]
DOMAINS = [
    "gmail.com",
    "hotmail.com",
    "yahoo.com",
    "outlook.com",
    "wp.pl",
    "onet.pl",
    "yandex.com",
    "icloud.com",
]
CITIES = [
    "İstanbul",
    "Ankara",
    "İzmir",
    "Bursa",
    "Warszawa",
    "Kraków",
    "Gdańsk",
    "Tehran",
    "Shiraz",
    "Isfahan",
]
PRODUCTS = ["TSH", "MUG", "BAG", "CAP", "SCK", "HDY", "PEN", "NTB", "BTL", "TWL"]
SIZES = ["S", "M", "L"]


# --- set-up ----------------------------------------------------------------------------------------


@dataclass
class World:
    """What the fill and the cases refer to, by id."""

    statuses: dict[str, int]
    salespeople: list[int]
    teams: list[int]  # the team of each salesperson, same order
    variants: list[tuple[int, str, Decimal]]  # id, sku, price
    warehouse_id: int
    prefix: str


def make_app(url: str):
    from shop import create_app

    logging.getLogger("flask_limiter").setLevel(logging.ERROR)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "order-list-benchmark",
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
        }
    )


def prepare() -> World:
    """The schema (by the migrations), default statuses, staff, salespeople, teams and variants."""
    from flask_migrate import upgrade

    from shop.accounts.models import Role, SalesTeam, User
    from shop.accounts.services import hash_password
    from shop.catalog.models import Category, Product, Variant, Warehouse
    from shop.extensions import db
    from shop.orders.defaults import install_default_statuses
    from shop.orders.models import OrderStatus
    from shop.settings import services as settings

    upgrade()
    install_default_statuses()
    if db.session.scalar(db.select(User).where(User.email == STAFF_EMAIL)) is None:
        db.session.add(
            User(
                email=STAFF_EMAIL, password_hash=hash_password(STAFF_PASSWORD), name="Bench", role=Role.STAFF
            )
        )
    teams = []
    for name in ("Bench team North", "Bench team South"):
        team = db.session.scalar(db.select(SalesTeam).where(SalesTeam.name == name)) or SalesTeam(name=name)
        db.session.add(team)
        teams.append(team)
    db.session.flush()
    people = []
    for i, (first, ascii_first) in enumerate(FIRST_NAMES[:5]):
        email = f"bench-seller-{ascii_first}@example.com"
        person = db.session.scalar(db.select(User).where(User.email == email)) or User(
            email=email,
            password_hash=hash_password(STAFF_PASSWORD),
            name=f"{first} {LAST_NAMES[i][0]}",
            role=Role.STAFF,
            salesperson=True,
            sales_team_id=teams[i % 2].id,
        )
        db.session.add(person)
        people.append(person)
    warehouse = db.session.scalar(db.select(Warehouse).where(Warehouse.code == "BENCH")) or Warehouse(
        code="BENCH", name={"en": "Bench warehouse"}, pickup=True, pickup_weekdays=[0, 1, 2, 3, 4, 5]
    )
    db.session.add(warehouse)
    category = db.session.scalar(db.select(Category).where(Category.slug == "bench")) or Category(
        slug="bench", name={"en": "Bench"}
    )
    db.session.add(category)
    db.session.flush()
    rng = random.Random(7)
    for p in range(VARIANTS // len(SIZES)):
        slug = f"bench-{p:04d}"
        if db.session.scalar(db.select(Product.id).where(Product.slug == slug)) is not None:
            continue
        code = PRODUCTS[p % len(PRODUCTS)]
        price = Decimal(rng.randrange(4900, 99900)) / 100
        product = Product(slug=slug, category=category, name={"en": f"{code} model {p}"}, description={})
        for i, size in enumerate(SIZES):
            product.variants.append(
                Variant(
                    sku=f"{code}-{p:04d}-{size}",
                    name={"en": size},
                    price=price,
                    vat_rate=Decimal("20"),
                    position=i,
                )
            )
        db.session.add(product)
    db.session.commit()
    variants = [
        (v.id, v.sku, v.price)
        for v in db.session.scalars(
            db.select(Variant).where(Variant.sku.like("%-____-_")).order_by(Variant.id)
        )
    ][:VARIANTS]
    statuses = {s.code: s.id for s in db.session.scalars(db.select(OrderStatus))}
    return World(
        statuses=statuses,
        salespeople=[p.id for p in people],
        teams=[p.sales_team_id for p in people],
        variants=variants,
        warehouse_id=warehouse.id,
        prefix=settings.current().order_number_prefix,
    )


def check_search_text(samples: int = 500) -> None:
    """The fill wrote orders.search_text as shop.search keeps it (the PostgreSQL fill computes
    it in SQL): compare a sample spread over the table, else the search cases measure nothing."""
    from shop.extensions import db
    from shop.sales.models import Order
    from shop.search import order_search_text

    last = db.session.scalar(db.select(db.func.max(Order.id))) or 0
    step = max(1, last // samples)
    rows = db.session.execute(
        db.select(Order.id, Order.name, Order.company_name, Order.email, Order.phone, Order.search_text)
        .where(Order.id % step == 0)
        .limit(samples)
    )
    for row in rows:
        expected = order_search_text(
            name=row.name, company_name=row.company_name, email=row.email, phone=row.phone
        )
        if row.search_text != expected:
            raise SystemExit(f"order {row.id}: search_text {row.search_text!r}, expected {expected!r}")


def existing_orders() -> int:
    from shop.extensions import db

    return db.session.scalar(text("SELECT count(*) FROM orders WHERE state <> 'quotation'")) or 0


# --- filling: PostgreSQL ---------------------------------------------------------------------------


def _pg_array(values, cast: str) -> str:  # noqa: ANN001
    def literal(value) -> str:  # noqa: ANN001
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return str(value)

    return f"(ARRAY[{', '.join(literal(v) for v in values)}]::{cast}[])"


def fill_postgresql(world: World, orders: int, batch: int) -> None:
    from shop.extensions import db
    from shop.search import fold

    total_rows = orders + orders // ORDERS_PER_CART
    # Row g is a cart when g % 11 == 0: with total_rows = N + N/10 that leaves N orders.
    stride = ORDERS_PER_CART + 1
    step_seconds = DAYS * 86400 / max(total_rows, 1)
    start = datetime.now(UTC) - timedelta(days=DAYS)
    v_ids = _pg_array([v[0] for v in world.variants], "int")
    v_skus = _pg_array([v[1] for v in world.variants], "text")
    v_prices = _pg_array([v[2] for v in world.variants], "numeric")
    firsts = _pg_array([f for f, _a in FIRST_NAMES], "text")
    firsts_ascii = _pg_array([a for _f, a in FIRST_NAMES], "text")
    lasts = _pg_array([f for f, _a in LAST_NAMES], "text")
    lasts_ascii = _pg_array([a for _f, a in LAST_NAMES], "text")
    firsts_folded = _pg_array([fold(f) for f, _a in FIRST_NAMES], "text")
    lasts_folded = _pg_array([fold(f) for f, _a in LAST_NAMES], "text")
    domains = _pg_array(DOMAINS, "text")
    cities = _pg_array(CITIES, "text")
    people = _pg_array(world.salespeople, "int")
    teams = _pg_array(world.teams, "int")
    s = world.statuses
    nv = len(world.variants)

    def r(i: int) -> str:
        """A deterministic pseudo-random non-negative int per row and salt."""
        return f"(hashint8(g::bigint * 64 + {i}) & 2147483647)"

    # How many lines, which variants, what quantities: the same expressions for orders and lines.
    line_count = f"(1 + mod({r(16)}, 3))"
    variant_index = f"(mod({r(17)} + k * 97, {nv}) + 1)"
    quantity = "(1 + mod(g + k, 2))"
    lines_total = (
        f"(SELECT sum({quantity} * {v_prices}[{variant_index}]) FROM generate_series(1, {line_count}) k)"
    )
    orders_sql = f"""
        INSERT INTO orders (
            id, number, state, source, locale, currency, tracking_token, email, phone, name,
            address_line, city, postal_code, country, company_name, tax_id, delivery_method,
            pickup_warehouse_id, pickup_date, delivery_price, delivery_vat_rate, payment_method,
            payment_state, amount_paid, status_id, tracking_number, carrier, salesperson_id,
            sales_team_id, net_total, tax_total, total, created_at, updated_at, confirmed_at,
            paid_at, expires_at, customer_id, search_text)
        SELECT
            g,
            CASE WHEN kind <> 'cart'
                 THEN '{world.prefix}' || lpad(g::text, greatest(6, length(g::text)), '0') END,
            CASE kind WHEN 'cart' THEN 'quotation' WHEN 'awaiting' THEN 'quotation_sent'
                 WHEN 'expired' THEN 'cancelled' WHEN 'cancelled' THEN 'cancelled' ELSE 'sales_order' END,
            CASE WHEN mod(r6, 100) < 80 THEN 'storefront' WHEN mod(r6, 100) < 95 THEN 'marketplace'
                 ELSE 'phone' END,
            'tr', 'TRY', md5(g::text),
            email, phone, name,
            CASE WHEN kind = 'cart' OR delivery = 'pickup' THEN ''
                 ELSE 'Cadde ' || mod(r15, 300) || ' No ' || mod(r15, 97) END,
            CASE WHEN kind = 'cart' OR delivery = 'pickup' THEN ''
                 ELSE {cities}[mod(r15, {len(CITIES)}) + 1] END,
            CASE WHEN kind = 'cart' OR delivery = 'pickup' THEN ''
                 ELSE lpad(mod(r15, 99999)::text, 5, '0') END,
            CASE WHEN kind = 'cart' THEN '' WHEN mod(r13, 10) < 6 THEN 'TR'
                 WHEN mod(r13, 10) < 8 THEN 'PL' ELSE 'IR' END,
            '', '',
            CASE WHEN kind = 'cart' THEN NULL ELSE delivery END,
            CASE WHEN delivery = 'pickup' AND kind <> 'cart' THEN {world.warehouse_id} END,
            CASE WHEN delivery = 'pickup' AND kind <> 'cart' THEN (created + interval '2 days')::date END,
            delivery_price, 20,
            CASE WHEN kind = 'cart' THEN NULL WHEN mod(r4, 100) < 50 THEN 'card'
                 WHEN mod(r4, 100) < 65 THEN 'bank_transfer' ELSE 'cash' END,
            CASE WHEN paid THEN 'paid' ELSE 'not_paid' END,
            CASE WHEN paid THEN lines_total + delivery_price ELSE 0 END,
            CASE kind WHEN 'new' THEN {s["new"]} WHEN 'processing' THEN {s["processing"]}
                 WHEN 'shipped' THEN {s["shipped"]} WHEN 'completed' THEN {s["completed"]}
                 WHEN 'cancelled' THEN {s["cancelled"]} WHEN 'returned' THEN {s["returned"]} END,
            CASE WHEN kind IN ('shipped', 'completed', 'returned') AND delivery = 'carrier'
                 THEN 'YK' || lpad(mod(r14, 100000000)::text, 10, '0') ELSE '' END,
            CASE WHEN kind IN ('shipped', 'completed', 'returned') AND delivery = 'carrier'
                 THEN 'yurtici' ELSE '' END,
            CASE WHEN has_seller THEN {people}[mod(r8, 5) + 1] END,
            CASE WHEN has_seller THEN {teams}[mod(r8, 5) + 1] END,
            round((lines_total + delivery_price) / 1.2, 2),
            (lines_total + delivery_price) - round((lines_total + delivery_price) / 1.2, 2),
            lines_total + delivery_price,
            created, created,
            CASE WHEN kind <> 'cart' THEN created + interval '1 minute' END,
            CASE WHEN paid THEN created + interval '5 minutes' END,
            CASE WHEN kind IN ('awaiting', 'expired') THEN created + interval '72 hours' END,
            NULL,
            -- as shop.search.order_search_text makes it (checked after the fill)
            concat_ws(E'\\n', nullif(folded_name, ''), nullif(email, ''), nullif(ltrim(phone, '+'), ''))
        FROM (
            SELECT g, r1, r4, r6, r8, r9, r10, r11, r12, r13, r14, r15, created, kind, delivery, lines_total,
                   CASE WHEN kind = 'cart' AND mod(r1, 3) > 0 THEN ''
                        ELSE {firsts_ascii}[mod(r9, {len(FIRST_NAMES)}) + 1]
                             || '.' || {lasts_ascii}[mod(r10, {len(LAST_NAMES)}) + 1]
                             || mod(r11, 1000) || '@' || {domains}[mod(r12, {len(DOMAINS)}) + 1] END AS email,
                   CASE WHEN kind = 'cart' THEN ''
                        WHEN mod(r13, 10) < 6 THEN '+905' || lpad(mod(r14, 1000000000)::text, 9, '0')
                        WHEN mod(r13, 10) < 8 THEN '+48' || lpad(mod(r14, 1000000000)::text, 9, '0')
                        ELSE '+989' || lpad(mod(r14, 1000000000)::text, 9, '0') END AS phone,
                   CASE WHEN kind = 'cart' THEN ''
                        ELSE {firsts}[mod(r9, {len(FIRST_NAMES)}) + 1] || ' '
                             || {lasts}[mod(r10, {len(LAST_NAMES)}) + 1] END AS name,
                   CASE WHEN kind = 'cart' THEN ''
                        ELSE {firsts_folded}[mod(r9, {len(FIRST_NAMES)}) + 1] || ' '
                             || {lasts_folded}[mod(r10, {len(LAST_NAMES)}) + 1] END AS folded_name,
                   CASE WHEN kind = 'cart' THEN 0 WHEN delivery = 'carrier' THEN 79.90
                        WHEN delivery = 'courier' THEN 49.90 ELSE 0 END AS delivery_price,
                   kind NOT IN ('cart', 'awaiting', 'expired') AND mod(r5, 100) < 75 AS paid,
                   kind <> 'cart' AND mod(r7, 10) < 7 AS has_seller
            FROM (
                SELECT g, {r(1)} AS r1, {r(4)} AS r4, {r(5)} AS r5, {r(6)} AS r6, {r(7)} AS r7, {r(8)} AS r8,
                       {r(9)} AS r9, {r(10)} AS r10, {r(11)} AS r11, {r(12)} AS r12, {r(13)} AS r13,
                       {r(14)} AS r14, {r(15)} AS r15,
                       timestamptz '{start.isoformat()}'
                           + make_interval(
                               secs => ((g - 1) + mod({r(18)}, 1000000) / 1000000.0) * {step_seconds})
                           AS created,
                       CASE WHEN mod(g, {stride}) = 0 THEN 'cart'
                            WHEN mod({r(2)}, 1000) < 20 THEN 'awaiting'
                            WHEN mod({r(2)}, 1000) < 30 THEN 'expired'
                            WHEN mod({r(3)}, 1000) < 80 THEN 'new'
                            WHEN mod({r(3)}, 1000) < 180 THEN 'processing'
                            WHEN mod({r(3)}, 1000) < 300 THEN 'shipped'
                            WHEN mod({r(3)}, 1000) < 900 THEN 'completed'
                            WHEN mod({r(3)}, 1000) < 950 THEN 'cancelled'
                            ELSE 'returned' END AS kind,
                       CASE WHEN mod({r(19)}, 100) < 60 THEN 'carrier'
                            WHEN mod({r(19)}, 100) < 85 THEN 'courier' ELSE 'pickup' END AS delivery,
                       {lines_total} AS lines_total
                FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g
            ) raw
        ) shaped
    """
    lines_sql = f"""
        INSERT INTO order_lines (order_id, variant_id, quantity, sku, product_name, variant_name,
                                 unit_price, vat_rate, gross, net, tax, order_created_at)
        SELECT g, {v_ids}[{variant_index}], {quantity}, {v_skus}[{variant_index}],
               json_build_object('en', split_part({v_skus}[{variant_index}], '-', 1) || ' model '
                                 || ltrim(split_part({v_skus}[{variant_index}], '-', 2), '0')),
               json_build_object('en', split_part({v_skus}[{variant_index}], '-', 3)),
               {v_prices}[{variant_index}], 20,
               {quantity} * {v_prices}[{variant_index}],
               round({quantity} * {v_prices}[{variant_index}] / 1.2, 2),
               {quantity} * {v_prices}[{variant_index}]
                   - round({quantity} * {v_prices}[{variant_index}] / 1.2, 2),
               (SELECT created_at FROM orders WHERE orders.id = g)
        FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g
            CROSS JOIN LATERAL generate_series(1, {line_count}) k
    """
    began = time.perf_counter()
    with db.engine.connect() as connection:
        connection.execute(text("TRUNCATE orders RESTART IDENTITY CASCADE"))
        # Secondary indexes are rebuilt once after the load: far faster than row by row.
        indexes = connection.execute(
            text(
                """
                SELECT i.relname, pg_get_indexdef(i.oid)
                FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid
                JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname IN ('orders', 'order_lines')
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
                """
            )
        ).all()
        for name, _definition in indexes:
            connection.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        connection.commit()
        try:
            connection.execute(text("SET session_replication_role = replica"))  # no FK triggers
            connection.execute(text("SET synchronous_commit = off"))
            for lo in range(1, total_rows + 1, batch):
                hi = min(lo + batch - 1, total_rows)
                connection.execute(text(orders_sql), {"lo": lo, "hi": hi})
                connection.execute(text(lines_sql), {"lo": lo, "hi": hi})
                connection.commit()
                elapsed = time.perf_counter() - began
                print(f"  filled {hi:,} of {total_rows:,} rows ({elapsed:.0f} s)", file=sys.stderr)
            connection.execute(text("SET session_replication_role = DEFAULT"))
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))")
            )
            connection.commit()
        finally:
            # Even after a failed or interrupted load: the schema keeps every index it had.
            connection.rollback()
            connection.execute(text("SET maintenance_work_mem = '512MB'"))
            for name, definition in indexes:
                connection.execute(
                    text(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
                )
                connection.commit()
                print(f"  index {name} ({time.perf_counter() - began:.0f} s)", file=sys.stderr)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE orders"))
        connection.execute(text("VACUUM ANALYZE order_lines"))
    print(f"  filled and analysed in {time.perf_counter() - began:.0f} s", file=sys.stderr)


# --- filling: SQLite ----------------------------------------------------------------------------------


def fill_sqlite(world: World, orders: int, batch: int) -> None:
    from shop.extensions import db
    from shop.search import order_search_text

    rng = random.Random(42)
    total_rows = orders + orders // ORDERS_PER_CART
    stride = ORDERS_PER_CART + 1
    step = timedelta(days=DAYS) / max(total_rows, 1)
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=DAYS)
    s = world.statuses
    began = time.perf_counter()

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    columns = ", ".join(
        """id number state source locale currency tracking_token email phone name address_line city
        postal_code country company_name tax_id delivery_method pickup_warehouse_id pickup_date
        delivery_price delivery_vat_rate payment_method payment_state amount_paid status_id
        tracking_number carrier salesperson_id sales_team_id net_total tax_total total created_at
        updated_at confirmed_at paid_at expires_at search_text""".split()
    )
    order_sql = f"INSERT INTO orders ({columns}) VALUES ({', '.join('?' * 38)})"
    line_sql = (
        "INSERT INTO order_lines (order_id, variant_id, quantity, sku, product_name, variant_name, "
        "unit_price, vat_rate, gross, net, tax, order_created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with db.engine.connect() as connection:
        for table in ("order_events", "order_lines", "orders"):
            connection.exec_driver_sql(f"DELETE FROM {table}")
        connection.commit()
        for lo in range(1, total_rows + 1, batch):
            hi = min(lo + batch - 1, total_rows)
            order_rows, line_rows = [], []
            for g in range(lo, hi + 1):
                created = start + step * (g - 1 + rng.random())
                cart = g % stride == 0
                roll = rng.randrange(1000)
                kind = (
                    "cart"
                    if cart
                    else "awaiting"
                    if roll < 20
                    else "expired"
                    if roll < 30
                    else rng.choices(
                        ["new", "processing", "shipped", "completed", "cancelled", "returned"],
                        [80, 100, 120, 600, 50, 50],
                    )[0]
                )
                delivery = rng.choices(["carrier", "courier", "pickup"], [60, 25, 15])[0]
                picks = rng.sample(world.variants, 1 + rng.randrange(3))
                lines_total = Decimal(0)
                for variant_id, sku, price in picks:
                    quantity = 1 + rng.randrange(2)
                    gross = price * quantity
                    net = (gross / Decimal("1.2")).quantize(Decimal("0.01"))
                    lines_total += gross
                    line_rows.append(
                        (
                            g,
                            variant_id,
                            quantity,
                            sku,
                            json.dumps({"en": sku[:3]}),
                            json.dumps({"en": sku[-1]}),
                            str(price),
                            "20",
                            str(gross),
                            str(net),
                            str(gross - net),
                            stamp(created),
                        )
                    )
                delivery_price = (
                    Decimal({"carrier": "79.90", "courier": "49.90"}.get(delivery, "0")) if not cart else 0
                )
                total = lines_total + delivery_price
                net_total = (total / Decimal("1.2")).quantize(Decimal("0.01"))
                paid = kind not in ("cart", "awaiting", "expired") and rng.random() < 0.75
                first, first_ascii = rng.choice(FIRST_NAMES)
                last, last_ascii = rng.choice(LAST_NAMES)
                seller = rng.randrange(5) if not cart and rng.random() < 0.7 else None
                country = rng.choices(["TR", "PL", "IR"], [6, 2, 2])[0]
                phone = {"TR": "+905", "PL": "+48", "IR": "+989"}[country] + f"{rng.randrange(10**9):09d}"
                state = {"cart": "quotation", "awaiting": "quotation_sent", "expired": "cancelled"}.get(
                    kind, "cancelled" if kind == "cancelled" else "sales_order"
                )
                mailbox = f"{first_ascii}.{last_ascii}{rng.randrange(1000)}"
                email = "" if cart else f"{mailbox}@{rng.choice(DOMAINS)}"
                phone, name = ("", "") if cart else (phone, f"{first} {last}")
                order_rows.append(
                    (
                        g,
                        None if cart else f"{world.prefix}{g:06d}",
                        state,
                        rng.choices(["storefront", "marketplace", "phone"], [80, 15, 5])[0],
                        "tr",
                        "TRY",
                        f"{g:032x}",
                        email,
                        phone,
                        name,
                        "" if cart or delivery == "pickup" else f"Cadde {rng.randrange(300)}",
                        "" if cart or delivery == "pickup" else rng.choice(CITIES),
                        "" if cart or delivery == "pickup" else f"{rng.randrange(99999):05d}",
                        "" if cart else country,
                        "",
                        "",
                        None if cart else delivery,
                        world.warehouse_id if delivery == "pickup" and not cart else None,
                        (created + timedelta(days=2)).date().isoformat()
                        if delivery == "pickup" and not cart
                        else None,
                        str(delivery_price),
                        "20",
                        None if cart else rng.choices(["card", "bank_transfer", "cash"], [50, 15, 35])[0],
                        "paid" if paid else "not_paid",
                        str(total if paid else 0),
                        s.get(kind),
                        "",
                        "",
                        world.salespeople[seller] if seller is not None else None,
                        world.teams[seller] if seller is not None else None,
                        str(net_total),
                        str(total - net_total),
                        str(total),
                        stamp(created),
                        stamp(created),
                        None if cart else stamp(created + timedelta(minutes=1)),
                        stamp(created + timedelta(minutes=5)) if paid else None,
                        stamp(created + timedelta(hours=72)) if kind in ("awaiting", "expired") else None,
                        order_search_text(name=name, company_name="", email=email, phone=phone),
                    )
                )
            connection.exec_driver_sql(order_sql, order_rows)
            connection.exec_driver_sql(line_sql, line_rows)
            connection.commit()
            print(
                f"  filled {hi:,} of {total_rows:,} rows ({time.perf_counter() - began:.0f} s)",
                file=sys.stderr,
            )
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


# --- measuring --------------------------------------------------------------------------------------


def log_in(client) -> None:  # noqa: ANN001
    """Log in through the back-office form, CSRF token and all, as a browser would."""
    page = client.get("/admin/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    token = token or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page.get_data(as_text=True))
    assert token, "no CSRF token on /admin/login"
    response = client.post(
        "/admin/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, f"login failed: {response.status_code}"


def cases(world: World) -> dict[str, str]:
    """Case name -> query string of /admin/orders."""
    from shop.extensions import db
    from shop.orders.listing import Cursor
    from shop.sales.models import Order, OrderState
    from shop.search import fold

    s = world.statuses
    orders = db.select(Order).where(Order.state != OrderState.QUOTATION)
    # A customer's e-mail and phone from the middle of the data: search for fragments of them.
    middle = db.session.scalars(
        orders.where(Order.email != "").order_by(Order.id).offset(existing_orders() // 2).limit(1)
    ).one()
    fragment = middle.email.split("@")[0][1:]  # "ehmet.yilmaz417": a handful of customers' orders
    number = (
        db.session.scalars(orders.order_by(Order.id).offset(existing_orders() // 3).limit(1)).one().number
    )
    sku = world.variants[len(world.variants) // 3][1]  # one of 300 SKUs: about 0.7% of orders

    def cursor_at(position: int, *conditions) -> str:
        """The cursor after the row at ``position`` (0-based) of the list, newest first."""
        row = db.session.execute(
            db.select(Order.created_at, Order.id)
            .where(Order.state != OrderState.QUOTATION, *conditions)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .offset(position)
            .limit(1)
        ).one_or_none()
        return str(Cursor(row.created_at, row.id)) if row else ""

    # The 500th page starts after the last row of page 499.
    page_500 = cursor_at(499 * 50 - 1)
    page_500_status = cursor_at(499 * 50 - 1, Order.status_id == s["completed"])
    today = datetime.now(UTC).date()
    month_ago_year = today - timedelta(days=365)
    return {
        "no_filter": "",
        "no_filter_htmx": "",  # the same, as the fragment htmx asks for
        "status": urlencode({"status": s["processing"]}),
        "status_group": urlencode({"group": "in_progress"}),
        "awaiting_payment": urlencode({"group": "awaiting_payment"}),
        "delivery_method": urlencode({"delivery": "pickup"}),
        "payment_state": urlencode({"payment": "not_paid"}),
        "source": urlencode({"source": "phone"}),
        "salesperson": urlencode({"salesperson": world.salespeople[2]}),
        "sales_team": urlencode({"team": world.teams[1]}),
        "date_range": urlencode(
            {"from": (month_ago_year - timedelta(days=7)).isoformat(), "to": month_ago_year.isoformat()}
        ),
        "three_filters": urlencode({"status": s["completed"], "delivery": "courier", "payment": "paid"}),
        "search_email": urlencode({"q": fragment}),
        # Typed as a Turkish keyboard in capitals would ("AYŞE YILMAZ"): one customer name in 900.
        "search_name": urlencode({"q": middle.name.upper()}),
        # A surname without its letters ("yilmaz" for Yılmaz): one order in 30, a common name.
        "search_surname": urlencode({"q": fold(middle.name.split()[-1])}),
        "search_sku": urlencode({"q": sku}),
        "search_phone": urlencode({"q": middle.phone[-7:]}),
        "search_number": urlencode({"q": number[:-1]}),  # the beginning of a number: ten orders
        "page_500": urlencode({"after": page_500}),
        "page_500_status": urlencode({"status": s["completed"], "after": page_500_status}),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def request(client, name: str, query: str) -> tuple[float, int]:  # noqa: ANN001
    """One GET of the list as the case asks for it: milliseconds and rows shown."""
    url = "/admin/orders" + (f"?{query}" if query else "")
    headers = {"HX-Request": "true"} if name.endswith("_htmx") else {}
    began = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, f"{name}: {response.status_code}"
    return elapsed, response.get_data(as_text=True).count("<tr data-number=")


def measure(client, queries: dict[str, str], repeat: int) -> dict[str, tuple[float, float, int]]:  # noqa: ANN001
    """Each case ``repeat`` times, round-robin (case after case, then again), so that whatever
    else the machine does is spread over all cases alike; p50, p95 and rows per case."""
    rows = {name: request(client, name, query)[1] for name, query in queries.items()}  # warm-up
    timings: dict[str, list[float]] = {name: [] for name in queries}
    for _ in range(repeat):
        for name, query in queries.items():
            timings[name].append(request(client, name, query)[0])
    return {
        name: (percentile(values, 0.5), percentile(values, 0.95), rows[name])
        for name, values in timings.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--orders", type=int, required=True, help="sales orders to have (carts come on top)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per case")
    parser.add_argument("--batch", type=int, default=100_000, help="rows per insert batch")
    parser.add_argument("--refill", action="store_true", help="refill even if N orders are there")
    parser.add_argument(
        "--no-gc-freeze", action="store_true", help="measure without gc.freeze() after the warm-up"
    )
    args = parser.parse_args(argv)

    from shop.extensions import db

    app = make_app(args.database_url)
    with app.app_context():
        world = prepare()
        have = existing_orders()
        db.session.remove()  # end its transaction: the fill truncates and rebuilds indexes
        if args.refill or have != args.orders:
            print(f"filling {args.orders:,} orders (had {have:,})", file=sys.stderr)
            if db.engine.dialect.name == "postgresql":
                fill_postgresql(world, args.orders, args.batch)
            else:
                fill_sqlite(world, args.orders, args.batch)
            check_search_text()
        else:
            print(f"reusing the {have:,} orders there", file=sys.stderr)
        orders = existing_orders()
        queries = cases(world)
        dialect = db.engine.dialect.name
        db.session.remove()

    client = app.test_client()
    log_in(client)
    if not args.no_gc_freeze:
        # As a long-running server should (gunicorn: after loading the app): the objects made at
        # start-up move out of the collector's reach, else each full collection walks them all,
        # a 90 ms pause every few dozen requests that lands in the p95.
        for _ in range(5):
            request(client, "warm_up", "")
        gc.collect()
        gc.freeze()
    frozen = "without gc.freeze()" if args.no_gc_freeze else "gc.freeze() after warm-up"
    print(f"order list on {dialect}, {orders:,} orders, {args.repeat} requests per case, {frozen}")
    print(f"{'case':<18} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8}")
    results = measure(client, queries, args.repeat)
    for name, (p50, p95, rows) in results.items():
        print(f"{name:<18} {rows:>5} {p50:>8.1f} {p95:>8.1f}")
    first, deep = results["no_filter"][0], results["page_500"][0]
    print(f"page 500 / page 1 (p50): {deep / first:.2f}")
    worst = max(results, key=lambda name: results[name][1])
    print(f"order_list orders={orders} p95_ms={results[worst][1]:.1f} worst={worst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
