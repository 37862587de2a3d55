"""Deleting one's own account (S7) does what its page says: the account is anonymised, orders
without an invoice lose the personal data, invoiced ones keep it with their invoices, and it
is refused while something is still open between the customer and the shop."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from shop.accounts import deletion
from shop.accounts.models import CustomerAddress, LoginAttempt, SignInSession, User
from shop.db_types import utcnow
from shop.extensions import db
from shop.invoicing import services as invoicing
from shop.invoicing.models import Invoice
from shop.notifications.models import OutboxMessage
from shop.orders.history import Actor, record
from shop.orders.models import OrderEvent
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod
from tests.factories import checkout_details, make_cart, make_product, make_sales_order
from tests.web.conftest import PASSWORD, field_errors, make_customer, text


@pytest.fixture
def customer(shopper):
    user = make_customer()
    db.session.commit()
    shopper.login()
    return user


def settled_order(customer: User, *, invoice: bool = False, **details) -> Order:
    """Delivered and paid: nothing open."""
    order = make_sales_order(**details)
    order.customer_id = customer.id
    order.delivered_at = utcnow() - timedelta(days=40)
    order.amount_paid = order.total
    if invoice and invoicing.invoice_for(order) is None:  # a B2B order has one already
        invoicing.issue_invoice(order, by=Actor.system())
    assert (invoicing.invoice_for(order) is not None) == invoice
    db.session.commit()
    return order


def delete(shopper, password: str = PASSWORD):
    return shopper.post("/account/delete", {"current_password": password}, token_from="/account/delete")


def reload(model, id_):  # noqa: ANN001
    db.session.expire_all()
    return db.session.get(model, id_)


def test_the_page_states_what_is_kept_and_asks_for_the_password(shopper, customer):
    settled_order(customer, invoice=True)

    page = text(shopper.get("/account/delete"))

    assert "Invoices and credit notes stay as they were issued" in page
    assert "art. 253" in page and "5 years from the end of the tax year" in page
    assert "This concerns 1 of your orders." in page
    assert 'name="current_password"' in page


def test_deleting_anonymises_the_account_and_the_orders_without_an_invoice(shopper, customer, other_shopper):
    invoiced = settled_order(customer, invoice=True, company_name="Kaya Ltd", tax_id="1234567890")
    plain = settled_order(customer)
    cancelled = sales.confirm_quotation(
        make_cart((make_product().variants[0], 1)),
        checkout_details(payment_method=PaymentMethod.BANK_TRANSFER),
    )
    sales.cancel_quotation(cancelled, by=Actor.system())  # never paid: nothing owed either way
    cancelled.customer_id = customer.id
    db.session.add(
        CustomerAddress(
            user_id=customer.id,
            name="Ayşe",
            phone="+905321234567",
            address_line="İstiklal Cd. 1",
            city="İstanbul",
            postal_code="34430",
            country="TR",
            is_default=True,
        )
    )
    cart = make_cart((make_product().variants[0], 2), customer_id=customer.id)
    record(
        order_id=plain.id,
        by=Actor.system("outbox"),
        kind="message",
        before="email",
        after="sent",
        note="ayse@example.com: Your order is confirmed",
    )
    db.session.commit()
    other_shopper.login()  # a second device
    invoice_buyer = dict(invoicing.invoice_for(invoiced).buyer)

    response = delete(shopper)

    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    assert "Your account is deleted" in text(shopper.get("/"))
    user = reload(User, customer.id)
    assert user.email.endswith("@deleted.invalid") and user.email != "ayse@example.com"
    assert (user.name, user.phone, user.company_name, user.tax_id, user.active) == ("", "", "", "", False)
    assert user.deleted_at is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(CustomerAddress)) == 0
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(SignInSession).where(SignInSession.user_id == customer.id)
        )
        == 0
    )
    assert other_shopper.get("/account").status_code in (302, 303)  # the other device is logged out too
    assert reload(Order, cart.id).lines == []

    kept = reload(Order, invoiced.id)
    assert (kept.email, kept.name, kept.company_name, kept.tax_id) == (
        "ayse@example.com",
        "Ayşe Yılmaz",
        "Kaya Ltd",
        "1234567890",
    )
    assert db.session.get(Invoice, invoicing.invoice_for(kept).id).buyer == invoice_buyer
    erased = reload(Order, plain.id)
    assert (
        erased.email,
        erased.name,
        erased.phone,
        erased.address_line,
        erased.city,
        erased.postal_code,
    ) == ("", "", "", "", "", "")
    assert erased.country == "TR" and erased.total == plain.total and erased.customer_id == customer.id
    assert "ayse" not in erased.search_text and "5321234567" not in erased.search_text
    assert reload(Order, cancelled.id).email == ""
    notes = db.session.scalars(
        db.select(OrderEvent.note).where(OrderEvent.order_id == plain.id, OrderEvent.kind == "note")
    ).all()
    assert notes == [deletion.ERASED_NOTE]
    history = db.session.scalars(db.select(OrderEvent).where(OrderEvent.order_id == plain.id)).all()
    words = " ".join(f"{event.actor_label} {event.note}" for event in history)
    assert "ayse@example.com" not in words and "+905321234567" not in words
    assert [event.note for event in history if event.kind == "message"] == ["Your order is confirmed"]


def test_the_deleted_address_can_register_again_and_the_old_password_opens_nothing(shopper, customer):
    delete(shopper)

    again = shopper.login()
    assert again.status_code == 422

    registered = shopper.post(
        "/account/register",
        {
            "name": "Ayşe",
            "email": "ayse@example.com",
            "password": "another long passphrase",
            "confirm": "another long passphrase",
        },
        token_from="/account/register",
    )

    assert registered.status_code == 303
    fresh = db.session.scalar(db.select(User).where(User.email == "ayse@example.com"))
    assert fresh.id != customer.id


def test_a_wrong_password_deletes_nothing_and_counts_as_a_failed_login(shopper, customer):
    order = settled_order(customer)

    response = delete(shopper, "not my password")

    assert response.status_code == 422
    assert field_errors(response, "current_password")
    user = reload(User, customer.id)
    assert (user.email, user.active, user.deleted_at) == ("ayse@example.com", True, None)
    assert reload(Order, order.id).email == "ayse@example.com"
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginAttempt)) == 1


def test_without_the_form_token_nothing_is_deleted(shopper, customer):
    response = shopper.post("/account/delete", {"current_password": PASSWORD}, csrf=False)

    assert response.status_code in (400, 422)
    assert reload(User, customer.id).deleted_at is None


@pytest.mark.parametrize("what", ["undelivered", "awaiting_payment", "owed_back", "unpaid"])
def test_refused_while_something_is_open(shopper, customer, what):
    order = settled_order(customer)
    if what == "undelivered":
        order.delivered_at = None
    elif what == "awaiting_payment":
        order.state = OrderState.QUOTATION_SENT
    elif what == "owed_back":
        order.amount_paid = order.total + 10
    else:
        order.amount_paid = 0
    db.session.commit()

    page = shopper.get("/account/delete")
    response = delete(shopper)

    assert 'data-testid="open-matters"' in text(page) and order.number in text(page)
    assert 'name="current_password"' not in text(page)  # no button for what cannot be done
    assert response.status_code == 409
    assert reload(User, customer.id).deleted_at is None
    assert reload(Order, order.id).email == "ayse@example.com"


def test_refused_while_a_return_is_in_progress(shopper, customer):
    from shop.returns.models import ReturnLine, ReturnRequest, ReturnState

    order = settled_order(customer)
    request = ReturnRequest(
        number=f"{order.number}-R1",
        order_id=order.id,
        customer_id=customer.id,
        state=ReturnState.APPROVED,
        reason="wrong_size",
    )
    request.lines.append(ReturnLine(order_line_id=order.lines[0].id, quantity=1))
    db.session.add(request)
    db.session.commit()

    assert delete(shopper).status_code == 409
    assert f"{order.number}-R1" in text(shopper.get("/account/delete"))

    request.state = ReturnState.REJECTED
    db.session.commit()

    assert delete(shopper).status_code == 303


def test_the_messages_kept_for_the_address_are_deleted(shopper, customer):
    shopper.post("/account/verify-email", {}, token_from="/account")
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1

    delete(shopper)

    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_the_page_says_what_the_code_erases():
    """The page lists the order fields the code erases; a field added to one is added to the other."""
    assert set(deletion._ORDER_PERSONAL_FIELDS) == {
        "email",
        "phone",
        "name",
        "address_line",
        "city",
        "postal_code",
        "company_name",
        "tax_id",
    }
    assert re.search(r"name, e-mail address, phone number, address, company name and tax ID", _page_words())


def _page_words() -> str:
    from pathlib import Path

    return (Path(deletion.__file__).parents[1] / "templates/storefront/account/delete.html").read_text()
