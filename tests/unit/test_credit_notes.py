"""Credit notes (issue 13): a refund of an invoiced order corrects the invoice, by lines or by
amount split over the VAT rates; negative amounts (the Polish korekta's difference); and a
property test: over random carts, VAT rates and partial refunds, invoices, credit notes,
refunds and payments always reconcile to the last unit."""

from __future__ import annotations

import uuid
from decimal import Decimal

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shop.errors import RefundNotPossible
from shop.extensions import db
from shop.invoicing import amounts, credit_notes, services
from shop.invoicing.models import Invoice, InvoiceKind
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.payments import refunds
from shop.payments.models import RefundMethod, RefundState
from shop.sales import services as sales
from shop.sales.models import PaymentMethod
from shop.settings import services as settings
from tests.factories import checkout_details, make_cart, make_product
from tests.unit.test_refunds import capture

STAFF = Actor.system()


def paid_invoiced_order(*lines, **details):
    """A card order, paid through the test provider, and its invoice."""
    lines = lines or (
        (make_product(price="250.00", vat_rate="20").variants[0], 2),
        (make_product(price="100.00", vat_rate="10").variants[0], 1),
    )
    order = sales.confirm_quotation(
        make_cart(*lines), checkout_details(payment_method=PaymentMethod.CARD, **details)
    )
    capture(order)
    return order, services.issue_invoice(order, by=STAFF)


def refund(order, **how):
    return refunds.refund(order, by=STAFF, key=uuid.uuid4().hex, **how)


def credit_notes_of(order) -> list[Invoice]:
    return [document for document in services.documents_for(order) if document.is_credit_note]


def test_a_refund_by_lines_issues_a_credit_note_with_those_lines_negative():
    order, invoice = paid_invoiced_order()
    first_line = order.lines[0]

    done = refund(order, lines=[{"line_id": first_line.id, "quantity": 1}])

    [note] = credit_notes_of(order)
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.number == f"CN/{note.year}/000001"
    assert note.invoice_id == invoice.id and note.refund_id == done.id
    assert [(line["sku"], line["quantity"], line["gross"]) for line in note.lines] == [
        (first_line.sku, -1, "-250.00")
    ]
    assert note.vat_breakdown == [{"rate": "20", "net": "-208.33", "vat": "-41.67", "gross": "-250.00"}]
    assert (note.net_total, note.tax_total, note.total) == (
        Decimal("-208.33"),
        Decimal("-41.67"),
        Decimal("-250.00"),
    )


def test_a_refund_of_the_delivery_credits_the_delivery_line():
    order, invoice = paid_invoiced_order()

    refund(order, delivery=True)

    [note] = credit_notes_of(order)
    assert [line.get("delivery") for line in note.lines] == [True]
    assert note.total == -order.delivery_price


def test_a_refund_by_amount_is_split_over_the_invoice_rates_in_proportion():
    order, invoice = paid_invoiced_order()
    # 500.00 + 79.90 delivery at 20 %, 100.00 at 10 %: 579.90 and 100.00 of 679.90.

    refund(order, amount="100.00")

    [note] = credit_notes_of(order)
    assert [(line["vat_rate"], line["gross"]) for line in note.lines] == [("10", "-14.71"), ("20", "-85.29")]
    assert note.total == Decimal("-100.00")
    assert all(line.get("correction") for line in note.lines)


def test_a_refund_of_an_order_without_invoice_issues_no_credit_note_until_it_is_invoiced():
    order = sales.confirm_quotation(
        make_cart((make_product(price="40.00").variants[0], 2)),
        checkout_details(payment_method=PaymentMethod.CARD),
    )
    capture(order)
    refund(order, lines=[{"line_id": order.lines[0].id, "quantity": 1}])
    assert services.documents_for(order) == []

    invoice = services.request_invoice(order)

    [note] = credit_notes_of(order)
    assert invoice.total == order.total and note.total == Decimal("-40.00")
    assert invoice.total + note.total == order.amount_kept


def test_the_same_refund_event_twice_gives_one_credit_note():
    order, _ = paid_invoiced_order()
    done = refund(order, amount="10.00")

    credit_notes.on_refund_issued(order, refund=done, by=STAFF)  # the event delivered twice

    assert len(credit_notes_of(order)) == 1


def test_a_manual_refund_issues_a_credit_note_too():
    order, _ = paid_invoiced_order()

    refunds.record_manual_refund(
        order, by=STAFF, key="manual-1", amount="5.00", method=RefundMethod.CASH, reference="till 3"
    )

    assert [note.total for note in credit_notes_of(order)] == [Decimal("-5.00")]


def test_credit_notes_never_take_more_than_the_invoice():
    order, invoice = paid_invoiced_order()

    note = credit_notes.issue_credit_note(order, refund_id=999, amount=invoice.total + 50, by=STAFF)

    assert note.total == -invoice.total
    assert credit_notes.issue_credit_note(order, refund_id=1000, amount=Decimal("1"), by=STAFF) is None


# --- the property -----------------------------------------------------------------------------

RATES = {"TRY": ["0", "1", "10", "20"], "PLN": ["0", "5", "8", "23"], "IRR": ["10"]}


@st.composite
def carts(draw):
    currency = draw(st.sampled_from(sorted(RATES)))
    places = 0 if currency == "IRR" else 2
    lines = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=10**6 if places else 10**9),  # price in minor units
                st.sampled_from(RATES[currency]),
                st.integers(min_value=1, max_value=5),
            ),
            min_size=1,
            max_size=4,
        )
    )
    steps = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("lines"), st.integers(0, 3), st.integers(1, 5)),
                st.tuples(st.just("amount"), st.integers(1, 100), st.just(0)),  # percent of what is left
                st.tuples(st.just("delivery"), st.just(0), st.just(0)),
            ),
            max_size=4,
        )
    )
    cancel = draw(st.booleans())  # at the end: cancelled, and what it kept paid back
    return currency, places, lines, steps, cancel


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=carts())
def test_invoices_credit_notes_refunds_and_payments_always_reconcile(case):
    currency, places, lines, steps, cancel = case
    settings.update(currency=currency)
    products = [
        (make_product(price=str(Decimal(price).scaleb(-places)), vat_rate=rate).variants[0], quantity)
        for price, rate, quantity in lines
    ]
    order, invoice = paid_invoiced_order(*products)

    for kind, which, size in steps:
        try:
            if kind == "lines":
                line = order.lines[which % len(order.lines)]
                refund(order, lines=[{"line_id": line.id, "quantity": min(size, line.quantity)}])
            elif kind == "delivery":
                refund(order, delivery=True)
            else:
                left = refunds.remaining_for(order, refunds.refunds_for(order))
                part = (left * size / 100).quantize(Decimal(1).scaleb(-places))
                refund(order, amount=str(part))
        except RefundNotPossible:
            continue  # more than is left, or the delivery twice: refused, nothing changed

    # What the invoice still charges once the refunds' credit notes are off: a cancellation
    # credits that rest (nothing to credit when the refunds took all of it).
    uncredited = invoice.total + sum((note.total for note in credit_notes_of(order)), Decimal("0"))
    if cancel:
        cancelled = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "cancelled"))
        orders.change_status(order, cancelled, by=STAFF)
        if order.amount_kept:
            refund(order, amount=str(order.amount_kept))

    notes = credit_notes_of(order)
    done = [r for r in refunds.refunds_for(order) if r.state == RefundState.SUCCEEDED]
    # The invoice is the order to the last unit; each document's totals are its VAT breakdown's.
    assert invoice.total == order.total == sum(Decimal(line["gross"]) for line in invoice.lines)
    for document in [invoice, *notes]:
        assert (document.net_total, document.tax_total, document.total) == amounts.totals(
            document.vat_breakdown
        )
        assert document.net_total + document.tax_total == document.total
    # Credit notes are the refunds' credited parts (and a cancellation's rest); invoice + credit
    # notes = what the customer owes now = what they paid and kept.
    for_refunds = [note for note in notes if note.refund_id is not None]
    assert sum((n.total for n in for_refunds), Decimal("0")) == -sum((r.credited for r in done), Decimal("0"))
    expected_rest = ["cancelled"] if cancel and uncredited else []
    assert [note.reason for note in notes if note.refund_id is None] == expected_rest
    assert invoice.total + sum((note.total for note in notes), Decimal("0")) == order.amount_owed
    assert order.amount_paid - order.amount_refunded == order.amount_kept == order.amount_owed
    assert sorted(note.refund_id for note in for_refunds) == [r.id for r in done if r.credited > 0]


def test_cancelling_an_invoiced_order_credits_the_whole_invoice_and_the_refund_adds_nothing():
    order, invoice = paid_invoiced_order()
    cancelled = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "cancelled"))

    orders.change_status(order, cancelled, by=STAFF)
    refund(order, amount=str(order.amount_kept))

    [note] = credit_notes_of(order)
    assert note.reason == "cancelled" and note.refund_id is None
    assert note.total == -invoice.total
    assert [line["quantity"] for line in note.lines] == [-line["quantity"] for line in invoice.lines]
    assert invoice.total + note.total == order.amount_owed == 0
