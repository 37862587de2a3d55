"""The customer's invoices: ask for one (B2C, within the time limit) and download their own
invoices and credit notes, from the tracking page (the link's token is the key) or from their
account. Another customer's document is 404, as an unknown one."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.invoicing import pdf, services
from shop.invoicing.models import Invoice
from shop.sales import services as sales
from shop.sales.models import Order
from shop.storefront.forms import ActionForm
from shop.storefront.views import bp
from shop.web import parse_id


def _document_of(order: Order, invoice_id: object) -> Invoice:
    document = db.session.get(Invoice, parse_id(invoice_id) or 0)
    if document is None or document.order_id != order.id:
        raise NotFound()
    return document


@bp.app_template_global()
def customer_invoices(order: Order) -> dict:
    """The order page's invoice panel: the documents, and whether the customer may ask."""
    return {"documents": services.documents_for(order), "can_request": services.can_request(order)}


@bp.app_template_global()
def account_invoices(orders: list[Order]) -> dict[int, list[Invoice]]:
    """The documents of the account's orders, by order id, in one query."""
    found: dict[int, list[Invoice]] = {}
    ids = [order.id for order in orders]
    for document in (
        db.session.scalars(db.select(Invoice).where(Invoice.order_id.in_(ids)).order_by(Invoice.id))
        if ids
        else ()
    ):
        found.setdefault(document.order_id, []).append(document)
    return found


@bp.post("/orders/<token>/invoice")
def request_invoice(token: str):
    order = sales.order_by_token(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invoice = services.request_invoice(order)
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("Invoice %(number)s is issued; you can download it below.", number=invoice.number), "success")
    return redirect(url_for("storefront.track", token=token), 303)


@bp.get("/orders/<token>/invoices/<invoice_id>.pdf")
def invoice_pdf(token: str, invoice_id: str):
    return pdf.response(_document_of(sales.order_by_token(token), invoice_id), disposition="attachment")


@bp.get("/account/invoices/<invoice_id>.pdf")
@login_required
def account_invoice_pdf(invoice_id: str):
    document = db.session.get(Invoice, parse_id(invoice_id) or 0)
    if document is None or document.order.customer_id != current_user.id:
        raise NotFound()
    return pdf.response(document, disposition="attachment")
