"""Seller templates cannot stall the shop (issue 10, item 7): no seller template runs inside a
customer's request, and a template that would run for seconds is refused at save time, falls
back to the default text in the worker, and the worker goes on with the next message.

The template is the one of the report: two nested list literals, six levels of ten-fold
nesting, compared with ``a == b``. Python compares them in one C call that no clock inside the
process can interrupt (about 10**6 comparisons of 50,000-character texts)."""

from __future__ import annotations

import re
import time

import pytest

from shop.extensions import db
from shop.notifications import outbox, templating
from shop.notifications.models import Channel, MessageState, MessageTemplate, OutboxMessage
from shop.sales.models import Order
from tests.web.conftest import checkout_form, csrf_token_in, field_errors
from tests.web.test_backoffice_access import logged_in


def nested_lists_template(levels: int = 6, fold: int = 10, text_length: int = 50_000) -> str:
    """``a`` and ``b``: ``levels`` levels of lists of ``fold`` items, the innermost holding
    texts of ``text_length`` characters, then ``{{ a == b }}``: 12 lines for 6 levels."""
    lines = []
    for name in ("a", "b"):
        lines.append("{% set " + name + " = [" + ", ".join([f"'x' * {text_length}"] * fold) + "] %}")
        for _ in range(levels - 1):
            lines.append("{% set " + name + " = [" + ", ".join([name] * fold) + "] %}")
    lines[-1] += "{{ a == b }}"
    return "\n".join(lines)


STALLING = nested_lists_template()


@pytest.fixture
def product(make_product):
    return make_product(price="100.00", stock=5)


def _messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def _confirm(shopper, variant) -> float:
    """Put ``variant`` in the cart and confirm the checkout; how long the POST took."""
    assert shopper.add(variant, 1).status_code == 303
    page = shopper.get("/checkout")
    found = re.search(r'name="expected_subtotal" type="hidden" value="([^"]*)"', page.get_data(as_text=True))
    form = checkout_form(expected_subtotal=found.group(1), csrf_token=csrf_token_in(page))
    started = time.monotonic()
    response = shopper.post("/checkout", form)
    elapsed = time.monotonic() - started
    assert response.status_code == 303, response.status_code
    return elapsed


def test_saving_it_is_refused_at_once():
    assert len(STALLING.splitlines()) == 12 and STALLING.count("[a, a, a, a, a, a, a, a, a, a]") == 5
    started = time.monotonic()

    with pytest.raises(templating.TemplateProblem) as caught:
        templating.validate("order_confirmation", "email", STALLING)

    assert time.monotonic() - started < 0.5
    assert caught.value.kind == "compare_too_large" and caught.value.line == 12


def test_the_editor_refuses_it_with_the_line_and_stores_nothing(shopper):
    logged_in(shopper, "admin")
    path = "/admin/messages/order_confirmation/email"

    started = time.monotonic()
    response = shopper.post(path, {"enabled": "y", "body_en": STALLING}, token_from=path)

    assert time.monotonic() - started < 2.0
    assert response.status_code == 422
    assert field_errors(response, "body_en") == [
        "Line 12: This compares values longer than 100,000 characters."
    ]
    assert db.session.scalar(db.select(MessageTemplate)) is None


def test_checkout_stays_fast_and_the_worker_sends_the_default_then_the_next_message(shopper, product):
    # Stored directly, as an older version of the rules or a database edit could have left it.
    db.session.add(MessageTemplate(event="order_confirmation", channel=Channel.EMAIL, body={"en": STALLING}))
    db.session.add(MessageTemplate(event="order_confirmation", channel=Channel.SMS, enabled=True))
    db.session.commit()

    elapsed = _confirm(shopper, product.variants[0])

    # Nothing of the seller's template ran in the request: the messages wait for the worker
    # with the order's values.
    email, sms = _messages()
    assert elapsed < 1.0
    assert email.awaiting_render and sms.awaiting_render
    assert email.body_text == "" and email.template_values["order"]["number"]

    sent: list[tuple[str, str]] = []
    started = time.monotonic()
    outcome = outbox.send_due(lambda m: sent.append((m.channel.value, m.body_text)) or "ok", worker="w")

    assert time.monotonic() - started < 2.0
    assert outcome.sent == 2 and outcome.failed == 0
    email, sms = _messages()
    number = db.session.scalar(db.select(Order.number).where(Order.number.is_not(None)))
    assert [channel for channel, _ in sent] == ["email", "sms"]  # the next message went too
    assert email.subject.startswith(f"Your order {number} at ")  # the default subject and text
    assert sent[0][1] == email.body_text and "Thank you for your order." in email.body_text
    assert "True" not in email.body_text
    assert email.state == MessageState.SENT and not email.awaiting_render
    assert sms.state == MessageState.SENT and number in sms.body_text


def test_a_render_past_the_hard_time_limit_is_killed_and_the_default_sent(
    shopper, product, monkeypatch
):
    """Without the comparison cap, only the hard limit is left: the child process filling the
    template in is killed at the deadline, the default text goes, the next message follows."""
    from shop.notifications.templating import isolation, sandbox

    monkeypatch.setattr(sandbox, "COMPARE_MAX", 10**12)
    monkeypatch.setattr(isolation, "HARD_SECONDS", 0.5)
    slower = nested_lists_template(levels=7)  # seconds of one C call without the cap
    db.session.add(MessageTemplate(event="order_confirmation", channel=Channel.EMAIL, body={"en": slower}))
    db.session.add(MessageTemplate(event="order_confirmation", channel=Channel.SMS, enabled=True))
    db.session.commit()
    _confirm(shopper, product.variants[0])

    sent: list[str] = []
    started = time.monotonic()
    outcome = outbox.send_due(lambda m: sent.append(m.channel.value) or "ok", worker="w")
    took = time.monotonic() - started

    email, _ = _messages()
    assert 0.5 <= took < 3.0
    assert outcome.sent == 2 and sent == ["email", "sms"]
    assert email.body_text.startswith("Hello Ayşe,") and "Thank you for your order." in email.body_text
