"""Credit notes: a refund of an invoiced order corrects its invoice.

Convention (Polish "faktura korygująca", and how Odoo reverses an invoice): a credit note is its
own document with its own gapless series, refers to the invoice and the refund, and carries the
correction as negative quantities and amounts, so invoice + credit notes = what was finally sold.

What it credits is the refund's ``credited`` part (goods or charges given back); paying back a
surplus (an overpayment, a cancelled order's money) corrects no sale and issues no credit note.
- A refund by lines (``refund.lines`` with quantities, and ``refund.delivery``) credits those
  lines at the invoice's unit prices, when they add up to the credited amount;
- otherwise (a refund by amount) the amount is split over the invoice's VAT rates in proportion
  to their gross, the remainder on the last rate, one "price correction" line per rate.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from shop import events
from shop.db_types import utcnow
from shop.extensions import db
from shop.invoicing import amounts
from shop.invoicing.models import Invoice, InvoiceKind
from shop.invoicing.services import invoice_for, new_document
from shop.money import line_amounts, round_money
from shop.orders import history
from shop.orders.history import Actor
from shop.sales.models import Order, OrderState

ZERO = Decimal("0")


def credit_note_for(refund_id: int) -> Invoice | None:
    return db.session.scalar(
        select(Invoice).where(Invoice.kind == InvoiceKind.CREDIT_NOTE, Invoice.refund_id == refund_id)
    )


def credited_so_far(invoice: Invoice) -> Decimal:
    """What the invoice's credit notes took off it, as a positive amount."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Invoice.total), 0)).where(
            Invoice.kind == InvoiceKind.CREDIT_NOTE, Invoice.invoice_id == invoice.id
        )
    )
    return -Decimal(total)


def _negated(line: dict, quantity: int, currency: str) -> dict:
    price = Decimal(line["unit_price"])
    figures = line_amounts(price, quantity, Decimal(line["vat_rate"]), currency)
    return {
        **line,
        "quantity": -quantity,
        "net": str(-figures.net),
        "vat": str(-figures.tax),
        "gross": str(-figures.gross),
    }


def lines_by_refund(invoice: Invoice, refund_lines: list[dict], delivery: bool) -> list[dict]:
    """The invoice's lines the refund names, with the refunded quantities, negated."""
    by_id = {line.get("line_id"): line for line in invoice.lines if line.get("line_id") is not None}
    out = []
    for item in refund_lines or []:
        line = by_id.get(item.get("line_id"))
        quantity = int(item.get("quantity") or 0)
        if line is None or not 0 < quantity <= int(line["quantity"]):
            raise ValueError(f"refund line {item!r} is not on invoice {invoice.number}")
        out.append(_negated(line, quantity, invoice.currency))
    if delivery:
        out += [_negated(line, 1, invoice.currency) for line in invoice.lines if line.get("delivery")]
    return out


def lines_by_amount(invoice: Invoice, amount: Decimal) -> list[dict]:
    """One negative "price correction" line per VAT rate, the amount split in proportion."""
    out = []
    for rate, part in amounts.split_by_rates(amount, invoice.vat_breakdown, invoice.currency):
        net = round_money(part / (1 + Decimal(rate) / 100), invoice.currency)
        out.append(
            {
                "line_id": None,
                "correction": True,
                "sku": "",
                "name": {},
                "variant": {},
                "quantity": 1,
                "unit_price": str(-part),
                "vat_rate": rate,
                "net": str(-net),
                "vat": str(-(part - net)),
                "gross": str(-part),
            }
        )
    return out


def issue_credit_note(
    order: Order,
    *,
    refund_id: int | None,
    amount: Decimal,
    lines: list[dict] | None = None,
    delivery: bool = False,
    by: Actor,
    reason: str = "refund",
    now: datetime | None = None,
) -> Invoice | None:
    """The credit note for a refund of ``amount`` (what it credited) on an invoiced order, in the
    caller's transaction; None when the order has no invoice or nothing was credited. The same
    refund twice gives the same credit note. Never more than is left on the invoice."""
    invoice = invoice_for(order)
    if invoice is None or amount <= 0:
        return None
    existing = credit_note_for(refund_id) if refund_id is not None else None
    if existing is not None:
        return existing
    left = invoice.total - credited_so_far(invoice)
    amount = min(round_money(amount, invoice.currency), left)
    if amount <= 0:
        return None
    chosen = lines_by_refund(invoice, lines or [], delivery) if (lines or delivery) else []
    if -sum((Decimal(line["gross"]) for line in chosen), ZERO) != amount:
        chosen = lines_by_amount(invoice, amount)  # by amount, or lines that do not match it
    note = new_document(InvoiceKind.CREDIT_NOTE, order, chosen, by=by, reason=reason, now=now or utcnow())
    note.invoice_id, note.refund_id = invoice.id, refund_id
    # The parties as on the invoice corrected (the order's address may have changed since).
    note.buyer, note.sale_date, note.locale = invoice.buyer, invoice.sale_date, invoice.locale
    db.session.add(note)
    db.session.flush()
    history.record(
        order,
        by=by,
        kind="invoice",
        after="credit note",
        note=f"{note.number} ({invoice.number})",
    )
    events.invoice_issued.send(order, invoice=note, by=by)
    return note


def on_order_cancelled(order: Order, *, by: Actor | None = None, **_: object) -> None:
    """An invoiced sales order cancelled: a credit note takes what is left of the invoice off
    (all its lines when nothing was credited yet), so invoice + credit notes = 0, what a
    cancelled order owes. The money paid back later credits nothing more (refunds.py)."""
    if order.state != OrderState.CANCELLED:
        return
    invoice = invoice_for(order)
    if invoice is None:
        return
    left = invoice.total - credited_so_far(invoice)
    if left <= 0:
        return
    whole = left == invoice.total
    issue_credit_note(
        order,
        refund_id=None,
        amount=left,
        lines=[
            {"line_id": line["line_id"], "quantity": line["quantity"]}
            for line in invoice.lines
            if whole and line.get("line_id")
        ],
        delivery=whole,
        by=by or Actor.system(),
        reason="cancelled",
    )


def on_refund_issued(order: Order, *, refund: object, by: Actor | None = None, **_: object) -> None:
    """events.refund_issued: a refund that credited the customer corrects the invoice."""
    credited = getattr(refund, "credited", None)
    amount = Decimal(credited if credited is not None else refund.amount)
    issue_credit_note(
        order,
        refund_id=refund.id,
        amount=amount,
        lines=list(getattr(refund, "lines", None) or []),
        delivery=bool(getattr(refund, "delivery", False)),
        by=by or Actor.system(),
    )


def connect() -> None:
    events.refund_issued.connect(on_refund_issued)
    events.order_cancelled.connect(on_order_cancelled)
    events.status_changed.connect(on_order_cancelled)  # a status that cancels a sales order
