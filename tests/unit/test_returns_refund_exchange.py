"""A received return ends in a refund (through the provider or by hand; a credit note for an
invoiced order) or in an exchange (a new, paid-up order for the replacement, its stock reserved)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shop.catalog import stock
from shop.catalog.models import Variant
from shop.errors import ReturnRefused
from shop.extensions import db
from shop.fulfillment import deliveries
from shop.invoicing import services as invoicing
from shop.notifications.models import OutboxMessage
from shop.orders.history import events_for
from shop.payments import services as payments
from shop.payments.models import Refund, RefundMethod, RefundState
from shop.returns import handling
from shop.returns.models import ReturnState
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order, OrderState, PaymentMethod, PaymentState
from tests.factories import (
    checkout_details,
    make_cart,
    make_product,
    make_sales_order,
    make_warehouse,
    pickup_details,
)
from tests.unit.returns_helpers import STAFF, make_return
from tests.unit.test_refunds import capture


def card_order() -> Order:
    """2 x 250.00 and 1 x 100.00, paid by card through the test provider."""
    lines = (
        (make_product(price="250.00", vat_rate="20").variants[0], 2),
        (make_product(price="100.00", vat_rate="10").variants[0], 1),
    )
    order = sales.confirm_quotation(make_cart(*lines), checkout_details(payment_method=PaymentMethod.CARD))
    capture(order)
    return order


def received(order: Order, units: dict[int, tuple[int, int]] | None = None):
    """A return of every unit of the order, received (``units``: order line id -> outcome)."""
    rr = make_return(order)
    outcome = {line.id: (units or {}).get(line.order_line_id, (line.quantity, 0)) for line in rr.lines}
    return handling.receive(rr, outcome, warehouse=make_warehouse(), by=STAFF)


def key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def refund_answer(app):
    before = app.config.get("TEST_PROVIDER_REFUND_ANSWER")

    def setter(answer):
        app.config["TEST_PROVIDER_REFUND_ANSWER"] = answer

    yield setter
    app.config["TEST_PROVIDER_REFUND_ANSWER"] = before


# --- refund ----------------------------------------------------------------------------------


def test_a_refund_through_the_provider_gives_back_exactly_the_units_received(app):
    order = card_order()
    big, small = order.lines
    rr = received(order, {big.id: (1, 0), small.id: (0, 1)})  # one of the two 250.00 never came

    handling.refund(rr, by=STAFF, key=key())

    assert rr.state == ReturnState.REFUNDED and rr.closed_at is not None
    done = db.session.get(Refund, rr.refund_id)
    assert (done.state, done.method, done.amount) == (
        RefundState.SUCCEEDED,
        RefundMethod.PROVIDER,
        Decimal("350.00"),
    )
    assert sorted((part["line_id"], part["quantity"]) for part in done.lines) == [(big.id, 1), (small.id, 1)]
    assert order.amount_refunded == Decimal("350.00")
    assert [e.after for e in events_for(order) if e.kind == "return"][-1] == "refunded"
    [mail] = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.event == "return_refunded"))
    assert mail.template_values["refund"]["amount"] == "TRY350.00"


def test_a_refund_of_an_invoiced_order_issues_a_credit_note(app):
    order = card_order()
    invoice = invoicing.invoice_for(order) or invoicing.issue_invoice(order, by=STAFF)
    rr = received(order)

    handling.refund(rr, by=STAFF, key=key())

    [note] = [document for document in invoicing.documents_for(order) if document.is_credit_note]
    assert note.refund_id == rr.refund_id
    assert note.invoice_id == invoice.id
    assert note.total == -order.total + order.delivery_amounts.gross


def test_a_cash_order_is_refunded_by_hand(app):
    order = make_sales_order((make_product(price="80.00").variants[0], 2))
    payments.record_cash_payment(order, order.amount_due, by=STAFF)
    rr = received(order)

    handling.refund(rr, by=STAFF, key=key(), method=RefundMethod.CASH)

    done = db.session.get(Refund, rr.refund_id)
    assert (done.state, done.method, done.amount, done.reference) == (
        RefundState.SUCCEEDED,
        RefundMethod.CASH,
        Decimal("160.00"),
        rr.number,
    )
    assert rr.state == ReturnState.REFUNDED


def test_a_cash_order_cannot_be_refunded_through_a_provider(app):
    order = make_sales_order((make_product(price="80.00").variants[0], 2))
    payments.record_cash_payment(order, order.amount_due, by=STAFF)
    rr = received(order)

    with pytest.raises(ReturnRefused) as refused:
        handling.refund(rr, by=STAFF, key=key())

    assert "manual refund" in str(refused.value)
    assert rr.state == ReturnState.RECEIVED and rr.refund_id is None


def test_a_refund_method_that_is_not_a_manual_one_is_refused(app):
    order = card_order()
    rr = received(order)

    with pytest.raises(ReturnRefused) as refused:
        handling.refund(rr, by=STAFF, key=key(), method=RefundMethod.PROVIDER)

    assert refused.value.field == "method"


def test_a_refund_the_provider_refuses_is_a_refusal_and_the_return_stays_received(app, refund_answer):
    order = card_order()
    rr = received(order)
    refund_answer("refuse")

    with pytest.raises(ReturnRefused) as refused:
        handling.refund(rr, by=STAFF, key=key())

    assert "refused" in str(refused.value)
    assert rr.state == ReturnState.RECEIVED and rr.refund_id is None
    assert order.amount_refunded == Decimal("0")


def test_a_refund_without_answer_stays_pending_and_is_asked_again_with_its_key(app, refund_answer):
    order = card_order()
    rr = received(order)
    refund_answer("no_answer")

    handling.refund(rr, by=STAFF, key="first-key")

    pending = db.session.get(Refund, rr.refund_id)
    assert (rr.state, pending.state) == (ReturnState.RECEIVED, RefundState.PENDING)
    assert "pending" in handling.pending_refund_message(rr)

    refund_answer("approve")
    handling.refund(rr, by=STAFF, key="another-key")  # a form shown again: still that refund

    assert rr.state == ReturnState.REFUNDED and rr.refund_id == pending.id
    assert db.session.scalar(db.select(db.func.count()).select_from(Refund)) == 1
    assert handling.pending_refund_message(rr) == ""


def test_a_pending_refund_refused_when_asked_again_is_kept_as_failed_and_a_new_one_may_follow(
    app, refund_answer
):
    order = card_order()
    rr = received(order)
    refund_answer("no_answer")
    handling.refund(rr, by=STAFF, key="first-key")
    refund_answer("refuse")

    with pytest.raises(handling.RefundFailed):
        handling.refund(rr, by=STAFF, key="second-key")
    db.session.commit()  # the caller may keep the refusal on record

    first = db.session.scalar(db.select(Refund).where(Refund.key == "first-key"))
    assert first.state == RefundState.FAILED
    assert (rr.state, rr.refund_id) == (ReturnState.RECEIVED, None)

    refund_answer("approve")
    handling.refund(rr, by=STAFF, key="third-key")

    assert rr.state == ReturnState.REFUNDED
    assert db.session.get(Refund, rr.refund_id).key == "third-key"


def test_only_a_received_return_is_refunded(app):
    order = card_order()
    rr = make_return(order, state=ReturnState.APPROVED)

    with pytest.raises(ReturnRefused) as refused:
        handling.refund(rr, by=STAFF, key=key())

    assert refused.value.field == "state"
    assert db.session.scalar(db.select(db.func.count()).select_from(Refund)) == 0


# --- exchange --------------------------------------------------------------------------------


@pytest.fixture
def sized(app):
    """A shirt in three sizes: S and M at 300.00, L at 320.00; an order of 2 x S, paid by card."""
    product = make_product(price="300.00", variants=3, stock=5)
    small, medium, large = product.variants
    large.price = Decimal("320.00")
    order = sales.confirm_quotation(
        make_cart((small, 2)), checkout_details(payment_method=PaymentMethod.CARD)
    )
    capture(order)
    return order, small, medium, large


def test_an_exchange_makes_a_paid_up_sales_order_with_the_stock_reserved(sized):
    order, _small, medium, _large = sized
    rr = received(order)
    available = medium.stock[0].quantity - medium.stock[0].reserved

    handling.exchange(rr, {rr.lines[0].id: medium.id}, by=STAFF)

    new = rr.exchange_order
    assert rr.state == ReturnState.EXCHANGED and rr.closed_at is not None
    assert rr.lines[0].replacement_variant_id == medium.id
    assert (new.state, new.source, new.customer_id, new.email, new.address_line) == (
        OrderState.SALES_ORDER,
        "exchange",
        order.customer_id,
        order.email,
        order.address_line,
    )
    assert new.number and new.number != order.number
    [line] = new.lines
    assert (line.variant_id, line.quantity, line.unit_price, line.vat_rate) == (
        medium.id,
        2,
        Decimal("300.00"),
        order.lines[0].vat_rate,
    )
    assert (new.delivery_price, new.total, new.amount_due) == (Decimal("0"), Decimal("600.00"), Decimal("0"))
    assert new.payment_state == PaymentState.PAID and new.is_paid
    [paid] = payments.transactions_for(new)
    assert (paid.provider, paid.provider_reference, paid.amount) == ("exchange", rr.number, Decimal("600.00"))
    assert sum(r.quantity for r in stock.reserved_for(new)) == 2
    db.session.refresh(medium.stock[0])
    assert medium.stock[0].quantity - medium.stock[0].reserved == available - 2
    assert new.status is not None and new.status.code == "new"  # its first status
    assert deliveries.for_order(new)  # fulfilled as any sales order
    assert any(rr.number in (e.note or "") for e in events_for(new))
    assert any(new.number in (e.note or "") for e in events_for(order) if e.kind == "return")
    [mail] = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.event == "return_exchanged"))
    assert mail.template_values["exchange"]["order_number"] == new.number


def test_the_replacement_of_a_company_order_is_not_invoiced_again(app):
    """The swapped goods were sold, and invoiced, on the first order: the replacement order of a
    B2B buyer (invoiced automatically when confirmed) gets no invoice, nor can staff issue one."""
    product = make_product(price="300.00", variants=2, stock=5)
    small, medium = product.variants
    details = checkout_details(
        payment_method=PaymentMethod.CARD, company_name="Yılmaz Tekstil Ltd.", tax_id="1234567890"
    )
    order = sales.confirm_quotation(make_cart((small, 1)), details)
    capture(order)
    assert invoicing.invoice_for(order) is not None  # a B2B order is invoiced when confirmed
    rr = received(order)

    handling.exchange(rr, {rr.lines[0].id: medium.id}, by=STAFF)

    new = rr.exchange_order
    assert invoicing.invoice_for(new) is None and not invoicing.can_issue(new)
    with pytest.raises(invoicing.InvoiceRefused, match="replaces the goods of a return"):
        invoicing.issue_invoice(new, by=STAFF)


def test_a_pickup_exchange_is_collected_at_the_same_warehouse(app):
    store = make_warehouse("STORE")
    product = make_product(price="50.00", variants=2, stock={store: 4})
    first, second = product.variants
    order = sales.confirm_quotation(make_cart((first, 1)), pickup_details(store))
    rr = received(order)

    handling.exchange(rr, {rr.lines[0].id: second.id}, by=STAFF)

    new = rr.exchange_order
    assert (new.delivery_method, new.pickup_warehouse_id) == (DeliveryMethod.PICKUP, store.id)
    assert new.pickup_date is not None
    assert [r.stock.warehouse_id for r in stock.reserved_for(new)] == [store.id]


def orders_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Order))


def test_a_replacement_at_another_price_is_refused_naming_the_line(sized):
    order, _small, _medium, large = sized
    rr = received(order)
    before = orders_count()

    with pytest.raises(ReturnRefused) as refused:
        handling.exchange(rr, {rr.lines[0].id: large.id}, by=STAFF)

    assert refused.value.field == f"line-{rr.lines[0].id}"
    assert "refund it instead" in str(refused.value)
    assert rr.state == ReturnState.RECEIVED and orders_count() == before


def test_a_replacement_of_another_product_is_refused(sized):
    order, *_ = sized
    rr = received(order)
    other = make_product(price="300.00").variants[0]

    with pytest.raises(ReturnRefused) as refused:
        handling.exchange(rr, {rr.lines[0].id: other.id}, by=STAFF)

    assert "same product" in str(refused.value)
    assert rr.state == ReturnState.RECEIVED


def test_a_replacement_not_for_sale_is_refused(sized):
    order, _small, medium, _large = sized
    medium.archived = True
    rr = received(order)

    with pytest.raises(ReturnRefused) as refused:
        handling.exchange(rr, {rr.lines[0].id: medium.id}, by=STAFF)

    assert "not for sale" in str(refused.value)


def test_a_replacement_out_of_stock_is_refused_and_nothing_is_made(sized):
    order, _small, medium, _large = sized
    stock.correct_count(medium, medium.stock[0].warehouse, 1, by=STAFF)  # one left, two wanted
    rr = received(order)
    before = orders_count()

    with pytest.raises(ReturnRefused) as refused:
        handling.exchange(rr, {rr.lines[0].id: medium.id}, by=STAFF)

    assert refused.value.field == f"line-{rr.lines[0].id}"
    assert "out of stock" in str(refused.value)
    assert orders_count() == before and rr.exchange_order_id is None


def test_every_received_line_needs_its_replacement(sized):
    order, *_ = sized
    rr = received(order)

    for replacements in ({}, {rr.lines[0].id: "x"}, {rr.lines[0].id: 987654}, {rr.lines[0].id + 1000: 1}):
        with pytest.raises(ReturnRefused):
            handling.exchange(rr, replacements, by=STAFF)

    assert rr.state == ReturnState.RECEIVED


def test_only_a_received_return_is_exchanged(sized):
    order, _small, medium, _large = sized
    rr = make_return(order)

    with pytest.raises(ReturnRefused) as refused:
        handling.exchange(rr, {rr.lines[0].id: medium.id}, by=STAFF)

    assert refused.value.field == "state"
    assert db.session.scalar(db.select(Variant.id).where(Variant.id == medium.id))
