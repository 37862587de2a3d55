"""Catalog CSV export and import (issue 11): a round trip changes nothing, rows create and update
by SKU through the catalog's rules, stock moves are ledger rows with reference "import", and a
file with any bad row imports nothing and says what is wrong by row and column."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shop.catalog.csv_transfer import columns, export, jobs
from shop.catalog.models import CatalogImport, Category, Product, ProductChange, Stock, StockMove, Variant
from shop.extensions import db
from tests.factories import make_product, make_user, make_warehouse

BASE = ["product", "name_en", "category", "published", "sku", "options", "price", "vat_rate"]


def exported(separator: str = ",") -> bytes:
    return ("\ufeff" + "".join(columns.stream_rows(export.rows(), separator))).encode("utf-8")


def table(text: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))


def csv_bytes(header: list[str], *rows: list[str], separator: str = ",", bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def run_import(content: bytes, *, separator: str = "", user=None) -> CatalogImport:  # noqa: ANN001
    job = jobs.enqueue(content, filename="catalog.csv", separator=separator, user=user, locale="en")
    db.session.commit()
    assert jobs.claim() == job.id
    return jobs.run(job.id)


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Product, Variant, StockMove, ProductChange)
    )


@pytest.fixture
def shop():
    """Two warehouses, a category, a product with two SKUs stocked in the first warehouse."""
    main, second = make_warehouse("MAIN"), make_warehouse("SEC")
    db.session.add(Category(slug="shirts", name={"en": "Shirts"}))
    product = make_product(stock={main: 7}, variants=2, price="129.90", vat_rate="20")
    db.session.commit()
    return product, main, second


def test_round_trip_changes_nothing_and_writes_no_ledger_rows(shop):
    before = counts()
    content = exported()

    job = run_import(content)

    assert job.status == "done", job.errors
    assert counts() == before
    assert job.summary["stock_moves"] == 0 and job.summary["variants_updated"] == 0


def test_export_has_one_row_per_sku_with_stock_per_warehouse(shop):
    product, _main, _second = shop
    rows = table(exported())

    assert [row["sku"] for row in rows] == [v.sku for v in product.variants]
    assert rows[0]["product"] == product.slug and rows[0]["price"] == "129.90" and rows[0]["vat_rate"] == "20"
    assert rows[0]["stock_MAIN"] == "7" and rows[0]["stock_SEC"] == ""  # no stock row there
    assert rows[0]["name_fa"] == product.name["fa"]


def test_a_text_a_spreadsheet_would_run_as_a_formula_is_exported_as_text_and_imported_back(shop):
    product, _main, _second = shop
    product.name = {**product.name, "en": "=HYPERLINK(\"http://x.example\",\"Sale\")"}
    product.description = {"en": "-20% this week", "tr": "'=literally"}
    db.session.commit()

    rows = table(exported())
    assert rows[0]["name_en"] == "'=HYPERLINK(\"http://x.example\",\"Sale\")"
    assert rows[0]["description_en"] == "'-20% this week"
    assert run_import(exported()).status == "done"
    db.session.expire_all()
    again = db.session.get(Product, product.id)
    assert again.name["en"].startswith("=HYPERLINK") and again.description["en"] == "-20% this week"
    assert again.description["tr"] == "'=literally"


def test_semicolon_export_and_import(shop):
    content = exported(";")
    assert content.startswith(b"\xef\xbb\xbf") and b";" in content.split(b"\r\n")[0]

    assert run_import(content).status == "done"


def test_new_products_and_variants_with_texts_in_every_language(shop):
    _product, main, _second = shop
    header = [*BASE, "name_tr", "name_pl", "name_fa", "stock_MAIN"]
    content = csv_bytes(
        header,
        [
            "gomlek",
            "Shirt",
            "shirts",
            "yes",
            "GOM-S",
            "size=S|colour=Kırmızı",
            "199,90",
            "20",
            "Gömlek",
            "Żółw",
            "پیراهن",
            "4",
        ],
        ["gomlek", "", "", "", "GOM-M", "size=M", "209.90", "10", "", "", "", ""],
    )

    job = run_import(content, user=make_user("staff"))

    assert job.status == "done", job.errors
    product = db.session.scalar(select(Product).where(Product.slug == "gomlek"))
    assert product.name == {"en": "Shirt", "tr": "Gömlek", "pl": "Żółw", "fa": "پیراهن"}
    assert product.published and product.category.slug == "shirts"
    assert [(v.sku, v.price, v.options) for v in product.variants] == [
        ("GOM-S", Decimal("199.90"), {"size": "S", "colour": "Kırmızı"}),
        ("GOM-M", Decimal("209.90"), {"size": "M"}),
    ]
    assert job.summary["products_created"] == 1 and job.summary["variants_created"] == 2
    move = db.session.scalar(select(StockMove).where(StockMove.variant_id == product.variants[0].id))
    assert (move.kind, move.quantity_change, move.reference_type, move.reference_id) == (
        "receipt",
        4,
        "import",
        job.id,
    )
    assert move.actor_kind == "user"
    assert db.session.scalar(select(Stock).where(Stock.variant_id == product.variants[1].id)) is None
    whats = set(db.session.scalars(select(ProductChange.what).where(ProductChange.product_id == product.id)))
    assert whats == {"created", "variant_added"}


def test_price_change_is_in_the_history_and_stock_moves_are_receipt_or_count_correction(shop):
    product, main, second = shop
    rows = table(exported())
    rows[0]["price"] = "149.90"
    rows[0]["stock_MAIN"] = "3"  # had 7: a count correction
    rows[0]["stock_SEC"] = "5"  # no stock row: a receipt
    rows[1]["stock_MAIN"] = "7"  # unchanged: nothing
    content = csv_bytes(list(rows[0]), *[list(row.values()) for row in rows])

    job = run_import(content)

    assert job.status == "done", job.errors
    variant = product.variants[0]
    db.session.refresh(variant)
    assert variant.price == Decimal("149.90")
    change = db.session.scalar(select(ProductChange).where(ProductChange.what == "price"))
    assert (change.sku, change.before, change.after) == (variant.sku, "129.9", "149.9")
    moves = db.session.scalars(
        select(StockMove).where(StockMove.reference_type == "import").order_by(StockMove.id)
    ).all()
    assert sorted((m.kind, m.warehouse_id, m.quantity_change, m.reference_id) for m in moves) == sorted(
        [("count_correction", main.id, -4, job.id), ("receipt", second.id, 5, job.id)]
    )
    assert job.summary == {**job.summary, "stock_moves": 2, "variants_updated": 1}


def test_three_bad_rows_import_nothing_and_give_three_messages(shop):
    before = counts()
    content = csv_bytes(
        BASE,
        ["new-one", "New", "shirts", "yes", "NEW-1", "", "10", "20"],
        ["new-two", "Two", "no-such-category", "yes", "NEW-2", "", "10", "20"],
        ["new-three", "Three", "shirts", "yes", "NEW-3", "", "-5", "20"],
        ["new-four", "Four", "shirts", "yes", "NEW-4", "", "10", "17"],
    )

    job = run_import(content)

    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "category"), (4, "price"), (5, "vat_rate")]
    assert counts() == before


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"category": "nope"}, "category", "No category has the slug nope."),
        ({"price": "abc"}, "price", "Write a number such as 129.90."),
        ({"price": "-1"}, "price", "Enter a price greater than 0."),
        ({"price": "1.999"}, "price", "Enter a price with at most 2 decimals."),
        ({"vat_rate": "18"}, "vat_rate", "18 is not one of the shop's VAT rates (0, 1, 10, 20)."),
        ({"name_en": ""}, "name_en", "Enter it in English, the shop's default language."),
        ({"name_en": "x" * 121}, "name_en", "Write at most 120 characters."),
        ({"sku": "bad sku"}, "sku", "Enter a SKU of 1 to 32 letters, digits, dots, dashes or underscores."),
        (
            {"options": "size"},
            "options",
            "Write the options as name=value separated by |, e.g. size=M|colour=Red.",
        ),
        ({"options": "fit=slim"}, "options", "Unknown option fit: the options are size, colour."),
        ({"published": "maybe"}, "published", "Write yes or no."),
        ({"stock_MAIN": "-3"}, "stock_MAIN", "Enter a whole number of units from 0 to 1,000,000."),
        ({"stock_MAIN": "2.5"}, "stock_MAIN", "Enter a whole number of units from 0 to 1,000,000."),
        (
            {"product": "a b"},
            "product",
            "Write the product's address: 1 to 120 letters, digits, dashes or underscores.",
        ),
    ],
)
def test_each_bad_value_is_named_by_row_and_column(shop, cells, column, message):
    row = {
        "product": "fresh",
        "name_en": "Fresh",
        "category": "shirts",
        "published": "yes",
        "sku": "FR-1",
        "options": "",
        "price": "10",
        "vat_rate": "20",
        "stock_MAIN": "",
    }
    row.update(cells)
    before = counts()

    job = run_import(csv_bytes(list(row), list(row.values())))

    assert job.status == "failed"
    assert job.errors == [{"row": 2, "column": column, "message": message}]
    assert counts() == before


def test_sku_rules(shop):
    product, _main, _second = shop
    taken = product.variants[0].sku
    content = csv_bytes(
        BASE,
        ["other", "Other", "shirts", "yes", taken.lower(), "", "10", "20"],  # another product's SKU
        ["fresh", "Fresh", "shirts", "yes", "DUP-1", "", "10", "20"],
        ["fresh", "", "", "", "dup-1", "", "10", "20"],  # the same SKU twice in the file
    )

    job = run_import(content)

    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "sku", f"The SKU {taken.lower()} is already used by another product."),
        (4, "sku", "The SKU dup-1 is also on row 3."),
    ]


def test_a_count_below_what_is_reserved_is_refused(shop, make_cart):
    from shop.sales import services as sales
    from tests.factories import checkout_details

    product, _main, _second = shop
    sales.confirm_quotation(make_cart((product.variants[0], 3)), checkout_details())
    db.session.commit()
    rows = table(exported())
    rows[0]["stock_MAIN"] = "2"

    job = run_import(csv_bytes(list(rows[0]), list(rows[0].values())))

    assert job.errors == [
        {
            "row": 2,
            "column": "stock_MAIN",
            "message": "The count cannot be below 3: 3 are reserved for orders.",
        }
    ]


@pytest.mark.parametrize(
    ("header", "column", "message"),
    [
        ([*BASE, "colour"], "colour", "Unknown column colour."),
        ([*BASE, "stock_NOPE"], "stock_NOPE", "No warehouse has the code NOPE."),
        ([c for c in BASE if c != "price"], "price", "The column price is missing."),
    ],
)
def test_header_problems_by_name(shop, header, column, message):
    job = run_import(csv_bytes(header, ["x"] * len(header)))

    assert job.status == "failed"
    assert {"row": 1, "column": column, "message": message} in job.errors


def test_bom_and_no_bom_and_comma_decimals(shop):
    row = ["fresh", "Fresh", "shirts", "no", "FR-1", "", "12,50", "20"]
    assert run_import(csv_bytes(BASE, row, bom=False)).status == "done"
    row2 = ["fresh", "Fresh", "shirts", "no", "FR-2", "", "12.5", "20"]
    assert run_import(csv_bytes(BASE, row, row2, separator=";")).status == "done"
    prices = db.session.scalars(select(Variant.price).where(Variant.sku.in_(["FR-1", "FR-2"]))).all()
    assert sorted(prices) == [Decimal("12.50"), Decimal("12.50")]


@pytest.mark.parametrize(
    ("encoding", "name"), [("cp1254", "Gömlek ığş"), ("cp1250", "Żółw"), ("utf-16", "پیراهن")]
)
def test_other_encodings_are_refused_clearly(shop, encoding, name):
    text = (
        f"product,name_en,category,published,sku,options,price,vat_rate\r\nx,{name},shirts,yes,X-1,,10,20\r\n"
    )
    before = counts()

    job = run_import(text.encode(encoding))

    assert job.status == "failed"
    assert job.errors[0]["message"].startswith("The file is not in UTF-8.")
    assert counts() == before


def test_a_failure_while_applying_leaves_nothing(shop, monkeypatch):
    from shop.catalog import stock

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise stock.StockRefused("The stock changed meanwhile; check the figures and try again.")

    monkeypatch.setattr(stock, "correct_count", broken)
    rows = table(exported())
    rows[0]["stock_MAIN"] = "1"
    rows[0]["price"] = "1.00"
    before = counts()

    job = run_import(csv_bytes(list(rows[0]), list(rows[0].values())))

    assert job.status == "failed"
    assert counts() == before
    assert db.session.scalar(select(Variant.price).where(Variant.sku == rows[0]["sku"])) == Decimal("129.90")


def test_the_worker_runs_queued_imports(shop):
    from shop.notifications import worker

    job_id = jobs.enqueue(exported(), filename="c.csv", separator="", user=None, locale="en").id
    db.session.commit()

    worker.run(once=True)

    assert db.session.get(CatalogImport, job_id).status == "done"
