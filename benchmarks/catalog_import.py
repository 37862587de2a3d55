"""Benchmark of the catalog CSV import (issue 11): N rows through the worker's own code.

    .venv/bin/python -m benchmarks.catalog_import --database-url postgresql://USER@HOST/DB --rows 10000

1. Builds the schema with the app's migrations if it is not there; two warehouses (CI-A, CI-B)
   and a category (ci-cat) of its own.
2. Writes a file of N rows: N/2 new products (names in English, Turkish, Polish and Persian,
   slugs ci<run>-p-n) with two SKUs each, a price, a VAT rate and stock in both warehouses.
   Each run uses its own prefix, so runs add to the catalog rather than delete from it.
3. Imports it as the worker does (jobs.enqueue, jobs.claim, jobs.run: check every row, then
   apply in one transaction: N variants, N receipts in the ledger) and prints the figures.
4. Imports the same rows again with every price and every count changed (N price changes in
   the history, N count corrections) and prints those figures.
The last line is ``catalog_import rows=N seconds=X validate_s=Y apply_s=Z`` for the first
import (new products). Target (issue 11): 10,000 rows in under a minute on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import sys
import time

LANGUAGES = ("en", "tr", "pl", "fa")
NAMES = ("Linen shirt", "Keten gömlek", "Lniana koszula", "پیراهن کتانی")


def make_app(url: str):
    from shop import create_app

    logging.getLogger("flask_limiter").setLevel(logging.ERROR)
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "catalog-import-benchmark", "SERVER_NAME": None}
    )


def prepare() -> None:
    from flask_migrate import upgrade

    from shop.catalog.models import Category, Warehouse
    from shop.extensions import db
    from shop.orders.defaults import install_default_statuses

    upgrade()
    install_default_statuses()
    for code in ("CI-A", "CI-B"):
        if db.session.scalar(db.select(Warehouse).where(Warehouse.code == code)) is None:
            db.session.add(Warehouse(code=code, name={"en": f"Import bench {code[-1]}"}))
    if db.session.scalar(db.select(Category).where(Category.slug == "ci-cat")) is None:
        db.session.add(Category(slug="ci-cat", name={"en": "Import bench"}))
    db.session.commit()


def make_file(rows: int, run: str, *, bump: int = 0) -> bytes:
    """``rows`` rows of new products (two SKUs each); ``bump`` changes every price and count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = ["product", *(f"name_{code}" for code in LANGUAGES), "category", "published", "sku", "options"]
    writer.writerow([*header, "price", "vat_rate", "stock_CI-A", "stock_CI-B"])
    for row in range(rows):
        product, variant = divmod(row, 2)
        names = [f"{name} {product}" for name in NAMES]
        writer.writerow(
            [
                f"ci{run}-p-{product}",
                *names,
                "ci-cat",
                "yes",
                f"CI{run}-{product}-{'AB'[variant]}",
                f"size={'SM'[variant]}",
                f"{100 + row % 50 + bump}.90",
                "20",
                str(5 + row % 7 + bump),
                str(row % 3 + bump),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def run_import(content: bytes) -> tuple[float, dict]:
    from shop.catalog.csv_transfer import jobs
    from shop.extensions import db

    job = jobs.enqueue(content, filename="bench.csv", separator="", user=None, locale="en")
    db.session.commit()
    started = time.perf_counter()
    job_id = jobs.claim()
    job = jobs.run(job_id)
    seconds = time.perf_counter() - started
    if job.status != "done":
        raise SystemExit(f"import failed: {job.errors[:5]}")
    summary = dict(job.summary)
    db.session.remove()
    return seconds, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    app = make_app(args.database_url)
    with app.app_context():
        prepare()
        run = str(int(time.time()))
        seconds, created = run_import(make_file(args.rows, run))
        print(
            f"new products: {args.rows} rows in {seconds:.1f} s (check {created['validate_s']} s,"
            f" apply {created['apply_s']} s): {created['products_created']} products,"
            f" {created['variants_created']} variants, {created['stock_moves']} ledger rows"
        )
        update_seconds, updated = run_import(make_file(args.rows, run, bump=1))
        print(
            f"updates: {args.rows} rows in {update_seconds:.1f} s (check {updated['validate_s']} s,"
            f" apply {updated['apply_s']} s): {updated['variants_updated']} variants changed,"
            f" {updated['stock_moves']} count corrections"
        )
        print(
            f"catalog_import rows={args.rows} seconds={seconds:.2f}"
            f" validate_s={created['validate_s']} apply_s={created['apply_s']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
