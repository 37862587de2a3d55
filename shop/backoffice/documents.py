"""Printed documents in the back office (issue 12), admins and staff only (couriers get 403):
each order's documents at stable addresses, as PDF and as an on-screen preview of the same
HTML, and batches of many orders made by the worker with a progress bar."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import undefer
from wtforms import HiddenField, SelectMultipleField, StringField

from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.documents import batches, numbering, render
from shop.documents.models import DocumentBatch
from shop.errors import NotFound
from shop.extensions import db
from shop.forms import ShopForm
from shop.sales import services as sales
from shop.sales.models import Order
from shop.web import parse_id


class BatchForm(ShopForm):
    kind = StringField()
    numbers = SelectMultipleField(validate_choice=False)  # order numbers (the contract)
    order = SelectMultipleField(validate_choice=False)  # order ids, as the order list's checkboxes send them
    back = HiddenField()  # the order list's own field, ignored here


def _order_with(number: str, kind: str) -> Order:
    """The order, if it has a ``kind`` document; otherwise 404 (also for unknown kinds)."""
    order = sales.order_by_number(number)
    if not render.applies(kind, order):
        raise NotFound()
    return order


def _pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.app_template_global()
def order_documents(order: Order) -> dict:
    """The order page's documents panel: what can be printed, and the dispatch note's number."""
    issued = numbering.issued(order, numbering.DISPATCH_NOTE) if order.id else None
    return {
        "kinds": [
            {
                "kind": kind,
                "name": render.KIND_NAMES[kind],
                "pdf": url_for("backoffice.order_document_pdf", number=order.number, kind=kind),
                "preview": url_for("backoffice.order_document", number=order.number, kind=kind),
            }
            for kind in render.kinds_for(order)
        ],
        "dispatch_note": issued,
    }


@bp.app_template_global()
def document_kinds() -> list[tuple[str, str]]:
    """The kinds a batch can print, with their names (the order list's print buttons)."""
    return [(kind, str(render.KIND_NAMES[kind])) for kind in render.KINDS]


@bp.get("/orders/<number>/documents/<kind>.pdf")
@staff_required
def order_document_pdf(number: str, kind: str):
    """The PDF; printing a dispatch note the first time gives it its number (kept on reprints)."""
    order = _order_with(number, kind)
    pdf = render.pdf_for(kind, [order], by=actor())
    db.session.commit()
    return _pdf_response(pdf, f"{order.number}-{kind}.pdf")


@bp.get("/orders/<number>/documents/<kind>")
@staff_required
def order_document(number: str, kind: str):
    """The same document as HTML, on screen (no number is issued by looking)."""
    order = _order_with(number, kind)
    issued = numbering.issued(order, kind)
    toolbar = Markup(render_template("backoffice/documents/_toolbar.html", order=order, kind=kind))
    return render.page(kind, [render.body(kind, order, issued=issued)], preview=True, toolbar=toolbar)


# --- batches ----------------------------------------------------------------------------------


@bp.post("/documents/batches")
@staff_required
def create_document_batch():
    form = BatchForm()
    if not form.validate_on_submit():
        flash(_("The form expired; select the orders and print again."), "error")
        return redirect(url_for("backoffice.orders"), 303)
    numbers = [str(number) for number in form.numbers.data or []]
    ids = [order_id for value in form.order.data or [] if (order_id := parse_id(value))]
    if ids:
        numbers += db.session.scalars(db.select(Order.number).where(Order.id.in_(ids[: batches.MAX_ORDERS])))
    try:
        batch = batches.enqueue(
            form.kind.data or "", numbers, user=current_user, locale=str(get_locale() or "en")
        )
        db.session.commit()
    except batches.BatchRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for("backoffice.orders"), 303)
    return redirect(url_for("backoffice.document_batch", batch_id=batch.id), 303)


def _batch(batch_id: int) -> DocumentBatch:
    batch = db.session.get(DocumentBatch, parse_id(batch_id))
    if batch is None:
        raise NotFound()
    return batch


def _batch_context(batch: DocumentBatch) -> dict:
    return {
        "batch": batch,
        "running": batches.RUNNING,
        "kind_name": render.KIND_NAMES.get(batch.kind, batch.kind),
    }


@bp.get("/documents/batches/<int:batch_id>")
@staff_required
def document_batch(batch_id: int):
    return render_template("backoffice/documents/batch.html", **_batch_context(_batch(batch_id)))


@bp.get("/documents/batches/<int:batch_id>/status")
@staff_required
def document_batch_status(batch_id: int):
    """The progress fragment the batch page polls (htmx) while the worker makes the PDF."""
    return render_template("backoffice/documents/_batch_status.html", **_batch_context(_batch(batch_id)))


@bp.get("/documents/batches/<int:batch_id>.pdf")
@staff_required
def document_batch_pdf(batch_id: int):
    batch = db.session.scalar(
        db.select(DocumentBatch)
        .where(DocumentBatch.id == parse_id(batch_id))
        .options(undefer(DocumentBatch.pdf))
    )
    if batch is None or batch.status != batches.DONE or not batch.pdf:
        raise NotFound()
    return _pdf_response(batch.pdf, f"{batch.kind}-batch-{batch.id}.pdf")
