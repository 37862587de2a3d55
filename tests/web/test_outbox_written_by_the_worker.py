"""Messages written by the worker from a snapshot (issue 10, item 7) as the back office shows
them, and messages whose text is a secret (a password-reset link): never shown anywhere in the
back office (outbox list, detail, search, the order's timeline and messages panel)."""

from __future__ import annotations

from shop.extensions import db
from shop.notifications import outbox
from shop.notifications.models import Channel, MessageState, OutboxMessage
from tests.factories import make_sales_order
from tests.web.conftest import text
from tests.web.test_backoffice_access import logged_in

SECRET = "https://shop.example.com/account/reset/eyJ1c2VyIjo0Mn0.SeCrEtToKeN"


def _reset_mail(**over) -> OutboxMessage:
    """A password-reset e-mail as accounts queues it: written already, the shop's own text."""
    message = outbox.queue(
        Channel.EMAIL,
        event="password_reset",
        recipient="ayse@example.com",
        subject="Reset your password at Lale Ceramics",
        body_text=f"Hello Ayşe,\n\n{SECRET}\n\nThe link works once, for 60 minutes.",
        body_html=f'<p><a href="{SECRET}">{SECRET}</a></p>',
        language="en",
        **over,
    )
    db.session.commit()
    return message


def test_a_message_waiting_for_the_worker_says_so_in_the_outbox(shopper):
    order = make_sales_order()
    db.session.commit()
    (waiting,) = db.session.scalars(db.select(OutboxMessage))
    logged_in(shopper, "staff")

    listed = text(shopper.get("/admin/outbox"))
    shown = text(shopper.get(f"/admin/outbox/{waiting.id}"))
    on_order = text(shopper.get(f"/admin/orders/{order.number}"))

    assert waiting.awaiting_render and waiting.body_text == ""
    assert "(not rendered yet)" in listed and "(no text)" not in listed
    assert 'data-awaiting-render="true"' in shown and "This message has no text." not in shown
    assert "Order confirmation" in on_order


def test_the_worker_writes_the_text_and_the_outbox_shows_it_as_sent(shopper):
    make_sales_order()
    db.session.commit()

    outbox.send_due(lambda m: "ok", worker="w")

    (sent,) = db.session.scalars(db.select(OutboxMessage))
    db.session.refresh(sent)
    logged_in(shopper, "staff")
    shown = text(shopper.get(f"/admin/outbox/{sent.id}"))
    assert sent.state == MessageState.SENT and sent.template_values is None
    assert sent.subject.startswith("Your order ") and "Thank you for your order." in sent.body_text
    assert "Thank you for your order." in shown and "<iframe" in shown


def test_a_password_reset_is_queued_written_and_sent_as_it_is():
    queued = _reset_mail()
    sent: list[str] = []

    outcome = outbox.send_due(lambda m: sent.append(m.body_text) or "ok", worker="w")

    assert not queued.awaiting_render
    assert outcome.sent == 1 and SECRET in sent[0]


def test_the_back_office_never_shows_the_text_of_a_password_reset(shopper):
    order = make_sales_order()
    db.session.commit()
    # Tied to an order here only to prove the order page and its timeline keep the secret too.
    reset = _reset_mail(order_id=order.id)
    failed = outbox.queue(
        Channel.SMS,
        event="password_reset",
        recipient="+905321234567",
        body_text=f"{SECRET} resets your password",
        order_id=order.id,
    )
    db.session.commit()
    outbox.send_due(lambda m: "ok", worker="w")  # sent: the order's timeline has a line for each
    logged_in(shopper, "staff")

    pages = {
        "list": shopper.get("/admin/outbox"),
        "detail": shopper.get(f"/admin/outbox/{reset.id}"),
        "sms detail": shopper.get(f"/admin/outbox/{failed.id}"),
        "search": shopper.get("/admin/outbox?q=ayse%40example.com"),
        "search by order": shopper.get(f"/admin/outbox?q={order.number}"),
        "htmx results": shopper.get("/admin/outbox?state=sent", htmx=True),
        "order": shopper.get(f"/admin/orders/{order.number}"),
    }

    for name, response in pages.items():
        body = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "SeCrEtToKeN" not in body, name
    detail = text(pages["detail"])
    assert "Contains a password-reset link; not shown." in detail
    assert "Reset your password at Lale Ceramics" in detail  # the subject holds no secret
    assert "Password reset" in text(pages["list"])
    assert "Contains a password-reset link; not shown." in text(pages["sms detail"])
