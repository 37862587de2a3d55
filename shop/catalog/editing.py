"""The seller edits the catalog (B18): products, their variants (SKUs) and prices.

Every rule of an edit lives here, the back-office views only draw and read forms. Each change
that matters later (a price, a VAT rate, publishing, archiving) is a ProductChange row written
in the same transaction, with who made it. A price lives on the variant only: order lines keep
the price they were confirmed at, and a cart (a quotation) re-reads it until checkout
(sales.refresh_quotation), so changing it here changes neither a quotation sent nor an order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from shop.catalog.models import Category, Product, ProductChange, Stock, Variant
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import LANGUAGE_NAMES, ascii_digits, enabled_languages
from shop.money import scale
from shop.sales.models import OrderLine
from shop.search import fold
from shop.settings import services as settings

NAME_MAX = 120
DESCRIPTION_MAX = 5000
OPTION_MAX = 40
OPTION_NAMES = ("size", "colour")
SKU_MAX = 32
SKU = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
RETURN_DAYS = (0, 365)
WEIGHT_GRAMS = (1, 1_000_000)
POSITION = (0, 9999)
PRICE_MAX = Decimal("1000000000000")  # fits Numeric(14, 2)

# ProductChange.what
CREATED, ARCHIVED, RESTORED = "created", "archived", "restored"
PRICE, VAT_RATE, SKU_CHANGED, OPTIONS = "price", "vat_rate", "sku", "options"
VARIANT_ADDED, VARIANT_ARCHIVED, VARIANT_RESTORED, VARIANT_DELETED = (
    "variant_added",
    "variant_archived",
    "variant_restored",
    "variant_deleted",
)
# Product fields whose change is recorded as it is.
_RECORDED = ("name", "description", "category", "published", "returnable", "return_days", "weight_grams")


# --- shared by every catalog editor (products, categories, warehouses) ----------------------


class InvalidCatalogInput(ShopError):
    """Values refused; ``errors`` maps each field (``name.tr``, ``price``) to its message.
    Nothing was saved."""

    code = "invalid_catalog_input"
    http_status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors=errors)
        self.errors = errors

    def describe(self) -> str:
        return gettext("Nothing was saved: correct the fields marked below.")


class CatalogRefusal(ShopError):
    """An action that the state of what it touches does not allow; the message says why."""

    code = "catalog_refusal"
    http_status = 409


def text(value: Any) -> str:
    """Typed text, stripped; anything that is not text is empty."""
    return value.strip() if isinstance(value, str) else ""


def whole_number(value: Any) -> int | None:
    """A whole number of 0 or more typed as text (Persian digits too), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    typed = ascii_digits(text(value))
    return int(typed) if typed.isascii() and typed.isdigit() and len(typed) < 10 else None


def per_language(
    name: str,
    given: Any,
    kept: dict[str, str] | None,
    errors: dict[str, str],
    *,
    max_length: int,
    required: bool,
) -> dict[str, str]:
    """A text per enabled language from ``given`` ({code: text}), stripped, empty ones left out
    (they fall back to the default language's); texts in languages not enabled now stay as
    ``kept`` had them. Problems go into ``errors`` as ``<name>.<code>``; ``required``: the
    default language's text must be there."""
    languages, default = enabled_languages()
    given = given if isinstance(given, dict) else {}
    texts = {code: value for code, value in (kept or {}).items() if code not in languages and value}
    for code in languages:
        value = text(given.get(code))
        if len(value) > max_length:
            errors[f"{name}.{code}"] = gettext("Write at most %(max)s characters.", max=max_length)
        elif value:
            texts[code] = value
    if required and not texts.get(default) and f"{name}.{default}" not in errors:
        errors[f"{name}.{default}"] = gettext(
            "Enter it in %(language)s, the shop's default language.", language=LANGUAGE_NAMES[default]
        )
    return texts


class SkuTaken(InvalidCatalogInput):
    code = "sku_taken"

    def __init__(self, sku: str) -> None:
        super().__init__({"sku": gettext("The SKU %(sku)s is already used by another variant.", sku=sku)})


@dataclass
class ProductDetails:
    name: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    category_id: int | None = None
    published: bool = False
    returnable: bool = True
    return_days: Any = None  # a whole number of days, typed or not; empty: the shop's default
    weight_grams: Any = None  # a whole number of grams, typed or not; empty: none


@dataclass
class VariantDetails:
    sku: str
    price: Decimal | None
    vat_rate: Decimal | None
    options: dict[str, str] = field(default_factory=dict)
    position: Any = 0  # a whole number, typed or not


# --- products ------------------------------------------------------------------------------


def create_product(details: ProductDetails, *, by_user_id: int | None) -> Product:
    """A new product, a draft until it has a variant to sell (publishing is refused before)."""
    clean = _check_product(details, product=None)
    product = Product(slug=_free_slug(clean["name"]), variants=[], **clean)
    db.session.add(product)
    db.session.flush()
    _record(product, CREATED, by_user_id, after=_translated_default(clean["name"]))
    return product


def update_product(
    product: Product, details: ProductDetails, *, by_user_id: int | None
) -> list[ProductChange]:
    clean = _check_product(details, product=product)
    changes = assign_product(product, clean, by_user_id=by_user_id)
    db.session.flush()
    return changes


def assign_product(product: Product, clean: dict[str, Any], *, by_user_id: int | None) -> list[ProductChange]:
    """Set checked values on a product and record each one that changed (also the CSV import)."""
    before = _recorded_values(product)
    for name, value in clean.items():
        if getattr(product, name) != value:  # an equal value set again would still mark it changed
            setattr(product, name, value)
    after = _recorded_values(product)
    return [
        _record(product, name, by_user_id, before=before[name], after=after[name])
        for name in _RECORDED
        if before[name] != after[name]
    ]


def remove_product(product: Product, *, by_user_id: int | None) -> str:
    """Delete a product nobody ordered and that holds no stock; archive one that was ordered
    (its orders point at it), with every variant. Returns ARCHIVED or "deleted"."""
    variant_ids = [v.id for v in product.all_variants]
    if _ordered(variant_ids) or _stocked(variant_ids):
        product.archived = True
        product.published = False
        _record(product, ARCHIVED, by_user_id)
        db.session.flush()
        return ARCHIVED
    from shop.catalog.pictures import delete_pictures_of  # pictures import the catalog models

    delete_pictures_of(product)  # their stored files too, which no foreign key removes
    db.session.execute(delete(ProductChange).where(ProductChange.product_id == product.id))
    for variant in product.all_variants:
        db.session.delete(variant)
    db.session.delete(product)
    db.session.flush()
    return "deleted"


def restore_product(product: Product, *, by_user_id: int | None) -> None:
    """Back from the archive as a draft: the seller decides when it is on sale again."""
    if not product.archived:
        return
    product.archived = False
    _record(product, RESTORED, by_user_id)
    db.session.flush()


# --- variants ------------------------------------------------------------------------------


def add_variant(product: Product, details: VariantDetails, *, by_user_id: int | None) -> Variant:
    """A new SKU of ``product``; it has no stock until goods are received for it."""
    if product.archived:
        raise CatalogRefusal(gettext("Restore the product before adding variants to it."))
    clean = _check_variant(details, variant=None)
    variant = Variant(name=_variant_name(clean["options"], clean["sku"]), **clean)
    product.variants.append(variant)
    _flush_sku(variant)
    db.session.expire(product, ["all_variants"])
    _record(product, VARIANT_ADDED, by_user_id, sku=variant.sku, after=_variant_summary(variant))
    return variant


def update_variant(
    variant: Variant, details: VariantDetails, *, by_user_id: int | None
) -> list[ProductChange]:
    """Change a SKU, its price, VAT rate, options or position. A price change is recorded with
    its SKU, before and after; quotations sent and orders keep the price they have."""
    clean = _check_variant(details, variant=variant)
    changes = assign_variant(variant, clean, by_user_id=by_user_id)
    _flush_sku(variant)
    return changes


def assign_variant(variant: Variant, clean: dict[str, Any], *, by_user_id: int | None) -> list[ProductChange]:
    """Set checked values on a variant and record a changed price, VAT rate, SKU or options
    (also the CSV import)."""
    product, old_sku = variant.product, variant.sku
    before = {PRICE: _amount(variant.price), VAT_RATE: _amount(variant.vat_rate), SKU_CHANGED: variant.sku}
    before[OPTIONS] = dict(variant.options or {})
    for name, value in clean.items():
        if getattr(variant, name) != value:
            setattr(variant, name, value)
    if clean["options"] != before[OPTIONS]:  # names written per language stay until the options change
        variant.name = _variant_name(clean["options"], clean["sku"], keep=variant.name)
    after = {PRICE: _amount(variant.price), VAT_RATE: _amount(variant.vat_rate), SKU_CHANGED: variant.sku}
    after[OPTIONS] = dict(variant.options or {})
    return [
        _record(product, what, by_user_id, sku=old_sku, before=before[what], after=after[what])
        for what in (PRICE, VAT_RATE, SKU_CHANGED, OPTIONS)
        if before[what] != after[what]
    ]


def remove_variant(variant: Variant, *, by_user_id: int | None) -> str:
    """Delete a SKU nobody ordered and that holds no stock; archive one that was ordered or has
    stock (its orders and stock history point at it). The last variant of a product on sale
    stays: the product would be on sale with nothing to buy. Returns VARIANT_ARCHIVED or
    VARIANT_DELETED."""
    product = variant.product
    if variant.archived:
        return VARIANT_ARCHIVED
    if product.on_sale and [v.id for v in product.variants] == [variant.id]:
        raise CatalogRefusal(
            gettext("This is the last variant of a published product: make the product a draft first.")
        )
    if _ordered([variant.id]) or _stocked([variant.id]):
        variant.archived = True
        what = VARIANT_ARCHIVED
    else:
        db.session.delete(variant)
        what = VARIANT_DELETED
    _record(product, what, by_user_id, sku=variant.sku, before=_variant_summary(variant))
    db.session.flush()
    db.session.expire(product, ["variants", "all_variants"])
    return what


def restore_variant(variant: Variant, *, by_user_id: int | None) -> None:
    if not variant.archived:
        return
    variant.archived = False
    _record(variant.product, VARIANT_RESTORED, by_user_id, sku=variant.sku, after=_variant_summary(variant))
    db.session.flush()
    db.session.expire(variant.product, ["variants", "all_variants"])


def history(product: Product, limit: int = 100) -> list[ProductChange]:
    return list(
        db.session.scalars(
            select(ProductChange)
            .where(ProductChange.product_id == product.id)
            .order_by(ProductChange.at.desc(), ProductChange.id.desc())
            .limit(limit)
        )
    )


def sku_taken(sku: str, *, except_variant_id: int | None = None) -> bool:
    """SKUs are unique whatever their case: "TS-1" and "ts-1" would be one code on a label."""
    statement = select(exists().where(func.lower(Variant.sku) == sku.lower()))
    if except_variant_id is not None:
        statement = select(
            exists().where(func.lower(Variant.sku) == sku.lower(), Variant.id != except_variant_id)
        )
    return bool(db.session.scalar(statement))


# --- checks --------------------------------------------------------------------------------


def _check_product(details: ProductDetails, *, product: Product | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kept_names = product.name if product else None
    names = per_language("name", details.name, kept_names, errors, max_length=NAME_MAX, required=True)
    descriptions = per_language(
        "description",
        details.description,
        product.description if product else None,
        errors,
        max_length=DESCRIPTION_MAX,
        required=False,
    )
    category = db.session.get(Category, details.category_id) if details.category_id else None
    if category is None:
        errors["category"] = gettext("Choose one of the categories.")
    return_days = optional_whole_number("return_days", details.return_days, errors)
    weight_grams = optional_whole_number("weight_grams", details.weight_grams, errors)
    if details.published and product is not None and product.archived:
        errors["published"] = gettext("Restore the product from the archive before publishing it.")
    elif details.published and (product is None or not product.variants):
        errors["published"] = gettext("Add a variant before publishing: there is nothing to buy yet.")
    if errors:
        raise InvalidCatalogInput(errors)
    return {
        "name": names,
        "description": descriptions,
        "category": category,
        "published": bool(details.published),
        "returnable": bool(details.returnable),
        "return_days": return_days if details.returnable else None,
        "weight_grams": weight_grams,
    }


def _check_variant(details: VariantDetails, *, variant: Variant | None) -> dict[str, Any]:
    shop = settings.current()
    errors: dict[str, str] = {}
    sku = (details.sku or "").strip()
    if not SKU.match(sku):
        errors["sku"] = gettext(
            "Enter a SKU of 1 to %(max)s letters, digits, dots, dashes or underscores.", max=SKU_MAX
        )
    elif sku_taken(sku, except_variant_id=variant.id if variant else None):
        errors["sku"] = gettext("The SKU %(sku)s is already used by another variant.", sku=sku)
    price = details.price
    places = scale(shop.currency)
    problem = price_problem(price, places)
    if problem:
        errors["price"] = problem
    rate = details.vat_rate
    current_rate = variant.vat_rate if variant is not None else None
    if not vat_rate_allowed(rate, shop.offered_vat_rates(), current_rate):
        errors["vat_rate"] = gettext("Choose one of the VAT rates the shop offers.")
    options = {}
    for name in OPTION_NAMES:
        text = (details.options.get(name) or "").strip()
        if len(text) > OPTION_MAX:
            errors[name] = gettext("Write at most %(max)s characters.", max=OPTION_MAX)
        if text:
            options[name] = text
    position = whole_number(details.position)
    if position is None or not POSITION[0] <= position <= POSITION[1]:
        errors["position"] = gettext("Enter a number from 0 to 9999.")
    if errors:
        raise InvalidCatalogInput(errors)
    return {
        "sku": sku,
        "price": price.quantize(Decimal(1).scaleb(-places)),
        "vat_rate": rate,
        "options": options,
        "position": position,
    }


def price_problem(price: Decimal | None, places: int) -> str | None:
    """Why a price (gross, in a currency with ``places`` decimals) is refused, or None."""
    if price is None:
        return gettext("Enter the price.")
    if not price.is_finite() or price <= 0 or price >= PRICE_MAX:
        return gettext("Enter a price greater than 0.")
    if price != price.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            return gettext("Enter a whole amount, without decimals.")
        return gettext("Enter a price with at most %(places)s decimals.", places=places)
    return None


def vat_rate_allowed(rate: Decimal | None, offered: list[Decimal], current: Decimal | None) -> bool:
    """One of the shop's rates, or the variant's own rate (kept when the shop stops offering it)."""
    return rate is not None and rate.is_finite() and (rate in offered or rate == current)


# --- helpers -------------------------------------------------------------------------------


def optional_whole_number(name: str, value: Any, errors: dict[str, str]) -> int | None:
    """A product's return window or weight as typed (empty: None), its problem into ``errors``."""
    number, typed = _optional_number(value)
    low, high = RETURN_DAYS if name == "return_days" else WEIGHT_GRAMS
    if typed and (number is None or not low <= number <= high):
        if name == "return_days":
            errors[name] = gettext(
                "Enter a whole number of days from %(min)s to %(max)s, or leave it empty.", min=low, max=high
            )
        else:
            errors[name] = gettext(
                "Enter a weight in grams from %(min)s to %(max)s, or leave it empty.", min=low, max=high
            )
    return number


def _optional_number(value: Any) -> tuple[int | None, bool]:
    """(the whole number, whether anything was typed): empty is (None, False)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, False
    return whole_number(value), True


def _recorded_values(product: Product) -> dict[str, Any]:
    return {
        "name": dict(product.name or {}),
        "description": dict(product.description or {}),
        "category": product.category.slug if product.category else None,
        "published": product.published,
        "returnable": product.returnable,
        "return_days": product.return_days,
        "weight_grams": product.weight_grams,
    }


def _record(
    product: Product,
    what: str,
    by_user_id: int | None,
    *,
    sku: str = "",
    before: Any = None,
    after: Any = None,
) -> ProductChange:
    change = ProductChange(
        product_id=product.id, sku=sku, what=what, before=before, after=after, user_id=by_user_id
    )
    db.session.add(change)
    return change


def _flush_sku(variant: Variant) -> None:
    """Flush, turning a SKU taken meanwhile by another request (the unique index) into the
    same message the check above gives."""
    try:
        with db.session.begin_nested():
            db.session.add(variant)
            db.session.flush()
    except IntegrityError:
        raise SkuTaken(variant.sku) from None


def _ordered(variant_ids: list[int]) -> bool:
    if not variant_ids:
        return False
    return bool(db.session.scalar(select(exists().where(OrderLine.variant_id.in_(variant_ids)))))


def _stocked(variant_ids: list[int]) -> bool:
    if not variant_ids:
        return False
    return bool(db.session.scalar(select(exists().where(Stock.variant_id.in_(variant_ids)))))


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value).normalize():f}"


def _variant_summary(variant: Variant) -> dict[str, Any]:
    return {"price": _amount(variant.price), "vat_rate": _amount(variant.vat_rate), **(variant.options or {})}


def _variant_name(options: dict[str, str], sku: str, keep: dict[str, str] | None = None) -> dict[str, str]:
    """What the storefront calls a variant: its options ("M / Red"), or its SKU without any."""
    label = " / ".join(options[name] for name in OPTION_NAMES if options.get(name))
    if not label and keep:
        return keep
    return {settings.current().default_language: label or sku}


def _translated_default(texts: dict[str, str]) -> str:
    return texts.get(settings.current().default_language) or next(iter(texts.values()), "")


def _free_slug(names: dict[str, str]) -> str:
    """An address for the product from its name in the default language ("Linen shirt" is
    linen-shirt), numbered when taken; kept afterwards so links stay valid."""
    base = re.sub(r"[^\w]+", "-", fold(_translated_default(names))).strip("-_")[:100] or "product"
    taken = set(db.session.scalars(select(Product.slug).where(Product.slug.like(f"{base}%"))))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug
