"""The customer's returns in the storefront (issue 14, S5), over HTTP: the account's form and the
guest's e-mailed link, every refusal rule shown next to the line it names with nothing created,
the return's page and label, the account's list, and who may open what."""

from __future__ import annotations

import html
import io
import os
import re
import time
from datetime import UTC, datetime, timedelta
from datetime import time as day_time

import pytest
from itsdangerous.timed import TimestampSigner
from PIL import Image

from shop.extensions import db, limiter
from shop.fulfillment import pickups
from shop.i18n import shop_timezone, shop_today
from shop.notifications.models import Channel, OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.returns import handling, photos, requests
from shop.returns.models import ReturnRequest, ReturnState
from shop.sales import services as sales
from shop.storefront import return_links
from tests.factories import make_cart, make_product, make_staff, make_warehouse, pickup_details
from tests.web.conftest import csrf_token_in, field_errors, location_path, make_customer, text
from tests.web.test_page_ids import duplicate_ids

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
SAME_ANSWER = "If an order with this number and e-mail address can be returned, we sent a link"


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def warehouse():
    return make_warehouse("MAIN", weekdays=ALL_DAYS, lead=0)


def placed(warehouse, *lines, customer_id=None, email="ayse@example.com"):
    """A pickup order, confirmed, nothing handed over yet."""
    order = sales.confirm_quotation(
        make_cart(*lines, customer_id=customer_id), pickup_details(warehouse, email=email)
    )
    db.session.flush()
    return order


def collected(order, quantities=None, *, days_ago: int = 2):
    """The customer took ``quantities`` (order line id -> units; all by default) ``days_ago``."""
    seller = Actor.user(make_staff(f"staff{order.id}@example.com"))
    pickups.mark_ready(order, by=seller)
    pickups.hand_over(order, quantities or {line.id: line.quantity for line in order.lines}, by=seller)
    if order.delivered_at is None:  # part of it only: the seller marks it completed by hand
        orders.complete(order, by=seller)
    day = shop_today() - timedelta(days=days_ago)
    order.delivered_at = datetime.combine(day, day_time(12), tzinfo=shop_timezone()).astimezone(UTC)
    db.session.commit()
    return order


def line_of(order, variant):
    return next(line for line in order.lines if line.variant_id == variant.id)


def return_count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(ReturnRequest.id)))


def only_return() -> ReturnRequest:
    db.session.expire_all()
    found = db.session.scalars(db.select(ReturnRequest)).all()
    assert len(found) == 1, found
    return found[0]


def form_values(order, units: dict, *, reason="changed_mind", reason_text="") -> dict:
    values = {f"line-{line.id}": str(units.get(line.id, 0)) for line in order.lines}
    return {**values, "reason": reason, "reason_text": reason_text}


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def customer(shopper):
    user = make_customer()
    db.session.commit()
    assert shopper.login().status_code == 303
    return user


@pytest.fixture
def shirt(warehouse):
    return make_product(stock={warehouse: 10}, name="Shirt").variants[0]


@pytest.fixture
def own_order(warehouse, shirt, customer):
    return collected(placed(warehouse, (shirt, 2), customer_id=customer.id))


def send(shopper, url: str, values: dict, *, token_from: str | None = None, **kwargs):
    return shopper.post(url, values, token_from=token_from or url, **kwargs)


# --- the account's form ------------------------------------------------------------------------


def test_a_customer_returns_units_from_the_account_and_lands_on_the_return_page(shopper, own_order, shirt):
    url = f"/account/orders/{own_order.number}/return"
    page = shopper.get(url)
    assert page.status_code == 200
    body = text(page)
    assert "Shirt" in body and "2 units" in body and "Return by" in body
    assert 'max="2"' in page.get_data(as_text=True)

    line = line_of(own_order, shirt)
    response = send(shopper, url, form_values(own_order, {line.id: 1}, reason="wrong_size"))

    assert response.status_code == 303
    created = only_return()
    assert (created.channel, created.reason, created.state) == (
        "account",
        "wrong_size",
        ReturnState.REQUESTED,
    )
    assert [(rl.order_line_id, rl.quantity) for rl in created.lines] == [(line.id, 1)]
    assert location_path(response) == f"/returns/{created.access_token}"
    return_page = text(shopper.get(location_path(response)))
    assert created.number in return_page and "Requested" in return_page and "Wrong size or fit" in return_page
    assert "Download the return label" not in return_page  # not approved yet

    listing = text(shopper.get("/account/returns"))
    assert created.number in listing and own_order.number in listing


def test_the_account_list_says_how_to_return_when_there_is_none(shopper, customer):
    page = shopper.get("/account/returns")
    assert page.status_code == 200
    assert "You have no returns" in text(page)


def test_the_account_pages_need_a_login(shopper, warehouse, shirt):
    order = collected(placed(warehouse, (shirt, 1)))
    for url in (f"/account/orders/{order.number}/return", "/account/returns"):
        response = shopper.get(url)
        assert response.status_code in (302, 303)
        assert location_path(response).startswith("/account/login")


def test_another_customers_order_is_404_on_the_account_form(shopper, warehouse, shirt, customer):
    other = make_customer("bob@example.com", name="Bob")
    theirs = collected(placed(warehouse, (shirt, 1), customer_id=other.id, email="bob@example.com"))
    guest_order = collected(placed(warehouse, (shirt, 1)))  # same e-mail, but not the account's
    url = f"/account/orders/{theirs.number}/return"

    assert shopper.get(url).status_code == 404
    assert shopper.get(f"/account/orders/{guest_order.number}/return").status_code == 404
    assert send(shopper, url, form_values(theirs, {theirs.lines[0].id: 1}), token_from="/").status_code == 404
    for number in ("S999999", "x" * 300, "%2E%2E", "1 OR 1=1"):
        assert shopper.get(f"/account/orders/{number}/return").status_code == 404
    assert return_count() == 0


# --- every refusal rule, through the form ---------------------------------------------------------


def _refused(shopper, order, units, line) -> list[str]:
    """Post the form; it is refused (422, nothing created) and the line's messages are returned."""
    url = f"/account/orders/{order.number}/return"
    response = send(shopper, url, form_values(order, units))
    assert response.status_code == 422
    assert return_count() == 0
    body = response.get_data(as_text=True)
    row = re.search(rf'<tr data-line="{line.id}">(.*?)</tr>', body, re.S)
    assert row, "the line is not on the page"
    shown = r'<p class="(?:field-error" role="alert|note" data-testid="line-refusal)">(.*?)</p>'
    return [message.strip() for message in re.findall(shown, html.unescape(row.group(1)))]


def test_a_product_that_cannot_be_returned_shows_why_instead_of_an_input(shopper, warehouse, customer, shirt):
    mug = make_product(stock={warehouse: 5}, name="Mug", returnable=False).variants[0]
    order = collected(placed(warehouse, (shirt, 1), (mug, 1), customer_id=customer.id))
    mug_line = line_of(order, mug)

    page = shopper.get(f"/account/orders/{order.number}/return")
    assert f'name="line-{mug_line.id}"' not in page.get_data(as_text=True)
    assert "Mug (Size 0) cannot be returned." in text(page)

    assert _refused(shopper, order, {mug_line.id: 1}, mug_line) == ["Mug (Size 0) cannot be returned."]


def test_a_line_outside_its_window_is_refused_naming_it(shopper, warehouse, customer, shirt):
    order = collected(placed(warehouse, (shirt, 1), customer_id=customer.id), days_ago=40)
    line = order.lines[0]

    messages = _refused(shopper, order, {line.id: 1}, line)
    assert len(messages) == 1 and messages[0].startswith("The return window for Shirt (Size 0) closed on")


def test_more_units_than_were_delivered_are_refused_naming_the_line(shopper, warehouse, customer, shirt):
    order = placed(warehouse, (shirt, 3), customer_id=customer.id)
    line = order.lines[0]
    collected(order, {line.id: 1})  # one of three handed over

    messages = _refused(shopper, order, {line.id: 2}, line)
    assert messages == ["You can return at most 1 of Shirt (Size 0): 1 delivered, 0 already being returned."]


def test_units_already_being_returned_cannot_be_asked_for_again(shopper, own_order, shirt):
    line = line_of(own_order, shirt)
    requests.request_return(own_order, {line.id: 1}, reason="damaged", by=Actor.customer(own_order))
    db.session.commit()
    url = f"/account/orders/{own_order.number}/return"
    assert "1 already being returned" in text(shopper.get(url))

    response = send(shopper, url, form_values(own_order, {line.id: 2}))

    assert response.status_code == 422
    assert field_errors(response, f"line-{line.id}") == [
        "You can return at most 1 of Shirt (Size 0): 2 delivered, 1 already being returned."
    ]
    assert return_count() == 1


def test_an_order_not_delivered_yet_shows_why_and_no_form(shopper, warehouse, customer, shirt):
    order = placed(warehouse, (shirt, 1), customer_id=customer.id)
    db.session.commit()
    url = f"/account/orders/{order.number}/return"

    page = shopper.get(url)
    assert page.status_code == 200
    assert "has not been delivered yet" in text(page)
    assert 'name="reason"' not in page.get_data(as_text=True)

    response = send(shopper, url, form_values(order, {order.lines[0].id: 1}))
    assert response.status_code == 422
    assert "has not been delivered yet" in text(response)
    assert return_count() == 0


def test_other_needs_a_text_and_the_entered_values_stay(shopper, own_order, shirt):
    line = line_of(own_order, shirt)
    url = f"/account/orders/{own_order.number}/return"

    response = send(shopper, url, form_values(own_order, {line.id: 2}, reason="other"))

    assert response.status_code == 422
    assert field_errors(response, "reason_text") == [
        "Tell us in a few words why you are returning the items."
    ]
    body = response.get_data(as_text=True)
    assert re.search(rf'name="line-{line.id}"[^>]*value="2"', body)
    assert re.search(r'<option selected value="other">|<option value="other" selected>', body)
    assert return_count() == 0


def test_no_units_chosen_or_no_reason_is_refused_with_a_message(shopper, own_order, shirt):
    url = f"/account/orders/{own_order.number}/return"
    nothing = send(shopper, url, form_values(own_order, {}))
    assert nothing.status_code == 422
    assert "Choose at least one item and how many to return." in text(nothing)

    line = line_of(own_order, shirt)
    for reason in ("", "free-shipping"):
        no_reason = send(shopper, url, form_values(own_order, {line.id: 1}, reason=reason))
        assert no_reason.status_code == 422
        assert field_errors(no_reason, "reason") == ["Choose a reason."]
    odd = send(shopper, url, {**form_values(own_order, {}), f"line-{line.id}": "two"})
    assert odd.status_code == 422
    assert field_errors(odd, f"line-{line.id}")
    assert return_count() == 0


def test_the_form_needs_its_csrf_token(shopper, own_order, shirt):
    line = line_of(own_order, shirt)
    response = shopper.post(
        f"/account/orders/{own_order.number}/return", form_values(own_order, {line.id: 1}), csrf=False
    )
    assert response.status_code == 400
    assert return_count() == 0


# --- the photo ----------------------------------------------------------------------------------


def test_a_photo_is_stored_with_the_return(shopper, own_order, shirt):
    line = line_of(own_order, shirt)
    url = f"/account/orders/{own_order.number}/return"
    values = {**form_values(own_order, {line.id: 1}, reason="damaged"), "photo": (io.BytesIO(png()), "p.png")}

    response = send(shopper, url, values, content_type="multipart/form-data")

    assert response.status_code == 303
    created = only_return()
    assert created.photo
    assert photos.photo_bytes(created)[:3] == b"\xff\xd8\xff"  # kept as a JPEG


def test_a_phone_photo_larger_than_other_requests_may_be_is_accepted(shopper, own_order, shirt, app):
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=0)
    assert out.tell() > app.config["MAX_CONTENT_LENGTH"]
    line = line_of(own_order, shirt)
    values = {
        **form_values(own_order, {line.id: 1}, reason="damaged"),
        "photo": (io.BytesIO(out.getvalue()), "IMG_0001.png"),
    }

    response = send(
        shopper, f"/account/orders/{own_order.number}/return", values, content_type="multipart/form-data"
    )

    assert response.status_code == 303
    assert only_return().photo


def test_a_file_that_is_not_a_picture_is_refused_at_the_photo(shopper, own_order, shirt):
    line = line_of(own_order, shirt)
    url = f"/account/orders/{own_order.number}/return"
    values = {
        **form_values(own_order, {line.id: 1}, reason="damaged"),
        "photo": (io.BytesIO(b"%PDF-1.4 not a picture"), "p.jpg"),
    }

    response = send(shopper, url, values, content_type="multipart/form-data")

    assert response.status_code == 422
    assert field_errors(response, "photo") == ["This file is not a JPEG, PNG or WebP picture."]
    assert return_count() == 0


def test_a_file_in_a_text_field_of_the_form_is_refused_there(shopper, own_order, shirt):
    line = line_of(own_order, shirt)
    url = f"/account/orders/{own_order.number}/return"
    values = {
        **form_values(own_order, {line.id: 1}),
        "reason_text": (io.BytesIO(b"text"), "a.txt"),
    }
    response = send(shopper, url, values, content_type="multipart/form-data")
    assert response.status_code == 422
    assert field_errors(response, "reason_text") == ["This field takes text, not a file."]
    assert return_count() == 0


# --- the guest's way: number and e-mail, then the link ---------------------------------------------


def link_mails() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.event == return_links.EVENT)))


def link_path(message: OutboxMessage) -> str:
    found = re.search(r"https?://\S+/returns/form/\S+", message.body_text)
    assert found, message.body_text
    assert found.group(0) in message.body_html
    return re.sub(r"^https?://[^/]+", "", found.group(0))


def ask_for_link(shopper, number: str, email: str):
    limiter.reset()
    return shopper.post("/returns", {"number": number, "email": email}, token_from="/returns")


@pytest.fixture
def guest_order(warehouse, shirt):
    return collected(placed(warehouse, (shirt, 2), email="Guest@Example.com"))


def test_a_guest_returns_through_the_emailed_link(shopper, guest_order, shirt, app):
    start = shopper.get(f"/returns?number={guest_order.number}")
    assert start.status_code == 200
    assert f'value="{guest_order.number}"' in start.get_data(as_text=True)

    asked = ask_for_link(shopper, f" {guest_order.number.lower()} ", "guest@example.com")
    assert asked.status_code == 303
    assert SAME_ANSWER in text(shopper.get(location_path(asked)))
    [mail] = link_mails()
    assert (mail.channel, mail.recipient, mail.order_id) == (
        Channel.EMAIL,
        "Guest@Example.com",
        guest_order.id,
    )
    assert guest_order.number in mail.subject
    assert mail.body_text.count(app.config["SHOP_URL"]) == 1

    url = link_path(mail)
    form = shopper.get(url)
    assert form.status_code == 200
    line = line_of(guest_order, shirt)
    response = shopper.post(
        url,
        {
            **form_values(guest_order, {line.id: 2}, reason="not_as_described"),
            "csrf_token": csrf_token_in(form),
        },
    )

    assert response.status_code == 303
    created = only_return()
    assert (created.channel, created.order_id, created.customer_id) == ("guest", guest_order.id, None)
    assert location_path(response) == f"/returns/{created.access_token}"
    assert "Not as described" in text(shopper.get(location_path(response)))


def test_an_unknown_order_or_a_wrong_address_gets_the_same_answer_and_no_mail(
    shopper, guest_order, warehouse, shirt
):
    not_delivered = placed(warehouse, (shirt, 1), email="guest@example.com")
    db.session.commit()
    answers = []
    for number, email in (
        ("S999999", "guest@example.com"),
        (guest_order.number, "someone@example.com"),
        (not_delivered.number, "guest@example.com"),
    ):
        response = ask_for_link(shopper, number, email)
        assert response.status_code == 303
        answers.append(text(shopper.get(location_path(response))))
    assert all(SAME_ANSWER in answer for answer in answers)
    assert link_mails() == []

    ask_for_link(shopper, guest_order.number, "guest@example.com")
    assert len(link_mails()) == 1


def test_the_link_is_written_in_the_orders_language(shopper, warehouse, shirt):
    order = sales.confirm_quotation(
        make_cart((shirt, 1), locale="fa"), pickup_details(warehouse, email="sara@example.com")
    )
    collected(order)

    ask_for_link(shopper, order.number, "sara@example.com")

    [mail] = link_mails()
    assert mail.language == "fa"
    assert 'dir="rtl"' in mail.body_html


def test_one_link_per_order_every_few_minutes(shopper, guest_order):
    for _ in range(3):
        assert ask_for_link(shopper, guest_order.number, "guest@example.com").status_code == 303
    assert len(link_mails()) == 1


def test_the_start_form_checks_its_fields(shopper):
    response = shopper.post("/returns", {"number": "", "email": "not an address"}, token_from="/returns")
    assert response.status_code == 422
    assert field_errors(response, "number") == ["Enter your order number."]
    assert field_errors(response, "email") == ["Enter a valid e-mail address."]
    assert shopper.post("/returns", {"number": "S1", "email": "a@b.example"}, csrf=False).status_code == 400


def test_a_tampered_or_expired_link_is_refused_clearly(shopper, guest_order, monkeypatch):
    token = return_links.link_token(guest_order)
    for bad in (token[:-2] + "xx", "nonsense", "a" * 600, token.replace(".", "", 1)):
        response = shopper.get(f"/returns/form/{bad}")
        assert response.status_code == 400
        assert "This return link has expired or is not valid" in text(response)

    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 49 * 3600)
        old = return_links.link_token(guest_order)
    expired = shopper.get(f"/returns/form/{old}")
    assert expired.status_code == 400
    assert "This return link has expired or is not valid" in text(expired)
    assert shopper.post(f"/returns/form/{old}", {}, token_from="/returns").status_code == 400
    assert return_count() == 0


def test_a_link_stops_working_when_the_orders_address_changes(shopper, guest_order):
    token = return_links.link_token(guest_order)
    guest_order.email = "new@example.com"
    db.session.commit()
    assert shopper.get(f"/returns/form/{token}").status_code == 400


# --- the return's page and label ------------------------------------------------------------------


def test_the_return_page_needs_its_token_and_the_label_its_approval(
    shopper, other_shopper, guest_order, shirt
):
    line = line_of(guest_order, shirt)
    created = requests.request_return(
        guest_order, {line.id: 1}, reason="damaged", by=Actor.customer(guest_order)
    )
    db.session.commit()
    page, label = f"/returns/{created.access_token}", f"/returns/{created.access_token}/label.pdf"

    assert other_shopper.get(page).status_code == 200  # the token is the key, as the tracking page's
    for wrong in ("/returns/" + "x" * 24, "/returns/" + created.access_token[:-1], "/returns/" + "y" * 40):
        assert other_shopper.get(wrong).status_code == 404
    assert other_shopper.get(label).status_code == 404  # not approved yet

    handling.approve(created, by=Actor.user(make_staff()), instructions="Use the blue box.")
    db.session.commit()
    approved = text(other_shopper.get(page))
    assert (
        "Approved" in approved and "Use the blue box." in approved and "Download the return label" in approved
    )
    pdf = other_shopper.get(label)
    assert pdf.status_code == 200
    assert pdf.content_type == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "private" in pdf.headers["Cache-Control"]


def test_a_rejected_return_shows_the_reason_and_no_label(shopper, guest_order, shirt):
    line = line_of(guest_order, shirt)
    created = requests.request_return(
        guest_order, {line.id: 1}, reason="damaged", by=Actor.customer(guest_order)
    )
    handling.reject(created, reason="The photo shows wear from use.", by=Actor.user(make_staff()))
    db.session.commit()

    page = text(shopper.get(f"/returns/{created.access_token}"))
    assert "Rejected" in page and "The photo shows wear from use." in page
    assert shopper.get(f"/returns/{created.access_token}/label.pdf").status_code == 404


def test_an_exchanged_return_links_the_replacement_order(shopper, warehouse):
    shoes = make_product(stock={warehouse: 5}, variants=2, name="Shoes")
    small, large = shoes.variants
    order = collected(placed(warehouse, (small, 1)))
    staff = Actor.user(make_staff())
    created = requests.request_return(
        order, {order.lines[0].id: 1}, reason="wrong_size", by=Actor.customer(order)
    )
    handling.approve(created, by=staff)
    handling.receive(created, {created.lines[0].id: (1, 0)}, warehouse=warehouse, by=staff)
    handling.exchange(created, {created.lines[0].id: large.id}, by=staff)
    db.session.commit()

    page = shopper.get(f"/returns/{created.access_token}")

    body = text(page)
    assert "Exchanged" in body and "Items received" in body
    replacement = created.exchange_order
    assert f'href="/orders/{replacement.tracking_token}"' in page.get_data(as_text=True)
    assert f"Order {replacement.number}" in body


# --- the tracking page's returns section ------------------------------------------------------------


def test_the_tracking_page_links_the_owner_to_the_account_form(shopper, own_order):
    page = shopper.get(f"/orders/{own_order.tracking_token}").get_data(as_text=True)
    assert f'href="/account/orders/{own_order.number}/return"' in page


def test_the_tracking_page_sends_a_guest_to_the_returns_start(shopper, guest_order, shirt):
    page = shopper.get(f"/orders/{guest_order.tracking_token}").get_data(as_text=True)
    assert f'href="/returns?number={guest_order.number}"' in page

    created = requests.request_return(
        guest_order, {line_of(guest_order, shirt).id: 1}, reason="damaged", by=Actor.customer(guest_order)
    )
    db.session.commit()
    again = shopper.get(f"/orders/{guest_order.tracking_token}").get_data(as_text=True)
    assert f'href="/returns/{created.access_token}"' in again
    assert "Return: Requested" in html.unescape(again)  # the timeline says it in words


def test_the_tracking_page_offers_no_return_before_delivery(shopper, warehouse, shirt):
    order = placed(warehouse, (shirt, 1))
    db.session.commit()
    page = shopper.get(f"/orders/{order.tracking_token}").get_data(as_text=True)
    assert 'data-testid="start-return"' not in page


def test_no_returns_page_repeats_an_id(shopper, own_order, shirt):
    created = requests.request_return(
        own_order, {line_of(own_order, shirt).id: 1}, reason="damaged", by=Actor.customer(own_order)
    )
    db.session.commit()
    for url in (
        "/returns",
        f"/account/orders/{own_order.number}/return",
        f"/returns/{created.access_token}",
        "/account/returns",
        f"/orders/{own_order.tracking_token}",
    ):
        page = shopper.get(url)
        assert page.status_code == 200, url
        assert duplicate_ids(page.get_data(as_text=True)) == [], url
