"""Refunds from the order page: through the provider and by hand, by lines or by amount; bad
input refused beside the field with nothing changed (no 500); the refunds-due list; who may."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest

from shop.extensions import db
from shop.orders.models import OrderStatus
from shop.orders.services import change_status
from shop.payments.models import PaymentTransaction, Refund, RefundState, TransactionState
from shop.sales.models import Order, PaymentMethod, PaymentState
from tests.unit.test_refunds import STAFF, card_order
from tests.web.conftest import csrf_token_in, field_errors, text
from tests.web.test_backoffice_access import logged_in
from tests.web.test_backoffice_order_page import log_in_staff

KEY = re.compile(r'<form[^>]*data-testid="(refund-form|manual-refund-form)"(.*?)</form>', re.S)


def current(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def page_url(order: Order) -> str:
    return f"/admin/orders/{order.number}"


def form_key(response, form: str = "refund-form") -> str:
    for name, body in KEY.findall(response.get_data(as_text=True)):
        if name == form:
            found = re.search(r'name="key" type="hidden" value="([^"]+)"', body)
            assert found, "no key in the form"
            return found.group(1)
    raise AssertionError(f"no {form} on the page")


@pytest.fixture
def staff(shopper):
    log_in_staff(shopper)
    return shopper


@pytest.fixture
def paid(app):
    order = card_order()  # 2 x 250.00, 1 x 100.00, 79.90 delivery: 679.90, paid by card
    db.session.commit()
    return order


def refund(shopper, order, *, form="refund-form", htmx=True, key=None, **fields):
    page = shopper.get(page_url(order))
    data = {"key": key or form_key(page, form), "amount": "", "reason": "", **fields}
    if form == "refund-form":
        data.setdefault("transaction", str(order_transaction(order).id))
        url = f"{page_url(order)}/refunds"
    else:
        data.setdefault("method", "bank_transfer")
        data.setdefault("reference", "EFT-1")
        url = f"{page_url(order)}/refunds/manual"
    return shopper.post(url, data, token_from=page_url(order), htmx=htmx)


def order_transaction(order) -> PaymentTransaction:
    return db.session.scalar(db.select(PaymentTransaction).where(PaymentTransaction.order_id == order.id))


def refund_count() -> int:
    return len(db.session.scalars(db.select(Refund)).all())


def test_the_panel_shows_the_amounts_that_add_up_and_the_refund_forms(staff, paid):
    page = text(staff.get(page_url(paid)))

    assert (
        "Total TRY679.90, less TRY0.00 refunded from it, less TRY679.90 paid, plus TRY0.00 refunded" in page
    )
    assert 'data-testid="refund-form"' in page and 'data-testid="manual-refund-form"' in page
    assert "At most TRY679.90 can be refunded." in page


def test_a_partial_refund_by_amount_from_the_page(staff, paid):
    response = refund(staff, paid, amount="100.00", reason="scratched")

    assert response.status_code == 200
    assert "Refund of TRY100.00 issued." in text(response)
    order = current(paid)
    assert (order.amount_refunded, order.payment_state) == (
        Decimal("100.00"),
        PaymentState.PARTIALLY_REFUNDED,
    )
    assert order_transaction(order).state == TransactionState.PARTIALLY_REFUNDED
    shown = text(staff.get(page_url(order)))
    assert "Partly refunded" in shown and "scratched" in shown


def test_a_refund_by_lines_without_javascript(staff, paid):
    mugs = paid.lines[0]

    response = refund(staff, paid, htmx=False, **{f"qty-{mugs.id}": "1", "delivery": "y"})

    assert response.status_code == 303
    done = db.session.scalar(db.select(Refund))
    assert (done.amount, done.lines, done.delivery) == (
        Decimal("329.90"),
        [{"line_id": mugs.id, "quantity": 1}],
        True,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose the lines to refund or enter an amount."),
        ({"amount": "-5"}, "Enter an amount above 0."),
        ({"amount": "0"}, "Enter an amount above 0."),
        ({"amount": "abc"}, "Enter an amount, for example 12.50."),
        ({"amount": "12.345"}, "Enter the amount with at most 2 decimal places."),
        ({"amount": "679.91"}, "At most TRY679.90 can still be refunded of this payment."),
        ({"amount": "1000000"}, "At most TRY679.90 can still be refunded of this payment."),
    ],
)
def test_bad_amounts_are_refused_beside_the_field_and_nothing_changes(staff, paid, fields, message):
    response = refund(staff, paid, **fields)

    assert response.status_code == 422
    errors = field_errors(response, "amount") + re.findall(
        r'data-testid="lines-error">([^<]*)<', text(response)
    )
    assert message in errors
    assert current(paid).amount_refunded == 0 and refund_count() == 0


@pytest.mark.parametrize("quantity", ["-1", "x", "1.5", "9999999"])
def test_bad_quantities_are_refused(staff, paid, quantity):
    response = refund(staff, paid, **{f"qty-{paid.lines[0].id}": quantity})

    assert response.status_code == 422
    assert "Enter whole quantities of 0 or more." in text(response)
    assert refund_count() == 0


def test_too_many_units_of_a_line_are_refused(staff, paid):
    response = refund(staff, paid, **{f"qty-{paid.lines[0].id}": "3"})

    assert response.status_code == 422
    assert re.search(r"At most 2 of .* can still be refunded\.", text(response))
    assert refund_count() == 0


def test_another_orders_line_or_payment_is_refused(staff, paid):
    other = card_order()
    db.session.commit()

    by_line = refund(staff, paid, **{f"qty-{other.lines[0].id}": "1"})
    by_payment = refund(staff, paid, amount="10.00", transaction=str(order_transaction(other).id))

    assert by_line.status_code == 422 and "Choose lines of this order." in text(by_line)
    assert by_payment.status_code == 422
    assert "Choose one of this order's captured payments." in field_errors(by_payment, "transaction")
    assert refund_count() == 0 and current(other).amount_refunded == 0


def test_a_replayed_form_refunds_once(staff, paid):
    key = form_key(staff.get(page_url(paid)))

    first = refund(staff, paid, key=key, amount="50.00")
    again = refund(staff, paid, key=key, amount="50.00")

    assert "Refund of TRY50.00 issued." in text(first)
    assert "This refund of TRY50.00 was made already; nothing more was refunded." in text(again)
    assert current(paid).amount_refunded == Decimal("50.00") and refund_count() == 1


def test_a_provider_refusal_is_shown_and_counts_nothing(app, staff, paid):
    app.config["TEST_PROVIDER_REFUND_ANSWER"] = "refuse"
    try:
        response = refund(staff, paid, amount="50.00")
    finally:
        app.config["TEST_PROVIDER_REFUND_ANSWER"] = None

    assert response.status_code == 422
    assert "The payment provider refused the refund: Refund refused by the test provider" in text(response)
    assert current(paid).amount_refunded == 0
    assert db.session.scalar(db.select(Refund.state)) == RefundState.FAILED


def test_a_bank_transfer_payment_points_to_the_manual_refund(staff, make_sales_order):
    from shop.payments import services as payments

    order = make_sales_order(payment_method=PaymentMethod.BANK_TRANSFER)
    payments.record_bank_transfer(order, order.total, by=STAFF)
    db.session.commit()

    page = text(staff.get(page_url(order)))
    assert 'data-testid="refund-form"' not in page  # no provider can refund it

    response = refund(
        staff, order, form="manual-refund-form", amount="10.00", method="cash", reference="till 2"
    )
    assert "Refund of TRY10.00 issued." in text(response)
    done = db.session.scalar(db.select(Refund))
    assert (done.method.value, done.reference, done.transaction_id) == ("cash", "till 2", None)


def test_a_manual_refund_needs_a_known_method(staff, paid):
    response = refund(staff, paid, form="manual-refund-form", amount="10.00", method="gold")

    assert response.status_code == 422
    assert "Choose how the money was paid back." in field_errors(response, "method")
    assert refund_count() == 0


def test_couriers_may_not_refund_nor_record_payments(shopper, paid):
    logged_in(shopper, "courier")
    token = csrf_token_in(shopper.get("/courier/tasks"))

    for url in (
        f"{page_url(paid)}/refunds",
        f"{page_url(paid)}/refunds/manual",
        f"{page_url(paid)}/payments",
    ):
        response = shopper.post(url, {"amount": "10.00", "key": "k", "csrf_token": token})
        assert response.status_code == 403, (url, response.status_code)
    assert shopper.get("/admin/refunds-due").status_code == 403
    assert refund_count() == 0


def test_the_refunds_due_page_lists_cancelled_paid_orders_until_refunded(staff, paid):
    cancelled = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "cancelled"))
    change_status(paid, cancelled, by=STAFF)
    db.session.commit()

    listed = text(staff.get("/admin/refunds-due"))
    assert paid.number in listed and "Cancelled after payment" in listed and "TRY679.90" in listed

    refund(staff, paid, amount="679.90")

    assert current(paid).payment_state == PaymentState.REFUNDED
    assert paid.number not in text(staff.get("/admin/refunds-due"))
    assert "No refunds are due" in text(staff.get("/admin/refunds-due"))


def test_the_customer_sees_the_refund_on_the_tracking_page(staff, paid, client):
    refund(staff, paid, amount="100.00", reason="internal reason")

    page = text(client.get(f"/orders/{paid.tracking_token}"))

    assert "Refund issued" in page and "Partly refunded" in page
    assert "internal reason" not in page


def test_a_refund_through_a_provider_of_a_transfer_says_to_record_it_by_hand(staff, make_sales_order):
    from shop.payments import services as payments

    order = make_sales_order(payment_method=PaymentMethod.BANK_TRANSFER)
    payments.record_bank_transfer(order, order.total, by=STAFF)
    db.session.commit()
    transfer = order_transaction(order)

    response = refund(staff, order, key="k-transfer", amount="10.00", transaction=str(transfer.id))

    assert response.status_code == 422
    assert field_errors(response, "transaction") == [
        "This payment was a bank transfer or cash, so no provider can refund it: pay the money back "
        "yourself and record it as a manual refund."
    ]
    assert refund_count() == 0


def test_no_answer_from_the_provider_keeps_the_key_so_sending_again_retries(app, staff, paid):
    key = form_key(staff.get(page_url(paid)))
    app.config["TEST_PROVIDER_REFUND_ANSWER"] = "no_answer"
    try:
        first = refund(staff, paid, key=key, amount="50.00")
    finally:
        app.config["TEST_PROVIDER_REFUND_ANSWER"] = None

    assert first.status_code == 422 and "The refund of TRY50.00 is pending" in text(first)
    assert form_key(first) == key
    assert current(paid).amount_refunded == 0

    again = refund(staff, paid, key=key, amount="50.00")

    assert "Refund of TRY50.00 issued." in text(again)
    assert current(paid).amount_refunded == Decimal("50.00") and refund_count() == 1


def test_an_unknown_order_is_a_404_and_json_or_files_are_no_500(staff, paid):
    token = csrf_token_in(staff.get(page_url(paid)))

    assert staff.post("/admin/orders/NOPE/refunds", {"amount": "1", "csrf_token": token}).status_code == 404
    as_json = staff.open(
        f"{page_url(paid)}/refunds",
        method="POST",
        json={"amount": ["1"], "key": {"a": 1}, "qty-1": 2},
        headers={"X-CSRFToken": token},
    )
    as_file = staff.post(
        f"{page_url(paid)}/refunds/manual",
        {"amount": (io.BytesIO(b"12"), "a.txt"), "key": "k", "csrf_token": token},
        content_type="multipart/form-data",
    )

    assert as_json.status_code == 422 and as_file.status_code == 422
    assert refund_count() == 0
