"""What each event puts in the outbox (B4 sending, N2, S6): the right message, to the right
person, in the order's language, in the same transaction as the change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.db_types import utcnow
from shop.extensions import db
from shop.notifications import carts, messages, outbox, worker
from shop.notifications.models import Channel, MessageState, MessageTemplate, OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.sales import services as sales
from shop.settings import services as settings
from tests.factories import checkout_details, make_cart, make_product, make_sales_order
from tests.smtp import smtp  # noqa: F401  (fixture)


def _outbox(**where) -> list[OutboxMessage]:
    """The outbox's messages, written as the worker writes them just before sending."""
    messages.write_waiting()
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    for key, value in where.items():
        query = query.where(getattr(OutboxMessage, key) == value)
    return list(db.session.scalars(query))


def _status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def _ship(order, **over) -> None:  # noqa: ANN001
    orders.change_status(
        order, _status("shipped"), by=Actor.system(), tracking_number="YK123456789", carrier="yurtici", **over
    )
    db.session.flush()


# --- order confirmation ----------------------------------------------------------------------------


def test_checkout_queues_the_order_confirmation_in_the_orders_language():
    cart = make_cart((make_product().variants[0], 2))
    cart.locale = "tr"

    order = sales.confirm_quotation(cart, checkout_details())
    db.session.flush()

    (message,) = _outbox(event="order_confirmation")
    assert message.channel == Channel.EMAIL and message.recipient == "ayse@example.com"
    assert message.language == "tr" and message.order_id == order.id
    assert order.number in message.subject and order.number in message.body_text
    assert "Sipariş" in message.subject + message.body_text  # Turkish, not English
    assert 'lang="tr"' in message.body_html and order.number in message.body_html
    assert message.state == MessageState.PENDING


def test_a_checkout_that_rolls_back_leaves_nothing_to_send():
    cart = make_cart((make_product().variants[0], 1))
    db.session.commit()

    sales.confirm_quotation(cart, checkout_details())
    db.session.rollback()

    assert _outbox() == []


def test_no_sms_at_checkout_until_the_seller_turns_it_on():
    make_sales_order()
    assert _outbox(channel=Channel.SMS) == []

    db.session.add(MessageTemplate(event="order_confirmation", channel=Channel.SMS, enabled=True))
    order = make_sales_order()

    (sms,) = _outbox(channel=Channel.SMS)
    assert sms.recipient == "+905321234567" and order.number in sms.body_text


def test_a_seller_who_turns_the_confirmation_email_off_sends_none():
    db.session.add(MessageTemplate(event="order_confirmation", channel=Channel.EMAIL, enabled=False))

    make_sales_order()

    assert _outbox() == []


def test_the_sellers_own_text_is_used_in_its_language_and_the_default_in_the_others():
    db.session.add(
        MessageTemplate(
            event="order_confirmation",
            channel=Channel.EMAIL,
            subject={"en": "Got it: {{ order.number }}"},
            body={"en": "Dear {{ customer.first_name }}, thanks!"},
        )
    )
    english = make_sales_order()
    turkish_cart = make_cart((make_product().variants[0], 1))
    turkish_cart.locale = "tr"
    sales.confirm_quotation(turkish_cart, checkout_details())
    db.session.flush()

    first, second = _outbox(event="order_confirmation")
    assert first.subject == f"Got it: {english.number}" and first.body_text.startswith("Dear Ayşe, thanks!")
    assert "Got it" not in second.subject and second.language == "tr"


def test_a_stored_template_that_fails_on_a_real_order_falls_back_to_the_default():
    db.session.add(
        MessageTemplate(event="order_confirmation", channel=Channel.EMAIL, body={"en": "{{ order.number "})
    )

    order = make_sales_order()

    (message,) = _outbox()
    assert message.state == MessageState.PENDING and order.number in message.body_text


# --- status changes (B4) -------------------------------------------------------------------------


def test_shipping_sends_the_tracking_number_to_the_customer():
    order = make_sales_order()

    _ship(order)

    (message,) = _outbox(event="tracking_number")
    assert message.recipient == order.email
    assert "YK123456789" in message.body_text


def test_a_status_emails_the_customer_only_for_the_order_sources_ticked():
    shipped = _status("shipped")
    shipped.email_customer_sources = ["storefront"]
    order = make_sales_order()
    order.source = "marketplace"

    _ship(order)

    assert _outbox(event="tracking_number") == []


def test_a_status_can_email_the_admin_and_text_the_customer_with_its_own_template():
    processing = _status("processing")
    processing.email_customer = False
    processing.email_admin = True
    processing.send_sms = True
    processing.sms_template = {"en": "{{ order.number }} is being packed."}
    settings.save({"admin_email": "boss@example.com"}, by_user_id=None)
    order = make_sales_order()

    orders.change_status(order, processing, by=Actor.system())
    db.session.flush()

    to_admin = _outbox(channel=Channel.EMAIL, event="status_change")
    (sms,) = _outbox(channel=Channel.SMS)
    assert [m.recipient for m in to_admin] == ["boss@example.com"]
    assert sms.recipient == order.phone and sms.body_text == f"{order.number} is being packed."


def test_a_status_that_sends_nothing_queues_nothing():
    order = make_sales_order()
    _outbox_before = len(_outbox())

    orders.change_status(order, _status("completed"), by=Actor.system())
    db.session.flush()

    assert len(_outbox()) == _outbox_before


# --- abandoned carts (S6) ----------------------------------------------------------------------------


def _left_cart(hours: float = 5, email: str = "guest@example.com"):  # noqa: ANN202
    cart = make_cart((make_product().variants[0], 1))
    cart.email = email
    db.session.flush()
    cart.updated_at = utcnow() - timedelta(hours=hours)
    db.session.commit()
    return cart


def test_a_cart_left_long_enough_gets_one_reminder_with_a_link_that_restores_it():
    cart = _left_cart()

    first = carts.scan_abandoned_carts()
    second = carts.scan_abandoned_carts()

    (message,) = _outbox(event="abandoned_cart")
    assert (first, second) == (1, 0)
    assert message.recipient == "guest@example.com" and message.order_id == cart.id
    assert "/cart/restore/" in message.body_text
    token = message.body_text.split("/cart/restore/")[1].split()[0].rstrip(".,)")
    assert sales.cart_from_restore_token(token).id == cart.id


def test_no_reminder_too_early_without_an_email_or_when_switched_off():
    _left_cart(hours=1)
    _left_cart(email="")
    assert carts.scan_abandoned_carts() == 0

    _left_cart()
    settings.save({"abandoned_cart": {"enabled": False, "delay_hours": 4}}, by_user_id=None)
    db.session.commit()
    assert carts.scan_abandoned_carts() == 0


def test_a_customer_who_ordered_meanwhile_gets_no_reminder():
    cart = _left_cart()
    carts.scan_abandoned_carts()
    sales.confirm_quotation(db.session.get(type(cart), cart.id), checkout_details())
    db.session.commit()

    sent: list[str] = []
    outcome = outbox.send_due(
        lambda m: sent.append(m.event) or "ok", worker="w", still_wanted=worker.still_wanted
    )

    reminder = _outbox(event="abandoned_cart")[0]
    assert outcome.cancelled == 1 and reminder.state == MessageState.CANCELLED
    assert sent == ["order_confirmation"]


def test_a_restore_token_that_was_tampered_with_or_names_another_cart_is_refused():
    cart = _left_cart()
    token = sales.cart_restore_token(cart)

    assert sales.cart_from_restore_token(token[:-2] + "xy") is None
    assert sales.cart_from_restore_token("not-a-token") is None
    cart.tracking_token = "changed"
    db.session.flush()
    assert sales.cart_from_restore_token(token) is None


# --- the worker, end to end ---------------------------------------------------------------------------


def test_the_worker_delivers_the_confirmation_over_smtp(app, smtp):  # noqa: F811
    cart = make_cart((make_product().variants[0], 1))
    cart.locale = "pl"
    number = sales.confirm_quotation(cart, checkout_details(email="ola@example.pl")).number
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    (received,) = smtp.inbox.messages
    assert received["X-Envelope-To"] == "ola@example.pl"
    assert received["Content-Language"] == "pl"
    assert number in str(received["Subject"]) or received["Subject"].startswith("=?")
    text_part = next(part for part in received.walk() if part.get_content_type() == "text/plain")
    assert number in text_part.get_payload(decode=True).decode(text_part.get_content_charset())
    assert _outbox()[0].state == MessageState.SENT


def test_messages_for_an_order_are_listed_newest_first():
    order = make_sales_order()
    _ship(order)

    listed = messages.for_order(order.id)

    assert [m.event for m in listed] == ["tracking_number", "order_confirmation"]


def test_several_workers_scanning_at_once_remind_each_cart_once(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent scans need several writers (PostgreSQL)")
    import threading

    made = [_left_cart() for _ in range(6)]
    barrier = threading.Barrier(3)
    queued: list[int] = []
    errors: list[BaseException] = []

    def scan() -> None:
        with app.app_context():
            try:
                barrier.wait()
                queued.append(carts.scan_abandoned_carts())
            except BaseException as error:  # noqa: BLE001  (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    reminders = _outbox(event="abandoned_cart")
    assert sorted(m.order_id for m in reminders) == sorted(cart.id for cart in made)
    assert sum(queued) == len(made)


def test_what_was_sent_or_given_up_is_on_the_orders_timeline():
    from shop.notifications.delivery import PermanentFailure
    from shop.orders.history import events_for

    db.session.add(MessageTemplate(event="order_confirmation", channel=Channel.SMS, enabled=True))
    order = make_sales_order()
    _ship(order)
    db.session.commit()

    def send(message: OutboxMessage) -> str:
        if message.channel == Channel.SMS:
            raise PermanentFailure("SMSAPI 13: No correct phone numbers")
        return "ok"

    outbox.send_due(send, worker="w")

    order = db.session.get(type(order), order.id)
    messages_on_timeline = [e for e in events_for(order) if e.kind == "message"]
    outcomes = sorted((e.before, e.after, e.note) for e in messages_on_timeline)
    assert [(channel, state) for channel, state, _ in outcomes] == [
        ("email", "sent"),
        ("email", "sent"),
        ("sms", "failed"),
    ]
    assert outcomes[2][2] == f"{order.phone}: SMSAPI 13: No correct phone numbers"
    assert all(note.startswith(f"{order.email}: ") for _, _, note in outcomes[:2])
