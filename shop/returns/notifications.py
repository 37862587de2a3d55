"""A return's news to its customer (and a new request to the shop): one message event per state
the return reaches, queued by the subscriber of ``events.return_changed`` in the transaction of
the step, with the return's own values (``return.*``, ``exchange.*``) in the customer's
language. The approval's e-mail carries the return label as a PDF, made by the worker when it
sends (``attachment = "return-label:<id>"``), as the invoice e-mail carries its invoice.

A new request also goes to the shop's address (settings: admin e-mail), in the shop's language,
as a status marked "e-mail the admin" does: the same template, another recipient.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import force_locale
from werkzeug.routing import BuildError

from shop import events
from shop.extensions import db
from shop.i18n import format_number, translated
from shop.notifications import messages, transports
from shop.notifications.models import Channel
from shop.returns.labels import reason_label
from shop.returns.models import ReturnRequest, ReturnState

ATTACHMENT_KIND = "return-label"

EVENTS = {
    ReturnState.REQUESTED: "return_requested",
    ReturnState.APPROVED: "return_approved",
    ReturnState.REJECTED: "return_rejected",
    ReturnState.RECEIVED: "return_received",
    ReturnState.REFUNDED: "return_refunded",
    ReturnState.EXCHANGED: "return_exchanged",
}
# From receipt on, the items are the units that arrived; before it, those asked for.
_ARRIVED = (ReturnState.RECEIVED, ReturnState.REFUNDED, ReturnState.EXCHANGED)


def return_url(return_request: ReturnRequest) -> str:
    """The customer's page of the return (their link is the key); call in messages.url_context()."""
    try:
        return url_for("storefront.return_page", token=return_request.access_token, _external=True)
    except BuildError:  # the storefront's return page not there (yet): the order's page then
        return url_for("storefront.track", token=return_request.order.tracking_token, _external=True)


def values(return_request: ReturnRequest, language: str) -> dict[str, Any]:
    """The return's variables for a message in ``language`` (dotted names, plain values)."""
    from shop.payments.models import Refund
    from shop.returns.handling import instructions_for

    rr = return_request
    with force_locale(language), messages.url_context():
        items = []
        for line in rr.lines:
            units = line.received if rr.state in _ARRIVED else line.quantity
            if not units:
                continue
            product = translated(line.order_line.product_name, language)
            variant = translated(line.order_line.variant_name, language)
            items.append(
                {
                    "name": f"{product} – {variant}" if variant else product,
                    "quantity": format_number(units, language),
                }
            )
        extra: dict[str, Any] = {
            "return.number": rr.number,
            "return.reason": reason_label(rr.reason),
            "return.items": items,
            "return.rejection_reason": rr.rejection_reason,
            "return.instructions": instructions_for(rr),
            "return.url": return_url(rr),
        }
        if rr.state == ReturnState.REFUNDED and rr.refund_id:
            refund = db.session.get(Refund, rr.refund_id)
            extra["refund.amount"] = refund.amount if refund is not None else ""
        if rr.exchange_order is not None:
            extra["exchange.order_number"] = rr.exchange_order.number or ""
            extra["exchange.order_url"] = url_for(
                "storefront.track", token=rr.exchange_order.tracking_token, _external=True
            )
    return extra


def on_return_changed(order: Any, *, return_request: ReturnRequest, **_: Any) -> None:
    rr = return_request
    event = EVENTS.get(rr.state)
    if event is None:
        return
    language = messages.order_language(order)
    queued = messages.queue_to_customer(
        order, event, extra=values(rr, language), dedupe=f"return-{rr.id}-{rr.state.value}"
    )
    if event == "return_approved" and queued.get(Channel.EMAIL) is not None:
        queued[Channel.EMAIL].attachment = f"{ATTACHMENT_KIND}:{rr.id}"
    if event == "return_requested":
        _tell_the_shop(order, rr)


def _tell_the_shop(order: Any, rr: ReturnRequest) -> None:
    from shop.settings import services as settings

    shop = settings.current()
    if not shop.admin_email or not messages.enabled("return_requested", Channel.EMAIL):
        return
    messages.queue_for_order(
        order,
        "return_requested",
        Channel.EMAIL,
        recipient=shop.admin_email,
        language=shop.default_language,
        extra=values(rr, shop.default_language),
        dedupe_key=f"return-{rr.id}-requested-shop",
    )


def attachment(key: str) -> tuple[str, str, bytes]:
    """(filename, content type, PDF) of a return's label, for the e-mail transport."""
    from shop.returns import label

    rr = db.session.get(ReturnRequest, int(key))
    if rr is None:
        raise LookupError(f"return {key} whose label to attach does not exist")
    with messages.url_context():
        return label.filename(rr), "application/pdf", label.pdf(rr)


def connect() -> None:
    events.return_changed.connect(on_return_changed)
    transports.ATTACHMENTS[ATTACHMENT_KIND] = attachment
