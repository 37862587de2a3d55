import re
from datetime import timedelta
from decimal import Decimal

import pytest
from stdnum.tr import vkn

from shop.catalog.models import Stock, StockReservation
from shop.catalog.services import allowed_pickup_dates, available
from shop.extensions import db
from shop.i18n import shop_today
from shop.payments.models import PaymentTransaction, TransactionState
from shop.sales import services as sales
from shop.sales.models import Order, OrderLine, OrderState, PaymentMethod
from tests.factories import checkout_details
from tests.web.conftest import checkout_form, field_errors, lines_of, location_path, next_weekday, text

VALID_VKN = "1234567890"
INVALID_VKN = "1234567891"


def _stock_of(variant) -> Stock:
    return db.session.scalar(db.select(Stock).where(Stock.variant_id == variant.id))


def _reserved_for(order_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.count(StockReservation.id))
        .join(OrderLine, StockReservation.order_line_id == OrderLine.id)
        .where(OrderLine.order_id == order_id)
    )


def _assert_still_a_cart(order_id: int, lines: dict[str, int]) -> None:
    order = db.session.get(Order, order_id)
    assert order.state == OrderState.QUOTATION
    assert order.number is None
    assert lines_of(order_id) == lines
    assert _reserved_for(order_id) == 0


@pytest.fixture
def filled(shopper, make_product):
    """A shopper with one product (stock 5, 100.00) twice in the cart; returns (variant, cart id)."""
    variant = make_product(price="100.00", stock=5).variants[0]
    assert shopper.add(variant, 2).status_code == 303
    return variant, shopper.cart_id()


# --- the checkout page --------------------------------------------------------------------


def test_the_checkout_page_without_a_cart_redirects_to_the_cart(shopper):
    response = shopper.get("/checkout")

    assert response.status_code == 303
    assert location_path(response) == "/cart"


def test_the_checkout_page_with_an_emptied_cart_redirects_to_the_cart(shopper, filled):
    shopper.post(f"/cart/lines/{shopper.cart().lines[0].id}/remove")

    response = shopper.get("/checkout", follow_redirects=True)

    assert response.request.path == "/cart"
    assert "Your cart is empty." in text(response)


def test_confirming_without_a_cart_redirects_to_the_cart(shopper):
    response = shopper.post("/checkout", checkout_form())

    assert response.status_code == 303
    assert location_path(response) == "/cart"
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 0


def test_the_checkout_page_shows_the_cart_and_the_subtotal_it_was_filled_for(shopper, filled):
    response = shopper.get("/checkout")

    assert response.status_code == 200
    assert 'name="expected_subtotal" type="hidden" value="200.00"' in response.get_data(as_text=True)


# --- a form that is not filled in right: 422, the cart stays a cart --------------------------


def test_an_empty_form_is_refused_with_a_message_at_each_field_and_nothing_reserved(shopper, filled):
    variant, cart_id = filled
    empty = {name: "" for name in checkout_form()}

    response = shopper.post("/checkout", empty, token_from="/checkout")

    assert response.status_code == 422
    assert field_errors(response, "email") == ["Enter your e-mail address."]
    assert field_errors(response, "phone") == ["Enter your phone number."]
    assert field_errors(response, "name") == ["Enter your name."]
    assert field_errors(response, "address_line") == ["Required for delivery."]
    assert field_errors(response, "city") == ["Required for delivery."]
    assert field_errors(response, "postal_code") == ["Required for delivery."]
    assert "Choose a country from the list." in field_errors(response, "country")
    assert "Choose a delivery method." in text(response)
    assert "Choose a payment method." in text(response)
    _assert_still_a_cart(cart_id, {variant.sku: 2})
    assert available(variant) == 5


@pytest.mark.parametrize("email", ["not-an-email", "ayse@", "@example.com", "ayse example@example.com"])
def test_an_invalid_email_is_refused_at_the_email_field(shopper, filled, email):
    variant, cart_id = filled

    response = shopper.checkout(email=email)

    assert response.status_code == 422
    assert field_errors(response, "email") == ["Enter a valid e-mail address."]
    _assert_still_a_cart(cart_id, {variant.sku: 2})


@pytest.mark.parametrize("phone", ["12", "abc", "+90 000 000 00 00", "+90 532 123 45 67 89 01"])
def test_a_phone_number_we_cannot_call_is_refused_at_the_phone_field(shopper, filled, phone):
    variant, cart_id = filled

    response = shopper.checkout(phone=phone)

    assert response.status_code == 422
    assert field_errors(response, "phone") == [
        "Enter a phone number we can call, for example +90 532 123 45 67."
    ]
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_a_phone_number_is_stored_in_international_form(shopper, filled):
    shopper.checkout(phone="0532 123 45 67")

    order = db.session.scalar(db.select(Order).where(Order.state != OrderState.QUOTATION))
    assert order.phone == "+905321234567"


def test_a_name_longer_than_120_characters_is_refused(shopper, filled):
    variant, cart_id = filled

    response = shopper.checkout(name="A" * 121)

    assert response.status_code == 422
    assert field_errors(response, "name") == ["Field cannot be longer than 120 characters."]
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_a_name_of_exactly_120_characters_is_accepted(shopper, filled):
    response = shopper.checkout(name="Ş" * 120)

    assert response.status_code == 303
    order = db.session.scalar(db.select(Order).where(Order.state != OrderState.QUOTATION))
    assert order.name == "Ş" * 120


def test_a_country_we_do_not_ship_to_is_refused(shopper, filled):
    variant, cart_id = filled

    response = shopper.checkout(country="US")

    assert response.status_code == 422
    assert "Choose a country from the list." in field_errors(response, "country")
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_a_tax_id_that_is_not_valid_in_turkey_is_refused_at_the_tax_id_field(shopper, filled):
    variant, cart_id = filled
    assert not vkn.is_valid(INVALID_VKN)

    response = shopper.checkout(company_name="Yılmaz Ltd.", tax_id=INVALID_VKN)

    assert response.status_code == 422
    assert field_errors(response, "tax_id") == ["This tax ID is not valid for the chosen country."]
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_a_company_name_without_a_tax_id_is_refused(shopper, filled):
    variant, cart_id = filled

    response = shopper.checkout(company_name="Yılmaz Ltd.", tax_id="")

    assert response.status_code == 422
    assert "For a company invoice give both the company name and its tax ID." in text(response)
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_a_tax_id_without_a_company_name_is_refused(shopper, filled):
    variant, cart_id = filled

    response = shopper.checkout(company_name="", tax_id=VALID_VKN)

    assert response.status_code == 422
    assert field_errors(response, "tax_id") == [
        "For a company invoice give both the company name and its tax ID."
    ]
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_a_valid_turkish_tax_id_is_accepted_and_kept_on_the_order(shopper, filled):
    assert vkn.is_valid(VALID_VKN)

    response = shopper.checkout(company_name="Yılmaz Ltd.", tax_id=f"TR {VALID_VKN[:5]} {VALID_VKN[5:]}")

    assert response.status_code == 303
    order = db.session.scalar(db.select(Order).where(Order.state != OrderState.QUOTATION))
    assert (order.company_name, order.tax_id) == ("Yılmaz Ltd.", VALID_VKN)


def test_pickup_without_a_warehouse_and_date_is_refused_at_both_fields(shopper, filled):
    variant, cart_id = filled

    response = shopper.checkout(delivery_method="pickup", pickup_warehouse="", pickup_date="")

    assert response.status_code == 422
    assert field_errors(response, "pickup_warehouse") == ["Choose a pickup warehouse and date."]
    assert field_errors(response, "pickup_date") == ["Choose a pickup warehouse and date."]
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def _pickup_product(shopper, make_product, make_warehouse):
    warehouse = make_warehouse(weekdays=(0, 1, 2, 3, 4))  # Monday to Friday
    variant = make_product(stock={warehouse: 5}).variants[0]
    shopper.add(variant, 1)
    return warehouse, variant


@pytest.mark.parametrize(
    "when",
    [
        pytest.param(lambda: next_weekday(6, at_least_days=2), id="a-sunday"),
        pytest.param(lambda: shop_today() - timedelta(days=1), id="yesterday"),
        pytest.param(lambda: shop_today() + timedelta(days=60), id="beyond-the-horizon"),
    ],
)
def test_a_pickup_date_the_warehouse_does_not_allow_is_refused(shopper, make_product, make_warehouse, when):
    warehouse, variant = _pickup_product(shopper, make_product, make_warehouse)
    cart_id = shopper.cart_id()
    day = when()

    response = shopper.checkout(
        delivery_method="pickup", pickup_warehouse=str(warehouse.id), pickup_date=day.isoformat()
    )

    assert response.status_code == 422
    assert "does not hand out orders on this date" in text(response)
    _assert_still_a_cart(cart_id, {variant.sku: 1})


def test_a_pickup_date_that_is_not_a_date_is_refused(shopper, make_product, make_warehouse):
    warehouse, variant = _pickup_product(shopper, make_product, make_warehouse)
    cart_id = shopper.cart_id()

    response = shopper.checkout(
        delivery_method="pickup", pickup_warehouse=str(warehouse.id), pickup_date="31.02.2030"
    )

    assert response.status_code == 422
    _assert_still_a_cart(cart_id, {variant.sku: 1})


@pytest.mark.parametrize("warehouse_id", ["999999", "abc", "²"])
def test_an_unknown_pickup_warehouse_is_refused(shopper, make_product, make_warehouse, warehouse_id):
    warehouse, variant = _pickup_product(shopper, make_product, make_warehouse)
    cart_id = shopper.cart_id()
    day = allowed_pickup_dates(warehouse, shop_today())[0]

    response = shopper.checkout(
        delivery_method="pickup", pickup_warehouse=warehouse_id, pickup_date=day.isoformat()
    )

    assert response.status_code == 422
    _assert_still_a_cart(cart_id, {variant.sku: 1})


def test_pickup_on_an_allowed_date_places_the_order_at_that_warehouse(shopper, make_product, make_warehouse):
    warehouse, variant = _pickup_product(shopper, make_product, make_warehouse)
    day = allowed_pickup_dates(warehouse, shop_today())[0]

    response = shopper.checkout(
        delivery_method="pickup", pickup_warehouse=str(warehouse.id), pickup_date=day.isoformat()
    )

    assert response.status_code == 303
    order = db.session.scalar(db.select(Order).where(Order.state != OrderState.QUOTATION))
    assert (order.pickup_warehouse_id, order.pickup_date, order.address_line) == (warehouse.id, day, "")
    assert available(variant) == 4


def test_the_pickup_dates_fragment_lists_the_days_of_the_chosen_warehouse(
    shopper, make_product, make_warehouse
):
    warehouse, _variant = _pickup_product(shopper, make_product, make_warehouse)
    days = allowed_pickup_dates(warehouse, shop_today())

    response = shopper.get(f"/checkout/pickup-dates?pickup_warehouse={warehouse.id}", htmx=True)

    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    offered = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', response.get_data(as_text=True))
    assert offered == [day.isoformat() for day in days]


# --- stock that ran out meanwhile: 409, the cart stays as it was ---------------------------


def test_a_sku_sold_out_meanwhile_stops_checkout_with_409_and_keeps_the_cart(shopper, filled):
    variant, cart_id = filled
    page = shopper.get("/checkout")
    _stock_of(variant).quantity = 0

    response = shopper.post("/checkout", checkout_form(**_csrf_and_subtotal(page)))

    assert response.status_code == 409
    assert "is no longer available" in text(response)
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_a_sku_reserved_by_another_order_meanwhile_stops_checkout_with_what_is_left(
    shopper, filled, make_cart
):
    variant, cart_id = filled
    sales.confirm_quotation(
        make_cart((variant, 4)), checkout_details(payment_method=PaymentMethod.BANK_TRANSFER)
    )

    response = shopper.checkout()

    assert response.status_code == 409
    assert "Only 1 left of" in text(response)
    _assert_still_a_cart(cart_id, {variant.sku: 2})
    assert _stock_of(variant).reserved == 4


def _csrf_and_subtotal(response) -> dict[str, str]:
    body = response.get_data(as_text=True)
    return {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1),
        "expected_subtotal": re.search(r'name="expected_subtotal" type="hidden" value="([^"]*)"', body).group(
            1
        ),
    }


def test_a_price_change_since_the_checkout_page_stops_checkout_and_keeps_the_cart(shopper, filled):
    variant, cart_id = filled
    page = shopper.get("/checkout")
    variant.price = Decimal("120.00")

    response = shopper.post("/checkout", checkout_form(**_csrf_and_subtotal(page)))

    assert response.status_code in (409, 422)
    assert "Your cart changed meanwhile; please check it and confirm again." in text(response)
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_after_a_price_change_the_page_shows_the_new_prices_so_confirming_again_goes_through(shopper, filled):
    variant, cart_id = filled
    page = shopper.get("/checkout")
    variant.price = Decimal("120.00")
    refused = shopper.post("/checkout", checkout_form(**_csrf_and_subtotal(page)))

    again = shopper.post("/checkout", checkout_form(**_csrf_and_subtotal(refused)))

    assert _csrf_and_subtotal(refused)["expected_subtotal"] == "240.00"
    assert again.status_code == 303
    assert db.session.get(Order, cart_id).subtotal == Decimal("240.00")


@pytest.mark.parametrize("garbage", ["abc", "NaN", "sNaN", "Infinity", "1e999999"])
def test_a_garbage_expected_subtotal_is_not_a_server_error(shopper, filled, garbage):
    variant, cart_id = filled

    response = shopper.checkout(expected_subtotal=garbage)

    assert response.status_code in (303, 409, 422)


# --- orders that go through ------------------------------------------------------------------


def test_a_cash_order_redirects_to_its_order_page_which_shows_the_number(shopper, filled):
    variant, cart_id = filled

    response = shopper.checkout(payment_method="cash")

    order = db.session.get(Order, cart_id)
    assert response.status_code == 303
    assert location_path(response) == f"/orders/{order.tracking_token}"
    assert order.state == OrderState.SALES_ORDER
    assert order.number and order.number.startswith("S")
    assert available(variant) == 3
    page = shopper.get(location_path(response))
    assert page.status_code == 200
    assert order.number in text(page)
    assert "Cash on delivery or at pickup" in text(page)


def test_after_an_order_the_cart_is_empty(shopper, filled):
    shopper.checkout(payment_method="cash")

    response = shopper.get("/cart")

    assert "Your cart is empty." in text(response)
    assert shopper.cart_id() is None


def test_a_card_order_redirects_to_the_payment_provider_and_awaits_payment(shopper, filled):
    variant, cart_id = filled

    response = shopper.checkout(payment_method="card")

    order = db.session.get(Order, cart_id)
    assert response.status_code == 303
    assert location_path(response).startswith("/testpay/pay/")
    assert order.state == OrderState.QUOTATION_SENT
    assert order.expires_at is not None
    transactions = db.session.scalars(
        db.select(PaymentTransaction).where(PaymentTransaction.order_id == cart_id)
    ).all()
    assert [(t.state, t.amount) for t in transactions] == [(TransactionState.PENDING, order.total)]
    assert available(variant) == 3


def test_a_bank_transfer_order_shows_the_account_to_pay_to(shopper, filled):
    response = shopper.checkout(payment_method="bank_transfer")

    page = shopper.get(location_path(response))
    assert "Please transfer" in text(page)
    assert "IBAN" in text(page)


def test_checkout_with_htmx_answers_204_with_hx_redirect(shopper, filled):
    variant, cart_id = filled
    token = shopper.csrf_token("/checkout")

    response = shopper.post("/checkout", checkout_form(), htmx=True, headers={"X-CSRFToken": token})

    order = db.session.get(Order, cart_id)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/orders/{order.tracking_token}"


def test_a_refused_checkout_with_htmx_answers_the_form_fragment_with_messages(shopper, filled):
    variant, cart_id = filled
    token = shopper.csrf_token("/checkout")

    response = shopper.post(
        "/checkout", checkout_form(email="nope"), htmx=True, headers={"X-CSRFToken": token}
    )

    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    assert field_errors(response, "email") == ["Enter a valid e-mail address."]
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_confirming_twice_places_one_order(shopper, filled):
    variant, cart_id = filled
    token = shopper.csrf_token("/checkout")

    first = shopper.post("/checkout", checkout_form(csrf_token=token))
    second = shopper.post("/checkout", checkout_form(csrf_token=token))

    assert first.status_code == 303
    assert second.status_code == 303 and location_path(second) == "/cart"
    assert db.session.scalar(db.select(db.func.count(Order.id)).where(Order.number.is_not(None))) == 1
    assert available(variant) == 3


def test_checkout_without_a_csrf_token_is_refused_and_changes_nothing(shopper, filled):
    variant, cart_id = filled

    response = shopper.post("/checkout", checkout_form(), csrf=False)

    assert response.status_code == 400
    assert "The form expired or was sent twice" in text(response)
    _assert_still_a_cart(cart_id, {variant.sku: 2})


def test_an_unknown_order_token_is_a_404_page(shopper):
    response = shopper.get("/orders/no-such-token")

    assert response.status_code == 404


def test_the_tracking_token_of_a_cart_is_a_404(shopper, filled):
    _variant, cart_id = filled

    response = shopper.get(f"/orders/{db.session.get(Order, cart_id).tracking_token}")

    assert response.status_code == 404


@pytest.mark.parametrize("field", ["name", "address_line", "city", "company_name"])
def test_a_nul_character_in_a_text_field_is_refused_not_a_server_error(shopper, filled, field):
    variant, cart_id = filled
    over = {field: "İstanbul\x00"}
    if field == "company_name":
        over["tax_id"] = VALID_VKN

    response = shopper.checkout(**over)

    assert response.status_code in (303, 422)
    if response.status_code == 422:
        _assert_still_a_cart(cart_id, {variant.sku: 2})
    else:
        assert "\x00" not in getattr(db.session.get(Order, cart_id), field)
