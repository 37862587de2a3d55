"""Asking for a return (S5): which lines and units may go back, until when, and every refusal
rule, tried on the database the suite runs on (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import io
import struct
import threading
import zlib
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask_babel import refresh
from PIL import Image
from sqlalchemy import event

from shop import events
from shop.errors import ReturnRefused
from shop.extensions import db
from shop.fulfillment import pickups
from shop.i18n import format_day, shop_timezone
from shop.orders import services as orders
from shop.orders.history import Actor, events_for
from shop.orders.models import OrderStatus
from shop.returns import photos, requests
from shop.returns import settings as return_settings
from shop.returns.models import ReturnLine, ReturnRequest, ReturnState
from shop.sales import services as sales
from shop.sales.models import Order, OrderState
from shop.settings import services as settings
from tests.factories import make_cart, make_product, make_staff, make_warehouse, pickup_details

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
MONDAY = date(2026, 3, 2)
THREADS = 5


@pytest.fixture
def seller() -> Actor:
    return Actor.user(make_staff())


@pytest.fixture
def warehouse():
    return make_warehouse("MAIN", weekdays=ALL_DAYS, lead=0)


def at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=shop_timezone())


def pickup_order(warehouse, *lines, customer_id=None):
    order = sales.confirm_quotation(make_cart(*lines, customer_id=customer_id), pickup_details(warehouse))
    db.session.flush()
    return order


def collected(order, seller, quantities=None, *, on: date = MONDAY):
    """The customer takes ``quantities`` (order line id -> units; all by default); the order
    counts as delivered ``on`` that day."""
    pickups.mark_ready(order, by=seller)
    pickups.hand_over(order, quantities or {line.id: line.quantity for line in order.lines}, by=seller)
    if order.delivered_at is None:  # part of it only: the seller marks it completed by hand
        orders.complete(order, by=seller)
    order.delivered_at = at_noon(on)
    db.session.flush()
    return order


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def line_of(order, variant):
    return next(line for line in order.lines if line.variant_id == variant.id)


def by_line(order, today: date) -> dict[int, requests.ReturnableLine]:
    return {item.line.id: item for item in requests.returnable_lines(order, today=today)}


def ask(order, quantities, *, today=MONDAY, reason="changed_mind", **over):
    return requests.request_return(
        order, quantities, reason=reason, by=Actor.customer(order), today=today, **over
    )


def refusal(order, quantities, **over) -> ReturnRefused:
    before = db.session.scalar(db.select(db.func.count(ReturnRequest.id)))
    with pytest.raises(ReturnRefused) as caught:
        ask(order, quantities, **over)
    assert db.session.scalar(db.select(db.func.count(ReturnRequest.id))) == before  # nothing saved
    return caught.value


# --- the window ----------------------------------------------------------------------------


def test_the_window_is_fourteen_days_and_the_deadline_day_itself_is_accepted(warehouse, seller):
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    order = collected(pickup_order(warehouse, (shirt, 2)), seller)
    line = line_of(order, shirt)

    item = by_line(order, MONDAY + timedelta(days=14))[line.id]
    assert (item.delivered, item.returning, item.deadline, item.refusal, item.available) == (
        2,
        0,
        date(2026, 3, 16),
        "",
        2,
    )
    late = by_line(order, date(2026, 3, 17))[line.id]
    assert late.available == 0
    assert late.refusal == f"The return window for Shirt (Size 0) closed on {format_day(date(2026, 3, 16))}."
    assert refusal(order, {line.id: 1}, today=date(2026, 3, 17)).field == f"line-{line.id}"

    made = ask(order, {line.id: 2}, today=date(2026, 3, 16))
    assert made.state == ReturnState.REQUESTED and made.unit_count == 2


def test_the_window_starts_on_the_shop_day_of_the_delivery():
    # 22:30 UTC on Sunday is 01:30 on Monday in Istanbul (the test shop's time zone).
    order = type("O", (), {"delivered_at": datetime(2026, 3, 1, 22, 30, tzinfo=UTC)})()
    assert requests.delivered_on(order) == MONDAY


def test_the_shop_setting_and_a_products_own_window(warehouse, seller):
    settings.update(returns={"window_days": 20})
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    sofa = make_product(stock={warehouse: 5}, name="Sofa").variants[0]
    sofa.product.return_days = 30
    order = collected(pickup_order(warehouse, (shirt, 1), (sofa, 1)), seller)

    lines = by_line(order, MONDAY)
    assert lines[line_of(order, shirt).id].deadline == MONDAY + timedelta(days=20)
    assert lines[line_of(order, sofa).id].deadline == MONDAY + timedelta(days=30)
    assert requests.window(sofa.product) == (30, False)
    assert requests.window(None) == (20, False)

    day_25 = by_line(order, MONDAY + timedelta(days=25))
    assert "closed on" in day_25[line_of(order, shirt).id].refusal
    assert day_25[line_of(order, sofa).id].available == 1


def test_iran_counts_seven_working_days_without_thursdays_and_fridays(warehouse, seller):
    settings.update(currency="IRR")
    wednesday = date(2026, 3, 4)
    lamp = make_product(stock={warehouse: 5}, name="Lamp").variants[0]
    order = collected(pickup_order(warehouse, (lamp, 1)), seller, on=wednesday)

    # Thu, Fri off; Sat 1, Sun 2, Mon 3, Tue 4, Wed 5; Thu, Fri off; Sat 6, Sun 7.
    assert requests.window(lamp.product) == (7, True)
    deadline = by_line(order, wednesday)[line_of(order, lamp).id].deadline
    assert deadline == date(2026, 3, 15) and deadline.weekday() == 6
    assert by_line(order, date(2026, 3, 15))[line_of(order, lamp).id].available == 1
    assert "closed on" in by_line(order, date(2026, 3, 16))[line_of(order, lamp).id].refusal
    # A delivery on a Thursday: the next working day is Saturday.
    assert requests.deadline(date(2026, 3, 5), 1, True) == date(2026, 3, 7)
    assert requests.deadline(date(2026, 3, 5), 0, True) == date(2026, 3, 5)


def test_the_official_holidays_the_seller_lists_are_not_working_days(warehouse, seller):
    # Nowruz 1405: 1-4 Farvardin are Sat 21 - Tue 24 March 2026.
    settings.update(
        currency="IRR", returns={"holidays": ["2026-03-21", "2026-03-22", "2026-03-23", "2026-03-24"]}
    )
    wednesday = date(2026, 3, 18)
    lamp = make_product(stock={warehouse: 5}, name="Lamp").variants[0]
    order = collected(pickup_order(warehouse, (lamp, 1)), seller, on=wednesday)

    # Thu 19, Fri 20 weekend; Sat 21 - Tue 24 Nowruz; Wed 25 is 1; Thu, Fri off; Sat 28 - Wed 1 Apr
    # are 2 to 6; Thu, Fri off; Sat 4 April is 7.
    deadline = by_line(order, wednesday)[line_of(order, lamp).id].deadline
    assert deadline == date(2026, 4, 4)
    assert requests.deadline(wednesday, 7, True) == date(2026, 3, 29)  # without the holidays


def test_holidays_do_not_change_a_window_counted_in_calendar_days(warehouse, seller):
    settings.update(currency="TRY", returns={"holidays": ["2026-03-21"]})
    assert return_settings.current().holidays == frozenset()
    assert requests.deadline(date(2026, 3, 18), 14, False, frozenset({date(2026, 3, 21)})) == date(2026, 4, 1)


# --- what may go back ----------------------------------------------------------------------


def test_a_non_returnable_product_is_refused_by_name(warehouse, seller):
    earrings = make_product(stock={warehouse: 5}, name="Earrings", returnable=False).variants[0]
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    order = collected(pickup_order(warehouse, (earrings, 1), (shirt, 1)), seller)

    item = by_line(order, MONDAY)[line_of(order, earrings).id]
    assert (item.refusal, item.deadline, item.available) == ("Earrings (Size 0) cannot be returned.", None, 0)
    refused = refusal(order, {line_of(order, earrings).id: 1, line_of(order, shirt).id: 1})
    assert (str(refused), refused.field) == (item.refusal, f"line-{line_of(order, earrings).id}")


def test_the_line_is_named_and_the_date_written_in_the_readers_language(warehouse, seller, app):
    earrings = make_product(stock={warehouse: 5}, name="Earrings", returnable=False).variants[0]
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    order = collected(pickup_order(warehouse, (earrings, 1), (shirt, 1)), seller)
    with app.test_request_context("/?lang=fa"):
        refresh()  # the test's own context had English cached
        items = by_line(order, MONDAY + timedelta(days=15))
        persian_date = format_day(date(2026, 3, 16))
    refresh()
    earrings_name, shirt_name = earrings.product.name["fa"], shirt.product.name["fa"]
    assert items[line_of(order, earrings).id].refusal.startswith(f"{earrings_name} (Size 0)")
    assert f"{shirt_name} (Size 0)" in items[line_of(order, shirt).id].refusal
    assert persian_date in items[line_of(order, shirt).id].refusal and "۱۴۰۴" in persian_date


def test_no_more_than_delivered_minus_what_is_already_being_returned(warehouse, seller):
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    socks = make_product(stock={warehouse: 5}, name="Socks").variants[0]
    order = pickup_order(warehouse, (shirt, 3), (socks, 1))
    collected(order, seller, {line_of(order, shirt).id: 2})  # one shirt and the socks stay behind
    shirt_line, socks_line = line_of(order, shirt).id, line_of(order, socks).id

    assert str(refusal(order, {shirt_line: 3})) == (
        "You can return at most 2 of Shirt (Size 0): 2 delivered, 0 already being returned."
    )
    assert by_line(order, MONDAY)[socks_line].refusal == (
        "Nothing of Socks (Size 0) has been delivered, so it cannot be returned."
    )
    assert refusal(order, {socks_line: 1}).field == f"line-{socks_line}"

    first = ask(order, {shirt_line: 1, socks_line: 0})
    assert [(line.order_line_id, line.quantity) for line in first.lines] == [(shirt_line, 1)]
    refused = refusal(order, {shirt_line: 2})
    assert (
        str(refused) == "You can return at most 1 of Shirt (Size 0): 2 delivered, 1 already being returned."
    )
    second = ask(order, {shirt_line: 1})
    assert (first.number, second.number) == (f"{order.number}-R1", f"{order.number}-R2")
    assert by_line(order, MONDAY)[shirt_line].refusal == (
        "Every delivered unit of Shirt (Size 0) is already being returned."
    )

    # A rejected return gives its units back; every other state keeps them.
    first.state = ReturnState.REJECTED
    second.state = ReturnState.REFUNDED
    db.session.flush()
    item = by_line(order, MONDAY)[shirt_line]
    assert (item.returning, item.available) == (1, 1)
    assert ask(order, {shirt_line: 1}).number == f"{order.number}-R3"


def test_an_order_not_delivered_or_cancelled_cannot_be_returned(warehouse, seller):
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    waiting = pickup_order(warehouse, (shirt, 1))
    expected = (
        f"Order {waiting.number} has not been delivered yet: a return can be asked for once it has been "
        "delivered or collected."
    )
    assert requests.order_refusal(waiting) == expected
    refused = refusal(waiting, {waiting.lines[0].id: 1})
    assert (str(refused), refused.field) == (expected, "lines")
    assert requests.returnable_lines(waiting, today=MONDAY)[0].refusal == expected

    cancelled = pickup_order(warehouse, (shirt, 1))
    orders.change_status(cancelled, status("cancelled"), by=seller)
    assert cancelled.state == OrderState.CANCELLED
    assert requests.order_refusal(cancelled) == (
        f"Order {cancelled.number} was cancelled: there is nothing to return."
    )
    cart = make_cart((shirt, 1))
    assert requests.order_refusal(cart) == "This order has not been placed yet: there is nothing to return."
    assert requests.order_refusal(collected(pickup_order(warehouse, (shirt, 1)), seller)) == ""


def test_lines_of_another_order_unknown_ids_and_odd_quantities_are_refused(warehouse, seller):
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    order = collected(pickup_order(warehouse, (shirt, 2)), seller)
    other = collected(pickup_order(warehouse, (shirt, 1)), seller)
    line_id, others_line = order.lines[0].id, other.lines[0].id

    assert refusal(order, {others_line: 1}).field == f"line-{others_line}"
    assert refusal(order, {999999: 1}).field == "line-999999"
    assert refusal(order, {str(line_id): 1}).field == f"line-{line_id}"
    for units in (-1, 1.5, True, "2", None, 10**30):
        assert refusal(order, {line_id: units}).field == f"line-{line_id}"
    for nothing in ({}, {line_id: 0}):
        refused = refusal(order, nothing)
        assert (str(refused), refused.field) == ("Choose at least one item and how many to return.", "lines")


def test_the_reason_is_one_of_the_list_and_other_needs_words(warehouse, seller):
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    order = collected(pickup_order(warehouse, (shirt, 2)), seller)
    line_id = order.lines[0].id

    assert refusal(order, {line_id: 1}, reason="").field == "reason"
    assert refusal(order, {line_id: 1}, reason="free money").field == "reason"
    assert refusal(order, {line_id: 1}, reason="other", reason_text="   ").field == "reason_text"
    assert refusal(order, {line_id: 1}, reason_text="x" * 1001).field == "reason_text"
    assert refusal(order, {line_id: 1}, reason_text="bad\x00byte").field == "reason_text"

    made = ask(order, {line_id: 1}, reason="other", reason_text="  The colour is\r\nnot the photo's.  ")
    assert (made.reason, made.reason_text) == ("other", "The colour is\nnot the photo's.")


# --- the request itself ---------------------------------------------------------------------


def test_a_request_is_recorded_in_the_history_and_sent_as_an_event(warehouse, seller):
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    customer = make_staff("customer@example.com", role="customer")
    order = collected(pickup_order(warehouse, (shirt, 2), customer_id=customer.id), seller)
    heard = []

    def listener(sender, **kwargs):
        heard.append((sender, kwargs))

    with events.return_changed.connected_to(listener):
        made = ask(order, {order.lines[0].id: 1}, channel="guest")

    assert (made.customer_id, made.channel, made.photo, made.order_id) == (customer.id, "guest", "", order.id)
    assert heard == [(order, {"return_request": made, "by": Actor.customer(order)})]
    row = [event for event in events_for(order) if event.kind == "return"]
    assert [(e.before, e.after, e.note, e.public) for e in row] == [("", "requested", made.number, True)]
    with pytest.raises(ValueError):
        ask(order, {order.lines[0].id: 1}, channel="fax")


def test_returns_of_an_order_and_of_a_customer(warehouse, seller):
    shirt = make_product(stock={warehouse: 9}, name="Shirt").variants[0]
    customer = make_staff("customer@example.com", role="customer")
    first_order = collected(pickup_order(warehouse, (shirt, 2), customer_id=customer.id), seller)
    second_order = collected(pickup_order(warehouse, (shirt, 2), customer_id=customer.id), seller)
    strangers = collected(pickup_order(warehouse, (shirt, 1)), seller)
    a = ask(first_order, {first_order.lines[0].id: 1})
    b = ask(first_order, {first_order.lines[0].id: 1})
    c = ask(second_order, {second_order.lines[0].id: 2})
    ask(strangers, {strangers.lines[0].id: 1})
    a.created_at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    b.created_at = datetime(2026, 3, 3, 9, tzinfo=UTC)
    c.created_at = datetime(2026, 3, 4, 9, tzinfo=UTC)
    db.session.commit()

    assert [r.number for r in requests.returns_of(first_order)] == [a.number, b.number]
    assert [r.number for r in requests.for_customer(customer.id)] == [c.number, b.number, a.number]
    assert requests.for_customer(customer.id)[0].lines[0].order_line.id == second_order.lines[0].id


# --- the photo -----------------------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims to be ``width`` × ``height`` pixels (its data is one empty row)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_a_file_that_is_not_a_picture_or_too_big_is_refused(warehouse, seller):
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    order = collected(pickup_order(warehouse, (shirt, 2)), seller)
    line_id = order.lines[0].id

    not_a_picture = refusal(order, {line_id: 1}, photo=b"just text, named photo.jpg")
    assert (str(not_a_picture), not_a_picture.field) == (
        "This file is not a JPEG, PNG or WebP picture.",
        "photo",
    )
    bomb = refusal(order, {line_id: 1}, photo=_png_header(50_000, 50_000))
    assert bomb.field == "photo" and "too many pixels" in str(bomb)
    with pytest.raises(ReturnRefused) as caught:
        photos.read(io.BytesIO(b""))
    assert caught.value.field == "photo"


def test_a_photo_is_stored_small_and_without_its_metadata(warehouse, seller):
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    order = collected(pickup_order(warehouse, (shirt, 2)), seller)
    exif = Image.Exif()
    exif[0x8825] = {2: (41.0, 0.0, 0.0)}  # a GPS position
    exif[0x010F] = "PhoneMaker"
    upload = io.BytesIO()
    Image.new("RGB", (3200, 800), "red").save(upload, "JPEG", exif=exif)

    made = ask(order, {order.lines[0].id: 1}, photo=photos.read(io.BytesIO(upload.getvalue())))

    assert made.photo.startswith("returns/") and made.photo.endswith(".jpg")
    stored = photos.photo_bytes(made)
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("JPEG", (1600, 400))
        assert not image.getexif()
    assert photos.photo_bytes(ask(order, {order.lines[0].id: 1})) is None


def _statements_of(call) -> int:  # noqa: ANN001
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG001
        seen.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def test_the_return_form_reads_the_same_few_queries_whatever_the_number_of_lines(warehouse, seller):
    products = [make_product(stock={warehouse: 5}).variants[0] for _ in range(6)]
    small = collected(pickup_order(warehouse, (products[0], 1)), seller)
    large = collected(pickup_order(warehouse, *((variant, 1) for variant in products)), seller)
    ask(large, {large.lines[0].id: 1})
    db.session.commit()

    def form_of(order):
        def read():
            db.session.expire_all()
            assert len(requests.returnable_lines(order, today=MONDAY)) == len(order.lines)

        return read

    assert _statements_of(form_of(large)) == _statements_of(form_of(small))


# --- at the same moment --------------------------------------------------------------------


def test_requests_at_once_for_the_last_units_return_them_once(app, warehouse, seller):
    """Over real connections (threads): the order's lock makes the second look again."""
    shirt = make_product(stock={warehouse: 5}, name="Shirt").variants[0]
    order = collected(pickup_order(warehouse, (shirt, 2)), seller)
    order_id, line_id, number = order.id, order.lines[0].id, order.number
    db.session.commit()
    db.session.remove()
    start = threading.Barrier(THREADS, timeout=60)
    outcome: list[str] = []

    def customer() -> None:
        with app.test_request_context():
            start.wait()
            try:
                mine = db.session.get(Order, order_id)
                requests.request_return(
                    mine, {line_id: 1}, reason="damaged", by=Actor.system("test"), today=MONDAY
                )
                db.session.commit()
                outcome.append("requested")
            except ReturnRefused:
                db.session.rollback()
                outcome.append("refused")
            except Exception as error:  # noqa: BLE001  (the test reports whatever went wrong)
                db.session.rollback()
                outcome.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=customer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcome) == ["refused"] * (THREADS - 2) + ["requested"] * 2, outcome
    numbers = db.session.scalars(db.select(ReturnRequest.number).order_by(ReturnRequest.number)).all()
    assert numbers == [f"{number}-R1", f"{number}-R2"]
    assert db.session.scalar(db.select(db.func.sum(ReturnLine.quantity))) == 2
