"""The storefront's product lists (home, category, search): one page of product cards, sorted
and filtered, in two statements whatever the catalog's size.

The first statement picks the page's product ids (filters, search, sort, offset); the second
reads those products with their "from" price, variant count and stock in correlated
subqueries, which run only for the page's rows. Nothing is loaded per product afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Index,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)

from shop.catalog.models import Product, Stock, Variant
from shop.catalog.pictures import Picture
from shop.extensions import db
from shop.search import escape_like, fold

PER_PAGE = 24
MAX_PAGE = 5000  # deeper than anyone pages; keeps a crafted ?page= from asking for a huge offset
SEARCH_MAX_TERMS = 5

# Newest first is the default order of every list: a page of ids comes off these indexes
# without sorting the catalog (migration 0017).
Index("ix_products_newest", Product.created_at, Product.id)
Index("ix_products_category_newest", Product.category_id, Product.created_at, Product.id)

NEWEST, PRICE_UP, PRICE_DOWN, NAME = "newest", "price_up", "price_down", "name"
SORTS = (NEWEST, PRICE_UP, PRICE_DOWN, NAME)


@dataclass(frozen=True)
class CardPicture:
    """A product's first picture, as a card shows it (what the picture macros read of a Picture)."""

    id: int
    digest: str
    renditions: dict

    @property
    def token(self) -> str:
        return self.digest[:16]

    def rendition(self, width: int) -> dict | None:
        return self.renditions.get(str(width))


@dataclass(frozen=True)
class ProductCard:
    """What a product list shows of one product."""

    id: int
    slug: str
    name: dict[str, str]
    colour: str
    price_from: Decimal | None
    variant_count: int
    available: int
    created_at: datetime
    picture: CardPicture | None = None

    @property
    def in_stock(self) -> bool:
        return self.available > 0


@dataclass(frozen=True)
class ListingPage:
    cards: list[ProductCard]
    page: int
    has_next: bool
    sort: str
    in_stock_only: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def parse_page(raw: str | None) -> int:
    """``?page=``: a page number from 1 to MAX_PAGE; anything else is the first page."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def parse_sort(raw: str | None, *, searching: bool = False) -> str:
    """``?sort=``: one of SORTS; a search without one is sorted by relevance ("")."""
    if raw in SORTS:
        return raw
    return "" if searching else NEWEST


def _price_from() -> ColumnElement:
    return (
        select(func.min(Variant.price))
        .where(Variant.product_id == Product.id, Variant.archived.is_(False))
        .correlate(Product)
        .scalar_subquery()
    )


def _available() -> ColumnElement:
    """Units that can still be promised of all the product's variants (never negative per row)."""
    return (
        select(func.coalesce(func.sum(Stock.quantity - Stock.reserved), 0))
        .join(Variant, Variant.id == Stock.variant_id)
        .where(Variant.product_id == Product.id, Variant.archived.is_(False))
        .correlate(Product)
        .scalar_subquery()
    )


def _in_stock() -> ColumnElement:
    return (
        select(Stock.id)
        .join(Variant, Variant.id == Stock.variant_id)
        .where(Variant.product_id == Product.id, Variant.archived.is_(False), Stock.quantity > Stock.reserved)
        .correlate(Product)
        .exists()
    )


def search_conditions(query: str) -> tuple[list[ColumnElement], ColumnElement | None]:
    """The search rule (issue 10): every folded word of ``query`` in a name in any language, a
    SKU or a description. Returns the filters and a rank (0: every word in a name or SKU, 1:
    not), or no rank for an empty query."""
    terms = fold(query).split()[:SEARCH_MAX_TERMS]
    conditions, in_names = [], []
    for term in terms:
        pattern = f"%{escape_like(term)}%"
        in_name = Product.search_text.like(pattern, escape="\\")
        in_names.append(in_name)
        conditions.append(or_(in_name, Product.search_description.like(pattern, escape="\\")))
    indexed = [term for term in terms if len(term) >= 3]  # a trigram index needs three letters
    if indexed and db.session.get_bind().dialect.name == "sqlite":
        # First the FTS5 trigram index of SQLite (migration 0017) gives the few products with
        # these words; the LIKEs above then confirm them and rank them. One quoted phrase per
        # word: a substring of a search column, as with LIKE.
        phrases = " AND ".join('"' + term.replace('"', '""') + '"' for term in indexed)
        found = text("SELECT rowid FROM products_fts WHERE products_fts MATCH :phrases")
        conditions.append(Product.id.in_(found.bindparams(phrases=phrases)))
    rank = case((and_(*in_names), 0), else_=1) if in_names else None
    return conditions, rank


def _in_names(query: str) -> ColumnElement:
    """Every word of ``query`` in a name or SKU: the first rank of a search."""
    terms = fold(query).split()[:SEARCH_MAX_TERMS]
    return and_(*(Product.search_text.like(f"%{escape_like(term)}%", escape="\\") for term in terms))


def _by_relevance(filtered, query: str, offset: int) -> Select:  # noqa: ANN001
    """The page's ids of a search, name matches first, each rank newest first. Each rank is a
    newest-first walk that stops after offset + a page of rows, so a word in thousands of
    products costs no more than a rare one (no sort of every match)."""
    wanted = offset + PER_PAGE + 1
    newest = (Product.created_at.desc(), Product.id.desc())
    in_names = _in_names(query)
    ranks = [
        filtered.where(in_names).add_columns(literal(0).label("rank")),
        filtered.where(~in_names).add_columns(literal(1).label("rank")),
    ]
    walks = [select(*r.order_by(*newest).limit(wanted).subquery().c) for r in ranks]
    both = union_all(*walks).subquery()
    return (
        select(both.c.id)
        .order_by(both.c.rank, both.c.created_at.desc(), both.c.id.desc())
        .offset(offset)
        .limit(PER_PAGE + 1)
    )


def _name_key(locale: str, default_locale: str) -> ColumnElement:
    name = func.coalesce(Product.name[locale].as_string(), Product.name[default_locale].as_string(), "")
    return func.lower(name)


def product_page(
    *,
    category_id: int | None = None,
    query: str = "",
    sort: str = NEWEST,
    in_stock_only: bool = False,
    page: int = 1,
    locale: str = "en",
    default_locale: str = "en",
) -> ListingPage:
    """One page of published products, of the category ``category_id`` if given, matching
    ``query`` if given."""
    statement = select(Product.id).where(Product.published.is_(True), Product.archived.is_(False))
    if category_id is not None:
        statement = statement.where(Product.category_id == category_id)
    conditions, rank = search_conditions(query)
    statement = statement.where(*conditions)
    if in_stock_only:
        statement = statement.where(_in_stock())
    offset = (page - 1) * PER_PAGE
    if rank is not None and sort == "":
        filtered = statement.with_only_columns(Product.id, Product.created_at)
        ids = list(db.session.scalars(_by_relevance(filtered, query, offset)))
        return _page(ids, page, sort, in_stock_only)
    order: list[ColumnElement] = []
    if sort == PRICE_UP:
        order += [_price_from().asc(), Product.id.asc()]
    elif sort == PRICE_DOWN:
        order += [_price_from().desc(), Product.id.desc()]
    elif sort == NAME:
        order += [_name_key(locale, default_locale), Product.id.asc()]
    else:
        order += [Product.created_at.desc(), Product.id.desc()]
    ids = list(db.session.scalars(statement.order_by(*order).offset(offset).limit(PER_PAGE + 1)))
    return _page(ids, page, sort, in_stock_only)


def _page(ids: list[int], page: int, sort: str, in_stock_only: bool) -> ListingPage:
    """A page from up to PER_PAGE + 1 ids: the one more tells that a next page exists."""
    return ListingPage(
        cards=cards(ids[:PER_PAGE]),
        page=page,
        has_next=len(ids) > PER_PAGE,
        sort=sort,
        in_stock_only=in_stock_only,
    )


@cache
def _cards_statement() -> Select:
    """The cards' statement, built once per process: the page's ids are its one parameter, so
    a request neither rebuilds it nor recomputes its cache key (a third of a list's Python)."""
    variant_count = (
        select(func.count(Variant.id))
        .where(Variant.product_id == Product.id, Variant.archived.is_(False))
        .correlate(Product)
        .scalar_subquery()
    )
    # The product's first picture in the seller's order (as pictures.pictures_for picks it),
    # joined here rather than read in a statement of its own.
    first_picture = (
        select(Picture.id)
        .where(Picture.product_id == Product.id)
        .order_by(Picture.position, Picture.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    return (
        select(
            Product.id,
            Product.slug,
            Product.name,
            Product.colour,
            Product.created_at,
            _price_from().label("price_from"),
            variant_count.label("variant_count"),
            _available().label("available"),
            Picture.id.label("picture_id"),
            Picture.digest.label("picture_digest"),
            Picture.renditions.label("picture_renditions"),
        )
        .outerjoin(Picture, Picture.id == first_picture)
        .where(Product.id.in_(bindparam("product_ids", expanding=True)))
    )


def cards(product_ids: list[int]) -> list[ProductCard]:
    """The cards of ``product_ids``, in that order, with their first pictures, in one statement."""
    if not product_ids:
        return []
    rows = db.session.execute(_cards_statement(), {"product_ids": list(product_ids)})
    by_id = {
        row.id: ProductCard(
            id=row.id,
            slug=row.slug,
            name=row.name or {},
            colour=row.colour,
            price_from=Decimal(row.price_from) if row.price_from is not None else None,
            variant_count=int(row.variant_count or 0),
            available=int(row.available or 0),
            created_at=row.created_at,
            picture=CardPicture(row.picture_id, row.picture_digest, row.picture_renditions or {})
            if row.picture_id is not None
            else None,
        )
        for row in rows
    }
    return [by_id[product_id] for product_id in product_ids if product_id in by_id]
