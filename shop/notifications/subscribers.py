"""Domain events -> outbox messages, in the transaction of the change (see shop/events.py).

Connected once at start-up by ``connect()``.
"""

from __future__ import annotations

from typing import Any

from shop import events
from shop.notifications import messages
from shop.notifications.models import Channel


def on_quotation_confirmed(order: Any, **_: Any) -> None:
    """Checkout done: the order confirmation (with payment instructions when they apply)."""
    for channel, recipient in ((Channel.EMAIL, messages.customer_email(order)), (Channel.SMS, order.phone)):
        if messages.enabled("order_confirmation", channel):
            messages.queue_for_order(order, "order_confirmation", channel, recipient=recipient)


def on_status_changed(order: Any, *, status: Any, previous: Any = None, by: Any = None, **_: Any) -> None:
    """What the status says (B4): e-mail the customer for the order sources ticked (none ticked
    means every source), e-mail the admin, SMS the customer. A status that needs a tracking
    number (Shipped) sends the tracking message unless the seller wrote the status's own text."""
    from shop.settings import services as settings

    event = messages.status_event(bool(status.requires_tracking and order.tracking_number))
    own_email = {"subject": status.email_subject or {}, "body": status.email_body or {}}
    own_sms = {"body": status.sms_template or {}}
    if status.email_customer and (
        not status.email_customer_sources or order.source in status.email_customer_sources
    ):
        messages.queue_for_order(
            order, event, Channel.EMAIL, recipient=messages.customer_email(order), own=own_email
        )
    if status.email_admin:
        shop = settings.current()
        messages.queue_for_order(
            order,
            event,
            Channel.EMAIL,
            recipient=shop.admin_email,
            language=shop.default_language,
            own=own_email,
        )
    if status.send_sms:
        messages.queue_for_order(order, event, Channel.SMS, recipient=order.phone, own=own_sms)


def on_pickup_ready(order: Any, **_: Any) -> None:
    """A pickup order is ready (or its date moved once ready): where and when, by e-mail and SMS
    as the seller switched them on; each sending is its own message (the date may differ)."""
    messages.queue_to_customer(order, "pickup_ready")


def on_delivery_done(order: Any, **_: Any) -> None:
    """A delivery's last step done: the "delivery done" message, on the channels switched on."""
    messages.queue_to_customer(order, "delivery_done")


def on_courier_assigned(order: Any, *, courier: Any, previous: Any = None, **_: Any) -> None:
    """An order given to a courier: their task from the editable template, in their language.
    On reassignment the courier who had it hears that it is gone: a short text of the shop's own
    (the template describes a new task, so it is not reused for the opposite news)."""
    from flask_babel import force_locale, gettext

    from shop import i18n
    from shop.notifications import outbox

    languages, default = i18n.enabled_languages()
    extra = {"courier.name": courier.name or courier.email}
    for channel, recipient in ((Channel.SMS, courier.phone), (Channel.EMAIL, courier.email)):
        if messages.enabled("courier_assignment", channel):
            language = courier.locale if courier.locale in languages else default
            messages.queue_for_order(
                order, "courier_assignment", channel, recipient=recipient, language=language, extra=extra
            )
    if previous is not None and previous.phone and messages.enabled("courier_assignment", Channel.SMS):
        language = previous.locale if previous.locale in languages else default
        with force_locale(language):
            text = gettext(
                "Order %(number)s is no longer yours to deliver: the shop gave it to another courier.",
                number=order.number,
            )
        outbox.queue(
            Channel.SMS,
            event="courier_assignment",
            recipient=previous.phone,
            body_text=text,
            language=language,
            order_id=order.id,
        )


def on_refund_issued(order: Any, *, refund: Any, **_: Any) -> None:
    """Money given back (shop/payments/refunds.py): the "refund issued" message with its amount,
    on the channels switched on; one per refund (two refunds are two messages)."""
    messages.queue_to_customer(
        order, "refund_issued", extra={"refund.amount": refund.amount}, dedupe=f"refund-{refund.id}"
    )


def connect() -> None:
    events.quotation_confirmed.connect(on_quotation_confirmed)
    events.pickup_ready.connect(on_pickup_ready)
    events.status_changed.connect(on_status_changed)
    events.delivery_done.connect(on_delivery_done)
    events.courier_assigned.connect(on_courier_assigned)
    events.refund_issued.connect(on_refund_issued)
