"""Issue invoices: the verbs and the rules of when (B2B, on request, on online payment, staff).

Each issue takes the series' next number from documents.numbering in the caller's transaction
(the counter row stays locked until it commits, so numbers are gapless) and freezes everything
printed in the row. One invoice per order: a second attempt returns nothing new (automatic
paths) or is refused (people), and a unique index is the last guard.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import get_timezone
from sqlalchemy import select

from shop import events
from shop.db_types import utcnow
from shop.documents.numbering import give_back, next_number, shop_year
from shop.extensions import db
from shop.invoicing import amounts
from shop.invoicing import settings as invoicing_settings
from shop.invoicing.errors import InvalidBuyerTaxId, InvoiceRefused
from shop.invoicing.models import Invoice, InvoiceKind
from shop.orders import history
from shop.orders.history import Actor
from shop.sales.models import EXCHANGE_SOURCE, Order, OrderState, PaymentMethod
from shop.sales.tax_ids import InvalidTaxId, normalise_tax_id
from shop.settings import services as settings


def invoice_for(order: Order) -> Invoice | None:
    return db.session.scalar(
        select(Invoice).where(Invoice.order_id == order.id, Invoice.kind == InvoiceKind.INVOICE)
    )


def documents_for(order: Order) -> list[Invoice]:
    """The order's invoice and credit notes, oldest first."""
    return list(db.session.scalars(select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.id)))


def is_b2b(order: Order) -> bool:
    return bool(order.company_name and order.tax_id)


# --- numbers ------------------------------------------------------------------------------------


def take_number(kind: InvoiceKind, moment: datetime) -> tuple[int, int, str]:
    """(year, sequence, printed number) of the series' next document; the series stays locked
    by the caller's transaction until it ends (a rollback gives the number back)."""
    year = shop_year(moment)
    sequence = next_number(kind.value, year)
    pattern = invoicing_settings.current().formats[kind.value]
    return year, sequence, invoicing_settings.format_number(pattern, year, sequence)


# --- frozen content ---------------------------------------------------------------------------


def seller_copy() -> dict[str, str]:
    shop = settings.current()
    return {
        "shop_name": shop.shop_name,
        "seller_address": shop.seller_address,
        "seller_tax_id": shop.seller_tax_id,
        "seller_tax_office": shop.seller_tax_office,
    }


def buyer_copy(order: Order) -> dict:
    """The buyer as printed; a tax ID that is not valid for the country is refused here too (it
    is checked where it is typed, at checkout; this guards older orders and other sources)."""
    tax_id = order.tax_id or ""
    if tax_id:
        try:
            tax_id = normalise_tax_id(order.country or "", tax_id)
        except InvalidTaxId:
            raise InvalidBuyerTaxId(tax_id=order.tax_id, country=order.country) from None
    return {
        "name": order.name,
        "company_name": order.company_name or "",
        "tax_id": tax_id,
        "address_line": order.address_line,
        "postal_code": order.postal_code,
        "city": order.city,
        "country": order.country,
        "phone": order.phone,
        "email": order.email,
        "delivery_method": {"value": order.delivery_method.value if order.delivery_method else ""},
    }


def _text(amount: Decimal) -> str:
    return str(amount)


def order_lines(order: Order) -> list[dict]:
    """The order's lines as printed, and delivery as a line of its own when it is charged."""
    lines = [
        {
            "line_id": line.id,
            "sku": line.sku,
            "name": dict(line.product_name or {}),
            "variant": dict(line.variant_name or {}),
            "quantity": line.quantity,
            "unit_price": _text(line.unit_price),
            "vat_rate": amounts.rate_key(line.vat_rate),
            "net": _text(line.net),
            "vat": _text(line.tax),
            "gross": _text(line.gross),
        }
        for line in order.lines
    ]
    delivery = order.delivery_amounts
    if delivery.gross:
        lines.append(
            {
                "line_id": None,
                "delivery": True,
                "sku": "",
                "name": {},
                "variant": {},
                "quantity": 1,
                "unit_price": _text(delivery.gross),
                "vat_rate": amounts.rate_key(order.delivery_vat_rate or 0),
                "net": _text(delivery.net),
                "vat": _text(delivery.tax),
                "gross": _text(delivery.gross),
            }
        )
    return lines


def new_document(
    kind: InvoiceKind, order: Order, lines: list[dict], *, by: Actor, reason: str, now: datetime
) -> Invoice:
    """A numbered document with ``lines``, its VAT per rate and totals (not flushed yet)."""
    rows = amounts.breakdown(lines, order.currency)
    net, vat, gross = amounts.totals(rows)
    sale = order.paid_at if order.payment_method == PaymentMethod.CARD and order.paid_at else None
    sale = sale or order.confirmed_at or order.created_at
    document = Invoice(
        kind=kind,
        order_id=order.id,
        series=kind.value,
        issued_at=now,
        sale_date=sale.astimezone(get_timezone()).date(),
        reason=reason,
        seller=seller_copy(),
        buyer=buyer_copy(order),
        lines=lines,
        vat_breakdown=rows,
        net_total=net,
        tax_total=vat,
        total=gross,
        currency=order.currency,
        locale=order.locale or "en",
        payment_method=order.payment_method.value if order.payment_method else "",
        payment_status=order.payment_state.value if order.payment_state else "",
        user_id=by.id if by.kind == "user" else None,
    )
    # The number last: the series stays locked from here to the commit, so keep that short.
    document.year, document.sequence, document.number = take_number(kind, now)
    return document


# --- the verbs ----------------------------------------------------------------------------------


def issue_invoice(order: Order, *, by: Actor, reason: str = "staff", now: datetime | None = None) -> Invoice:
    """The order's invoice, numbered now, in the caller's transaction; refused when the order is
    not a sales order, has one already, or the buyer's tax ID is not valid. Sends
    ``invoice_issued`` (its e-mail attaches the PDF)."""
    if order.state != OrderState.SALES_ORDER:
        raise InvoiceRefused(why="not_sales_order", number=order.number or "")
    if order.source == EXCHANGE_SOURCE:
        raise InvoiceRefused(why="exchange", number=order.number or "")
    existing = invoice_for(order)
    if existing is not None:
        raise InvoiceRefused(why="already", number=order.number or "", invoice=existing.number)
    buyer_copy(order)  # refuse a bad tax ID before a number is taken
    now = now or utcnow()
    invoice = new_document(InvoiceKind.INVOICE, order, order_lines(order), by=by, reason=reason, now=now)
    # Issued by someone else while this waited for the series: give the number back, refuse.
    existing = invoice_for(order)
    if existing is not None:
        give_back(InvoiceKind.INVOICE.value, invoice.year)
        raise InvoiceRefused(why="already", number=order.number or "", invoice=existing.number)
    db.session.add(invoice)
    db.session.flush()
    history.record(order, by=by, kind="invoice", after="issued", note=invoice.number)
    events.invoice_issued.send(order, invoice=invoice, by=by)
    _credit_earlier_refunds(order, by=by, now=now)
    return invoice


def _credit_earlier_refunds(order: Order, *, by: Actor, now: datetime) -> None:
    """Refunds made before the invoice (a B2C customer asking after a partial refund) get their
    credit notes now, right after it: invoice + credit notes always equal what was kept."""
    from shop.invoicing.credit_notes import issue_credit_note
    from shop.payments.models import Refund, RefundState

    earlier = db.session.scalars(
        select(Refund)
        .where(Refund.order_id == order.id, Refund.state == RefundState.SUCCEEDED)
        .order_by(Refund.id)
    )
    for refund in earlier:
        issue_credit_note(
            order,
            refund_id=refund.id,
            amount=refund.credited or Decimal("0"),
            lines=refund.lines,
            delivery=refund.delivery,
            by=by,
            now=now,
        )


def can_issue(order: Order, documents: list[Invoice] | None = None) -> bool:
    """Whether issue_invoice would go on (the tax ID aside): a sales order without its invoice,
    and not the replacement of an exchanged return (the goods swapped were sold, and invoiced,
    on the first order; invoicing the replacement would count the sale twice).
    ``documents``: the order's, when the caller has them already."""
    if order.state != OrderState.SALES_ORDER or order.source == EXCHANGE_SOURCE:
        return False
    if documents is None:
        return invoice_for(order) is None
    return not any(document.kind == InvoiceKind.INVOICE for document in documents)


def request_deadline(order: Order) -> datetime:
    """Until when a customer may ask for an invoice: the request days after the order."""
    days = invoicing_settings.current().request_days
    return (order.confirmed_at or order.created_at) + timedelta(days=days)


def can_request(order: Order, now: datetime | None = None) -> bool:
    """Whether the customer sees the "request invoice" button."""
    return can_issue(order) and (now or utcnow()) <= request_deadline(order)


def request_invoice(order: Order, *, now: datetime | None = None) -> Invoice:
    """A customer (B2C) asks for the invoice of their order, within the time limit."""
    now = now or utcnow()
    if order.state == OrderState.SALES_ORDER and now > request_deadline(order):
        raise InvoiceRefused(why="request_closed", days=invoicing_settings.current().request_days)
    return issue_invoice(order, by=Actor.customer(order), reason="request", now=now)


def _issue_automatically(order: Order, reason: str) -> Invoice | None:
    """Automatic paths must never undo the change that triggered them: a refusal is logged and
    written in the order's history for staff to see, and the order goes on."""
    if invoice_for(order) is not None:
        return None
    try:
        return issue_invoice(order, by=Actor.system(), reason=reason)
    except (InvoiceRefused, InvalidBuyerTaxId) as refusal:
        current_app.logger.warning("order %s: no automatic invoice: %s", order.number, refusal.code)
        history.record(order, by=Actor.system(), kind="invoice", after="not issued", note=refusal.code)
        return None


def _paid_online(order: Order) -> bool:
    return order.payment_method == PaymentMethod.CARD and order.is_paid


def on_sales_order_confirmed(order: Order, **_: object) -> None:
    """B2B orders are invoiced when they become sales orders; so are card orders paid online
    when the seller turned that on. Never an exchange: see can_issue."""
    if not can_issue(order):
        return
    if is_b2b(order):
        _issue_automatically(order, "b2b")
    elif _paid_online(order) and invoicing_settings.current().on_online_payment:
        _issue_automatically(order, "payment")


def on_payment_received(order: Order, *, transaction: object = None, **_: object) -> None:
    """An online payment confirmed for an order that is a sales order already (paid later)."""
    if (
        order.state == OrderState.SALES_ORDER
        and _paid_online(order)
        and invoicing_settings.current().on_online_payment
    ):
        _issue_automatically(order, "payment")


def connect() -> None:
    events.sales_order_confirmed.connect(on_sales_order_confirmed)
    events.payment_received.connect(on_payment_received)
