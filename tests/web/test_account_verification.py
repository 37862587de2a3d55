"""Guest orders are attached to the account once its e-mail address is verified by the e-mailed
link (S4), never before; and the account's order list shows what the tracking page shows."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous.timed import TimestampSigner

from shop.accounts import verification
from shop.accounts.models import User
from shop.extensions import db, limiter
from shop.notifications.models import OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderEvent, OrderStatus
from shop.sales.models import Order
from tests.factories import make_cart, make_sales_order
from tests.web.conftest import make_customer, text


@pytest.fixture
def customer(shopper):
    user = make_customer()
    db.session.commit()
    shopper.login()
    return user


def guest_order(email: str = "ayse@example.com") -> Order:
    order = make_sales_order(email=email)
    db.session.commit()
    return order


def ask_for_link(shopper):
    return shopper.post("/account/verify-email", {}, token_from="/account")


def sent_link() -> str:
    message = db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.event == verification.EVENT)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, "no verification e-mail"
    found = re.search(r"https?://\S+/account/verify-email/(\S+)", message.body_text)
    return "/account/verify-email/" + found.group(1)


def open_link(shopper, link: str):
    """Open the e-mail's link and press its button, as the customer does."""
    page = shopper.get(link)
    assert page.status_code == 200, page.status_code
    return shopper.post(link, {}, token_from=link)


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def test_guest_orders_are_attached_only_once_the_link_is_opened(shopper, customer):
    same = guest_order("ayse@example.com")
    other_case = guest_order("AYSE@Example.com")
    someone_else = guest_order("mehmet@example.com")
    cart = make_cart(customer_id=None)
    cart.email = "ayse@example.com"
    db.session.commit()

    asked = ask_for_link(shopper)

    assert asked.status_code == 303
    # Asking is not verifying: nothing is attached yet, and the account says so.
    assert reload(same).customer_id is None
    assert 'data-testid="email-not-verified"' in text(shopper.get("/account"))
    assert same.number not in text(shopper.get("/account"))

    link = sent_link()
    shown = shopper.get(link)

    assert shown.status_code == 200 and reload(same).customer_id is None  # opening it is not verifying
    opened = shopper.post(link, {}, token_from=link)

    assert opened.status_code == 303
    assert (reload(same).customer_id, reload(other_case).customer_id) == (customer.id, customer.id)
    assert reload(someone_else).customer_id is None
    assert reload(cart).customer_id is None  # a cart is not an order
    assert db.session.get(User, customer.id).email_verified_at is not None
    notes = db.session.scalars(
        db.select(OrderEvent.note).where(OrderEvent.order_id == same.id, OrderEvent.kind == "note")
    ).all()
    assert notes == [verification.ATTACHED_NOTE]
    page = text(shopper.get("/account"))
    assert same.number in page and other_case.number in page and someone_else.number not in page
    assert 'data-testid="email-verified"' in page and "2 orders placed as a guest" in page


def test_a_guest_order_placed_after_the_verification_joins_at_the_next_login(
    shopper, customer, other_shopper
):
    ask_for_link(shopper)
    open_link(shopper, sent_link())
    later = guest_order()

    other_shopper.login()

    assert reload(later).customer_id == customer.id


def test_logging_in_attaches_nothing_before_the_verification(shopper, customer, other_shopper):
    order = guest_order()

    other_shopper.login()

    assert reload(order).customer_id is None


def test_an_order_of_another_account_is_never_taken(shopper, customer):
    other = make_customer("mehmet@example.com", name="Mehmet")
    theirs = guest_order("ayse@example.com")
    theirs.customer_id = other.id
    db.session.commit()

    ask_for_link(shopper)
    open_link(shopper, sent_link())

    assert reload(theirs).customer_id == other.id


def test_the_link_opened_without_a_login_verifies_and_asks_to_log_in(shopper, customer, other_shopper):
    order = guest_order()
    ask_for_link(shopper)

    opened = open_link(other_shopper, sent_link())

    assert opened.status_code == 303 and "/account/login" in opened.headers["Location"]
    assert reload(order).customer_id == customer.id


@pytest.mark.parametrize("tamper", ["x", "-cut"])
def test_a_tampered_link_verifies_nothing(shopper, customer, tamper):
    order = guest_order()
    ask_for_link(shopper)
    link = sent_link()
    link = link[:-4] + tamper if tamper == "-cut" else link + tamper

    response = shopper.get(link)
    pressed = shopper.post(link, {}, token_from="/account")

    assert response.status_code == pressed.status_code == 400
    assert "expired or is not valid" in text(response)
    assert reload(order).customer_id is None
    assert db.session.get(User, customer.id).email_verified_at is None


def test_a_password_reset_token_is_no_verification_link(shopper, customer):
    from shop.accounts.password_reset import reset_token

    response = shopper.get(f"/account/verify-email/{reset_token(customer)}")

    assert response.status_code == 400


def test_an_expired_link_verifies_nothing(shopper, customer, monkeypatch):
    order = guest_order()
    too_old = int(time.time()) - verification.VERIFY_MAX_AGE_HOURS * 3600 - 1
    with monkeypatch.context() as patch:  # only the link is old (the session cookie is signed the same way)
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: too_old)
        token = verification.verification_token(customer)

    response = shopper.get(f"/account/verify-email/{token}")

    assert response.status_code == 400
    assert reload(order).customer_id is None


def test_a_link_within_its_hours_verifies(shopper, customer, monkeypatch):
    almost = int(time.time()) - verification.VERIFY_MAX_AGE_HOURS * 3600 + 60
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: almost)
        token = verification.verification_token(customer)

    assert open_link(shopper, f"/account/verify-email/{token}").status_code == 303
    assert db.session.get(User, customer.id).email_verified_at is not None


def test_a_link_sent_to_an_earlier_address_does_not_verify_the_new_one(shopper, customer):
    ask_for_link(shopper)
    link = sent_link()
    customer = db.session.get(User, customer.id)
    customer.email = "ayse.new@example.com"
    db.session.commit()

    assert shopper.get(link).status_code == 400
    assert shopper.post(link, {}, token_from="/account").status_code == 400
    assert db.session.get(User, customer.id).email_verified_at is None


def test_at_most_three_links_an_hour(shopper, customer):
    for _ in range(verification.VERIFY_MAILS_PER_HOUR):
        ask_for_link(shopper)
    limiter.reset()

    fourth = ask_for_link(shopper)

    assert fourth.status_code == 303
    assert "in the last hour" in text(shopper.get("/account"))
    sent = db.session.scalar(
        db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.event == verification.EVENT)
    )
    assert sent == verification.VERIFY_MAILS_PER_HOUR


def test_the_links_button_needs_the_form_token(shopper, customer):
    order = guest_order()
    ask_for_link(shopper)

    response = shopper.post(sent_link(), {}, csrf=False)

    assert response.status_code == 400
    assert reload(order).customer_id is None


def test_asking_for_a_link_needs_a_login_and_the_form_token(shopper, customer, other_shopper):
    assert other_shopper.post("/account/verify-email", {}, token_from="/").status_code in (302, 303)
    assert shopper.post("/account/verify-email", {}, csrf=False).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


# --- the account's order list ---------------------------------------------------------------------


def test_the_order_list_shows_the_sellers_status_while_customers_may_see_it(shopper, customer):
    order = make_sales_order(email="ayse@example.com")
    order.customer_id = customer.id
    shipped = OrderStatus(
        code="on_the_way", name={"en": "On its way"}, group="in_progress", customer_visible=True, position=60
    )
    hidden = OrderStatus(
        code="packing", name={"en": "Packing"}, group="in_progress", customer_visible=False, position=61
    )
    db.session.add_all([shipped, hidden])
    db.session.flush()
    orders.change_status(order, shipped, by=Actor.system())
    db.session.commit()

    page = text(shopper.get("/account"))
    row = re.search(rf'<tr data-order="{order.number}">.*?</tr>', page, re.S).group(0)

    assert re.search(r'data-testid="order-status">On its way<', row)
    assert f"/orders/{order.tracking_token}" in row

    orders.change_status(order, hidden, by=Actor.system())
    db.session.commit()
    row = re.search(rf'<tr data-order="{order.number}">.*?</tr>', text(shopper.get("/account")), re.S).group(
        0
    )

    assert "Packing" not in row
    assert re.search(r'data-testid="order-status">Confirmed<', row)  # the order's state instead
