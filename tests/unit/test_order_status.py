"""The rules of changing a sales order's status (orders.services.change_status) and of notes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from shop import events
from shop.catalog.services import available
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.history import Actor, events_for
from shop.orders.models import OrderStatus
from shop.orders.services import InvalidNote, StatusChangeRefused, TrackingNumberRequired
from shop.sales.models import Order, OrderState, PaymentMethod
from shop.sales.vat import vat_breakdown
from tests.factories import make_product, make_sales_order, make_staff


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


@pytest.fixture
def staff() -> Actor:
    return Actor.user(make_staff())


@pytest.fixture
def order() -> Order:
    return make_sales_order()


def status_events(order: Order) -> list:
    return [event for event in events_for(order) if event.kind == "status"]


def test_a_new_sales_order_starts_in_the_first_status(order):
    assert order.state == OrderState.SALES_ORDER
    assert order.status.code == "new"
    assert [(e.before, e.after, e.actor_kind) for e in status_events(order)] == [("", "new", "system")]


def test_only_a_sales_order_can_change_status(make_product, make_cart, staff):
    from shop.sales import services as sales
    from tests.factories import checkout_details

    cart = make_cart((make_product().variants[0], 1))
    awaiting = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))

    with pytest.raises(StatusChangeRefused) as refused:
        orders.change_status(awaiting, status("processing"), by=staff)

    assert "not a confirmed sales order" in str(refused.value)
    assert awaiting.status_id is None
    assert status_events(awaiting) == []


@pytest.mark.parametrize(
    ("tracking_number", "carrier"),
    [("", "inpost"), ("   ", "inpost"), ("620123456789", ""), ("620123456789", "fedex-moon")],
)
def test_shipped_needs_a_tracking_number_and_a_known_carrier(order, staff, tracking_number, carrier):
    with pytest.raises(TrackingNumberRequired) as refused:
        orders.change_status(
            order, status("shipped"), by=staff, tracking_number=tracking_number, carrier=carrier
        )

    assert refused.value.field == "tracking_number"
    assert "Shipped needs a tracking number and a carrier" in str(refused.value)
    db.session.refresh(order)
    assert order.status.code == "new"
    assert (order.tracking_number, order.carrier) == ("", "")


@pytest.mark.parametrize(
    "tracking_number", ["AB", "<script>", "ab\x00cd", "x" * 65, "-leading-dash", "٦٢٠١٢٣"]
)
def test_a_badly_formed_tracking_number_is_refused(order, staff, tracking_number):
    with pytest.raises(TrackingNumberRequired) as refused:
        orders.change_status(
            order, status("shipped"), by=staff, tracking_number=tracking_number, carrier="yurtici"
        )

    assert refused.value.field == "tracking_number"
    db.session.refresh(order)
    assert order.status.code == "new"
    assert order.tracking_number == ""


def test_a_badly_formed_tracking_number_is_refused_with_a_message_that_says_what_is_wrong(order, staff):
    with pytest.raises(TrackingNumberRequired) as refused:
        orders.change_status(order, status("shipped"), by=staff, tracking_number="<b>", carrier="yurtici")

    assert "3 to 64 letters" in str(refused.value)


def test_shipping_stores_the_tracking_number_and_carrier(order, staff):
    orders.change_status(
        order, status("shipped"), by=staff, tracking_number=" 620123456789 ", carrier="yurtici"
    )

    assert order.status.code == "shipped"
    assert (order.tracking_number, order.carrier) == ("620123456789", "yurtici")


def test_a_status_change_writes_a_history_row_with_who_before_and_after(order, staff):
    orders.change_status(order, status("processing"), by=staff, note="Packed by Deniz")
    db.session.flush()

    event = status_events(order)[-1]
    assert (event.before, event.after) == ("new", "processing")
    assert (event.actor_kind, event.actor_id, event.actor_label) == ("user", staff.id, "Selin Kaya")
    assert event.note == "Packed by Deniz"
    assert event.public is True
    assert event.at is not None


def test_a_status_hidden_from_customers_is_recorded_but_not_public(order, staff):
    hidden = status("processing")
    hidden.customer_visible = False

    orders.change_status(order, hidden, by=staff)
    db.session.flush()

    assert status_events(order)[-1].public is False
    assert status_events(order)[-1] not in events_for(order, public_only=True)


def test_changing_to_the_status_the_order_already_has_is_refused(order, staff):
    with pytest.raises(StatusChangeRefused) as refused:
        orders.change_status(order, status("new"), by=staff)

    assert "already is New" in str(refused.value)
    assert len(status_events(order)) == 1


def test_an_archived_status_is_refused(order, staff):
    processing = status("processing")
    processing.archived = True

    with pytest.raises(StatusChangeRefused) as refused:
        orders.change_status(order, processing, by=staff)

    assert "archived" in str(refused.value)
    assert order.status.code == "new"


def test_cancelling_releases_the_reserved_stock_and_cancels_the_order(staff):
    variant = make_product(stock=5).variants[0]
    order = make_sales_order((variant, 3))
    assert available(variant) == 2

    orders.change_status(order, status("cancelled"), by=staff)
    db.session.flush()

    assert available(variant) == 5
    assert order.state == OrderState.CANCELLED
    assert order.status.code == "cancelled"
    state_event = [e for e in events_for(order) if e.kind == "state"][-1]
    assert (state_event.before, state_event.after, state_event.actor_id) == (
        "sales_order",
        "cancelled",
        staff.id,
    )
    assert "released 3" in state_event.note


def test_a_cancelled_order_cannot_change_status_again(order, staff):
    orders.change_status(order, status("cancelled"), by=staff)

    with pytest.raises(StatusChangeRefused):
        orders.change_status(order, status("processing"), by=staff)

    assert order.status.code == "cancelled"


def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten(order, staff):
    db.session.commit()
    stale_status_id = order.status_id  # what this person's page showed
    with db.engine.begin() as other:  # a colleague, in another connection, moves it first
        other.execute(update(Order).where(Order.id == order.id).values(status_id=status("processing").id))

    assert order.status_id == stale_status_id  # this session still has the old value
    with pytest.raises(StatusChangeRefused) as refused:
        orders.change_status(order, status("completed"), by=staff)

    assert "changed this order meanwhile" in str(refused.value)
    db.session.rollback()
    db.session.refresh(order)
    assert order.status.code == "processing"
    assert [e.after for e in status_events(order)] == ["new"]


def test_a_status_change_tells_the_subscribers(order, staff):
    heard = []

    def listener(sender, **kwargs):
        heard.append((sender, kwargs["status"].code, kwargs["previous"].code, kwargs["by"]))

    with events.status_changed.connected_to(listener):
        orders.change_status(order, status("processing"), by=staff)

    assert heard == [(order, "processing", "new", staff)]


def test_a_note_is_added_to_the_history_for_staff_only(order, staff):
    orders.add_note(order, "  Customer called: leave it with the neighbour.\n", by=staff)
    db.session.flush()

    note = [e for e in events_for(order) if e.kind == "note"][-1]
    assert note.note == "Customer called: leave it with the neighbour."
    assert (note.actor_kind, note.actor_id) == ("user", staff.id)
    assert note.public is False
    assert note not in events_for(order, public_only=True)


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (orders.NOTE_MAX + 1)])
def test_an_empty_or_too_long_note_is_refused(order, staff, text):
    with pytest.raises(InvalidNote) as refused:
        orders.add_note(order, text, by=staff)

    assert refused.value.field == "note"
    assert [e for e in events_for(order) if e.kind == "note"] == []


def test_the_vat_breakdown_has_a_row_per_rate_with_delivery_and_adds_up_to_the_totals():
    books = make_product(price="100.00", vat_rate="10").variants[0]
    lamp = make_product(price="250.00", vat_rate="20").variants[0]
    order = make_sales_order((books, 2), (lamp, 1))  # delivery 79.90 at 20%

    rows = {int(row.rate): row for row in vat_breakdown(order)}

    assert list(rows) == [10, 20]
    assert (rows[10].net, rows[10].tax, rows[10].gross) == (
        Decimal("181.82"),
        Decimal("18.18"),
        Decimal("200.00"),
    )
    assert rows[20].gross == order.delivery_price + 250
    assert sum(row.net for row in rows.values()) == order.net_total
    assert sum(row.tax for row in rows.values()) == order.tax_total
    assert sum(row.gross for row in rows.values()) == order.total
