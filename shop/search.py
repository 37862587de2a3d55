"""Search text: one way to fold what is stored and what is typed, so the two meet.

``fold()`` makes text comparable across case, accents and the ways one letter is typed: Turkish
dotted and dotless I (YILMAZ, Yılmaz and yılmaz are "yilmaz"), Polish, German and other Latin
letters (żółw is "zolw", Straße is "strasse"), Persian and Arabic forms of one letter (ي and ی,
ك and ک), native digits. Search columns hold folded text, kept by the flush listener below on
every write through the ORM; a search folds what was typed the same way and looks for it with
LIKE '%...%', which a trigram GIN index answers on PostgreSQL (migration 0011) and a pass over
the table answers on SQLite. The database's own lower() or collation never decides a match, so
both databases find the same rows.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from shop.catalog.models import Product, Variant
from shop.sales.models import Order

# Letters no Unicode decomposition takes to a base letter (ß, İ and ligatures are handled by
# casefold and NFKD), and Persian/Arabic letters typed in either language's form.
_LETTERS = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ħ": "h",
        "ŀ": "l",
        "ي": "ی",  # Arabic yeh -> Persian yeh
        "ى": "ی",  # alef maksura
        "ك": "ک",  # Arabic kaf -> Persian keheh
        "ة": "ه",  # teh marbuta
        "ە": "ه",  # what ۀ (heh with yeh above) leaves once its mark is gone
        "ـ": "",  # tatweel: stretches a word, is not a letter
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    }
)
# Marks dropped after decomposition: accents and harakat (Mn, Me), and format characters (Cf:
# the zero-width non-joiner of "می‌خواهم", direction marks pasted from right-to-left text).
_DROPPED = frozenset(("Mn", "Me", "Cf"))
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """``text`` as search columns store it and searches look for it: case and accents folded,
    letter variants unified, digits in ASCII, whitespace collapsed to single spaces."""
    if text.isascii():  # e-mails, phones, SKUs: the common case, and a cheap one
        return _SPACES.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = "".join(c for c in decomposed.translate(_LETTERS) if unicodedata.category(c) not in _DROPPED)
    return _SPACES.sub(" ", kept).strip()


# Parts of a search column are joined by a newline: fold() turns every newline typed into a
# space, so a search never matches across two parts (a name's end and an e-mail's start).
_PART = "\n"


def order_search_text(*, name: str, company_name: str, email: str, phone: str) -> str:
    """What the back-office list searches in an order besides its number and SKUs: name,
    company, e-mail and the phone's digits ("+905321234567" is found as "5321234")."""
    digits = re.sub(r"[^0-9]", "", phone or "")
    parts = (fold(name or ""), fold(company_name or ""), fold(email or ""), digits)
    return _PART.join(part for part in parts if part)


def product_search_texts(
    names: dict[str, str], skus: list[str], descriptions: dict[str, str]
) -> tuple[str, str]:
    """The storefront's two search columns of a product: names in every language with the
    SKUs, and descriptions in every language (a name match ranks above a description match)."""
    name_text = _PART.join(fold(part) for part in [*(names or {}).values(), *skus] if part)
    description_text = _PART.join(fold(part) for part in (descriptions or {}).values() if part)
    return name_text, description_text


def escape_like(fragment: str) -> str:
    """``fragment`` for a LIKE pattern with escape character "\\": % and _ are not wildcards."""
    return fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- keeping the columns ---------------------------------------------------------------------------

_ORDER_FIELDS = ("name", "company_name", "email", "phone")
_PRODUCT_FIELDS = ("name", "description", "variants")


def _changed(obj: object, fields: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[field].history.has_changes() for field in fields)


def _index_order(order: Order) -> None:
    order.search_text = order_search_text(
        name=order.name, company_name=order.company_name, email=order.email, phone=order.phone
    )


def _index_product(product: Product, session: Session, new_variants: list[Variant]) -> None:
    # From the variant rows, not product.variants: that collection may have been loaded before
    # an archive or restore in this flush and would still list (or miss) the changed SKU.
    # all_variants is read without autoflush: we are inside a flush.
    with session.no_autoflush:
        variants = set(product.all_variants) if product.id is not None else set()
    variants.update(new_variants)
    on_sale = sorted(
        (v.position or 0, v.id or 0, v.sku)
        for v in variants
        if v not in session.deleted and not v.archived and v.sku and v.product is product
    )
    product.search_text, product.search_description = product_search_texts(
        product.name, [sku for _position, _id, sku in on_sale], product.description
    )


@event.listens_for(Session, "before_flush")
def _keep_search_columns(session: Session, _flush_context: object, _instances: object) -> None:
    """Every write through the ORM (checkout, the demo, the back office, a later catalog
    editor) refreshes the search columns of what it changed, in the same flush. A bulk
    ``update(Order)`` of these fields bypasses it and must set search_text itself."""
    products: set[Product] = set()
    # session.new is built anew on each access: once here, not once per object (an import flushes thousands).
    new = session.new
    for obj in (*new, *session.dirty):
        if isinstance(obj, Order) and (obj in new or _changed(obj, _ORDER_FIELDS)):
            _index_order(obj)
        elif isinstance(obj, Product) and (obj in new or _changed(obj, _PRODUCT_FIELDS)):
            products.add(obj)
        elif isinstance(obj, Variant) and (obj in new or _changed(obj, ("sku", "product", "archived"))):
            products.update(p for p in (obj.product, *_former_products(obj)) if p is not None)
    for obj in session.deleted:
        if isinstance(obj, Variant) and obj.product is not None and obj.product not in session.deleted:
            products.add(obj.product)
    # The new variants by product, gathered once: a flush of a whole catalog import holds
    # thousands of products and tens of thousands of new objects.
    new_variants: dict[int, list[Variant]] = {}
    for obj in new:
        if isinstance(obj, Variant) and obj.product is not None:
            new_variants.setdefault(id(obj.product), []).append(obj)
    for product in products:
        _index_product(product, session, new_variants.get(id(product), []))


def _former_products(variant: Variant) -> list[Product]:
    """The product a variant was moved away from (its SKU leaves that product's text)."""
    return [p for p in inspect(variant).attrs.product.history.deleted if isinstance(p, Product)]
