"""Importing a catalog CSV: check every row, then apply them all, or nothing.

``check`` reads what the file names in a few bulk queries (categories, warehouses, the products
and SKUs it mentions, their stock) and checks each row with the catalog's own rules
(shop.catalog.editing: names per language, price, VAT rate, SKU form, return window, weight);
it returns a Plan or the problems by row and column. ``apply`` carries a Plan out in the
caller's transaction: new products and variants, changed values recorded in the product's
history (editing.assign_product / assign_variant), stock through the ledger (shop.catalog.stock):
a warehouse the SKU had no stock row in is a receipt, a different count a count correction,
both with reference "import" and the import's id.

A row is matched by SKU (any case, as SKUs are unique); a new SKU joins the product of its
``product`` slug, or a new product of that slug. A column left out of the file keeps what is
stored; an empty stock cell leaves that warehouse's stock alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from shop.catalog import editing, stock
from shop.catalog.csv_transfer import columns as c
from shop.catalog.models import Category, Product, Stock, Variant, Warehouse
from shop.extensions import db
from shop.forms import CONTROL_CHARACTERS
from shop.i18n import enabled_languages, format_number
from shop.money import scale
from shop.orders.history import Actor
from shop.settings import services as settings

Progress = Callable[[int], None]  # rows handled so far
PROGRESS_EVERY = 500
CHUNK = 500  # values per IN (...) list
SLUG = re.compile(r"^[\w-]{1,120}$")
KEEP = object()  # a column the file does not have: the stored value stays


@dataclass
class VariantPlan:
    row: int
    variant: Variant | None  # None: a new SKU
    clean: dict[str, Any]  # sku, price, vat_rate, options, position: as editing checks them
    low_stock_threshold: Any = KEEP
    counts: dict[int, int] = field(default_factory=dict)  # warehouse id: units on hand wanted


@dataclass
class ProductPlan:
    slug: str
    row: int
    product: Product | None  # None: a new product
    clean: dict[str, Any]
    variants: list[VariantPlan] = field(default_factory=list)


@dataclass
class Plan:
    products: list[ProductPlan]
    rows: int
    stock: dict[tuple[int, int], tuple[int, int]]  # (variant id, warehouse id): (on hand, reserved)
    warehouses: dict[int, Warehouse]


@dataclass
class Summary:
    products_created: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    stock_moves: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, row: int | None, column: str, message: str) -> None:
        self.items.append({"row": row, "column": column, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- the header ----------------------------------------------------------------------------


def check_header(table: c.Table, problems: Problems) -> dict[str, Warehouse]:
    """The warehouses of the stock columns; unknown, repeated and missing columns by name."""
    languages, _default = enabled_languages()
    warehouses = {w.code: w for w in db.session.scalars(select(Warehouse))}
    known = set(c.header(languages, list(warehouses)))
    seen: set[str] = set()
    used: dict[str, Warehouse] = {}
    for name in table.columns:
        if name in seen:
            problems.add(1, name, gettext("The column %(column)s appears twice.", column=name))
        seen.add(name)
        if name in known:
            if name.startswith("stock_") and name[6:] in warehouses:
                used[name] = warehouses[name[6:]]
        elif name.startswith("stock_"):
            problems.add(1, name, gettext("No warehouse has the code %(code)s.", code=name[6:]))
        elif not name:
            problems.add(1, "", gettext("A column has no name."))
        else:
            problems.add(1, name, gettext("Unknown column %(column)s.", column=name))
    for name in c.REQUIRED:
        if name not in seen:
            problems.add(1, name, gettext("The column %(column)s is missing.", column=name))
    if len(table.columns) == 1 and problems:
        other = ";" if table.separator == "," else ","
        problems.add(
            1,
            "",
            gettext(
                'The header has a single column: are the columns separated by "%(separator)s"?',
                separator=other,
            ),
        )
    return used


# --- the rows ------------------------------------------------------------------------------


class _Catalog:
    """What the file's rows refer to, read in bulk before any row is checked."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.categories = {category.slug: category for category in db.session.scalars(select(Category))}
        slugs = sorted({row.get(c.PRODUCT, "").strip() for row in rows} - {""})
        self.products: dict[str, Product] = {}
        for part in _chunks(slugs):
            for product in db.session.scalars(select(Product).where(Product.slug.in_(part))):
                self.products[product.slug] = product
        # Every SKU in the shop (lower case) with its product: one narrow query, so a SKU taken
        # by another product is found without a query per row.
        self.skus: dict[str, tuple[int, int, bool]] = {
            sku: (variant_id, product_id, archived)
            for sku, variant_id, product_id, archived in db.session.execute(
                select(func.lower(Variant.sku), Variant.id, Variant.product_id, Variant.archived)
            )
        }
        product_ids = [p.id for p in self.products.values()]
        self.variants: dict[int, Variant] = {}
        self.positions: dict[int, int] = {}
        for part in _chunks(product_ids):
            for variant in db.session.scalars(select(Variant).where(Variant.product_id.in_(part))):
                self.variants[variant.id] = variant
                self.positions[variant.product_id] = max(
                    self.positions.get(variant.product_id, -1), variant.position
                )
        self.stock: dict[tuple[int, int], tuple[int, int]] = {}
        for part in _chunks(list(self.variants)):
            for variant_id, warehouse_id, quantity, reserved in db.session.execute(
                select(Stock.variant_id, Stock.warehouse_id, Stock.quantity, Stock.reserved).where(
                    Stock.variant_id.in_(part)
                )
            ):
                self.stock[(variant_id, warehouse_id)] = (quantity, reserved)


def check(table: c.Table, *, progress: Progress | None = None) -> tuple[Plan | None, list[dict[str, Any]]]:
    """A Plan for every row, or (None, the problems): each {row, column, message}."""
    problems = Problems()
    stock_columns = check_header(table, problems)
    if problems:
        return None, problems.items
    width = len(table.columns)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in table.rows:
        if len(cells) != width:
            problems.add(
                number,
                "",
                gettext(
                    "This row has %(cells)s cells where the header has %(columns)s"
                    " (is a value with a separator in it missing its quotes?).",
                    cells=len(cells),
                    columns=width,
                ),
            )
            continue
        row = dict(zip(table.columns, cells, strict=True))
        for name, value in row.items():
            if CONTROL_CHARACTERS.search(value):
                problems.add(number, name, gettext("This field contains characters that are not allowed."))
        rows.append((number, {name: c.unguarded(value.strip()) for name, value in row.items()}))
    catalog = _Catalog([row for _number, row in rows])
    checker = _RowChecker(catalog, table.columns, stock_columns, problems)
    for done, (number, row) in enumerate(rows, start=1):
        checker.check(number, row)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    if problems:
        return None, problems.items
    plan = Plan(
        products=list(checker.plans.values()),
        rows=len(rows),
        stock=catalog.stock,
        warehouses={w.id: w for w in stock_columns.values()},
    )
    return plan, []


class _RowChecker:
    def __init__(
        self, catalog: _Catalog, columns: list[str], stock_columns: dict[str, Warehouse], problems: Problems
    ):
        shop = settings.current()
        self.catalog = catalog
        self.columns = set(columns)
        self.stock_columns = stock_columns
        self.problems = problems
        self.places = scale(shop.currency)
        self.offered = shop.offered_vat_rates()
        self.languages, self.default = enabled_languages()
        self.plans: dict[str, ProductPlan] = {}
        self.first_cells: dict[str, dict[str, str]] = {}  # the product columns of each product's first row
        self.skus: dict[str, int] = {}  # lower-case SKU: its row in the file

    def cell(self, row: dict[str, str], name: str) -> Any:
        return row[name] if name in self.columns else KEEP

    def check(self, number: int, row: dict[str, str]) -> None:
        slug = row[c.PRODUCT]
        if not SLUG.match(slug):
            self.problems.add(
                number,
                c.PRODUCT,
                gettext("Write the product's address: 1 to 120 letters, digits, dashes or underscores."),
            )
            return
        plan = self.plans.get(slug)
        if plan is None:
            # A refused product still gets a plan (never applied), so its rows' variant columns
            # are checked too and its problems are not repeated on each of its rows.
            plan = self._product(number, slug, row)
            self.plans[slug] = plan
        else:
            self._same_product(number, slug, row)
        self._variant(number, plan, row)

    # -- the product of a row

    def _product_columns(self) -> list[str]:
        names = [c.name_column(code) for code in self.languages] + [
            c.description_column(code) for code in self.languages
        ]
        return [name for name in (*names, *c.PRODUCT_COLUMNS) if name in self.columns]

    def _product(self, number: int, slug: str, row: dict[str, str]) -> ProductPlan:
        product = self.catalog.products.get(slug)
        if product is not None and product.archived:
            self.problems.add(
                number, c.PRODUCT, gettext("This product is archived: restore it in the back office first.")
            )
            return ProductPlan(slug=slug, row=number, product=product, clean={})
        self.first_cells[slug] = {name: row[name] for name in self._product_columns()}
        errors: dict[str, str] = {}
        texts = {}
        for kind, max_length, required in (
            ("name", editing.NAME_MAX, True),
            ("description", editing.DESCRIPTION_MAX, False),
        ):
            stored = (getattr(product, kind) or {}) if product is not None else {}
            given = {
                code: row.get(f"{kind}_{code}") if f"{kind}_{code}" in self.columns else stored.get(code)
                for code in self.languages
            }
            texts[kind] = editing.per_language(
                kind, given, stored or None, errors, max_length=max_length, required=required
            )
        category = self._category(number, row, product)
        published = self._yes_no(number, row, c.PUBLISHED, product.published if product else False)
        returnable = self._yes_no(number, row, c.RETURNABLE, product.returnable if product else True)
        numbers = {}
        for name in (c.RETURN_DAYS, c.WEIGHT_GRAMS):
            value = self.cell(row, name)
            if value is KEEP:
                numbers[name] = getattr(product, name) if product is not None else None
            else:
                numbers[name] = editing.optional_whole_number(name, value, errors)
        for key, message in errors.items():
            self.problems.add(number, key.replace(".", "_"), message)
        if errors or category is None or published is None or returnable is None:
            return ProductPlan(slug=slug, row=number, product=product, clean={})
        clean = {
            "name": texts["name"],
            "description": texts["description"],
            "category": category,
            "published": published,
            "returnable": returnable,
            "return_days": numbers[c.RETURN_DAYS] if returnable else None,
            "weight_grams": numbers[c.WEIGHT_GRAMS],
        }
        return ProductPlan(slug=slug, row=number, product=product, clean=clean)

    def _category(self, number: int, row: dict[str, str], product: Product | None) -> Category | None:
        slug = self.cell(row, c.CATEGORY)
        if slug is KEEP and product is not None:
            return product.category
        category = self.catalog.categories.get(slug) if isinstance(slug, str) and slug else None
        if category is None:
            message = (
                gettext("No category has the slug %(slug)s.", slug=slug)
                if isinstance(slug, str) and slug
                else gettext("Choose one of the categories.")
            )
            self.problems.add(number, c.CATEGORY, message)
        return category

    def _yes_no(self, number: int, row: dict[str, str], name: str, stored: bool) -> bool | None:
        value = self.cell(row, name)
        if value is KEEP or value == "":
            return stored
        answer = c.parse_yes_no(value)
        if answer is None:
            self.problems.add(number, name, gettext("Write yes or no."))
        return answer

    def _same_product(self, number: int, slug: str, row: dict[str, str]) -> None:
        """A product's columns are read from its first row; a later row may repeat them or
        leave them empty, not say something else."""
        plan, first = self.plans[slug], self.first_cells.get(slug, {})
        for name, value in first.items():
            if row[name] and row[name] != value:
                self.problems.add(
                    number,
                    name,
                    gettext(
                        "Differs from row %(row)s of the same product: a product's columns are read"
                        " from its first row.",
                        row=plan.row,
                    ),
                )

    # -- the variant of a row

    def _variant(self, number: int, plan: ProductPlan, row: dict[str, str]) -> None:
        sku = row[c.SKU]
        variant = self._sku(number, plan, sku)
        if variant is False:
            return
        options = self._options(number, row, variant)
        price = self._amount(number, row, c.PRICE)
        if price is not None:
            problem = editing.price_problem(price, self.places)
            if problem:
                self.problems.add(number, c.PRICE, problem)
        rate = self._amount(number, row, c.VAT_RATE)
        if rate is not None and not editing.vat_rate_allowed(
            rate, self.offered, variant.vat_rate if variant else None
        ):
            self.problems.add(
                number,
                c.VAT_RATE,
                gettext(
                    "%(rate)s is not one of the shop's VAT rates (%(rates)s).",
                    rate=row[c.VAT_RATE],
                    rates=", ".join(c.format_amount(r) for r in self.offered),
                ),
            )
        threshold = self.cell(row, c.LOW_STOCK)
        if threshold is not KEEP:
            threshold = None if threshold == "" else self._units(number, c.LOW_STOCK, threshold)
        counts = {}
        for name, warehouse in self.stock_columns.items():
            if row[name] == "":
                continue
            units = self._units(number, name, row[name])
            if units is None:
                continue
            _on_hand, reserved = (
                self.catalog.stock.get((variant.id, warehouse.id), (0, 0)) if variant else (0, 0)
            )
            if units < reserved:
                self.problems.add(
                    number,
                    name,
                    ngettext(
                        "The count cannot be below %(num)s: %(num)s is reserved for orders.",
                        "The count cannot be below %(num)s: %(num)s are reserved for orders.",
                        reserved,
                    ),
                )
            counts[warehouse.id] = units
        if self.problems:
            return  # nothing will be applied: no need to build the rest of the plan
        if variant is None:
            position = (
                self.catalog.positions.get(plan.product.id, -1) + 1 if plan.product else len(plan.variants)
            )
            if plan.product:
                self.catalog.positions[plan.product.id] = position
            clean_sku = sku
        else:
            position, clean_sku = variant.position, variant.sku
        clean = {
            "sku": clean_sku,
            "price": price.quantize(Decimal(1).scaleb(-self.places)),
            "vat_rate": rate,
            "options": options,
            "position": position,
        }
        plan.variants.append(VariantPlan(number, variant, clean, threshold, counts))

    def _sku(self, number: int, plan: ProductPlan, sku: str) -> Variant | None | bool:
        """The stored variant of the SKU, None for a new one, False when refused."""
        if not editing.SKU.match(sku):
            self.problems.add(
                number,
                c.SKU,
                gettext(
                    "Enter a SKU of 1 to %(max)s letters, digits, dots, dashes or underscores.",
                    max=editing.SKU_MAX,
                ),
            )
            return False
        key = sku.lower()
        if key in self.skus:
            self.problems.add(
                number, c.SKU, gettext("The SKU %(sku)s is also on row %(row)s.", sku=sku, row=self.skus[key])
            )
            return False
        self.skus[key] = number
        stored = self.catalog.skus.get(key)
        if stored is None:
            return None
        variant_id, product_id, archived = stored
        if plan.product is None or plan.product.id != product_id:
            self.problems.add(
                number, c.SKU, gettext("The SKU %(sku)s is already used by another product.", sku=sku)
            )
            return False
        if archived:
            self.problems.add(
                number,
                c.SKU,
                gettext("The SKU %(sku)s is archived: restore it in the back office first.", sku=sku),
            )
            return False
        return self.catalog.variants[variant_id]

    def _options(self, number: int, row: dict[str, str], variant: Variant | None) -> dict[str, str]:
        typed = self.cell(row, c.OPTIONS)
        if typed is KEEP:
            return dict(variant.options or {}) if variant else {}
        options = c.parse_options(typed)
        if options is None:
            self.problems.add(
                number,
                c.OPTIONS,
                gettext("Write the options as name=value separated by |, e.g. size=M|colour=Red."),
            )
            return {}
        for name, value in options.items():
            if name not in editing.OPTION_NAMES:
                self.problems.add(
                    number,
                    c.OPTIONS,
                    gettext(
                        "Unknown option %(name)s: the options are %(names)s.",
                        name=name,
                        names=", ".join(editing.OPTION_NAMES),
                    ),
                )
            elif len(value) > editing.OPTION_MAX:
                self.problems.add(
                    number, c.OPTIONS, gettext("Write at most %(max)s characters.", max=editing.OPTION_MAX)
                )
        return {name: options[name] for name in editing.OPTION_NAMES if options.get(name)}

    def _amount(self, number: int, row: dict[str, str], name: str) -> Any:
        amount = c.parse_amount(row[name])
        if amount is None:
            self.problems.add(number, name, gettext("Write a number such as 129.90."))
        return amount

    def _units(self, number: int, name: str, typed: str) -> int | None:
        units = editing.whole_number(typed)
        if units is None or units > stock.MAX_UNITS:
            self.problems.add(
                number,
                name,
                gettext(
                    "Enter a whole number of units from %(min)s to %(max)s.",
                    min=0,
                    max=format_number(stock.MAX_UNITS),
                ),
            )
            return None
        return units


# --- applying ------------------------------------------------------------------------------


def apply(plan: Plan, *, by: Actor, import_id: int | None, progress: Progress | None = None) -> Summary:
    """Carry the plan out in the caller's transaction (which commits or rolls back all of it).

    ``progress`` is called while the rows are turned into objects, before anything is written:
    on SQLite another connection's progress write would wait for this transaction's lock."""
    summary = Summary()
    by_user_id = by.id if by.kind == "user" else None
    created: list[Product] = []
    added: list[tuple[Product, Variant]] = []
    counts: list[tuple[Variant, int, int]] = []
    done = 0
    with db.session.no_autoflush:
        for product_plan in plan.products:
            product = product_plan.product
            if product is None:
                product = Product(slug=product_plan.slug, **product_plan.clean)
                db.session.add(product)
                created.append(product)
            else:
                editing.assign_product(product, product_plan.clean, by_user_id=by_user_id)
            for variant_plan in product_plan.variants:
                variant = variant_plan.variant
                if variant is None:
                    clean = variant_plan.clean
                    variant = Variant(name=editing._variant_name(clean["options"], clean["sku"]), **clean)
                    db.session.add(variant)
                    variant.product = product
                    added.append((product, variant))
                elif editing.assign_variant(variant, variant_plan.clean, by_user_id=by_user_id):
                    summary.variants_updated += 1
                if variant_plan.low_stock_threshold is not KEEP:
                    stock.set_low_stock_threshold(variant, variant_plan.low_stock_threshold)
                counts.extend(
                    (variant, warehouse_id, units) for warehouse_id, units in variant_plan.counts.items()
                )
                done += 1
                if progress and done % PROGRESS_EVERY == 0:
                    progress(done)
    db.session.flush()
    with db.session.no_autoflush:  # a flush per ledger row or history row would cost more than all the rest
        _record_and_count(
            plan, created, added, counts, summary, by=by, by_user_id=by_user_id, import_id=import_id
        )
    db.session.flush()
    return summary


def _record_and_count(plan, created, added, counts, summary, *, by, by_user_id, import_id) -> None:  # noqa: ANN001
    """The history rows of what is new (products and variants have ids now) and the stock moves."""
    for product in created:
        editing._record(product, editing.CREATED, by_user_id, after=editing._translated_default(product.name))
    for product, variant in added:
        editing._record(
            product,
            editing.VARIANT_ADDED,
            by_user_id,
            sku=variant.sku,
            after=editing._variant_summary(variant),
        )
    summary.products_created, summary.variants_created = len(created), len(added)
    for variant, warehouse_id, units in counts:
        warehouse = plan.warehouses[warehouse_id]
        stored = plan.stock.get((variant.id, warehouse_id))
        if stored is None:
            if units:
                stock.open_stock(
                    variant, warehouse, units, by=by, reference_type="import", reference_id=import_id
                )
                summary.stock_moves += 1
        elif stored[0] != units:
            stock.correct_count(
                variant, warehouse, units, by=by, reference_type="import", reference_id=import_id
            )
            summary.stock_moves += 1
