from urllib.parse import urljoin, urlsplit

import pytest

from shop.accounts.models import User
from shop.extensions import db
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod
from tests.factories import checkout_details
from tests.web.conftest import PASSWORD, field_errors, lines_of, location_path, make_customer, text


def _register_form(**over: str) -> dict[str, str]:
    return {
        "name": "Ayşe Yılmaz",
        "email": "ayse@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
        **over,
    }


def _users() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


def _account_cart(user_id: int) -> Order | None:
    return db.session.scalar(
        db.select(Order).where(Order.customer_id == user_id, Order.state == OrderState.QUOTATION)
    )


def _is_logged_in(shopper) -> bool:
    return shopper.get("/account").status_code == 200


# --- register --------------------------------------------------------------------------------


def test_registering_creates_the_account_logs_in_and_redirects_to_it(shopper):
    response = shopper.post(
        "/account/register", _register_form(email="Ayse@Example.COM"), token_from="/account/register"
    )

    assert response.status_code == 303
    assert location_path(response) == "/account"
    user = db.session.scalar(db.select(User))
    assert user.email == "ayse@example.com"
    assert user.password_hash != PASSWORD
    page = shopper.get("/account")
    assert page.status_code == 200
    assert "ayse@example.com" in text(page)


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid e-mail address."),
        ({"email": ""}, "email", "Enter your e-mail address."),
        ({"name": ""}, "name", "Enter your name."),
        ({"password": "short", "confirm": "short"}, "password", "Choose a password of 10 to 128 characters."),
        (
            {"password": "x" * 129, "confirm": "x" * 129},
            "password",
            "Choose a password of 10 to 128 characters.",
        ),
        ({"confirm": "something else"}, "confirm", "The two passwords are not the same."),
    ],
)
def test_registering_with_bad_input_is_refused_with_the_message_at_the_field(shopper, over, field, message):
    response = shopper.post("/account/register", _register_form(**over), token_from="/account/register")

    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert _users() == 0
    assert not _is_logged_in(shopper)


@pytest.mark.parametrize("email", ["ayse@example.com", "AYSE@example.com"])
def test_registering_an_email_that_has_an_account_is_refused(shopper, email):
    make_customer("ayse@example.com")

    response = shopper.post("/account/register", _register_form(email=email), token_from="/account/register")

    assert response.status_code == 422
    assert field_errors(response, "email") == [
        "An account with this e-mail address already exists; log in instead."
    ]
    assert _users() == 1
    assert not _is_logged_in(shopper)


def test_registering_without_a_csrf_token_is_refused(shopper):
    shopper.get("/account/register")

    response = shopper.post("/account/register", _register_form(), csrf=False)

    assert response.status_code == 400
    assert _users() == 0


# --- log in ----------------------------------------------------------------------------------


def test_logging_in_with_a_wrong_password_is_refused_with_a_message(shopper):
    make_customer()

    response = shopper.login(password="wrong password")

    assert response.status_code == 422
    assert "The e-mail address or the password is wrong." in text(response)
    assert not _is_logged_in(shopper)


def test_logging_in_with_an_unknown_email_gives_the_same_message(shopper):
    make_customer()

    response = shopper.login(email="nobody@example.com")

    assert response.status_code == 422
    assert "The e-mail address or the password is wrong." in text(response)


def test_an_inactive_account_cannot_log_in(shopper):
    make_customer().active = False

    response = shopper.login()

    assert response.status_code == 422
    assert not _is_logged_in(shopper)


@pytest.mark.parametrize("email", ["", "ayse@example.com\x00"])
def test_logging_in_with_an_empty_or_nul_email_is_refused_not_a_server_error(shopper, email):
    make_customer()

    response = shopper.login(email=email)

    assert response.status_code == 422


def test_logging_in_redirects_to_the_account(shopper):
    make_customer()

    response = shopper.login(email="AYSE@example.com")

    assert response.status_code == 303
    assert location_path(response) == "/account"
    assert _is_logged_in(shopper)


def test_logging_in_returns_to_a_local_next_address(shopper):
    make_customer()

    response = shopper.post(
        "/account/login?next=/checkout",
        {"email": "ayse@example.com", "password": PASSWORD},
        token_from="/account/login",
    )

    assert response.status_code == 303
    assert location_path(response) == "/checkout"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example/", "javascript:alert(1)"]
)
def test_logging_in_never_redirects_to_another_site(shopper, target):
    make_customer()

    response = shopper.post(
        "/account/login",
        {"email": "ayse@example.com", "password": PASSWORD},
        query_string={"next": target},
        token_from="/account/login",
    )

    assert response.status_code == 303
    # Browsers read a backslash in a URL as a slash, so "/\\evil" would be "//evil".
    location = response.headers["Location"].replace("\\", "/")
    assert urlsplit(urljoin("http://localhost/account/login", location)).netloc == "localhost"


def test_the_account_page_when_logged_out_redirects_to_login(shopper):
    response = shopper.get("/account")

    assert response.status_code in (302, 303)
    assert location_path(response).startswith("/account/login")
    assert "next=%2Faccount" in location_path(response)


# --- the guest cart at login ------------------------------------------------------------------


def test_a_guest_cart_merges_into_the_accounts_cart_at_login(shopper, make_product, make_cart):
    a, b = make_product(stock=10).variants[0], make_product().variants[0]
    user = make_customer()
    own = make_cart((a, 1), customer_id=user.id)
    shopper.add(a, 2)
    shopper.add(b, 1)
    guest_id = shopper.cart_id()

    response = shopper.login()

    assert response.status_code == 303
    assert lines_of(own.id) == {a.sku: 3, b.sku: 1}
    assert db.session.get(Order, guest_id) is None
    assert 'data-count="4"' in shopper.get("/cart/badge").get_data(as_text=True)


def test_a_guest_cart_becomes_the_accounts_cart_when_it_has_none(shopper, make_product):
    variant = make_product().variants[0]
    user = make_customer()
    shopper.add(variant, 2)
    guest_id = shopper.cart_id()

    shopper.login()

    assert _account_cart(user.id).id == guest_id
    assert lines_of(guest_id) == {variant.sku: 2}


def test_merging_at_login_keeps_quantities_within_stock(shopper, make_product, make_cart):
    variant = make_product(stock=3).variants[0]
    user = make_customer()
    own = make_cart((variant, 2), customer_id=user.id)
    shopper.add(variant, 2)

    shopper.login()

    assert lines_of(own.id) == {variant.sku: 3}


def test_the_cart_survives_logging_in_and_checkout_works_from_the_account(shopper, make_product):
    variant = make_product().variants[0]
    user = make_customer()
    shopper.add(variant, 1)
    shopper.login()

    response = shopper.checkout()

    assert response.status_code == 303
    order = db.session.scalar(db.select(Order).where(Order.customer_id == user.id))
    assert order.state == OrderState.SALES_ORDER


# --- log out ---------------------------------------------------------------------------------


def test_logging_out_with_get_is_not_allowed(shopper):
    make_customer()
    shopper.login()

    response = shopper.get("/account/logout")

    assert response.status_code == 405
    assert _is_logged_in(shopper)


def test_logging_out_without_a_csrf_token_is_refused_and_keeps_me_logged_in(shopper):
    make_customer()
    shopper.login()

    response = shopper.post("/account/logout", csrf=False)

    assert response.status_code == 400
    assert _is_logged_in(shopper)


def test_logging_out_with_post_and_csrf_logs_out_and_redirects_home(shopper):
    make_customer()
    shopper.login()

    response = shopper.post("/account/logout", token_from="/account")

    assert response.status_code == 303
    assert location_path(response) == "/"
    assert not _is_logged_in(shopper)


# --- my orders ---------------------------------------------------------------------------------


def _placed_order(make_cart, variant, user: User) -> Order:
    cart = make_cart((variant, 1), customer_id=user.id)
    return sales.confirm_quotation(
        cart, checkout_details(email=user.email, payment_method=PaymentMethod.BANK_TRANSFER)
    )


def test_my_account_lists_my_orders_and_not_another_customers(shopper, make_product, make_cart):
    variant = make_product().variants[0]
    me, other = make_customer("ayse@example.com"), make_customer("mehmet@example.com")
    mine = _placed_order(make_cart, variant, me)
    theirs = _placed_order(make_cart, variant, other)
    make_cart((variant, 1), customer_id=me.id)  # my cart is not an order
    numbers = (mine.number, theirs.number)
    shopper.login()

    response = shopper.get("/account")

    assert response.status_code == 200
    assert numbers[0] in text(response)
    assert numbers[1] not in text(response)
    assert text(response).count("/orders/") == 1


def test_registering_with_a_nul_character_in_the_name_is_refused_not_a_server_error(shopper):
    response = shopper.post(
        "/account/register", _register_form(name="Ayşe\x00"), token_from="/account/register"
    )

    assert response.status_code in (303, 422)
    assert response.status_code == 422 or "\x00" not in db.session.scalar(db.select(User)).name
