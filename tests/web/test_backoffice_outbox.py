"""The outbox in the back office (N1): staff see every message and what became of it, and send
a failed one again; a sent one is never sent twice."""

from __future__ import annotations

import re

import pytest

from shop.extensions import db
from shop.notifications import outbox
from shop.notifications.models import Channel, MessageState, OutboxMessage
from shop.orders.models import OrderStatus
from tests.factories import make_sales_order
from tests.web.conftest import location_path, text
from tests.web.test_backoffice_access import logged_in


def message(
    *,
    channel: Channel = Channel.EMAIL,
    recipient: str = "ayse@example.com",
    state: MessageState = MessageState.PENDING,
    subject: str = "Your order at Lale",
    body_text: str = "Hello Ayşe,\n\nthank you.",
    event: str = "order_confirmation",
    order_id: int | None = None,
    **over,
) -> OutboxMessage:
    """A queued message, committed, in ``state`` with what a worker would have recorded."""
    queued = outbox.queue(
        channel,
        event=event,
        recipient=recipient,
        subject=subject if channel == Channel.EMAIL else "",
        body_text=body_text,
        body_html=over.pop("body_html", ""),
        order_id=order_id,
    )
    queued.state = state
    for name, value in over.items():
        setattr(queued, name, value)
    db.session.commit()
    return queued


def reloaded(item: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, item.id)


def rows(response) -> list[int]:
    """The ids of the messages listed, top to bottom."""
    return [int(found) for found in re.findall(r'data-message="(\d+)"', response.get_data(as_text=True))]


@pytest.fixture
def staff(shopper):
    logged_in(shopper, "staff")
    return shopper


# --- who may see it --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_open_the_outbox(shopper, role):
    sent = message(state=MessageState.SENT)
    logged_in(shopper, role)

    listed = shopper.get("/admin/outbox")
    shown = shopper.get(f"/admin/outbox/{sent.id}")

    assert listed.status_code == 200 and rows(listed) == [sent.id]
    assert shown.status_code == 200
    assert 'href="/admin/outbox"' in listed.get_data(as_text=True)  # in the navigation


def test_couriers_may_not_open_or_retry_anything(shopper):
    failed = message(state=MessageState.FAILED, attempts=8)
    logged_in(shopper, "courier")

    assert shopper.get("/admin/outbox").status_code == 403
    assert shopper.get(f"/admin/outbox/{failed.id}").status_code == 403
    response = shopper.post(f"/admin/outbox/{failed.id}/retry", token_from="/courier/tasks")

    assert response.status_code == 403
    assert reloaded(failed).state == MessageState.FAILED


@pytest.mark.parametrize("path", ["/admin/outbox", "/admin/outbox/1"])
def test_logged_out_visitors_go_to_the_login(shopper, path):
    response = shopper.get(path)

    assert response.status_code == 303 and location_path(response).startswith("/admin/login")


def test_a_logged_out_retry_changes_nothing(shopper):
    failed = message(state=MessageState.FAILED, attempts=8)

    response = shopper.post(f"/admin/outbox/{failed.id}/retry", token_from="/admin/login")

    assert response.status_code == 303 and location_path(response).startswith("/admin/login")
    assert reloaded(failed).state == MessageState.FAILED and reloaded(failed).attempts == 8


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_newest_first_with_what_became_of_each(staff):
    order = make_sales_order()
    db.session.commit()
    older = message(state=MessageState.SENT, attempts=1, order_id=order.id)
    failed = message(
        channel=Channel.SMS,
        recipient="+905321234567",
        state=MessageState.FAILED,
        attempts=8,
        body_text="Lale: order shipped\nsecond line",
        event="tracking_number",
        last_error="smsapi: 101 authorisation failed " + "x" * 200,
    )

    response = staff.get("/admin/outbox")

    page = text(response)
    assert rows(response)[:2] == [failed.id, older.id]
    row = page.split(f'data-message="{failed.id}"')[1].split("</tr>")[0]
    assert '<span dir="ltr">+905321234567</span>' in row
    assert "Lale: order shipped" in row and "second line" not in row  # the first SMS line
    assert "Shipped, with tracking number" in row  # the event's label
    assert 'data-state="failed"' in row and ">Failed<" in row
    assert ">8<" in row
    shown_error = re.search(r'title="[^"]*">(smsapi[^<]*)</span>', row).group(1)
    assert shown_error.startswith("smsapi: 101 authorisation failed") and len(shown_error) <= 81  # truncated
    assert "Retry now" in row
    sent_row = page.split(f'data-message="{older.id}"')[1].split("</tr>")[0]
    assert f'href="/admin/orders/{order.number}"' in sent_row
    assert "Retry" not in sent_row and "Send now" not in sent_row


def test_the_counts_at_the_top_are_of_the_messages_to_watch(staff):
    for _ in range(2):
        message(state=MessageState.FAILED)
    message(state=MessageState.PENDING)
    message(state=MessageState.SENT)

    page = staff.get("/admin/outbox").get_data(as_text=True)

    assert re.search(r'data-count="failed">2<', page)
    assert re.search(r'data-count="pending">1<', page)
    assert re.search(r'data-count="sending">0<', page)


def test_filters_by_state_and_channel_live_in_the_url(staff):
    failed_sms = message(channel=Channel.SMS, recipient="+48601234567", state=MessageState.FAILED)
    failed_email = message(state=MessageState.FAILED)
    sent_sms = message(channel=Channel.SMS, recipient="+48601234567", state=MessageState.SENT)

    assert rows(staff.get("/admin/outbox?state=failed")) == [failed_email.id, failed_sms.id]
    assert rows(staff.get("/admin/outbox?channel=sms")) == [sent_sms.id, failed_sms.id]
    assert rows(staff.get("/admin/outbox?state=failed&channel=sms")) == [failed_sms.id]


def test_search_finds_a_recipient_fragment_or_an_exact_order_number(staff):
    order = make_sales_order(email="anna.kowalska@example.pl", phone="+48601234567")
    db.session.commit()
    own = message(order_id=order.id, recipient="anna.kowalska@example.pl")
    phone = message(channel=Channel.SMS, recipient="+48601234567")
    other = message(recipient="mehmet@example.com")

    by_fragment = rows(staff.get("/admin/outbox?q=KOWALSKA"))
    by_typed_phone = rows(staff.get("/admin/outbox?q=601 234 567"))
    by_number = rows(staff.get(f"/admin/outbox?q={order.number}"))
    by_nothing = staff.get("/admin/outbox?q=nobody%25")

    assert own.id in by_fragment and other.id not in by_fragment
    assert by_typed_phone == [phone.id]
    assert own.id in by_number and other.id not in by_number and phone.id not in by_number
    assert rows(by_nothing) == [] and "No messages match these filters." in text(by_nothing)


def test_pages_follow_the_ids_down(staff, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_PAGE_SIZE", 2)
    made = [message(recipient=f"r{n}@example.com") for n in range(5)]
    newest_first = [m.id for m in reversed(made)]

    first = staff.get("/admin/outbox")
    older = re.search(r'href="([^"]*before=\d+)" rel="next"', first.get_data(as_text=True)).group(1)
    second = staff.get(older.replace("&amp;", "&"))
    third = staff.get(f"/admin/outbox?before={newest_first[3]}")

    assert rows(first) == newest_first[:2]
    assert rows(second) == newest_first[2:4]
    assert rows(third) == newest_first[4:] and 'rel="next"' not in third.get_data(as_text=True)


def test_under_htmx_only_the_results_come_back(staff):
    sms = message(channel=Channel.SMS, recipient="+48601234567")
    message()

    response = staff.get("/admin/outbox?channel=sms", htmx=True)

    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section class="outbox-results"')
    assert rows(response) == [sms.id]
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize(
    "query",
    [
        "state=lost",
        "channel=fax",
        "before=abc",
        "before=99999999999999",
        "before=-1",
        "q=%00%01",
        "q=" + "x" * 500,
    ],
)
def test_odd_filters_are_left_out_with_a_message_never_a_500(staff, query):
    listed = message()

    response = staff.get(f"/admin/outbox?{query}")

    assert response.status_code == 200
    if not query.startswith("q="):
        assert "Some filters were left out" in text(response)
        assert rows(response) == [listed.id]


# --- one message -----------------------------------------------------------------------------


def test_a_message_shows_everything_about_it_with_the_html_sandboxed(staff):
    order = make_sales_order()
    db.session.commit()
    sent = message(
        order_id=order.id,
        state=MessageState.SENT,
        attempts=2,
        body_text="Hello Ayşe,\n\n  indented line\nTotal: 1.249,90 zł",
        body_html='<p>Hello</p><script>alert("x")</script>',
        provider_id="<20260312.abc@shop.example.com>",
        last_error="",
    )

    response = staff.get(f"/admin/outbox/{sent.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hello Ayşe,\n\n  indented line\nTotal: 1.249,90 zł</pre>" in text(response)  # as sent
    iframe = re.search(r"<iframe[^>]*>", page).group(0)
    assert re.search(r"\ssandbox[\s>]", iframe) and "allow-scripts" not in iframe
    assert 'srcdoc="&lt;p&gt;Hello&lt;/p&gt;&lt;script&gt;' in iframe  # escaped into the attribute
    assert "<script>alert" not in page
    assert "&lt;20260312.abc@shop.example.com&gt;" in page
    assert f'href="/admin/orders/{order.number}"' in page
    assert 'data-testid="attempts">2<' in page
    assert "Sent messages cannot be sent again." in text(response)


def test_a_failed_message_shows_its_error_and_next_attempt_of_a_waiting_one(staff):
    failed = message(state=MessageState.FAILED, attempts=8, last_error="550 mailbox unavailable")
    waiting = message(state=MessageState.PENDING, attempts=1, last_error="timeout")

    failed_page = text(staff.get(f"/admin/outbox/{failed.id}"))
    waiting_page = text(staff.get(f"/admin/outbox/{waiting.id}"))

    assert "550 mailbox unavailable" in failed_page and "Retry now" in failed_page
    assert "Next attempt" not in failed_page
    assert "Next attempt" in waiting_page and "timeout" in waiting_page


@pytest.mark.parametrize(
    "path", ["/admin/outbox/424242", "/admin/outbox/0", "/admin/outbox/99999999999999", "/admin/outbox/abc"]
)
def test_an_unknown_message_is_a_404_page(staff, path):
    response = staff.get(path)

    assert response.status_code == 404
    assert "This page does not exist" in text(response)


# --- retry -----------------------------------------------------------------------------------


def test_retrying_a_failed_message_makes_it_due_now_with_its_attempts_back(staff):
    failed = message(state=MessageState.FAILED, attempts=8, last_error="550 mailbox unavailable")

    response = staff.post(f"/admin/outbox/{failed.id}/retry", token_from=f"/admin/outbox/{failed.id}")

    assert response.status_code == 303
    assert location_path(response) == f"/admin/outbox/{failed.id}"
    again = reloaded(failed)
    assert (again.state, again.attempts) == (MessageState.PENDING, 0)
    assert "The message will be sent again in a moment." in text(staff.get(location_path(response)))


def test_a_retry_from_the_list_goes_back_to_the_same_filters(staff):
    failed = message(state=MessageState.FAILED)
    listed = staff.get("/admin/outbox?state=failed").get_data(as_text=True)
    action = (
        re.search(r'<form method="post" action="([^"]+/retry[^"]*)"', listed).group(1).replace("&amp;", "&")
    )

    response = staff.post(action, token_from="/admin/outbox")

    assert response.status_code == 303 and location_path(response) == "/admin/outbox?state=failed"
    assert reloaded(failed).state == MessageState.PENDING


def test_a_retry_never_sends_you_off_the_site(staff):
    failed = message(state=MessageState.FAILED)

    response = staff.post(
        f"/admin/outbox/{failed.id}/retry?next=https://evil.example/admin/outbox", token_from="/admin/outbox"
    )

    assert location_path(response) == f"/admin/outbox/{failed.id}"


def test_under_htmx_a_retry_from_the_list_swaps_its_row(staff):
    failed = message(state=MessageState.FAILED, attempts=8)

    response = staff.post(
        f"/admin/outbox/{failed.id}/retry", {"view": "row"}, htmx=True, token_from="/admin/outbox"
    )

    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert body.strip().startswith("<tr") and body.strip().endswith("</tr>")
    assert 'data-state="pending"' in body and "The message will be sent again in a moment." in body


def test_under_htmx_a_retry_from_the_message_swaps_its_panel(staff):
    failed = message(state=MessageState.FAILED, attempts=8)

    response = staff.post(
        f"/admin/outbox/{failed.id}/retry", {"view": "panel"}, htmx=True, token_from="/admin/outbox"
    )

    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert body.strip().startswith('<section class="panel message-panel"')
    assert 'data-testid="attempts">0<' in body


def test_a_sent_message_cannot_be_retried(staff):
    sent = message(state=MessageState.SENT, attempts=1)

    plain = staff.post(f"/admin/outbox/{sent.id}/retry", token_from="/admin/outbox")
    after_plain = text(staff.get(location_path(plain)))
    swapped = staff.post(
        f"/admin/outbox/{sent.id}/retry", {"view": "row"}, htmx=True, token_from="/admin/outbox"
    )

    assert plain.status_code == 303
    assert "This message was sent already; it cannot be sent again." in after_plain
    assert swapped.status_code == 409
    assert "This message was sent already" in text(swapped)
    again = reloaded(sent)
    assert (again.state, again.attempts) == (MessageState.SENT, 1)


def test_a_message_being_sent_is_not_taken_from_its_worker(staff):
    sending = message(state=MessageState.SENDING, attempts=1, locked_by="worker-1")

    response = staff.post(
        f"/admin/outbox/{sending.id}/retry", {"view": "panel"}, htmx=True, token_from="/admin/outbox"
    )

    assert response.status_code == 409
    assert (reloaded(sending).state, reloaded(sending).locked_by) == (MessageState.SENDING, "worker-1")


def test_a_retry_without_the_form_token_changes_nothing(staff):
    failed = message(state=MessageState.FAILED, attempts=8)

    response = staff.post(f"/admin/outbox/{failed.id}/retry", csrf=False)

    assert response.status_code == 400
    assert reloaded(failed).state == MessageState.FAILED


@pytest.mark.parametrize("path", ["/admin/outbox/424242/retry", "/admin/outbox/99999999999999/retry"])
def test_retrying_an_unknown_message_is_a_404(staff, path):
    response = staff.post(path, token_from="/admin/outbox")

    assert response.status_code == 404


# --- the order page ---------------------------------------------------------------------------


def test_the_order_page_lists_its_messages_with_links_to_the_outbox(staff):
    order = make_sales_order()
    db.session.commit()
    sms = message(
        channel=Channel.SMS,
        recipient="+905321234567",
        order_id=order.id,
        state=MessageState.FAILED,
        body_text="Lale: your order is on its way",
    )
    message(recipient="someone-else@example.com")  # another order's

    response = staff.get(f"/admin/orders/{order.number}")

    panel = text(response).split('data-testid="messages"')[1].split("</section>")[0]
    assert f'href="/admin/outbox/{sms.id}"' in panel
    assert "Lale: your order is on its way" in panel and 'data-state="failed"' in panel
    assert "someone-else@example.com" not in panel
    confirmation = db.session.scalar(
        db.select(OutboxMessage).where(
            OutboxMessage.order_id == order.id, OutboxMessage.channel == Channel.EMAIL
        )
    )
    assert confirmation is not None and f'href="/admin/outbox/{confirmation.id}"' in panel


def test_a_status_change_under_htmx_refreshes_the_messages_panel_with_what_it_queued(staff):
    order = make_sales_order()
    db.session.commit()
    shipped = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "shipped"))
    before = {m.id for m in db.session.scalars(db.select(OutboxMessage))}

    response = staff.post(
        f"/admin/orders/{order.number}/status",
        {
            "current_status": str(order.status_id),
            "status": str(shipped.id),
            "carrier": "yurtici",
            "tracking_number": "620123456789",
        },
        token_from=f"/admin/orders/{order.number}",
        htmx=True,
    )

    body = text(response)
    assert response.status_code == 200
    panel = re.search(r'<section[^>]*id="order-messages"[^>]*hx-swap-oob="true".*?</section>', body, re.S)
    assert panel is not None
    queued = [m for m in db.session.scalars(db.select(OutboxMessage)) if m.id not in before]
    assert queued  # Shipped e-mails the customer the tracking number
    for new in queued:
        assert f'href="/admin/outbox/{new.id}"' in panel.group(0)
