"""The shop's own e-mails that carry one signed link: the password reset, the e-mail address
verification and the guest's return link. Written here from the shop's templates (not a
seller's) in the recipient's language, and queued in the outbox like every message; their
bodies are never shown in the back office (models.SECRET_EVENTS)."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template
from flask_babel import force_locale

from shop.i18n import text_direction
from shop.notifications import outbox
from shop.notifications.models import Channel, OutboxMessage


def queue_link_email(
    *,
    event: str,
    recipient: str,
    language: str,
    template: str,
    subject: Callable[[dict], str],
    order_id: int | None = None,
    **values: object,
) -> OutboxMessage:
    """``template``: the path without its extension, of a ``.txt`` and an ``.html`` (extending
    emails/link_email.html); ``subject``: called with the context in the message's language."""
    from shop.settings import services as settings

    context = {
        "language": language,
        "direction": text_direction(language),
        "shop_name": settings.current().shop_name,
        **values,
    }
    with force_locale(language):
        subject_text = subject(context)
        body_text = render_template(f"{template}.txt", **context)
        body_html = render_template(f"{template}.html", **context)
    return outbox.queue(
        Channel.EMAIL,
        event=event,
        recipient=recipient,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
        language=language,
        order_id=order_id,
    )
