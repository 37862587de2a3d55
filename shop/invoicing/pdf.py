"""An invoice or credit note as HTML and PDF, in the document's language (documents.render's
page, fonts and WeasyPrint; Persian shaped right to left, Jalali dates)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Response, render_template
from flask_babel import force_locale, gettext
from markupsafe import Markup

from shop.documents import render
from shop.extensions import db
from shop.i18n import text_direction, translated
from shop.invoicing.amounts import in_words
from shop.invoicing.models import Invoice, InvoiceKind
from shop.sales.models import Order, payment_method_label, payment_state_label


@dataclass
class PrintedLine:
    label: str
    sku: str
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


def title(document: Invoice) -> str:
    return gettext("Credit note") if document.is_credit_note else gettext("Invoice")


def _label(line: dict, locale: str) -> str:
    if line.get("delivery"):
        return gettext("Delivery")
    if line.get("correction"):
        return gettext("Price correction (VAT %(rate)s%%)", rate=line["vat_rate"])
    name, variant = translated(line.get("name"), locale), translated(line.get("variant"), locale)
    return f"{name} · {variant}" if variant else name


def _context(document: Invoice) -> dict:
    locale = document.locale or "en"
    lines = [
        PrintedLine(
            label=_label(line, locale),
            sku=line.get("sku") or "",
            quantity=int(line["quantity"]),
            unit_price=Decimal(line["unit_price"]),
            vat_rate=Decimal(line["vat_rate"]),
            net=Decimal(line["net"]),
            vat=Decimal(line["vat"]),
            gross=Decimal(line["gross"]),
        )
        for line in document.lines
    ]
    breakdown = [{key: Decimal(value) for key, value in row.items()} for row in document.vat_breakdown]
    order = db.session.get(Order, document.order_id)
    language = locale if locale in ("en", "tr", "pl", "fa") else "en"
    return {
        "doc": document,
        "title": title(document),
        "locale": locale,
        "direction": text_direction(locale),
        "lines": lines,
        "breakdown": breakdown,
        "order_number": order.number if order else "",
        "corrected": document.invoice if document.is_credit_note else None,
        "in_words": in_words(document.total, document.currency, language),
        "payment_method": payment_method_label(document.payment_method),
        "payment_status": payment_state_label(document.payment_status),
    }


def body(document: Invoice) -> Markup:
    """The document's <section>, in its language."""
    template = "credit_note.html" if document.kind == InvoiceKind.CREDIT_NOTE else "invoice.html"
    with force_locale(document.locale or "en"):
        return Markup(render_template(f"documents/{template}", **_context(document)))


def html(document: Invoice, *, preview: bool = False, toolbar: Markup | None = None) -> str:
    with force_locale(document.locale or "en"):
        name = f"{title(document)} {document.number}"
    return render.page(document.kind.value, [body(document)], preview=preview, title=name, toolbar=toolbar)


def pdf(document: Invoice) -> bytes:
    return render.to_pdf(html(document))


def response(document: Invoice, *, disposition: str = "inline") -> Response:
    """The document's PDF as an HTTP answer (staff open it inline, customers download it); never
    cached by a shared cache: it carries a buyer's name and address."""
    return Response(
        pdf(document),
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="{document.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
