"""Invoices in the back office (issue 13), admins and staff: the order page's invoice and credit
notes (and its "issue invoice" button), their PDFs at stable addresses, and a month's documents
with one ZIP of them for the accountant."""

from __future__ import annotations

import re
from datetime import date

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.forms import ShopForm
from shop.i18n import shop_today
from shop.invoicing import archive, pdf, services
from shop.invoicing.models import Invoice, InvoiceKind
from shop.sales import services as sales
from shop.sales.models import Order
from shop.web import parse_id

_MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
MONTH_PAGE = 500  # rows on the month page; the ZIP has them all


class IssueInvoiceForm(ShopForm):
    """The "issue invoice" button: nothing but the CSRF token."""


@bp.app_template_global()
def order_invoices(order: Order) -> dict:
    """The order page's invoice part of the documents panel."""
    documents = services.documents_for(order) if order.id else []
    return {
        "documents": documents,
        "can_issue": services.can_issue(order, documents),
        "form": IssueInvoiceForm(),
    }


@bp.post("/orders/<number>/invoice")
@staff_required
def issue_invoice(number: str):
    order = sales.order_by_number(number)
    if not IssueInvoiceForm().validate_on_submit():
        flash(_("The form expired; issue the invoice again."), "error")
        return redirect(url_for("backoffice.order", number=number), 303)
    try:
        invoice = services.issue_invoice(order, by=actor(), reason="staff")
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("Invoice %(number)s is issued.", number=invoice.number), "success")
    return redirect(url_for("backoffice.order", number=number), 303)


def _latest(number: str, kind: InvoiceKind) -> Invoice:
    order = sales.order_by_number(number)
    found = [document for document in services.documents_for(order) if document.kind == kind]
    if not found:
        raise NotFound()
    return found[-1]


@bp.get("/orders/<number>/documents/invoice.pdf")
@staff_required
def order_invoice_pdf(number: str):
    """The order's invoice (an order has one; corrections are credit notes)."""
    return pdf.response(_latest(number, InvoiceKind.INVOICE))


@bp.get("/orders/<number>/documents/credit-note.pdf")
@staff_required
def order_credit_note_pdf(number: str):
    """The order's latest credit note; earlier ones are listed on the order page."""
    return pdf.response(_latest(number, InvoiceKind.CREDIT_NOTE))


@bp.get("/invoices/<invoice_id>.pdf")
@staff_required
def invoice_pdf(invoice_id: str):
    document = db.session.get(Invoice, parse_id(invoice_id) or 0)
    if document is None:
        raise NotFound()
    return pdf.response(document)


def _month() -> tuple[int, int]:
    found = _MONTH.match(request.args.get("month", "")[:7])
    if found:
        return int(found.group(1)), int(found.group(2))
    today = shop_today()
    return today.year, today.month


@bp.get("/invoices")
@staff_required
def invoices():
    year, month = _month()
    documents = archive.documents_in_month(year, month, limit=MONTH_PAGE)
    previous = date(year - (month == 1), (month - 2) % 12 + 1, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return render_template(
        "backoffice/invoices/month.html",
        documents=documents,
        month=date(year, month, 1),
        previous=f"{previous:%Y-%m}",
        following=f"{following:%Y-%m}",
        more=len(documents) == MONTH_PAGE,
        orders={
            order.id: order.number
            for order in db.session.scalars(
                db.select(Order).where(Order.id.in_({document.order_id for document in documents}))
            )
        },
    )


@bp.get("/invoices/<int:year>-<int:month>.zip")
@staff_required
def invoices_zip(year: int, month: int):
    """Every invoice and credit note of the month, as PDFs, and an index (built in a temporary
    file, streamed from it)."""
    if not (2000 <= year <= 2099 and 1 <= month <= 12):
        raise NotFound()
    return send_file(
        archive.month_zip(year, month),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"invoices-{year}-{month:02d}.zip",
        max_age=0,
    )
