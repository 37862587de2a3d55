"""The back-office order list (B2): filters read from the URL, keyset pages, capped counts. No HTTP.

How it stays fast at a million orders:

- Pages are keyset pages on (created_at DESC, id DESC), never OFFSET: page 500 costs what
  page 1 costs. Each filter has an index on (filter column, created_at, id)
  (``shop/sales/models.py``), so "status = 3, newest first" is one backward index range.
- Where a condition is an OR (a status group with several statuses, a search over number,
  customer and SKU) the query is a UNION of one top-``limit`` query per branch,
  each able to use its own index (a trigram GIN index on PostgreSQL, a status index, ...),
  merged and cut to ``limit``. One OR over all of them would leave PostgreSQL one plan for
  all branches, usually a walk over every order. (SQLite, without trigram indexes, tests all
  branches in one pass instead.)
- Counts per status group are capped (``COUNT_CAP``): counting a million rows for a badge on
  every request is the cost we avoid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
    union,
)

from shop.catalog.models import Variant
from shop.db_types import UTCDateTime
from shop.extensions import db
from shop.forms import CONTROL_CHARACTERS
from shop.i18n import shop_timezone
from shop.orders.models import OrderStatus, StatusGroup
from shop.sales.models import DeliveryMethod, Order, OrderLine, OrderState, PaymentState
from shop.search import escape_like, fold
from shop.web import parse_id

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
SEARCH_MAX = 100
# Fragments shorter than this are only looked up as an order number: a trigram index needs
# three characters, and "ab" matches half the customers anyway.
SEARCH_MIN_FRAGMENT = 3
# Badges count up to this many orders and show "1 000+" beyond. Each count reads at most
# COUNT_CAP + 1 entries of an index and stops: measured on PostgreSQL, six counts capped at
# 10 000 took 15 ms of every page, capped at 1 000 about 1.5 ms, where exact counts over a
# million orders take 70 ms or more (FACTS.md). The groups that need action (awaiting
# payment, new, in progress) are below the cap in a shop that keeps up; for the others
# "1 000+" says enough. A shop can raise it (config ORDER_LIST_COUNT_CAP).
COUNT_CAP = 1_000
# A SKU fragment matching more variants than this is searched in the lines' SKUs instead.
SKU_VARIANTS_MAX = 200
# Up to this many matching variants, each is a branch of its own (one index range each).
SKU_VARIANT_BRANCHES_MAX = 8
AWAITING_PAYMENT = "awaiting_payment"  # quotations sent: no status yet, payment awaited
GROUPS = (AWAITING_PAYMENT, *(group.value for group in StatusGroup))

_SOURCE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CURSOR = re.compile(r"^([0-9]{1,17})_([0-9]{1,10})$")
_PHONE_LIKE = re.compile(r"^[0-9\s+().\-/]+$")
# Persian and Arabic-Indic digits typed into the search are the same numbers.
_NATIVE_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


# --- the filter ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    """What the staff asked for; every value checked, anything else left out and reported."""

    status_id: int | None = None
    group: str = ""  # a StatusGroup value, AWAITING_PAYMENT, or "" for all orders
    delivery_method: DeliveryMethod | None = None
    payment_state: PaymentState | None = None
    source: str = ""
    salesperson_id: int | None = None
    sales_team_id: int | None = None
    date_from: date | None = None  # days in the shop's timezone, both included
    date_to: date | None = None
    search: str = ""
    # URL argument -> why its value was left out (shown next to the field).
    problems: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OrderFilter:
        """Parse the URL's arguments; a bad value is ignored and reported, never an error."""
        problems: dict[str, str] = {}
        values: dict = {}

        def text(name: str, max_length: int) -> str:
            value = args.get(name) or ""
            return CONTROL_CHARACTERS.sub("", value if isinstance(value, str) else "")[:max_length].strip()

        def an_id(name: str, key: str) -> None:
            raw = text(name, 20)
            if raw:
                values[key] = parse_id(raw)
                if values[key] is None:
                    problems[name] = _l("Choose one of the offered values.")

        def a_choice(name: str, key: str, choices) -> None:  # noqa: ANN001
            raw = text(name, 40)
            if not raw:
                return
            try:
                values[key] = choices(raw)
            except ValueError:
                problems[name] = _l("Choose one of the offered values.")

        def a_day(name: str, key: str) -> None:
            raw = text(name, 20)
            if not raw:
                return
            try:
                day = date.fromisoformat(raw) if _DATE.match(raw) else None
            except ValueError:
                day = None
            if day is None or not 1900 <= day.year <= 9000:
                problems[name] = _l("Enter a date as YYYY-MM-DD.")
            else:
                values[key] = day

        values["search"] = text("q", SEARCH_MAX).translate(_NATIVE_DIGITS)
        group = text("group", 40)
        if group in GROUPS:
            values["group"] = group
        elif group:
            problems["group"] = _l("Choose one of the offered values.")
        an_id("status", "status_id")
        a_choice("delivery", "delivery_method", DeliveryMethod)
        a_choice("payment", "payment_state", PaymentState)
        source = text("source", 40)
        if _SOURCE.match(source):
            values["source"] = source
        elif source:
            problems["source"] = _l("Choose one of the offered values.")
        an_id("salesperson", "salesperson_id")
        an_id("team", "sales_team_id")
        a_day("from", "date_from")
        a_day("to", "date_to")
        if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
            problems["to"] = _l("The end date is before the start date.")
            values.pop("date_to")
        search = values["search"]
        if 0 < len(search) < SEARCH_MIN_FRAGMENT and not any(c.isdigit() for c in search):
            problems["q"] = _l("Type at least 3 characters to search names, e-mails, phones and SKUs.")
        values = {key: value for key, value in values.items() if value is not None}
        return cls(**values, problems=problems)

    def to_args(self, **over: str | None) -> dict[str, str]:
        """The filter as URL arguments (for links that keep it), with ``over`` replacing some."""
        args = {
            "q": self.search,
            "group": self.group,
            "status": str(self.status_id or ""),
            "delivery": self.delivery_method.value if self.delivery_method else "",
            "payment": self.payment_state.value if self.payment_state else "",
            "source": self.source,
            "salesperson": str(self.salesperson_id or ""),
            "team": str(self.sales_team_id or ""),
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        args.update(over)
        return {key: value for key, value in args.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.to_args())


# --- the cursor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts after it. Opaque in the URL: "<µs>_<id>"."""

    created_at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.created_at - _EPOCH) // _MICROSECOND}_{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """A cursor from the URL, or None (the first page) for anything that is not one."""
        found = _CURSOR.match(text or "")
        order_id = parse_id(found.group(2)) if found else None
        if order_id is None:
            return None
        try:
            created_at = _EPOCH + int(found.group(1)) * _MICROSECOND
        except OverflowError:
            return None
        return cls(created_at, order_id)

    @classmethod
    def of(cls, order: Order) -> Cursor:
        return cls(order.created_at, order.id)


@dataclass
class OrderPage:
    orders: list[Order]
    next_cursor: Cursor | None  # None: this is the last page


# --- the list -----------------------------------------------------------------------------------


# PostgreSQL settings for one search's transaction (see list_orders).
_SEARCH_SETTINGS = text(
    "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true)"
)


def list_orders(
    order_filter: OrderFilter, *, after: Cursor | None = None, limit: int = PAGE_SIZE
) -> OrderPage:
    """One page of orders (never carts), newest first, after ``after``; and the next page's cursor."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    common = _conditions(order_filter)
    start, end = utc_bounds(order_filter.date_from, order_filter.date_to)
    branches = _branches(order_filter)
    dialect = db.session.get_bind().dialect.name
    if order_filter.search and dialect == "postgresql":
        # For this transaction only. A search branch may walk thousands of index entries until
        # LIMIT stops it; PostgreSQL then plans parallel workers, whose start-up costs more than
        # the walk (40 ms against 15 ms for a SKU in 0.7% of a million orders). And a search's
        # best plan depends on its text, so no generic plan of the prepared statement is reused.
        db.session.execute(_SEARCH_SETTINGS)
    newest_first = (Order.created_at.desc(), Order.id.desc())
    if not branches:
        rows: list[Order] = []
    elif len(branches) == 1 or dialect != "postgresql":
        # SQLite has no trigram index: each branch would be a pass over the table, so one
        # pass newest first that tests every branch is the cheapest it can do.
        if len(branches) == 1:
            where = branches[0].conditions()
        else:
            where = [or_(*(and_(true(), *branch.conditions()) for branch in branches))]
        keyset = _keyset(Order.created_at, Order.id, after, start, end)
        query = select(Order).where(*common, *keyset, *where).order_by(*newest_first).limit(limit + 1)
        rows = list(db.session.scalars(query))
    else:
        # One newest-first top-(limit + 1) per branch, each on its own index; merged, then cut.
        tops = [branch.top(common, after, start, end, limit + 1).subquery() for branch in branches]
        merged = union(*(select(top.c.id, top.c.created_at) for top in tops)).subquery()
        page = (
            select(merged.c.id, merged.c.created_at)
            .order_by(merged.c.created_at.desc(), merged.c.id.desc())
            .limit(limit + 1)
            .subquery()
        )
        query = (
            select(Order)
            .join(page, Order.id == page.c.id)
            .order_by(page.c.created_at.desc(), page.c.id.desc())
        )
        rows = list(db.session.scalars(query))
    next_cursor = Cursor.of(rows[limit - 1]) if len(rows) > limit else None
    return OrderPage(rows[:limit], next_cursor)


def _keyset(created, id_, after: Cursor | None, start, end) -> list[ColumnElement[bool]]:  # noqa: ANN001
    """The page's window on (created, id): after the cursor, within the dates. Written on the
    columns of the index a branch walks: the orders' own, or the copy on order lines."""
    conditions: list[ColumnElement[bool]] = []
    if after is not None:
        conditions.append(
            tuple_(created, id_) < tuple_(literal(after.created_at, UTCDateTime()), literal(after.id))
        )
    if start is not None:
        conditions.append(created >= start)
    if end is not None:
        conditions.append(created < end)
    return conditions


@dataclass(frozen=True)
class _Branch:
    """One alternative of an OR: conditions on the order (ANDed)."""

    where: tuple[ColumnElement[bool], ...] = ()

    def conditions(self) -> list[ColumnElement[bool]]:
        return list(self.where)

    def also(self, condition: ColumnElement[bool]) -> _Branch:
        return _Branch((*self.where, condition))

    def top(self, common, after, start, end, limit: int) -> Select:  # noqa: ANN001
        """This branch's newest ``limit`` orders, walking an index on the orders."""
        return (
            select(Order.id, Order.created_at)
            .where(*common, *_keyset(Order.created_at, Order.id, after, start, end), *self.where)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )


@dataclass(frozen=True)
class _VariantBranch(_Branch):
    """Orders with a line of one variant. Its top walks ix_order_lines_variant_created newest
    first and joins each line to its order: 51 rows read for a page, where walking the orders
    and probing each for the variant read 7 000 (58 ms for a SKU in 0.7% of a million orders).
    One variant per branch, so a line is one order (uq(order_id, variant_id)): no duplicates."""

    variant_id: int = 0

    def conditions(self) -> list[ColumnElement[bool]]:
        line = select(OrderLine.id).where(
            OrderLine.order_id == Order.id, OrderLine.variant_id == self.variant_id
        )
        return [line.exists(), *self.where]

    def also(self, condition: ColumnElement[bool]) -> _Branch:
        return _VariantBranch((*self.where, condition), self.variant_id)

    def top(self, common, after, start, end, limit: int) -> Select:  # noqa: ANN001
        created, order_id = OrderLine.order_created_at, OrderLine.order_id
        return (
            select(Order.id, Order.created_at)
            .select_from(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                OrderLine.variant_id == self.variant_id,
                *_keyset(created, order_id, after, start, end),
                *common,
                *self.where,
            )
            .order_by(created.desc(), order_id.desc())
            .limit(limit)
        )


def _conditions(order_filter: OrderFilter) -> list[ColumnElement[bool]]:
    """The filters every branch shares (ANDed); the dates and the cursor are in _keyset."""
    f = order_filter
    conditions: list[ColumnElement[bool]] = [Order.state != OrderState.QUOTATION]  # never carts
    if f.status_id is not None:
        conditions.append(Order.status_id == f.status_id)
    if f.delivery_method is not None:
        conditions.append(Order.delivery_method == f.delivery_method)
    if f.payment_state is not None:
        conditions.append(Order.payment_state == f.payment_state)
    if f.source:
        conditions.append(Order.source == f.source)
    if f.salesperson_id is not None:
        conditions.append(Order.salesperson_id == f.salesperson_id)
    if f.sales_team_id is not None:
        conditions.append(Order.sales_team_id == f.sales_team_id)
    if f.group == AWAITING_PAYMENT:
        # A quotation sent has no status until it becomes a sales order.
        conditions.append(Order.state == OrderState.QUOTATION_SENT)
    return conditions


def _branches(order_filter: OrderFilter) -> list[_Branch]:
    """The ORed alternatives. [] means nothing can match."""
    search = _search_branches(order_filter.search)
    if not order_filter.group or order_filter.group == AWAITING_PAYMENT:
        return search
    ids = group_status_ids(order_filter.group)
    if not ids:
        return []
    if len(search) > 1 or search[0].where:
        # A search is selective on its own: the group is one more condition on each branch.
        return [branch.also(Order.status_id.in_(ids)) for branch in search]
    # "Newest in progress" = the newest of "newest processing" and "newest shipped".
    return [_Branch((Order.status_id == status_id,)) for status_id in ids]


def group_status_ids(group: str) -> list[int]:
    return list(
        db.session.scalars(select(OrderStatus.id).where(OrderStatus.group == group).order_by(OrderStatus.id))
    )


# --- search ---------------------------------------------------------------------------------------


def _search_branches(text: str) -> list[_Branch]:
    """Where the text may be found, by its shape: an order number (exact or its beginning), a
    fragment of the customer's name, company, e-mail or phone (digits only: "0532 123" finds
    "+90532123..."), or of a line's SKU. Each place is one branch (see the module's docstring).
    Names and e-mails are searched folded (shop.search.fold: "YILMAZ" finds "Yılmaz", "gomlek"
    finds "gömlek") in the orders' search_text, one trigram GIN index on PostgreSQL."""
    text = text.strip()
    if not text:
        return [_Branch()]
    digits = re.sub(r"[^0-9]", "", text)
    one_word = not any(c.isspace() for c in text)
    folded = fold(text)
    long_enough = len(text) >= SEARCH_MIN_FRAGMENT and len(folded) >= SEARCH_MIN_FRAGMENT

    number = [Order.number == text.upper()]
    if re.fullmatch(r"[0-9]{1,9}", text):  # "12" is the order S000012
        from shop.settings import services as settings

        number.append(Order.number == f"{settings.current().order_number_prefix}{int(text):06d}")
    if long_enough and one_word and digits:
        # Numbers are capitals and digits (settings: the prefix is A-Z): a case-sensitive
        # prefix LIKE, one range of ix_orders_number_pattern on PostgreSQL (migration 0008).
        number.append(Order.number.like(escape_like(text.upper()) + "%", escape="\\"))
    branches = [_Branch((or_(*number),))]
    if not long_enough:
        return branches

    if _PHONE_LIKE.match(text) and len(digits) >= SEARCH_MIN_FRAGMENT:
        # Phones are kept as digits ("905321234567"); a national "0532..." drops its leading 0.
        national = digits.lstrip("0")
        phones = {digits} | ({national} if len(national) >= SEARCH_MIN_FRAGMENT else set())
        branches.append(_Branch((or_(*(_customer_matches(p) for p in sorted(phones))),)))
    else:
        branches.append(_Branch((_customer_matches(folded),)))
        if "@" in text:
            return branches
    if one_word:
        branches.extend(_sku_branches(f"%{escape_like(text)}%"))
    return branches


def _sku_branches(pattern: str) -> list[_Branch]:
    """Orders with a line whose SKU matches. The catalog's variants are looked up first (a small
    table); a SKU matching a few variants is one branch per variant (see _VariantBranch).
    More variants are one branch probing uq(order_id, variant_id) per order, chosen by the
    planner from exact statistics; a trigram LIKE over every line misjudges how many lines
    match a SKU (215 estimated, 7 335 found at a million orders) and took 150 ms. A SKU no
    variant has any more (renamed, deleted) is still found in the lines' own snapshot."""
    variant_ids = list(
        db.session.scalars(
            select(Variant.id)
            .where(_matches(Variant.sku, pattern))
            .order_by(Variant.id)
            .limit(SKU_VARIANTS_MAX + 1)
        )
    )
    if variant_ids and len(variant_ids) <= SKU_VARIANT_BRANCHES_MAX:
        return [_VariantBranch(variant_id=variant_id) for variant_id in variant_ids]
    if variant_ids and len(variant_ids) <= SKU_VARIANTS_MAX:
        line = select(OrderLine.id).where(
            OrderLine.order_id == Order.id, OrderLine.variant_id.in_(variant_ids)
        )
    else:
        line = select(OrderLine.id).where(OrderLine.order_id == Order.id, _matches(OrderLine.sku, pattern))
    return [_Branch((line.exists(),))]


def _customer_matches(folded: str) -> ColumnElement[bool]:
    """The folded fragment anywhere in the order's folded name, company, e-mail or phone: a
    plain LIKE on both databases (the column is folded already), ix_orders_search_text_trgm on
    PostgreSQL (migration 0011)."""
    return Order.search_text.like(f"%{escape_like(folded)}%", escape="\\")


def _matches(column, pattern: str) -> ColumnElement[bool]:  # noqa: ANN001
    """Case-insensitive LIKE, for SKUs. On PostgreSQL as lower(column) LIKE lower(pattern), the
    expression the trigram GIN index of migration 0002 is built on; SQLite's LIKE ignores ASCII
    case."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.lower(column).like(func.lower(pattern), escape="\\")
    return column.like(pattern, escape="\\")


# --- dates --------------------------------------------------------------------------------------


def utc_bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """The shop-time days [date_from, date_to] as UTC instants [start, end)."""
    zone = shop_timezone()

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

    start = midnight(date_from) if date_from else None
    end = midnight(date_to + timedelta(days=1)) if date_to else None
    return start, end


# --- counts and choices -------------------------------------------------------------------------


def counts_by_group(statuses: list[OrderStatus] | None = None, *, cap: int = COUNT_CAP) -> dict[str, int]:
    """Orders per status group, awaiting payment, and all ("" key); a count above ``cap`` means
    "more than cap" (shown as "1 000+"). One round trip of capped counts, one per status, each
    the newest ``cap + 1`` entries of ix_orders_status_created read backwards and no more (an
    index-only scan the planner cannot trade for a sequential scan, as it did for "status IN
    (...) LIMIT n" at 100 000 orders); a group is the sum of its statuses.
    ``statuses``: every status, archived too, when the caller has them already."""
    if statuses is None:
        statuses = list(db.session.scalars(select(OrderStatus).order_by(OrderStatus.id)))
    params = {f"s{i}": status.id for i, status in enumerate(statuses)}
    every, awaiting, *per_status = db.session.execute(_counts_statement(len(statuses), cap), params).one()
    counts = {"": every, AWAITING_PAYMENT: awaiting} | {group.value: 0 for group in StatusGroup}
    for status, count in zip(statuses, per_status, strict=True):
        counts[StatusGroup(status.group).value] += count
    return counts


@lru_cache(maxsize=32)
def _counts_statement(statuses: int, cap: int) -> Select:
    """Built once per number of statuses and cap (building costs more than running it)."""

    def capped(condition: ColumnElement[bool]):  # noqa: ANN202
        newest = (
            select(Order.id)
            .where(condition)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(cap + 1)
            .subquery()
        )
        return select(func.count()).select_from(newest).scalar_subquery()

    conditions = [Order.state != OrderState.QUOTATION, Order.state == OrderState.QUOTATION_SENT]
    conditions += [Order.status_id == bindparam(f"s{i}") for i in range(statuses)]
    return select(*(capped(condition).label(f"c{i}") for i, condition in enumerate(conditions)))


# A loose index scan over ix_orders_source_created: one index probe per distinct source.
_SOURCES = text(
    """
    WITH RECURSIVE sources(source) AS (
        SELECT min(source) FROM orders
        UNION ALL
        SELECT (SELECT min(source) FROM orders WHERE orders.source > sources.source)
        FROM sources WHERE sources.source IS NOT NULL
    )
    SELECT source FROM sources WHERE source IS NOT NULL LIMIT :limit
    """
)


def known_sources(limit: int = 50) -> list[str]:
    """The order sources in use (carts' too), instant at a million orders: see _SOURCES."""
    return list(db.session.scalars(_SOURCES, {"limit": limit}))
