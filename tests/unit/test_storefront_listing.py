"""The storefront's product lists (S1) as a service: the search reads an index on both databases
(FTS5 on SQLite, kept in sync by migration 0017's triggers; trigram GIN on PostgreSQL), the
newest-first lists read a page of ids off an index, and the benchmark runs end to end."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from benchmarks import storefront as benchmark
from shop.catalog import listing
from shop.catalog.models import Product
from shop.extensions import db
from tests.factories import make_product


def _last_statement(run, table: str) -> tuple[str, object]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG001
        if f"FROM {table}" in statement:
            seen.append((statement, parameters))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen[0]  # the page of ids (the second statement reads the cards)


def _plan(statement: str, parameters, *, postgresql_hints: bool = True) -> str:  # noqa: ANN001
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in rows)
    if postgresql_hints:  # a tiny table: ask for indexes over walking the whole of it
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))


def slugs(page: listing.ListingPage) -> list[str]:
    return [card.slug for card in page.cards]


def test_a_storefront_search_reads_an_index_on_either_database():
    make_product(name="Keten gömlek")
    db.session.flush()

    plan = _plan(*_last_statement(lambda: listing.product_page(query="GOMLEK", sort=""), "products"))

    if db.session.get_bind().dialect.name == "sqlite":
        assert re.search(r"products_fts VIRTUAL TABLE INDEX \d+:M", plan), plan  # the FTS5 MATCH
    else:
        assert "ix_products_search_text_trgm" in plan, plan


def test_the_full_text_index_follows_every_write_to_a_product():
    shirt = make_product(name="Keten gömlek")
    mug = make_product(name="Bakır kupa", variants=0)  # no stock rows: it can be deleted
    db.session.flush()
    assert slugs(listing.product_page(query="gomlek")) == [shirt.slug]

    shirt.name = {"en": "Linen çaydanlık"}
    db.session.flush()
    assert slugs(listing.product_page(query="gomlek")) == []
    assert slugs(listing.product_page(query="caydanlik")) == [shirt.slug]

    db.session.delete(mug)
    db.session.flush()
    assert slugs(listing.product_page(query="kupa")) == []
    assert db.session.get(Product, shirt.id) is not None


def test_words_too_short_for_the_trigram_index_are_still_found():
    one = make_product(name="Cup XL")
    make_product(name="Plate")
    db.session.flush()

    assert slugs(listing.product_page(query="xl")) == [one.slug]
    assert slugs(listing.product_page(query="xl cup")) == [one.slug]


def test_the_newest_products_come_off_an_index_on_postgresql():
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite picks its plan by itself; the index is there for both")
    make_product()
    db.session.flush()

    plan = _plan(*_last_statement(lambda: listing.product_page(), "products"))

    assert "ix_products_newest" in plan, plan


@pytest.mark.parametrize(
    ("raw", "page"),
    [("2", 2), ("", 1), ("0", 1), ("-3", 1), ("x", 1), ("٢", 1), ("9999999", 1), ("6000", 5000)],
)
def test_a_page_number_is_a_plain_number_within_bounds(raw, page):
    assert listing.parse_page(raw) == page


def test_the_benchmark_runs_end_to_end_on_a_tiny_catalog(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"

    assert benchmark.main(["--database-url", url, "--products", "40", "--small", "20", "--repeat", "2"]) == 0

    out = capsys.readouterr().out.strip().splitlines()
    last = r"storefront products=40 p95_ms=[\d.]+ small_p95_ms=[\d.]+ worst=\w+"
    assert re.fullmatch(last, out[-1]), out[-1]
    cases = [line.split() for line in out if line.startswith(("home ", "search_sku "))]
    shown = {case[0]: int(case[1]) for case in cases}
    assert shown == {"home": 24, "search_sku": 1}  # a full page, and the one product with that SKU
