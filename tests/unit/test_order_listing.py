from datetime import UTC, date, datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from shop.accounts.models import SalesTeam
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.listing import (
    AWAITING_PAYMENT,
    Cursor,
    OrderFilter,
    counts_by_group,
    known_sources,
    list_orders,
    utc_bounds,
)
from shop.orders.models import OrderStatus
from shop.sales.models import DeliveryMethod, Order, OrderLine, OrderState, PaymentMethod, PaymentState
from tests.factories import checkout_details, make_cart, make_product, make_sales_order, make_staff

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _order(minutes: int = 0, *, status: str | None = None, **over) -> Order:
    """A sales order created ``minutes`` after T0, with order fields set as given."""
    fields = {
        key: over.pop(key)
        for key in ("source", "salesperson_id", "sales_team_id", "payment_state")
        if key in over
    }
    order = make_sales_order(**over)
    order.created_at = T0 + timedelta(minutes=minutes)
    for key, value in fields.items():
        setattr(order, key, value)
    if status:
        orders.change_status(order, _status(status), by=Actor.system())
    db.session.flush()
    return order


def _status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def _numbers(order_filter: OrderFilter | None = None, **kwargs) -> list[str]:
    return [o.number for o in list_orders(order_filter or OrderFilter(), **kwargs).orders]


def _filter(**args: str) -> OrderFilter:
    return OrderFilter.from_args(MultiDict(args))


# --- what is listed ------------------------------------------------------------------------


def test_the_list_shows_orders_newest_first_and_never_carts():
    older, newer = _order(1), _order(2)
    make_cart((make_product().variants[0], 1))

    numbers = _numbers()

    assert numbers == [newer.number, older.number]


def test_orders_awaiting_payment_are_listed_and_are_a_group_of_their_own():
    paid_later = make_cart((make_product().variants[0], 1))
    from shop.sales import services as sales

    sales.confirm_quotation(paid_later, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))
    confirmed = _order()

    everything = _numbers()
    awaiting = _numbers(_filter(group=AWAITING_PAYMENT))

    assert set(everything) == {paid_later.number, confirmed.number}
    assert paid_later.state == OrderState.QUOTATION_SENT
    assert awaiting == [paid_later.number]


# --- each filter ------------------------------------------------------------------------------


def test_filtering_by_status_lists_only_orders_in_it():
    new = _order(1)
    processing = _order(2, status="processing")

    numbers = _numbers(_filter(status=str(_status("processing").id)))

    assert numbers == [processing.number]
    assert new.number not in numbers


def test_filtering_by_status_group_lists_every_status_of_the_group_newest_first():
    processing = _order(1, status="processing")
    completed = _order(2, status="completed")
    returned = _order(3, status="returned")
    _order(4)

    in_progress = _numbers(_filter(group="in_progress"))
    not_completed = _numbers(_filter(group="not_completed"))
    done = _numbers(_filter(group="completed"))

    assert in_progress == [processing.number]
    assert not_completed == [returned.number]
    assert done == [completed.number]


def test_a_group_with_several_statuses_merges_them_newest_first():
    cancelled = _order(1, status="cancelled")
    returned = _order(2, status="returned")
    cancelled_later = _order(3, status="cancelled")

    numbers = _numbers(_filter(group="not_completed"))

    assert numbers == [cancelled_later.number, returned.number, cancelled.number]


def test_filtering_by_delivery_method():
    _order(1)
    pickup = _order(2, delivery_method=DeliveryMethod.COURIER)

    numbers = _numbers(_filter(delivery="courier"))

    assert numbers == [pickup.number]


def test_filtering_by_payment_state():
    unpaid = _order(1)
    paid = _order(2, payment_state=PaymentState.PAID)

    assert _numbers(_filter(payment="paid")) == [paid.number]
    assert _numbers(_filter(payment="not_paid")) == [unpaid.number]


def test_filtering_by_source():
    _order(1)
    marketplace = _order(2, source="marketplace")

    numbers = _numbers(_filter(source="marketplace"))

    assert numbers == [marketplace.number]


def test_filtering_by_salesperson_and_by_sales_team():
    team = SalesTeam(name="Istanbul")
    db.session.add(team)
    seller = make_staff("deniz@example.com", salesperson=True)
    db.session.flush()
    _order(1)
    theirs = _order(2, salesperson_id=seller.id)
    teams = _order(3, sales_team_id=team.id)

    assert _numbers(_filter(salesperson=str(seller.id))) == [theirs.number]
    assert _numbers(_filter(team=str(team.id))) == [teams.number]


def test_a_date_range_means_whole_days_in_the_shops_timezone():
    # 21:30 UTC on 1 March is 00:30 on 2 March in Istanbul (UTC+3).
    late_evening_utc = _order()
    late_evening_utc.created_at = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)
    earlier = _order()
    earlier.created_at = datetime(2026, 3, 1, 20, 59, tzinfo=UTC)
    db.session.flush()

    second_of_march = _numbers(_filter(**{"from": "2026-03-02", "to": "2026-03-02"}))
    first_of_march = _numbers(_filter(**{"from": "2026-03-01", "to": "2026-03-01"}))

    assert second_of_march == [late_evening_utc.number]
    assert first_of_march == [earlier.number]


def test_shop_days_become_utc_bounds():
    start, end = utc_bounds(date(2026, 3, 2), date(2026, 3, 2))

    assert (start, end) == (datetime(2026, 3, 1, 21, 0, tzinfo=UTC), datetime(2026, 3, 2, 21, 0, tzinfo=UTC))


def test_filters_combine():
    wanted = _order(1, status="processing", delivery_method=DeliveryMethod.COURIER, source="phone")
    _order(2, status="processing", delivery_method=DeliveryMethod.COURIER)
    _order(3, status="processing", source="phone")
    _order(4, delivery_method=DeliveryMethod.COURIER, source="phone")

    numbers = _numbers(_filter(group="in_progress", delivery="courier", source="phone"))

    assert numbers == [wanted.number]


# --- search -------------------------------------------------------------------------------------


def test_searching_an_order_number_finds_it_exactly_by_its_beginning_or_by_its_digits():
    order = _order()
    other = _order(1)

    exact = _numbers(_filter(q=order.number.lower()))
    beginning = _numbers(_filter(q=order.number[:-1]))
    beginning_typed_small = _numbers(_filter(q=order.number[:-1].lower()))
    digits = _numbers(_filter(q=str(order.id)))

    assert exact == [order.number]
    assert beginning == [other.number, order.number]  # S00000 begins S000001 and S000002
    assert beginning_typed_small == beginning
    assert digits == [order.number]


def test_the_beginning_of_an_order_number_is_one_index_range_on_postgresql():
    """Migration 0008: the list's number search is a range of the pattern_ops btree, not a
    pass over the trigrams of every "S00..." number."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("pattern_ops indexes are PostgreSQL's")
    from sqlalchemy import event

    _order()
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG001
        if "FROM orders" in statement:
            seen.append((statement, parameters))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        list_orders(_filter(q="s00000"))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, parameters = seen[-1]
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table: ask for the index
    plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "ix_orders_number_pattern" in plan
    assert "~>=~" in plan  # the LIKE became a range of the index, not a filter on every entry


def test_searching_a_fragment_of_the_email_finds_the_order_whatever_the_case():
    wanted = _order(email="mehmet.yilmaz@example.com")
    _order(1, email="zeynep@example.com")

    numbers = _numbers(_filter(q="Mehmet.Yil"))

    assert numbers == [wanted.number]


def test_searching_a_fragment_of_the_name_finds_the_order():
    wanted = _order(name="Zeynep Arslan")
    _order(1, name="Ali Veli")

    assert _numbers(_filter(q="arsla")) == [wanted.number]


@pytest.mark.parametrize("typed", ["0532 123 45", "5321234", "+90 532 123 45 67", "(532) 123-45"])
def test_searching_phone_digits_finds_the_order_without_plus_or_spaces(typed):
    wanted = _order(phone="+905321234567")
    _order(1, phone="+48601234567")

    assert _numbers(_filter(q=typed)) == [wanted.number]


def test_searching_a_sku_finds_the_orders_that_have_a_line_of_it():
    tshirt = make_product().variants[0]
    with_it = make_sales_order((tshirt, 1), (make_product().variants[0], 2))
    _order(2)

    numbers = _numbers(_filter(q=tshirt.sku.lower()))

    assert numbers == [with_it.number]


def test_an_order_is_found_by_the_sku_its_line_had_after_the_variant_got_another():
    mug = make_product().variants[0]
    order = make_sales_order((mug, 1))
    old_sku = mug.sku
    mug.sku = "MUG-NEW-1"
    db.session.flush()

    by_old = _numbers(_filter(q=old_sku))
    by_new = _numbers(_filter(q="mug-new"))

    assert by_old == [order.number]
    assert by_new == [order.number]


def test_sku_pages_over_several_matching_variants_neither_repeat_nor_skip_orders():
    product = make_product(variants=3)  # SKU-n-0, -1, -2: one search, three variants
    small, medium, large = product.variants
    made = []
    for minute, lines in enumerate([(small,), (medium,), (small, medium), (large,), (small, large)] * 2):
        order = make_sales_order(*((variant, 1) for variant in lines))
        order.created_at = T0 + timedelta(minutes=minute)
        made.append(order)
    make_sales_order((make_product().variants[0], 1))  # another product: never listed
    stem = small.sku.rsplit("-", 1)[0] + "-"

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        in_march = _filter(q=stem, **{"from": "2026-03-10", "to": "2026-03-10"})
        page = list_orders(in_march, after=cursor, limit=3)
        seen += [o.number for o in page.orders]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == [o.number for o in reversed(made)]  # each order once, newest first


def test_order_lines_keep_their_orders_creation_time():
    order = make_sales_order((make_product().variants[0], 1), (make_product().variants[0], 1))
    assert all(line.order_created_at == order.created_at for line in order.lines)

    order.created_at = T0  # the demo backdates its orders
    db.session.flush()
    db.session.expire_all()

    stored = db.session.scalars(db.select(OrderLine.order_created_at).where(OrderLine.order_id == order.id))
    assert set(stored) == {T0}


def test_percent_and_underscore_in_a_search_are_literal_not_wildcards():
    _order(name="Ayşe Yılmaz", email="ayse@example.com")
    underscore = _order(1, email="a_b@example.com")

    assert _numbers(_filter(q="%%%")) == []
    assert _numbers(_filter(q="a_b")) == [underscore.number]
    assert _numbers(_filter(q="y_lmaz")) == []


def test_a_search_combines_with_filters():
    processing = _order(1, email="same@example.com", status="processing")
    _order(2, email="same@example.com")

    numbers = _numbers(_filter(q="same@", group="in_progress"))

    assert numbers == [processing.number]


# --- keyset pages ---------------------------------------------------------------------------------


def test_pages_neither_overlap_nor_skip_orders_that_share_a_created_at():
    made = [_order() for _ in range(5)]  # all at T0 exactly
    made += [_order(-1), _order(1)]

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = list_orders(OrderFilter(), after=cursor, limit=2)
        seen += [o.number for o in page.orders]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == {o.number for o in made}
    expected = sorted(made, key=lambda o: (o.created_at, o.id), reverse=True)
    assert seen == [o.number for o in expected]


def test_group_pages_built_from_several_statuses_continue_where_they_stopped():
    made = [_order(i, status="cancelled" if i % 2 else "returned") for i in range(5)]

    first = list_orders(_filter(group="not_completed"), limit=2)
    second = list_orders(_filter(group="not_completed"), after=first.next_cursor, limit=2)
    third = list_orders(_filter(group="not_completed"), after=second.next_cursor, limit=2)

    numbers = [o.number for o in first.orders + second.orders + third.orders]
    assert numbers == [o.number for o in reversed(made)]
    assert third.next_cursor is None


def test_the_last_page_has_no_next_cursor():
    _order(1)
    _order(2)

    page = list_orders(OrderFilter(), limit=2)

    assert len(page.orders) == 2 and page.next_cursor is None


def test_a_cursor_survives_the_url_exactly():
    cursor = Cursor(datetime(2026, 3, 10, 9, 0, 0, 123456, tzinfo=UTC), 42)

    assert Cursor.parse(str(cursor)) == cursor


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "1_", "_1", "1_0", "1_-3", "999999999999999999_1", "1_99999999999", "٣_٣", "1_1_1", None],
)
def test_a_bad_cursor_is_ignored_and_means_the_first_page(garbage):
    assert Cursor.parse(garbage) is None


# --- the filter from the URL --------------------------------------------------------------------


def test_garbage_in_the_url_is_left_out_and_reported_never_an_error():
    args = MultiDict(
        {
            "status": "abc",
            "group": "everything",
            "delivery": "teleport",
            "payment": "maybe",
            "source": "<script>",
            "salesperson": "-1",
            "team": "99999999999",
            "from": "2026-13-45",
            "to": "yesterday",
            "q": "\x00ay\x07se",
            "unknown": "ignored",
        }
    )

    order_filter = OrderFilter.from_args(args)

    assert order_filter == OrderFilter(search="ayse")
    assert set(order_filter.problems) == {
        "status",
        "group",
        "delivery",
        "payment",
        "source",
        "salesperson",
        "team",
        "from",
        "to",
    }
    assert list_orders(order_filter).orders == []


def test_an_end_date_before_the_start_date_is_left_out_and_reported():
    order_filter = _filter(**{"from": "2026-03-02", "to": "2026-03-01"})

    assert order_filter.date_from == date(2026, 3, 2) and order_filter.date_to is None
    assert "to" in order_filter.problems


def test_a_filter_goes_back_into_the_url_as_it_came():
    args = {"q": "ayse", "group": "new", "status": "3", "delivery": "pickup", "from": "2026-03-01"}

    assert _filter(**args).to_args() == args


# --- counts and choices ---------------------------------------------------------------------------


def test_counts_per_status_group_include_awaiting_payment_and_all():
    for minutes, status in enumerate([None, None, "processing", "returned"]):
        _order(minutes, status=status)
    make_cart((make_product().variants[0], 1))

    counts = counts_by_group()

    assert counts == {
        "": 4,
        AWAITING_PAYMENT: 0,
        "new": 2,
        "in_progress": 1,
        "completed": 0,
        "not_completed": 1,
    }


def test_counts_stop_just_above_the_cap():
    for minutes in range(4):
        _order(minutes)

    counts = counts_by_group(cap=2)

    assert counts["new"] == 3 and counts[""] == 3


def test_the_sources_in_use_are_offered():
    for minutes, source in enumerate(["storefront", "marketplace", "phone", "phone"]):
        _order(minutes, source=source)

    assert known_sources() == ["marketplace", "phone", "storefront"]


@pytest.mark.parametrize("text", ["²", "١٢", "0", "%", "_", "\\", "' OR 1=1 --", "S", "ş" * 100, "😀😀😀"])
def test_any_search_text_gives_a_list_not_an_error(text):
    _order()

    page = list_orders(OrderFilter(search=text))

    assert isinstance(page.orders, list)


def test_persian_digits_in_the_search_are_read_as_digits():
    order = _order()

    numbers = _numbers(_filter(q=str(order.id).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))))

    assert numbers == [order.number]
