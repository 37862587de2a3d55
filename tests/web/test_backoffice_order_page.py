"""The back-office order page (B3): who may open it, what it shows, and its htmx actions."""

from __future__ import annotations

import re

import pytest

from shop.accounts.models import Role
from shop.extensions import db, limiter
from shop.orders.history import Actor, events_for
from shop.orders.models import OrderStatus
from shop.orders.services import change_status
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod
from tests.factories import checkout_details, make_cart, make_product, make_sales_order, make_staff
from tests.web.conftest import PASSWORD, field_errors, location_path, make_customer, text

STAFF_PASSWORD = "staff-password-1"


def status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def current(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def log_in_staff(shopper, email: str = "staff@example.com", role: Role = Role.STAFF):
    """Log in through the back-office login form, as a person would."""
    make_staff(email, STAFF_PASSWORD, role=role)
    limiter.reset()  # the login form allows a few posts a minute per address; every test logs in
    response = shopper.post(
        "/admin/login", {"email": email, "password": STAFF_PASSWORD}, token_from="/admin/login"
    )
    assert response.status_code == 303, response.status_code
    return response


@pytest.fixture
def order() -> Order:
    books = make_product(price="100.00", vat_rate="10", name="Poetry book").variants[0]
    lamp = make_product(price="250.00", vat_rate="20", name="Desk lamp").variants[0]
    return make_sales_order(
        (books, 2), (lamp, 1), company_name="Yılmaz Ltd", tax_id="1234567890", phone="+905321234567"
    )


@pytest.fixture
def staff(shopper):
    log_in_staff(shopper)
    return shopper


def page_url(order: Order) -> str:
    return f"/admin/orders/{order.number}"


def change(shopper, order: Order, *, htmx: bool = True, **fields):
    data = {"current_status": str(order.status_id or ""), "status": "", "tracking_number": "", "carrier": ""}
    data.update(fields)
    return shopper.post(f"{page_url(order)}/status", data, token_from=page_url(order), htmx=htmx)


def note(shopper, order: Order, text_: str, *, htmx: bool = True):
    return shopper.post(f"{page_url(order)}/notes", {"note": text_}, token_from=page_url(order), htmx=htmx)


# --- who may open it --------------------------------------------------------------------------


def test_staff_see_the_whole_order(staff, order):
    db.session.commit()

    response = staff.get(page_url(order))

    assert response.status_code == 200
    page = text(response)
    assert f"Order {order.number}" in page
    assert 'class="status-pill" style="--status: #2563eb"' in page and ">New</span>" in page
    for line in order.lines:
        assert f'data-sku="{line.sku}"' in page
    assert "Poetry book" in page and "Desk lamp" in page
    # VAT breakdown: books at 10 %, the lamp and delivery at 20 %.
    assert 'data-rate="10.00"' in page and 'data-rate="20.00"' in page
    assert "181.82" in page and "18.18" in page
    assert "Ayşe Yılmaz" in page and "ayse@example.com" in page and "+905321234567" in page
    assert "Yılmaz Ltd" in page and "1234567890" in page
    assert "İstiklal Cd. 1" in page and "34430 İstanbul" in page
    assert "Cash on delivery or at pickup" in page and "Not paid" in page
    assert "Carrier shipping" in page
    timeline = re.search(r'data-testid="timeline".*?</ol>', page, re.S).group(0)
    assert (
        timeline.index("Status set to New")
        < timeline.index("Order confirmed")
        < timeline.index("Order placed")
    )
    assert "System" in timeline and "Customer" in timeline


@pytest.mark.parametrize(
    "number", ["NOPE-404", "%00", "S%00001", "9" * 500, "%E2%80%AE", "'; DROP TABLE orders"]
)
def test_an_unknown_order_number_is_a_404_page(staff, number):
    for url in (f"/admin/orders/{number}", f"/admin/orders/{number}/status", f"/admin/orders/{number}/notes"):
        response = staff.get(url) if url.endswith(number) else staff.post(url, {"note": "x"}, token_from="/")

        assert response.status_code == 404, url
        assert "does not exist" in text(response)


@pytest.mark.parametrize("role", ["customer", "courier"])
def test_customers_and_couriers_are_refused_with_a_403_page(shopper, order, role):
    if role == "customer":
        make_customer("buyer@example.com")
        assert shopper.login("buyer@example.com", PASSWORD).status_code == 303
    else:
        log_in_staff(shopper, "courier@example.com", role=Role.COURIER)

    assert shopper.get(page_url(order)).status_code == 403
    assert change(shopper, order, status=str(status("processing").id), htmx=False).status_code == 403
    assert note(shopper, order, "hello", htmx=False).status_code == 403
    assert current(order).status.code == "new"


def test_logged_out_visitors_are_sent_to_the_back_office_login(shopper, order):
    db.session.commit()

    response = shopper.get(page_url(order))

    assert response.status_code == 303
    assert location_path(response).startswith("/admin/login?next=")
    assert order.number in location_path(response)


# --- changing the status ------------------------------------------------------------------------


def test_shipped_without_a_tracking_number_is_refused_next_to_the_field(staff, order):
    response = change(staff, order, status=str(status("shipped").id), carrier="yurtici")

    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    assert field_errors(response, "tracking_number") == ["Shipped needs a tracking number and a carrier."]
    assert current(order).status.code == "new"
    assert [e.after for e in events_for(order) if e.kind == "status"] == ["new"]


def test_a_badly_formed_tracking_number_is_refused_next_to_the_field(staff, order):
    response = change(
        staff, order, status=str(status("shipped").id), carrier="yurtici", tracking_number="<b>"
    )

    assert response.status_code == 422
    assert "3 to 64 letters" in field_errors(response, "tracking_number")[0]
    assert current(order).tracking_number == ""


def test_shipping_with_a_tracking_number_ships_it_and_refreshes_header_delivery_and_timeline(staff, order):
    response = change(
        staff, order, status=str(status("shipped").id), carrier="yurtici", tracking_number="620123456789"
    )

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert "Status changed to Shipped." in body
    assert re.search(r'id="order-header" hx-swap-oob="true"', body)
    assert re.search(r'id="order-delivery"[^>]*hx-swap-oob="true"', body)
    assert re.search(r'id="order-timeline"[^>]*hx-swap-oob="true"', body)
    assert "Status changed from New to Shipped" in body
    assert "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=620123456789" in body
    shipped = current(order)
    assert (shipped.status.code, shipped.tracking_number, shipped.carrier) == (
        "shipped",
        "620123456789",
        "yurtici",
    )

    page = text(staff.get(page_url(order)))
    assert "Yurtiçi Kargo" in page and ">Shipped</span>" in page


def test_a_plain_form_post_changes_the_status_and_redirects_back_to_the_page(staff, order):
    response = change(staff, order, htmx=False, status=str(status("processing").id), note="Packing today")

    assert response.status_code == 303
    assert location_path(response) == page_url(order)
    page = text(staff.get(page_url(order)))
    assert "Status changed to Processing." in page
    assert "Packing today" in page
    assert current(order).status.code == "processing"


def test_a_refused_plain_form_post_shows_the_page_with_the_error(staff, order):
    response = change(staff, order, htmx=False, status=str(status("shipped").id))

    assert response.status_code == 422
    assert "<html" in response.get_data(as_text=True)
    assert field_errors(response, "tracking_number") == ["Shipped needs a tracking number and a carrier."]


def test_cancelling_from_the_page_cancels_the_order(staff, order):
    response = change(staff, order, status=str(status("cancelled").id))

    assert response.status_code == 200
    assert "Order cancelled" in text(response)
    assert current(order).state == OrderState.CANCELLED


def test_a_change_from_a_page_that_is_out_of_date_is_refused(staff, order):
    stale = str(order.status_id)
    change_status(current(order), status("processing"), by=Actor.system("a colleague, in another tab"))
    db.session.commit()

    response = change(staff, order, status=str(status("completed").id), current_status=stale)

    assert response.status_code == 422
    assert "changed this order meanwhile" in field_errors(response, "status")[0]
    assert current(order).status.code == "processing"
    # The answer shows the order as it is now, so a second try starts from there.
    assert f'name="current_status" type="hidden" value="{status("processing").id}"' in text(response)


def test_the_status_of_an_order_awaiting_payment_cannot_change(staff):
    cart = make_cart((make_product().variants[0], 1))
    awaiting = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.BANK_TRANSFER))
    db.session.commit()

    page = staff.get(page_url(awaiting))
    response = change(staff, awaiting, status=str(status("processing").id))

    assert page.status_code == 200 and "fieldset disabled" in text(page)
    assert response.status_code == 422
    assert "is not a confirmed sales order" in field_errors(response, "status")[0]
    assert current(awaiting).status_id is None


@pytest.mark.parametrize(
    "fields",
    [
        {"status": ""},
        {"status": "999999"},
        {"status": "abc"},
        {"status": "-1"},
        {"status": "1e3"},
        {"status": "٣"},
        {"status": "9" * 40},
        {"status": "shipped", "carrier": "yurtici", "tracking_number": "x\x00y"},
        {"status": "shipped", "carrier": "dhl-mars", "tracking_number": "620123456789"},
        {"status": "shipped", "carrier": "yurtici", "tracking_number": "6" * 5000},
        {"status": "processing", "note": "n" * 5000},
        {"status": "processing", "note": "bell\x07"},
        {"status": "processing", "current_status": "garbage"},
    ],
    ids=lambda fields: ",".join(f"{k}={v[:12]!r}" for k, v in fields.items()),
)
def test_garbage_in_the_status_form_is_refused_with_422_and_changes_nothing(staff, order, fields):
    if fields["status"] in ("shipped", "processing"):
        fields = {**fields, "status": str(status(fields["status"]).id)}

    response = change(staff, order, **fields)

    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    after = current(order)
    assert (after.status.code, after.tracking_number) == ("new", "")
    assert [e.kind for e in events_for(order)].count("status") == 1


def test_an_archived_status_cannot_be_chosen(staff, order):
    archived = status("processing")
    archived.archived = True
    db.session.commit()

    page = text(staff.get(page_url(order)))
    response = change(staff, order, status=str(archived.id))

    assert f'<option value="{archived.id}"' not in page
    assert response.status_code == 422
    assert field_errors(response, "status") == ["Choose one of the statuses."]


def test_a_status_change_without_the_csrf_token_is_refused(staff, order):
    response = staff.post(
        f"{page_url(order)}/status", {"status": str(status("processing").id)}, csrf=False, htmx=True
    )

    assert response.status_code == 400
    assert current(order).status.code == "new"


# --- notes -----------------------------------------------------------------------------------------


def test_staff_add_an_internal_note(staff, order):
    response = note(staff, order, "Customer asked for gift wrapping.\nUse the blue paper.")

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert "Note added." in body
    assert re.search(r'id="order-timeline"[^>]*hx-swap-oob="true"', body)
    assert "Customer asked for gift wrapping.\nUse the blue paper." in body
    notes = [e for e in events_for(order) if e.kind == "note"]
    assert [(n.note, n.actor_kind, n.actor_label, n.public) for n in notes] == [
        ("Customer asked for gift wrapping.\nUse the blue paper.", "user", "Selin Kaya", False)
    ]


def test_a_plain_form_note_redirects_back_to_the_page(staff, order):
    response = note(staff, order, "Called the customer.", htmx=False)

    assert response.status_code == 303
    assert "Called the customer." in text(staff.get(page_url(order)))


@pytest.mark.parametrize("bad", ["", "   ", "n" * 5000, "null\x00byte", "escape\x1b[31m"])
def test_garbage_notes_are_refused_next_to_the_field(staff, order, bad):
    response = note(staff, order, bad)

    assert response.status_code == 422
    assert field_errors(response, "note")
    assert [e for e in events_for(order) if e.kind == "note"] == []


def test_notes_are_shown_as_text_not_html(staff, order):
    note(staff, order, "<script>alert(1)</script>")

    page = staff.get(page_url(order)).get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- languages -------------------------------------------------------------------------------------


def test_the_page_reads_right_to_left_in_persian_with_persian_status_names(staff, order):
    change(staff, order, status=str(status("shipped").id), carrier="post_ir", tracking_number="123456789")

    page = text(staff.get(f"{page_url(order)}?lang=fa"))

    assert 'dir="rtl"' in page
    assert "ارسال شد" in page
    assert "https://tracking.post.ir/?id=123456789" in page
