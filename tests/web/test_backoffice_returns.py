"""Returns in the back office (B12) over HTTP: the list's filters and counts, a return's page and
each step (approve, reject, receive, refund, exchange) with its refusals beside the field and
nothing changed, the label and the photo, a return recorded by staff, the returns settings, and
who may do what."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from PIL import Image

from shop.accounts.models import Role
from shop.catalog.models import Stock
from shop.extensions import db
from shop.i18n import shop_today
from shop.orders.history import Actor
from shop.orders.models import OrderEvent
from shop.payments import services as payments
from shop.payments.models import Refund, RefundMethod, RefundState
from shop.returns import requests
from shop.returns import settings as return_settings
from shop.returns.models import ReturnRequest, ReturnState
from shop.sales import services as sales
from shop.sales.models import Order, PaymentMethod
from shop.settings import services as settings
from shop.settings.models import SettingChange
from tests.factories import make_cart, make_product, make_staff, make_warehouse, pickup_details
from tests.unit.test_refunds import capture
from tests.unit.test_returns_requests import collected
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in
from tests.web.test_backoffice_order_page import log_in_staff
from tests.web.test_page_ids import duplicate_ids

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def staff(shopper):
    log_in_staff(shopper)
    return shopper


@pytest.fixture
def warehouse():
    return make_warehouse("RET", weekdays=ALL_DAYS, lead=0)


def delivered_order(warehouse, *, card: bool = True, paid: bool = True) -> Order:
    """Shirts (2 × 250.00, a second size at the same price) and a mug (1 × 100.00), collected today,
    paid by card through the test provider, or by cash recorded at the counter (unless not ``paid``)."""
    shirt = make_product(stock={warehouse: 5}, name="Shirt", price="250.00", variants=2)
    mug = make_product(stock={warehouse: 5}, name="Mug", price="100.00")
    method = PaymentMethod.CARD if card else PaymentMethod.CASH
    order = sales.confirm_quotation(
        make_cart((shirt.variants[0], 2), (mug.variants[0], 1)),
        pickup_details(warehouse, payment_method=method),
    )
    if card:
        capture(order)
    elif paid:
        payments.record_cash_payment(order, order.total, by=Actor.system(), reference="", received_on=None)
    db.session.flush()
    collected(order, Actor.user(make_staff("clerk@example.com")), on=shop_today())
    db.session.commit()
    return order


def ask(
    order: Order, units: dict | None = None, *, reason: str = "wrong_size", text_: str = ""
) -> ReturnRequest:
    shirts = order.lines[0]
    made = requests.request_return(
        order,
        units or {shirts.id: 1},
        reason=reason,
        reason_text=text_,
        by=Actor.customer(order),
    )
    db.session.commit()
    return made


def fresh(return_request: ReturnRequest) -> ReturnRequest:
    db.session.expire_all()
    return db.session.get(ReturnRequest, return_request.id)


def page_of(return_request: ReturnRequest) -> str:
    return f"/admin/returns/{return_request.id}"


def act(shopper, return_request: ReturnRequest, step: str, data: dict | None = None):
    return shopper.post(f"{page_of(return_request)}/{step}", data or {}, token_from=page_of(return_request))


def form_value(response, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    assert found, f"no {name} on the page"
    return found.group(1)


def shelf(variant_id: int, warehouse) -> int:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Stock.quantity).where(Stock.variant_id == variant_id, Stock.warehouse_id == warehouse.id)
    )


# --- the list --------------------------------------------------------------------------------


def test_the_list_filters_by_state_and_reason_and_counts_each_state(staff, warehouse):
    order = delivered_order(warehouse)
    first = ask(order, reason="wrong_size")
    second = ask(order, {order.lines[1].id: 1}, reason="damaged")
    second.state = ReturnState.REJECTED
    db.session.commit()

    everything = staff.get("/admin/returns")
    body = text(everything)
    assert everything.status_code == 200
    assert first.number in body and second.number in body and order.number in body
    counts = re.search(r'data-testid="return-counts">(.*?)</nav>', body, re.S).group(1)
    assert re.search(r'data-state="requested"[^>]*>Requested <span class="count">1</span>', counts)
    assert re.search(r'data-state="rejected"[^>]*>Rejected <span class="count">1</span>', counts)
    assert re.search(r'>All <span class="count">2</span>', counts)

    requested = text(staff.get("/admin/returns?state=requested"))
    assert first.number in requested and second.number not in requested
    damaged = text(staff.get("/admin/returns?reason=damaged"))
    assert second.number in damaged and first.number not in damaged
    tomorrow = (shop_today() + timedelta(days=1)).isoformat()
    assert "No returns match these filters." in text(staff.get(f"/admin/returns?from={tomorrow}"))
    assert first.number in text(staff.get(f"/admin/returns?to={tomorrow}"))


def test_the_list_pages_newest_first(staff, warehouse, app, monkeypatch):
    monkeypatch.setattr("shop.backoffice.returns.PAGE_SIZE", 2)
    order = delivered_order(warehouse)
    made = [
        ask(order, {order.lines[0].id: 1}),
        ask(order, {order.lines[0].id: 1}),
        ask(order, {order.lines[1].id: 1}),
    ]

    first = staff.get("/admin/returns")
    numbers = re.findall(r'data-return="([^"]+)"', text(first))
    assert numbers == [made[2].number, made[1].number]
    next_url = re.search(r'<a href="([^"]+)" rel="next"', text(first)).group(1)
    assert re.findall(r'data-return="([^"]+)"', text(staff.get(next_url))) == [made[0].number]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=lost", "State: Choose one of the offered values."),
        ("reason=%00bad", "Reason: Choose one of the offered values."),
        ("from=2026-02-31", "From: Enter a date as YYYY-MM-DD."),
        ("to=yesterday", "To: Enter a date as YYYY-MM-DD."),
        ("from=2026-03-02&to=2026-03-01", "To: The end date is before the start date."),
    ],
)
def test_bad_filter_values_are_named_not_a_500(staff, query, message):
    response = staff.get(f"/admin/returns?{query}")

    assert response.status_code == 422
    assert message in text(response)


def test_an_empty_list_says_what_returns_are(staff):
    body = text(staff.get("/admin/returns"))

    assert "No returns yet." in body and "sending back part of a delivered order" in body


# --- one return: the whole walk ----------------------------------------------------------------


def test_approve_receive_and_refund_through_the_provider(staff, warehouse):
    order = delivered_order(warehouse)
    settings.update(returns={"instructions": "Send it with PTT Kargo, code 123."})
    db.session.commit()
    made = ask(order, {order.lines[0].id: 2}, text_="Too small")
    shirt = order.lines[0].variant_id

    page = staff.get(page_of(made))
    assert page.status_code == 200
    assert "Too small" in text(page) and "Send it with PTT Kargo, code 123." in text(page)

    approved = act(staff, made, "approve", {"instructions": "Send it with PTT Kargo, code 123."})
    assert approved.status_code == 303
    assert location_path(approved) == page_of(made)
    assert fresh(made).state == ReturnState.APPROVED
    label = staff.get(f"{page_of(made)}/label.pdf")
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    assert label.data.startswith(b"%PDF")

    before = shelf(shirt, warehouse)
    line = fresh(made).lines[0]
    received = act(
        staff,
        made,
        "receive",
        {
            f"restock-{line.id}": "1",
            f"written-off-{line.id}": "1",
            "warehouse": str(warehouse.id),
            "note": "",
        },
    )
    assert received.status_code == 303
    assert (fresh(made).state, fresh(made).lines[0].restocked, fresh(made).lines[0].written_off) == (
        ReturnState.RECEIVED,
        1,
        1,
    )
    assert shelf(shirt, warehouse) == before + 1
    ledger = staff.get(f"/admin/stock/{order.lines[0].sku}").get_data(as_text=True)
    assert f'href="{page_of(made)}"' in ledger  # the SKU's ledger rows link to the return

    page = staff.get(page_of(made))
    assert "The goods received are refunded: TRY500.00." in text(page)
    assert 'name="method"' not in text(page)  # paid by card: through the provider
    key = form_value(page, "key")
    refunded = act(staff, made, "refund", {"key": key})
    assert refunded.status_code == 303
    done = fresh(made)
    assert done.state == ReturnState.REFUNDED
    refund = db.session.get(Refund, done.refund_id)
    assert (refund.amount, refund.method, refund.state) == (
        Decimal("500.00"),
        RefundMethod.PROVIDER,
        RefundState.SUCCEEDED,
    )
    shown = text(staff.get(page_of(made)))
    assert "Refund of TRY500.00 issued." in shown
    assert "1 back on the shelf of RET, 1 written off" in shown  # the receipt's history note
    assert f"Return {made.number}: Received → Refunded" in shown
    assert f"Return {made.number}: Requested → Approved" in shown
    # The order page lists the return and its timeline reads it.
    order_page = text(staff.get(f"/admin/orders/{order.number}"))
    assert made.number in order_page and f"Return {made.number}: Approved → Received" in order_page

    # The same form again refunds nothing more: the return is refunded already.
    again = act(staff, made, "refund", {"key": key})
    assert again.status_code == 422
    assert "only a received return can be refunded" in text(again)
    assert len(db.session.scalars(db.select(Refund)).all()) == 1


@pytest.fixture
def refund_answer(app):
    before = app.config.get("TEST_PROVIDER_REFUND_ANSWER")

    def setter(answer):
        app.config["TEST_PROVIDER_REFUND_ANSWER"] = answer

    yield setter
    app.config["TEST_PROVIDER_REFUND_ANSWER"] = before


def received_return(shopper, warehouse) -> ReturnRequest:
    order = delivered_order(warehouse)
    made = ask(order, {order.lines[1].id: 1})
    act(shopper, made, "approve", {"instructions": ""})
    line = fresh(made).lines[0]
    act(
        shopper,
        made,
        "receive",
        {f"restock-{line.id}": "1", f"written-off-{line.id}": "0", "warehouse": str(warehouse.id)},
    )
    return fresh(made)


def test_a_refund_the_provider_does_not_answer_is_pending_and_retried_once(staff, warehouse, refund_answer):
    made = received_return(staff, warehouse)
    key = form_value(staff.get(page_of(made)), "key")
    refund_answer("no_answer")

    pending = act(staff, made, "refund", {"key": key})

    assert pending.status_code == 200
    assert "The refund of TRY100.00 is pending" in text(pending)
    assert form_value(pending, "key") == key  # sending the form again asks about the same refund
    assert fresh(made).state == ReturnState.RECEIVED
    assert f"Return {made.number}: refund pending with the payment provider" in text(staff.get(page_of(made)))
    refund_answer("approve")
    done = act(staff, made, "refund", {"key": key})
    assert done.status_code == 303 and fresh(made).state == ReturnState.REFUNDED
    assert [(r.amount, r.state) for r in db.session.scalars(db.select(Refund))] == [
        (Decimal("100.00"), RefundState.SUCCEEDED)
    ]


def test_a_refund_the_provider_refuses_is_shown_and_changes_nothing(staff, warehouse, refund_answer):
    made = received_return(staff, warehouse)
    refund_answer("refuse")

    refused = act(staff, made, "refund", {"key": form_value(staff.get(page_of(made)), "key")})

    assert refused.status_code == 422
    assert "The payment provider refused the refund: Refund refused by the test provider" in text(refused)
    assert fresh(made).state == ReturnState.RECEIVED and fresh(made).refund_id is None
    # The provider's refusal stays on record, and the form shown again carries a new key (the
    # provider saw the first one), so the next attempt is a new refund.
    [failed] = db.session.scalars(db.select(Refund))
    assert failed.state == RefundState.FAILED
    assert form_value(refused, "key") not in ("", failed.key)
    refund_answer(None)
    done = act(staff, made, "refund", {"key": form_value(refused, "key")})
    assert done.status_code == 303 and fresh(made).state == ReturnState.REFUNDED


def test_a_cash_order_is_refunded_by_hand_with_the_method_chosen(staff, warehouse):
    order = delivered_order(warehouse, card=False)
    made = ask(order, {order.lines[1].id: 1}, reason="damaged")
    act(staff, made, "approve", {"instructions": ""})
    line = fresh(made).lines[0]
    act(
        staff,
        made,
        "receive",
        {f"restock-{line.id}": "0", f"written-off-{line.id}": "1", "warehouse": str(warehouse.id)},
    )

    page = staff.get(page_of(made))
    assert 'name="method"' in text(page)
    wrong = act(staff, made, "refund", {"key": form_value(page, "key"), "method": "bitcoin"})
    assert wrong.status_code == 422
    assert field_errors(wrong, "method") == ["Choose how the money was paid back."]
    assert fresh(made).state == ReturnState.RECEIVED

    done = act(staff, made, "refund", {"key": form_value(page, "key"), "method": "cash"})
    assert done.status_code == 303
    refund = db.session.get(Refund, fresh(made).refund_id)
    assert (refund.amount, refund.method) == (Decimal("100.00"), RefundMethod.CASH)


def test_no_refund_is_offered_for_money_never_received(staff, warehouse):
    order = delivered_order(warehouse, card=False, paid=False)
    made = ask(order, {order.lines[1].id: 1})
    act(staff, made, "approve", {"instructions": ""})
    line = fresh(made).lines[0]
    act(
        staff,
        made,
        "receive",
        {f"restock-{line.id}": "1", f"written-off-{line.id}": "0", "warehouse": str(warehouse.id)},
    )

    page = text(staff.get(page_of(made)))

    assert "TRY100.00 cannot be refunded: the order keeps only TRY0.00 of what was paid." in page
    assert ">Refund TRY" not in page
    assert 'data-testid="exchange-form"' in page


def test_reject_needs_a_reason_and_then_closes_the_return(staff, warehouse):
    made = ask(delivered_order(warehouse))

    empty = act(staff, made, "reject", {"reason": "   "})
    assert empty.status_code == 422
    assert field_errors(empty, "reason") == ["Say why the return is refused."]
    assert fresh(made).state == ReturnState.REQUESTED

    rejected = act(staff, made, "reject", {"reason": "Worn and washed."})
    assert rejected.status_code == 303
    assert (fresh(made).state, fresh(made).rejection_reason) == (ReturnState.REJECTED, "Worn and washed.")
    page = text(staff.get(page_of(made)))
    assert "Worn and washed." in page and 'data-testid="approve-form"' not in page
    assert staff.get(f"{page_of(made)}/label.pdf").status_code == 404


def test_exchange_for_another_size_makes_a_replacement_order(staff, warehouse):
    order = delivered_order(warehouse)
    made = ask(order, {order.lines[0].id: 1})
    act(staff, made, "approve", {"instructions": ""})
    line = fresh(made).lines[0]
    act(
        staff,
        made,
        "receive",
        {f"restock-{line.id}": "1", f"written-off-{line.id}": "0", "warehouse": str(warehouse.id)},
    )
    other_size = [v for v in line.order_line.variant.product.variants if v.id != line.order_line.variant_id][
        0
    ]

    none_chosen = act(staff, made, "exchange", {f"variant-{line.id}": ""})
    assert none_chosen.status_code == 422
    assert "Choose the variant to send instead." in text(none_chosen)
    assert fresh(made).state == ReturnState.RECEIVED

    page = text(staff.get(page_of(made)))
    assert f'<option value="{other_size.id}"' in page
    exchanged = act(staff, made, "exchange", {f"variant-{line.id}": str(other_size.id)})
    assert exchanged.status_code == 303
    done = fresh(made)
    assert done.state == ReturnState.EXCHANGED and done.exchange_order is not None
    assert done.exchange_order.lines[0].variant_id == other_size.id
    assert done.exchange_order.number in text(staff.get(page_of(made)))


def test_a_variant_of_another_product_is_refused_beside_its_line(staff, warehouse):
    order = delivered_order(warehouse)
    made = ask(order, {order.lines[0].id: 1})
    act(staff, made, "approve", {"instructions": ""})
    line = fresh(made).lines[0]
    act(
        staff,
        made,
        "receive",
        {f"restock-{line.id}": "1", f"written-off-{line.id}": "0", "warehouse": str(warehouse.id)},
    )
    mug = order.lines[1].variant_id

    response = act(staff, made, "exchange", {f"variant-{line.id}": str(mug)})

    assert response.status_code == 422
    assert fresh(made).state == ReturnState.RECEIVED and fresh(made).exchange_order_id is None
    row = re.search(rf'<select id="variant-{line.id}".*?</div>', text(response), re.S).group(0)
    assert 'class="field-error"' in row


def test_a_step_that_does_not_fit_the_state_is_refused_and_changes_nothing(staff, warehouse):
    made = ask(delivered_order(warehouse))
    events_before = db.session.query(OrderEvent).count()

    response = act(staff, made, "refund", {"key": "k" * 20})

    assert response.status_code == 422
    assert "only a received return can be refunded" in text(response)
    assert fresh(made).state == ReturnState.REQUESTED
    assert db.session.query(OrderEvent).count() == events_before
    assert staff.get(f"{page_of(made)}/label.pdf").status_code == 404  # not approved yet


def test_receiving_more_than_was_sent_back_is_refused_beside_the_line(staff, warehouse):
    order = delivered_order(warehouse)
    made = ask(order)
    act(staff, made, "approve", {"instructions": ""})
    line = fresh(made).lines[0]
    before = shelf(line.order_line.variant_id, warehouse)

    too_many = act(
        staff,
        made,
        "receive",
        {f"restock-{line.id}": "5", f"written-off-{line.id}": "0", "warehouse": str(warehouse.id)},
    )
    not_a_number = act(
        staff,
        made,
        "receive",
        {f"restock-{line.id}": "one", f"written-off-{line.id}": "0", "warehouse": str(warehouse.id)},
    )
    no_warehouse = act(
        staff,
        made,
        "receive",
        {f"restock-{line.id}": "1", f"written-off-{line.id}": "0", "warehouse": "999999"},
    )

    assert [r.status_code for r in (too_many, not_a_number, no_warehouse)] == [422, 422, 422]
    assert "only 1 unit was sent back" in text(too_many)
    assert "Enter whole numbers of units, 0 or more." in text(not_a_number)
    assert field_errors(no_warehouse, "warehouse") == ["Choose one of the warehouses."]
    assert fresh(made).state == ReturnState.APPROVED
    assert shelf(line.order_line.variant_id, warehouse) == before


@pytest.mark.parametrize(
    "url", ["/admin/returns/999999", "/admin/returns/abc", "/admin/returns/99999999999", "/admin/returns/0"]
)
def test_unknown_returns_are_404(staff, url):
    assert staff.get(url).status_code == 404


def test_actions_need_the_csrf_token(staff, warehouse):
    made = ask(delivered_order(warehouse))

    response = staff.post(f"{page_of(made)}/approve", {"instructions": ""}, csrf=False)

    assert response.status_code in (400, 422)
    assert fresh(made).state == ReturnState.REQUESTED


def test_couriers_and_visitors_are_kept_out(shopper, warehouse):
    made = ask(delivered_order(warehouse))

    assert location_path(shopper.get("/admin/returns")).startswith("/admin/login")
    logged_in(shopper, "courier")
    for url in ("/admin/returns", page_of(made), f"{page_of(made)}/photo", "/admin/settings/returns"):
        assert shopper.get(url).status_code == 403, url
    assert shopper.post(f"{page_of(made)}/approve", {}, token_from="/admin/account").status_code == 403
    assert fresh(made).state == ReturnState.REQUESTED


def test_the_photo_is_served_as_a_jpeg_to_staff(staff, warehouse):
    order = delivered_order(warehouse)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, "PNG")
    made = requests.request_return(
        order, {order.lines[0].id: 1}, reason="damaged", photo=picture.getvalue(), by=Actor.customer(order)
    )
    db.session.commit()

    response = staff.get(f"{page_of(made)}/photo")

    assert response.status_code == 200
    assert response.mimetype == "image/jpeg" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert f"{page_of(made)}/photo" in text(staff.get(page_of(made)))
    assert staff.get(f"{page_of(ask(order, {order.lines[1].id: 1}))}/photo").status_code == 404


# --- recorded by staff from the order page ------------------------------------------------------


def test_staff_record_a_return_from_the_order_page(staff, warehouse):
    order = delivered_order(warehouse)
    shirts = order.lines[0]
    order_page = text(staff.get(f"/admin/orders/{order.number}"))
    assert 'data-testid="record-return"' in order_page
    url = f"/admin/orders/{order.number}/returns/new"

    too_many = staff.post(url, {f"qty-{shirts.id}": "3", "reason": "wrong_size"}, token_from=url)
    no_reason = staff.post(url, {f"qty-{shirts.id}": "1", "reason": ""}, token_from=url)
    assert (too_many.status_code, no_reason.status_code) == (422, 422)
    assert field_errors(no_reason, "reason") == ["Choose a reason."]
    assert db.session.query(ReturnRequest).count() == 0

    made = staff.post(
        url, {f"qty-{shirts.id}": "1", "reason": "wrong_size", "reason_text": "On the phone"}, token_from=url
    )
    assert made.status_code == 303
    recorded = db.session.scalar(db.select(ReturnRequest))
    assert (recorded.channel, recorded.state, recorded.unit_count) == ("staff", ReturnState.REQUESTED, 1)
    assert location_path(made) == page_of(recorded)


def test_a_file_that_is_no_picture_is_refused_beside_the_photo(staff, warehouse):
    order = delivered_order(warehouse)
    url = f"/admin/orders/{order.number}/returns/new"
    data = {
        f"qty-{order.lines[0].id}": "1",
        "reason": "damaged",
        "photo": (io.BytesIO(b"%PDF-1.4 not a picture"), "damage.jpg"),
    }

    response = staff.post(url, data, token_from=url, content_type="multipart/form-data")

    assert response.status_code == 422
    assert field_errors(response, "photo")
    assert db.session.query(ReturnRequest).count() == 0


def test_an_order_not_delivered_offers_no_return(staff, warehouse):
    shirt = make_product(stock={warehouse: 5}).variants[0]
    order = sales.confirm_quotation(make_cart((shirt, 1)), pickup_details(warehouse))
    db.session.commit()

    assert 'data-testid="record-return"' not in text(staff.get(f"/admin/orders/{order.number}"))
    refused = staff.post(
        f"/admin/orders/{order.number}/returns/new",
        {f"qty-{order.lines[0].id}": "1", "reason": "other"},
        token_from="/admin/orders",
    )
    assert refused.status_code == 409 and "has not been delivered yet" in text(refused)
    assert db.session.query(ReturnRequest).count() == 0


# --- settings ----------------------------------------------------------------------------------


def test_admins_save_the_returns_settings_and_the_history_reads_them(shopper):
    log_in_staff(shopper, "admin@example.com", role=Role.ADMIN)
    url = "/admin/settings/returns"
    page = text(shopper.get(url))
    assert "14 days" in page  # the default for a Turkish shop, shown beside the empty field

    saved = shopper.post(
        url, {"window_days": "30", "status": "completed", "instructions": "Use PTT."}, token_from=url
    )

    assert saved.status_code == 303
    stored = settings.current_fresh().returns
    assert (stored["window_days"], stored["status"], stored["instructions"]) == (30, "completed", "Use PTT.")
    history = text(shopper.get("/admin/settings"))
    assert "window: 30 days" in history and "instructions: Use PTT." in history


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"window_days": "0"}, "window_days", "Enter a whole number of days from 1 to 365"),
        ({"window_days": "two weeks"}, "window_days", "Enter a whole number of days from 1 to 365"),
        ({"status": "cancelled"}, "status", "Choose one of the statuses offered"),
        ({"instructions": "x" * 2001}, "instructions", "Write at most 2000 characters."),
    ],
)
def test_bad_settings_are_refused_beside_the_field(shopper, fields, field, message):
    log_in_staff(shopper, "admin@example.com", role=Role.ADMIN)
    url = "/admin/settings/returns"
    data = {"window_days": "", "status": "returned", "instructions": "", **fields}

    response = shopper.post(url, data, token_from=url)

    assert response.status_code == 422
    assert any(message in error for error in field_errors(response, field))
    assert db.session.query(SettingChange).count() == 0


def test_an_iranian_shop_lists_its_official_holidays_in_either_calendar(shopper):
    settings.update(currency="IRR")
    db.session.commit()
    log_in_staff(shopper, "admin@example.com", role=Role.ADMIN)
    url = "/admin/settings/returns"
    assert 'name="holidays"' in text(shopper.get(url))

    typed = "1405/01/01\n۱۴۰۵/۰۱/۰۲\n\n2026-03-21\n1405/01/13"  # Nowruz twice, in Persian digits too
    saved = shopper.post(
        url, {"window_days": "", "status": "returned", "instructions": "", "holidays": typed}, token_from=url
    )

    assert saved.status_code == 303
    assert settings.current_fresh().returns["holidays"] == ["2026-03-21", "2026-03-22", "2026-04-02"]
    assert return_settings.current().holidays == {date(2026, 3, 21), date(2026, 3, 22), date(2026, 4, 2)}
    page = text(shopper.get(url))
    assert "1405/01/01\n1405/01/02\n1405/01/13" in page  # shown back in the Persian calendar
    assert "3 official holidays" in text(shopper.get("/admin/settings"))


def test_a_wrong_holiday_line_is_named_and_nothing_is_saved(shopper):
    settings.update(currency="IRR", returns={"holidays": ["2026-03-21"]})
    db.session.commit()
    log_in_staff(shopper, "admin@example.com", role=Role.ADMIN)
    url = "/admin/settings/returns"

    response = shopper.post(
        url,
        {
            "window_days": "",
            "status": "returned",
            "instructions": "",
            "holidays": "1405/01/01\n1405/13/01\nNowruz",
        },
        token_from=url,
    )

    assert response.status_code == 422
    errors = " ".join(field_errors(response, "holidays"))
    assert "Line 2:" in errors and "Line 3:" in errors and "Line 1:" not in errors
    assert settings.current_fresh().returns == {"holidays": ["2026-03-21"]}
    assert db.session.query(SettingChange).count() == 0


def test_a_shop_counting_calendar_days_has_no_holidays_field(shopper):
    log_in_staff(shopper, "admin@example.com", role=Role.ADMIN)
    url = "/admin/settings/returns"
    assert 'name="holidays"' not in text(shopper.get(url))

    shopper.post(
        url,
        {"window_days": "", "status": "returned", "instructions": "", "holidays": "2026-03-21"},
        token_from=url,
    )

    assert settings.current_fresh().returns.get("holidays", []) == []


def test_staff_cannot_open_the_returns_settings(staff):
    assert staff.get("/admin/settings/returns").status_code == 403


def test_the_menu_counts_returns_waiting_for_a_decision(staff, warehouse):
    ask(delivered_order(warehouse))

    menu = re.search(r'<nav class="bo-nav".*?</nav>', text(staff.get("/admin/orders")), re.S).group(0)

    assert re.search(r'href="/admin/returns"[^>]*>Returns <span class="badge"[^>]*>1</span>', menu)


def test_every_page_has_unique_ids(shopper, warehouse):
    log_in_staff(shopper, "admin@example.com", role=Role.ADMIN)
    order = delivered_order(warehouse)
    made = ask(order)
    pages = ["/admin/returns", "/admin/settings/returns", f"/admin/orders/{order.number}/returns/new"]
    for step, data in (("", None), ("approve", {"instructions": ""}), ("receive", None)):
        if step == "receive":
            line = fresh(made).lines[0]
            data = {f"restock-{line.id}": "1", f"written-off-{line.id}": "0", "warehouse": str(warehouse.id)}
        if step:
            assert act(shopper, made, step, data).status_code == 303
        pages.append(page_of(made))  # requested, approved, received: each state's forms
        assert duplicate_ids(shopper.get(page_of(made)).get_data(as_text=True)) == [], step

    for url in pages:
        response = shopper.get(url)
        assert response.status_code == 200, url
        assert duplicate_ids(response.get_data(as_text=True)) == [], url


def test_returns_pages_in_persian(staff, warehouse):
    made = ask(delivered_order(warehouse))

    for url in ("/admin/returns?lang=fa", f"{page_of(made)}?lang=fa"):
        response = staff.get(url)
        assert response.status_code == 200 and 'dir="rtl"' in text(response)
