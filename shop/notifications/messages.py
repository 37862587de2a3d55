"""What to send for an event: which template (the seller's or the default), filled in for one
order in its language.

The order's change queues the message in its own transaction with a snapshot of the event's
variables (``queue_for_order``): no seller template runs inside a customer's request. The
worker writes the text just before sending (``write``). A template that fails on a real order,
or runs past its time, falls back to the shop's default text, so the customer still hears from
the shop; if even that fails, the message is FAILED with the reason, visible in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from flask import current_app, has_request_context

from shop.extensions import db
from shop.i18n import enabled_languages
from shop.notifications import outbox, templating
from shop.notifications.default_templates import default_template
from shop.notifications.models import Channel, MessageTemplate, OutboxMessage

# Channels on by default for each event: e-mail is free and expected; SMS costs the seller
# money per segment, so each SMS is switched on by the seller (statuses have their own flag).
DEFAULT_ENABLED = {
    "order_confirmation": {"email"},
    "status_change": {"email"},
    "tracking_number": {"email"},
    "pickup_ready": {"email"},
    "delivery_done": {"email"},
    "invoice_issued": {"email"},
    "refund_issued": {"email"},
    "return_requested": {"email"},
    "return_approved": {"email"},
    "return_rejected": {"email"},
    "return_received": {"email"},
    "return_refunded": {"email"},
    "return_exchanged": {"email"},
    "abandoned_cart": {"email"},
    # The courier's task comes by SMS (the LiveGallery flow); the e-mail is the seller's choice.
    "courier_assignment": {"sms"},
}

# Events whose templates exist but that nothing sends yet: the Messages page says when they will
# be sent rather than show them "On".
NOT_SENT_YET: dict[str, Any] = {}  # none now: invoices (issue 13) and refunds are sent

# The two events an order's change of status sends, as the status says (its "e-mail the customer"
# and "send SMS" switches, not the templates' own): the status's message, and the tracking message
# of a status that needs a tracking number. A status's own texts are checked against both.
STATUS_EVENTS = ("status_change", "tracking_number")


def status_event(requires_tracking: bool) -> str:
    """The event a change of status sends: the tracking message when it comes with a tracking
    number, else the status message."""
    return STATUS_EVENTS[1] if requires_tracking else STATUS_EVENTS[0]


def saved_template(event: str, channel: Channel | str) -> MessageTemplate | None:
    return db.session.scalar(
        db.select(MessageTemplate).where(
            MessageTemplate.event == event, MessageTemplate.channel == Channel(channel)
        )
    )


def enabled(event: str, channel: Channel | str) -> bool:
    return enabled_by(saved_template(event, channel), event, channel)


def enabled_by(saved: MessageTemplate | None, event: str, channel: Channel | str) -> bool:
    """Whether the event sends on the channel: the seller's switch, else the default."""
    if saved is not None:
        return saved.enabled
    return str(Channel(channel)) in DEFAULT_ENABLED.get(event, set())


def customer_email(order: Any) -> str:
    """Where the customer's e-mails go: the order's address, else the account's."""
    if order.email or not order.customer_id:
        return order.email
    from shop.accounts.models import User

    customer = db.session.get(User, order.customer_id)
    return customer.email if customer is not None else ""


def sources(
    event: str, channel: Channel | str, language: str, *, own: Mapping[str, Mapping[str, str]] | None = None
) -> tuple[str, str]:
    """The (subject, body) template texts to use: ``own`` (a status's texts per field and
    language), else the seller's saved template, else the default, per field."""
    channel = Channel(channel)
    default_subject, default_body = default_template(event, str(channel), language)
    saved = saved_template(event, channel)
    subject = body = ""
    if own is not None:
        subject = (own.get("subject") or {}).get(language, "")
        body = (own.get("body") or {}).get(language, "")
    if saved is not None:
        subject = subject or (saved.subject or {}).get(language, "")
        body = body or (saved.body or {}).get(language, "")
    return subject or (default_subject or ""), body or default_body


def save_template(
    event: str,
    channel: Channel | str,
    *,
    subjects: Mapping[str, str],
    bodies: Mapping[str, str],
    enabled: bool | None,
    by_user_id: int | None,
) -> MessageTemplate:
    """Store a seller's texts (already validated) for one event and channel, in the caller's
    transaction. A text that is empty or the default word for word is stored empty, so later
    improvements of the defaults reach the shop. ``enabled`` None keeps the switch (status
    events: each status says whether it sends)."""
    from shop.db_types import utcnow

    channel = Channel(channel)
    kept: dict[str, dict[str, str]] = {"subject": {}, "body": {}}
    for field, texts in (("subject", subjects), ("body", bodies)):
        for language, text in texts.items():
            default = default_template(event, str(channel), language)[0 if field == "subject" else 1]
            if text and text != (default or "").strip():
                kept[field][language] = text
    saved = saved_template(event, channel)
    if saved is None:
        saved = MessageTemplate(event=event, channel=channel, enabled=True)
        db.session.add(saved)
    if enabled is not None:
        saved.enabled = enabled
    saved.subject = kept["subject"]
    saved.body = kept["body"]
    saved.updated_by_id = by_user_id
    saved.updated_at = utcnow()
    return saved


def url_context():  # noqa: ANN202
    """Links in messages need a request to build them: in the worker there is none, so they
    are built against SHOP_URL."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["SHOP_URL"])


def render(
    event: str,
    channel: Channel | str,
    language: str,
    context: Mapping[str, Any],
    *,
    own: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[str, str, str]:
    """(subject, text, html) for the event; falls back to the default texts when the chosen
    template fails on this context or runs past its time. Raises TemplateProblem only if the
    default fails too."""
    channel = Channel(channel)
    subject_source, body_source = sources(event, channel, language, own=own)
    try:
        return render_sources(event, channel, language, context, subject_source, body_source)
    except templating.TemplateProblem as problem:
        current_app.logger.warning(
            "template %s/%s (%s) failed, default used: %s", event, channel, language, problem
        )
        default_subject, default_body = default_template(event, str(channel), language)
        return render_sources(event, channel, language, context, default_subject or "", default_body)


def render_sources(
    event: str,
    channel: Channel,
    language: str,
    context: Mapping[str, Any],
    subject_source: str,
    body_source: str,
) -> tuple[str, str, str]:
    """(subject, text, html) of these template texts, filled in under the sandbox's limits
    (one child process, one hard time limit); a TemplateProblem names its field."""
    channel = Channel(channel)
    if channel == Channel.SMS:
        return "", templating.render(event, str(channel), body_source, context, field="body"), ""
    texts = templating.render_fields(
        event, str(channel), {"subject": subject_source, "body": body_source}, context
    )
    html = templating.render_email_html(
        texts["body"],
        language=language,
        shop=context.get("shop", {}),
        subject=texts["subject"],
        links=templating.shop_links(context, (subject_source, body_source)),
    )
    return texts["subject"], texts["body"], html


def order_language(order: Any) -> str:
    """The order's language if the shop still offers it, else the shop's default."""
    languages, default = enabled_languages()
    language = getattr(order, "locale", "") or default
    return language if language in languages else default


def queue_for_order(
    order: Any,
    event: str,
    channel: Channel | str,
    *,
    recipient: str,
    language: str | None = None,
    own: Mapping[str, Mapping[str, str]] | None = None,
    extra: Mapping[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue the event's message for ``order`` with the event's variables as they are now (and
    the status's own texts, ``own``, in the message's language); the worker writes it before
    sending. None when there is nobody to send to."""
    channel = Channel(channel)
    recipient = (recipient or "").strip()
    if not recipient:
        return None
    language = language or order_language(order)
    with url_context():
        values = templating.snapshot(templating.order_context(order, language=language, extra=extra))
    own_texts = {}
    for field, texts in (own or {}).items():
        if (texts or {}).get(language):
            own_texts[field] = texts[language]
    return outbox.queue(
        channel,
        event=event,
        recipient=recipient,
        language=language,
        order_id=order.id,
        dedupe_key=dedupe_key,
        template_values=values,
        own_texts=own_texts or None,
    )


def queue_to_customer(
    order: Any, event: str, *, extra: Mapping[str, Any] | None = None, dedupe: str | None = None
) -> dict[Channel, OutboxMessage | None]:
    """The event's message to the order's customer on each channel the seller switched on: e-mail
    to their address, SMS to their phone. ``dedupe``: a key that makes a repeat of the same news
    queue nothing (one per channel)."""
    queued: dict[Channel, OutboxMessage | None] = {}
    for channel, recipient in ((Channel.EMAIL, customer_email(order)), (Channel.SMS, order.phone)):
        if enabled(event, channel):
            queued[channel] = queue_for_order(
                order,
                event,
                channel,
                recipient=recipient,
                extra=extra,
                dedupe_key=f"{dedupe}-{channel}" if dedupe else None,
            )
    return queued


def write(message: OutboxMessage) -> tuple[str, str, str]:
    """(subject, text, html) of a message queued with its template's values: the seller's
    template (or the status's own texts kept with it), else the default. The worker calls it
    just before sending; raises TemplateProblem only if the default fails too."""
    own = None
    if message.own_texts:
        own = {field: {message.language: text} for field, text in message.own_texts.items()}
    with url_context():
        values = message.template_values or {}
        return render(message.event, message.channel, message.language, values, own=own)


def write_waiting(found: list[OutboxMessage] | None = None) -> list[OutboxMessage]:
    """Write every message (of ``found``, else of the session) that waits for its text, in the
    session, without sending: what the worker does first, for tests and the shell."""
    if found is None:
        db.session.flush()
        found = list(
            db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.template_values.is_not(None)))
        )
    for message in found:
        if message.awaiting_render:
            message.subject, message.body_text, message.body_html = write(message)
            message.subject = message.subject[:255]
            message.template_values = None
            message.own_texts = None
    return found


def for_order(order_id: int, *, limit: int = 50) -> list[OutboxMessage]:
    """What was sent (or is waiting) for an order, newest first: the order page shows it."""
    return list(
        db.session.scalars(
            db.select(OutboxMessage)
            .where(OutboxMessage.order_id == order_id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )
