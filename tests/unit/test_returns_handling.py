"""The seller's side of a return (shop/returns/handling.py): approve, reject, receive (stock back
through the ledger, written-off units out again), the order's status once everything came back,
the label, and the messages each step queues."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from shop import events
from shop.catalog import ledger
from shop.catalog.models import Stock, StockMove, StockMoveKind, Warehouse
from shop.errors import ReturnRefused
from shop.extensions import db
from shop.notifications.models import Channel, OutboxMessage
from shop.orders.models import OrderEvent, OrderStatus
from shop.returns import handling
from shop.returns import notifications as return_notifications
from shop.returns.models import ReturnState
from shop.settings import services as settings
from tests.factories import make_product, make_sales_order, make_warehouse
from tests.smtp import smtp  # noqa: F401  (fixture)
from tests.unit.returns_helpers import STAFF, make_return


@pytest.fixture
def order(app):
    """A sales order of 3 mugs and 1 vase."""
    mug = make_product(price="100.00", name="Mug", stock=10).variants[0]
    vase = make_product(price="250.00", name="Vase", stock=5).variants[0]
    return make_sales_order((mug, 3), (vase, 1))


def return_events(order) -> list[OrderEvent]:
    return list(
        db.session.scalars(
            db.select(OrderEvent)
            .where(OrderEvent.order_id == order.id, OrderEvent.kind == "return")
            .order_by(OrderEvent.id)
        )
    )


def outbox(event: str) -> list[OutboxMessage]:
    db.session.flush()
    return list(
        db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.event == event).order_by(OutboxMessage.id)
        )
    )


@pytest.fixture
def sent():
    """The return events sent, as (state, by) pairs."""
    seen = []

    def listener(order, *, return_request, by, **_):
        seen.append((return_request.state, by))

    events.return_changed.connect(listener)
    yield seen
    events.return_changed.disconnect(listener)


# --- approve ---------------------------------------------------------------------------------


def test_approval_keeps_the_clerks_instructions_and_tells_the_customer_with_the_label(order, sent):
    rr = make_return(order)

    handling.approve(rr, by=STAFF, instructions="  Send it with Yurtiçi Kargo.  ")

    assert rr.state == ReturnState.APPROVED
    assert rr.instructions == "Send it with Yurtiçi Kargo."
    assert rr.decided_at is not None
    [event] = return_events(order)
    assert (event.before, event.after, event.public) == ("requested", "approved", True)
    assert rr.number in event.note
    assert sent == [(ReturnState.APPROVED, STAFF)]
    [mail] = outbox("return_approved")
    assert mail.channel == Channel.EMAIL and mail.recipient == order.email
    assert mail.attachment == f"return-label:{rr.id}"
    assert mail.template_values["return"]["instructions"] == "Send it with Yurtiçi Kargo."
    assert mail.template_values["return"]["number"] == rr.number


def test_without_instructions_the_settings_text_is_given(order):
    settings.update(returns={"instructions": "Send it to our Kadıköy store."})
    rr = make_return(order)

    handling.approve(rr, by=STAFF)

    assert rr.instructions == "Send it to our Kadıköy store."


def test_without_instructions_the_customer_reads_the_shops_built_in_text(order):
    rr = make_return(order)

    handling.approve(rr, by=STAFF)

    assert rr.instructions == ""  # none stored: the built-in text is written in each reader's language
    [mail] = outbox("return_approved")
    assert "Print this label" in mail.template_values["return"]["instructions"]


def test_the_label_is_attached_as_a_pdf_when_the_message_is_sent(order):
    rr = make_return(order)
    handling.approve(rr, by=STAFF)

    filename, content_type, pdf = return_notifications.attachment(str(rr.id))

    assert (filename, content_type) == (f"return-label-{rr.number}.pdf", "application/pdf")
    assert pdf.startswith(b"%PDF")


def test_the_approval_email_reaches_the_customer_with_the_label_over_smtp(app, order, smtp):  # noqa: F811
    rr = make_return(order)
    handling.approve(rr, by=STAFF, instructions="Send it with Yurtiçi Kargo.")
    number, recipient = rr.number, order.email
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    received = next(m for m in smtp.inbox.messages if number in str(m["Subject"]))
    assert received["X-Envelope-To"] == recipient
    (attached,) = [part for part in received.walk() if part.get_content_type() == "application/pdf"]
    assert attached.get_filename() == f"return-label-{number}.pdf"
    content = attached.get_payload(decode=True)
    text_of_pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert number in text_of_pdf and "Yurtiçi Kargo" in text_of_pdf
    body = next(part for part in received.walk() if part.get_content_type() == "text/plain")
    assert "Send it with Yurtiçi Kargo." in body.get_payload(decode=True).decode()


def test_only_a_requested_return_can_be_approved(order, sent):
    rr = make_return(order, state=ReturnState.REJECTED)

    with pytest.raises(ReturnRefused) as refused:
        handling.approve(rr, by=STAFF)

    assert refused.value.field == "state"
    assert rr.state == ReturnState.REJECTED and rr.decided_at is None
    assert return_events(order) == [] and sent == []


def test_instructions_longer_than_the_limit_are_refused(order):
    rr = make_return(order)

    with pytest.raises(ReturnRefused) as refused:
        handling.approve(rr, by=STAFF, instructions="x" * (handling.INSTRUCTIONS_MAX + 1))

    assert refused.value.field == "instructions"
    assert rr.state == ReturnState.REQUESTED


# --- reject ----------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_which_the_customer_is_sent(order, sent):
    rr = make_return(order, state=ReturnState.APPROVED)

    for reason in ("", "   ", "x" * (handling.REASON_MAX + 1)):
        with pytest.raises(ReturnRefused) as refused:
            handling.reject(rr, reason=reason, by=STAFF)
        assert refused.value.field == "reason"
    assert rr.state == ReturnState.APPROVED and sent == []

    handling.reject(rr, reason="The mug was used.", by=STAFF)

    assert (rr.state, rr.rejection_reason) == (ReturnState.REJECTED, "The mug was used.")
    [event] = return_events(order)
    assert (event.before, event.after) == ("approved", "rejected")
    [mail] = outbox("return_rejected")
    assert mail.template_values["return"]["rejection_reason"] == "The mug was used."
    assert mail.attachment is None


def test_a_received_return_cannot_be_rejected(order):
    rr = make_return(order, state=ReturnState.RECEIVED)

    with pytest.raises(ReturnRefused):
        handling.reject(rr, reason="Too late.", by=STAFF)

    assert rr.state == ReturnState.RECEIVED


# --- receive ---------------------------------------------------------------------------------


def stock_of(variant, warehouse) -> Stock:
    stock = db.session.scalar(
        db.select(Stock).where(Stock.variant_id == variant.id, Stock.warehouse_id == warehouse.id)
    )
    db.session.refresh(stock)
    return stock


def test_a_receipt_puts_units_back_on_the_shelf_and_writes_off_the_damaged_through_the_ledger(order, sent):
    mug_line, vase_line = order.lines
    rr = make_return(order, {mug_line.id: 3, vase_line.id: 1}, state=ReturnState.APPROVED)
    shelf = make_warehouse("RET")
    mug_return, vase_return = rr.lines

    handling.receive(rr, {mug_return.id: (2, 1), vase_return.id: (0, 0)}, warehouse=shelf, by=STAFF)

    assert rr.state == ReturnState.RECEIVED and rr.received_at is not None
    assert (mug_return.restocked, mug_return.written_off, mug_return.warehouse_id) == (2, 1, shelf.id)
    assert (vase_return.restocked, vase_return.written_off, vase_return.warehouse_id) == (0, 0, None)
    mug_stock = stock_of(mug_line.variant, shelf)
    assert (mug_stock.quantity, mug_stock.reserved) == (2, 0)
    moves = list(
        db.session.scalars(
            db.select(StockMove).where(StockMove.reference_type == "return").order_by(StockMove.id)
        )
    )
    assert [(m.kind, m.quantity_change, m.reference_id, m.warehouse_id) for m in moves] == [
        (StockMoveKind.RETURN.value, 3, rr.id, shelf.id),
        (StockMoveKind.DAMAGE_LOSS.value, -1, rr.id, shelf.id),
    ]
    assert all(m.note == rr.number for m in moves)
    assert ledger.differences() == []
    [event] = return_events(order)
    assert (event.before, event.after) == ("approved", "received")
    assert "1 written off" in event.note and "1 not received" in event.note  # the vase never came
    assert sent == [(ReturnState.RECEIVED, STAFF)]
    [mail] = outbox("return_received")
    assert [item["quantity"] for item in mail.template_values["return"]["items"]] == ["3"]


def test_a_parcel_may_arrive_before_the_approval(order):
    rr = make_return(order)

    handling.receive(rr, {rr.lines[0].id: (3, 0)}, warehouse=make_warehouse(), by=STAFF)

    assert rr.state == ReturnState.RECEIVED


@pytest.mark.parametrize(
    "outcome",
    [
        {"line": (-1, 1)},
        {"line": (3, 1)},  # 4 of the 3 units sent back
        {"line": (0, 0)},  # nothing arrived
        {"line": ("2", 0)},
        {"line": (True, 0)},
        {"line": (1,)},
        {"other": (1, 0)},  # a line of another return
    ],
)
def test_wrong_receipts_are_refused_and_change_nothing(order, outcome, sent):
    rr = make_return(order, {order.lines[0].id: 3})
    other = make_return(order, {order.lines[1].id: 1})
    ids = {"line": rr.lines[0].id, "other": other.lines[0].id}
    before = ledger.differences(), db.session.scalar(db.select(db.func.count()).select_from(StockMove))

    with pytest.raises(ReturnRefused):
        handling.receive(
            rr, {ids[key]: value for key, value in outcome.items()}, warehouse=make_warehouse(), by=STAFF
        )

    assert rr.state == ReturnState.REQUESTED and rr.lines[0].restocked == 0
    after = ledger.differences(), db.session.scalar(db.select(db.func.count()).select_from(StockMove))
    assert before == after and sent == []


def test_a_warehouse_that_does_not_exist_is_refused(order):
    rr = make_return(order)

    with pytest.raises(ReturnRefused) as refused:
        handling.receive(rr, {rr.lines[0].id: (1, 0)}, warehouse=Warehouse(id=987654, code="X"), by=STAFF)

    assert refused.value.field == "warehouse"
    assert rr.state == ReturnState.REQUESTED


def test_a_return_is_received_once(order):
    rr = make_return(order)
    warehouse = make_warehouse()
    handling.receive(rr, {rr.lines[0].id: (3, 0)}, warehouse=warehouse, by=STAFF)

    with pytest.raises(ReturnRefused) as refused:
        handling.receive(rr, {rr.lines[0].id: (3, 0)}, warehouse=warehouse, by=STAFF)

    assert refused.value.field == "state"
    assert stock_of(order.lines[0].variant, warehouse).quantity == 3


def status_code(order) -> str:
    db.session.refresh(order)
    return order.status.code


def test_the_order_is_returned_only_when_every_unit_came_back_across_its_returns(order):
    mug_line, vase_line = order.lines
    warehouse = make_warehouse()
    first = make_return(order, {mug_line.id: 2})
    second = make_return(order, {mug_line.id: 1, vase_line.id: 1})

    handling.receive(first, {first.lines[0].id: (2, 0)}, warehouse=warehouse, by=STAFF)
    assert status_code(order) == "new"

    # One vase written off still came back; a unit short keeps the order as it is.
    handling.receive(
        second, {second.lines[0].id: (1, 0), second.lines[1].id: (0, 1)}, warehouse=warehouse, by=STAFF
    )

    assert status_code(order) == "returned"
    status_rows = db.session.scalars(
        db.select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "status")
    )
    assert [row.after for row in status_rows] == ["new", "returned"]


def test_units_not_received_keep_the_order_status(order):
    rr = make_return(order)

    handling.receive(
        rr, {rr.lines[0].id: (3, 0), rr.lines[1].id: (0, 0)}, warehouse=make_warehouse(), by=STAFF
    )

    assert status_code(order) == "new"


def test_an_archived_return_status_is_skipped_and_the_receipt_stands(order):
    returned = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "returned"))
    returned.archived = True
    rr = make_return(order)

    handling.receive(
        rr, {line.id: (line.quantity, 0) for line in rr.lines}, warehouse=make_warehouse(), by=STAFF
    )

    assert rr.state == ReturnState.RECEIVED
    assert status_code(order) == "new"


# --- the label -------------------------------------------------------------------------------


def test_the_label_renders_for_an_approved_return_in_english_and_in_persian(order):
    rr = make_return(order, state=ReturnState.APPROVED)
    persian = make_sales_order((make_product(price="100.00").variants[0], 1), locale="fa")
    persian_return = make_return(persian, state=ReturnState.APPROVED)

    assert handling.label_pdf(rr).startswith(b"%PDF")
    assert handling.label_pdf(persian_return).startswith(b"%PDF")


def test_the_label_shows_who_sends_where_what_and_how(order):
    from shop.returns import label

    rr = make_return(order, state=ReturnState.APPROVED)
    rr.instructions = "Use the blue box."

    page = label.html(rr)

    assert rr.number in page and order.number in page and order.name in page
    assert settings.current().shop_name in page
    assert "Use the blue box." in page
    assert "data:image/svg+xml;base64," in page  # the return number's barcode


@pytest.mark.parametrize("state", [ReturnState.REQUESTED, ReturnState.REJECTED])
def test_no_label_before_approval_or_after_a_rejection(order, state):
    rr = make_return(order, state=state)

    with pytest.raises(ReturnRefused):
        handling.label_pdf(rr)


# --- messages --------------------------------------------------------------------------------


def test_a_new_request_tells_the_customer_and_the_shop(order):
    rr = make_return(order)

    events.return_changed.send(order, return_request=rr, by=STAFF)

    mails = outbox("return_requested")
    assert sorted(mail.recipient for mail in mails) == sorted([order.email, settings.current().admin_email])
    values = mails[0].template_values["return"]
    assert values["number"] == rr.number
    assert values["reason"] == "Wrong size or fit"
    assert values["url"].startswith("http") and values["url"].endswith(rr.access_token)
    assert [item["quantity"] for item in values["items"]] == ["3", "1"]


def test_the_return_messages_are_written_in_the_orders_language(order):
    persian = make_sales_order((make_product(price="100.00").variants[0], 2), locale="fa")
    rr = make_return(persian)

    handling.reject(rr, reason="کالا استفاده شده است.", by=STAFF)

    [mail] = outbox("return_rejected")
    assert mail.language == "fa"
    from shop.notifications import messages

    subject, text, _html = messages.write(mail)
    assert rr.number in subject and "کالا استفاده شده است." in text
