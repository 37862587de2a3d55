"""Messages queued with a snapshot of their template's values (issue 10, item 7): the
transaction stores the event's variables as JSON and the status's own texts; the worker writes
the text from them just before sending, and a message it cannot write fails alone."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from shop.extensions import db
from shop.notifications import outbox, templating
from shop.notifications.models import Channel, MessageState, OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from tests.factories import make_sales_order


def _messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def _status(code: str) -> OrderStatus:
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def test_the_variables_of_an_order_are_plain_json_with_money_and_dates_written_out():
    order = make_sales_order()
    extra = {"refund.amount": Decimal("249.90"), "pickup.date": date(2026, 3, 13), "courier.name": "Mehmet"}

    context = templating.order_context(order, language="pl", extra=extra)
    kept = templating.snapshot(context)

    assert json.loads(json.dumps(kept)) == kept == context
    assert kept["refund"]["amount"] == "249,90\xa0TRY" and "2026" in kept["pickup"]["date"]
    assert kept["order"]["items"][0]["quantity"] == "1"


def test_checkout_queues_the_values_not_the_text_and_the_database_keeps_them():
    order = make_sales_order()
    db.session.commit()

    (message,) = _messages()

    assert message.awaiting_render and (message.subject, message.body_text, message.body_html) == ("", "", "")
    assert message.template_values["order"]["number"] == order.number
    assert message.template_values["customer"]["name"] == "Ayşe Yılmaz"
    assert message.summary == ""


def test_the_status_own_text_is_the_one_of_the_moment_of_the_change():
    processing = _status("processing")
    processing.email_customer = False
    processing.send_sms = True
    processing.sms_template = {
        "en": "{{ order.number }} is being packed.",
        "tr": "{{ order.number }} hazırlanıyor.",
    }
    order = make_sales_order()
    orders.change_status(order, processing, by=Actor.system())
    db.session.commit()
    processing.sms_template = {"en": "Changed later: {{ order.number }}"}
    db.session.commit()

    sent: list[str] = []
    outbox.send_due(lambda m: sent.append(m.body_text) or "ok", worker="w")

    sms = [m for m in _messages() if m.channel == Channel.SMS][0]
    assert sms.body_text == f"{order.number} is being packed." and sms.body_text in sent
    assert sms.own_texts is None and sms.template_values is None


def test_a_message_that_cannot_be_written_fails_alone_with_the_reason():
    make_sales_order()
    make_sales_order()
    db.session.commit()
    first, _ = _messages()
    first.template_values = {"order": "values the default text cannot use"}  # a snapshot gone wrong
    db.session.commit()

    sent: list[int] = []
    outcome = outbox.send_due(lambda m: sent.append(m.id) or "ok", worker="w")

    first, second = _messages()
    assert (outcome.failed, outcome.sent) == (1, 1) and sent == [second.id]
    assert first.state == MessageState.FAILED and first.last_error.startswith("template: ")
    assert second.state == MessageState.SENT


def test_the_worker_uses_the_default_when_the_sellers_template_fails_on_the_values():
    from shop.notifications.models import MessageTemplate

    failing = {"en": "{{ order.total / 0 }}"}
    db.session.add(MessageTemplate(event="order_confirmation", channel=Channel.EMAIL, body=failing))
    order = make_sales_order()
    db.session.commit()
    (waiting,) = _messages()
    assert waiting.awaiting_render  # nothing of the seller's template ran at checkout

    outcome = outbox.send_due(lambda m: "ok", worker="w")

    (message,) = _messages()
    assert outcome.sent == 1 and message.state == MessageState.SENT
    assert message.body_text.startswith("Hello Ayşe,") and order.number in message.body_text
