"""The "invoice issued" e-mail with the invoice's PDF attached.

The message is queued in the issuing transaction with the template's values (as every order
message) and names the invoice (``attachment = "invoice:<id>"``); the worker's transport makes
the PDF when it sends, from the frozen row, so the outbox row stays small and the file is the
document as issued. Credit notes are not e-mailed here: the refund's own message tells the
customer, and the credit note is on their order page.
"""

from __future__ import annotations

from flask import url_for

from shop import events
from shop.extensions import db
from shop.invoicing.models import Invoice
from shop.notifications import messages, transports
from shop.notifications.models import Channel

ATTACHMENT_KIND = "invoice"


def customer_url(document: Invoice, order: object) -> str:
    """Where the customer downloads it: from their tracking page (their link is the key)."""
    return url_for(
        "storefront.invoice_pdf", token=order.tracking_token, invoice_id=document.id, _external=True
    )


def on_invoice_issued(order: object, *, invoice: Invoice, **_: object) -> None:
    if invoice.is_credit_note:
        return
    with messages.url_context():
        url = customer_url(invoice, order)
    queued = messages.queue_to_customer(
        order, "invoice_issued", extra={"invoice.number": invoice.number, "invoice.url": url}
    )
    if queued.get(Channel.EMAIL) is not None:
        queued[Channel.EMAIL].attachment = f"{ATTACHMENT_KIND}:{invoice.id}"


def attachment(key: str) -> tuple[str, str, bytes]:
    """(filename, content type, PDF) of an invoice, for the e-mail transport."""
    from shop.invoicing import pdf

    document = db.session.get(Invoice, int(key))
    if document is None:
        raise LookupError(f"invoice {key} to attach does not exist")
    with messages.url_context():
        return document.filename, "application/pdf", pdf.pdf(document)


def connect() -> None:
    events.invoice_issued.connect(on_invoice_issued)
    transports.ATTACHMENTS[ATTACHMENT_KIND] = attachment
