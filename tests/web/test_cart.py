from decimal import Decimal

import pytest

from shop.catalog.models import Stock
from shop.extensions import db
from shop.i18n import format_money
from tests.web.conftest import all_order_lines, cart_row, lines_of, location_path, quantity_input_value, text

CSRF_MESSAGE = "The form expired or was sent twice. Reload the page and try again."


def _subtotal(amount: str) -> str:
    return f'data-testid="subtotal">{format_money(Decimal(amount), "TRY", "en")}<'


# --- adding -------------------------------------------------------------------------------


def test_adding_with_a_plain_form_redirects_to_the_cart_which_shows_the_line(shopper, make_product):
    variant = make_product(name="Blue kettle").variants[0]

    response = shopper.add(variant, 2, token_from=f"/p/{variant.product.slug}")

    assert response.status_code == 303
    assert location_path(response) == "/cart"
    assert lines_of(shopper.cart_id()) == {variant.sku: 2}
    page = shopper.get("/cart")
    assert "Added to your cart." in text(page)
    assert "Blue kettle" in text(page)


def test_adding_with_htmx_answers_the_buy_box_fragment_and_signals_cart_changed(shopper, make_product):
    variant = make_product().variants[0]

    response = shopper.add(variant, 1, htmx=True)

    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert 'class="buy-box"' in response.get_data(as_text=True)
    assert "Added to your cart." in text(response)
    assert response.headers.get("HX-Trigger") == "cart-changed"
    assert "HX-Request" in response.headers.get("Vary", "")
    assert lines_of(shopper.cart_id()) == {variant.sku: 1}


def test_adding_the_same_variant_again_adds_to_its_line(shopper, make_product):
    variant = make_product().variants[0]
    shopper.add(variant, 1)

    shopper.add(variant, 2)

    assert lines_of(shopper.cart_id()) == {variant.sku: 3}


def test_the_cart_badge_counts_the_items(shopper, make_product):
    a, b = make_product().variants[0], make_product().variants[0]
    shopper.add(a, 2)
    shopper.add(b, 1)

    response = shopper.get("/cart/badge")

    assert 'data-count="3"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("", "Enter a quantity."),
        ("0", "Enter a quantity between 1 and 999."),
        ("-1", "Enter a quantity between 1 and 999."),
        ("abc", "Enter a quantity between 1 and 999."),
        ("1.5", "Enter a quantity between 1 and 999."),
        ("1000", "Enter a quantity between 1 and 999."),
    ],
)
def test_a_quantity_that_is_not_1_to_999_is_refused_with_a_message_and_nothing_added(
    shopper, make_product, quantity, message
):
    variant = make_product().variants[0]

    response = shopper.add(variant, quantity)

    assert response.status_code == 422
    assert message in text(response)
    assert all_order_lines() == 0


def test_a_refused_quantity_with_htmx_answers_the_fragment_with_the_message(shopper, make_product):
    variant = make_product().variants[0]

    response = shopper.add(variant, "0", htmx=True)

    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    assert "Enter a quantity between 1 and 999." in text(response)
    assert "HX-Trigger" not in response.headers
    assert all_order_lines() == 0


def test_a_variant_of_another_product_is_refused_and_nothing_added(shopper, make_product):
    product = make_product()
    other = make_product().variants[0]

    response = shopper.add(other, 1, product_id=product.id)

    assert response.status_code == 422
    assert "Choose one of this product's variants." in text(response)
    assert all_order_lines() == 0


@pytest.mark.parametrize("variant", ["", "abc", "999999"])
def test_a_missing_or_unknown_variant_is_refused_and_nothing_added(shopper, make_product, variant):
    product = make_product()

    response = shopper.post("/cart/add", {"product": str(product.id), "variant": variant, "quantity": "1"})

    assert response.status_code == 422
    assert all_order_lines() == 0


@pytest.mark.parametrize("product_id", ["", "abc", "1.5", "-1", "0x1", "²", "99999999999999999999"])
def test_a_product_id_that_is_not_a_product_is_a_404(shopper, make_product, product_id):
    variant = make_product().variants[0]

    response = shopper.add(variant, 1, product_id=product_id)

    assert response.status_code == 404
    assert all_order_lines() == 0


def test_an_unpublished_product_cannot_be_added(shopper, make_product):
    product = make_product()
    product.published = False

    response = shopper.add(product.variants[0], 1)

    assert response.status_code == 404
    assert all_order_lines() == 0


def test_adding_more_than_is_in_stock_is_refused_with_what_is_left(shopper, make_product):
    variant = make_product(stock=5).variants[0]

    response = shopper.add(variant, 6)

    assert response.status_code == 422
    assert "Only 5 left of" in text(response)
    assert all_order_lines() == 0


def test_adding_more_than_stock_counting_the_cart_is_refused_and_the_line_kept(shopper, make_product):
    variant = make_product(stock=5).variants[0]
    shopper.add(variant, 3)

    response = shopper.add(variant, 3)

    assert response.status_code == 422
    assert "Only 5 left of" in text(response)
    assert lines_of(shopper.cart_id()) == {variant.sku: 3}


def test_adding_a_sold_out_variant_says_it_is_no_longer_available(shopper, make_product):
    variant = make_product(stock=0).variants[0]

    response = shopper.add(variant, 1)

    assert response.status_code == 422
    assert "is no longer available" in text(response)
    assert all_order_lines() == 0


def test_a_line_whose_variant_was_archived_since_says_so_in_the_cart(shopper, make_product):
    product = make_product(name="Blue kettle")
    variant = product.variants[0]
    shopper.add(variant, 1, token_from=f"/p/{product.slug}")
    assert "No longer sold" not in text(shopper.get("/cart"))

    variant.archived = True  # what the back office does to a variant that was ordered
    db.session.commit()

    row = cart_row(shopper.get("/cart"), variant.sku)
    assert "No longer sold: remove it to check out." in row
    assert "Sold out" not in row


# --- changing a line ------------------------------------------------------------------------


def test_changing_a_quantity_with_htmx_answers_the_cart_fragment_with_new_totals(shopper, make_product):
    variant = make_product(price="100.00").variants[0]
    shopper.add(variant, 1)
    line_id = shopper.cart().lines[0].id

    response = shopper.post(f"/cart/lines/{line_id}", {"quantity": "3"}, htmx=True, token_from="/cart")

    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert response.headers.get("HX-Trigger") == "cart-changed"
    assert _subtotal("300.00") in response.get_data(as_text=True)
    assert quantity_input_value(cart_row(response, variant.sku)) == "3"
    assert lines_of(shopper.cart_id()) == {variant.sku: 3}


def test_changing_a_quantity_with_a_plain_form_redirects_to_the_cart(shopper, make_product):
    variant = make_product().variants[0]
    shopper.add(variant, 1)
    line_id = shopper.cart().lines[0].id

    response = shopper.post(f"/cart/lines/{line_id}", {"quantity": "2"}, token_from="/cart")

    assert response.status_code == 303
    assert location_path(response) == "/cart"
    assert lines_of(shopper.cart_id()) == {variant.sku: 2}


def test_changing_a_quantity_to_more_than_stock_shows_the_message_at_the_line_and_keeps_it(
    shopper, make_product
):
    variant = make_product(price="100.00", stock=5).variants[0]
    shopper.add(variant, 2)
    line_id = shopper.cart().lines[0].id

    response = shopper.post(f"/cart/lines/{line_id}", {"quantity": "6"}, htmx=True)

    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    row = cart_row(response, variant.sku)
    assert 'class="field-error"' in row and "Only 5 left of" in row
    assert quantity_input_value(row) == "2"
    assert _subtotal("200.00") in response.get_data(as_text=True)
    assert lines_of(shopper.cart_id()) == {variant.sku: 2}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("", "Enter a quantity."),
        ("abc", "between 0 and 999"),
        ("-1", "between 0 and 999"),
        ("1000", "between 0 and 999"),
    ],
)
def test_changing_a_quantity_to_garbage_shows_the_message_at_the_line_and_keeps_it(
    shopper, make_product, quantity, message
):
    variant = make_product().variants[0]
    shopper.add(variant, 2)
    line_id = shopper.cart().lines[0].id

    response = shopper.post(f"/cart/lines/{line_id}", {"quantity": quantity}, htmx=True)

    assert response.status_code == 422
    assert message in cart_row(response, variant.sku)
    assert lines_of(shopper.cart_id()) == {variant.sku: 2}


def test_changing_a_quantity_to_0_removes_the_line(shopper, make_product):
    variant = make_product().variants[0]
    shopper.add(variant, 2)
    line_id = shopper.cart().lines[0].id

    response = shopper.post(f"/cart/lines/{line_id}", {"quantity": "0"}, htmx=True)

    assert response.status_code == 200
    assert "Your cart is empty." in text(response)
    assert lines_of(shopper.cart_id()) == {}


def test_the_cart_page_follows_a_price_change_in_the_catalog(shopper, make_product):
    variant = make_product(price="100.00").variants[0]
    shopper.add(variant, 2)
    variant.price = Decimal("90.00")

    response = shopper.get("/cart")

    assert _subtotal("180.00") in response.get_data(as_text=True)


# --- removing a line ------------------------------------------------------------------------


def test_removing_a_line_with_a_plain_form_redirects_to_the_cart_without_it(shopper, make_product):
    a, b = make_product().variants[0], make_product().variants[0]
    shopper.add(a, 1)
    shopper.add(b, 1)
    line_id = next(line.id for line in shopper.cart().lines if line.variant_id == a.id)

    response = shopper.post(f"/cart/lines/{line_id}/remove", token_from="/cart")

    assert response.status_code == 303
    assert location_path(response) == "/cart"
    assert lines_of(shopper.cart_id()) == {b.sku: 1}


def test_removing_a_line_with_htmx_answers_the_cart_fragment(shopper, make_product):
    variant = make_product().variants[0]
    shopper.add(variant, 1)
    line_id = shopper.cart().lines[0].id

    response = shopper.post(f"/cart/lines/{line_id}/remove", htmx=True)

    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert response.headers.get("HX-Trigger") == "cart-changed"
    assert "Your cart is empty." in text(response)


@pytest.mark.parametrize("action", ["", "/remove"])
def test_a_line_of_someone_elses_cart_is_a_404_and_stays_as_it_was(
    shopper, other_shopper, make_product, action
):
    variant = make_product().variants[0]
    other_shopper.add(variant, 2)
    theirs = other_shopper.cart().lines[0].id
    shopper.add(variant, 1)

    response = shopper.post(f"/cart/lines/{theirs}{action}", {"quantity": "5"})

    assert response.status_code == 404
    assert lines_of(other_shopper.cart_id()) == {variant.sku: 2}
    assert lines_of(shopper.cart_id()) == {variant.sku: 1}


@pytest.mark.parametrize("action", ["", "/remove"])
def test_a_line_when_i_have_no_cart_is_a_404(shopper, other_shopper, make_product, action):
    variant = make_product().variants[0]
    other_shopper.add(variant, 2)
    theirs = other_shopper.cart().lines[0].id

    response = shopper.post(f"/cart/lines/{theirs}{action}", {"quantity": "5"})

    assert response.status_code == 404
    assert lines_of(other_shopper.cart_id()) == {variant.sku: 2}


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_adding_without_a_valid_csrf_token_is_refused_with_a_clear_message(shopper, make_product, token):
    variant = make_product().variants[0]
    shopper.get(f"/p/{variant.product.slug}")
    form = {"product": str(variant.product_id), "variant": str(variant.id), "quantity": "1"}
    if token:
        form["csrf_token"] = token

    response = shopper.post("/cart/add", form, csrf=False)

    assert response.status_code == 400
    assert CSRF_MESSAGE in text(response)
    assert all_order_lines() == 0


@pytest.mark.parametrize(("action", "form"), [("", {"quantity": "5"}), ("/remove", {})])
def test_changing_a_line_without_a_csrf_token_is_refused_and_changes_nothing(
    shopper, make_product, action, form
):
    variant = make_product().variants[0]
    shopper.add(variant, 2)
    line_id = shopper.cart().lines[0].id

    response = shopper.post(f"/cart/lines/{line_id}{action}", form, csrf=False, htmx=True)

    assert response.status_code == 400
    assert CSRF_MESSAGE in text(response)
    assert lines_of(shopper.cart_id()) == {variant.sku: 2}


def test_a_csrf_token_of_another_session_is_refused(shopper, other_shopper, make_product):
    variant = make_product().variants[0]
    shopper.get("/")
    foreign = other_shopper.csrf_token()

    response = shopper.add(variant, 1, headers={"X-CSRFToken": foreign}, htmx=True)

    assert response.status_code == 400
    assert all_order_lines() == 0


def test_the_csrf_token_in_the_x_csrftoken_header_is_accepted(shopper, make_product):
    variant = make_product().variants[0]
    token = shopper.csrf_token(f"/p/{variant.product.slug}")

    response = shopper.add(variant, 1, headers={"X-CSRFToken": token}, htmx=True)

    assert response.status_code == 200
    assert lines_of(shopper.cart_id()) == {variant.sku: 1}


def test_the_cart_keeps_the_stock_that_is_on_hand_not_what_is_reserved(shopper, make_product):
    variant = make_product(stock=5).variants[0]
    stock = db.session.scalar(db.select(Stock).where(Stock.variant_id == variant.id))
    stock.reserved = 4

    response = shopper.add(variant, 2)

    assert response.status_code == 422
    assert "Only 1 left of" in text(response)
