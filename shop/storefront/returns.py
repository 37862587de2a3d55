"""The customer's returns (S5): the guest's way in (order number and e-mail address, then a
link by e-mail, see return_links), the return form (one page for the account and the guest's
link), the return's own page (its access token is the key) with the label once approved, and
the account's list. The rules are shop.returns.requests'; these pages show what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage

from shop.catalog import pictures as catalog_pictures
from shop.errors import NotFound, ReturnRefused
from shop.extensions import db
from shop.i18n import format_number
from shop.orders.history import Actor
from shop.returns import handling, photos
from shop.returns import requests as returns
from shop.returns.labels import reason_label
from shop.returns.labels import state_label as return_state_label
from shop.returns.models import ReturnRequest, ReturnState
from shop.sales.models import Order, OrderState
from shop.storefront import return_links
from shop.storefront.blueprint import bp
from shop.storefront.returns_forms import ReturnForm, ReturnStartForm, return_form
from shop.web import login_rate_limit, query_text

FORM_TEMPLATE = "storefront/returns/form.html"
FORM_ENDPOINTS = ("storefront.return_new", "storefront.return_guest_form")
# The form's other fields and the multipart framing, on top of the photo itself.
FORM_OVERHEAD_BYTES = 64 * 1024
# From approval on, the customer has the label and the instructions.
LABEL_STATES = (ReturnState.APPROVED, ReturnState.RECEIVED, ReturnState.REFUNDED, ReturnState.EXCHANGED)


@bp.url_value_preprocessor
def _allow_return_photos(endpoint: str | None, values: dict | None) -> None:
    """The return form takes a photo as large as a product picture while every other request
    keeps MAX_CONTENT_LENGTH. Set before the CSRF check, the first to read the body."""
    if endpoint in FORM_ENDPOINTS:
        request.max_content_length = catalog_pictures.max_upload_bytes() + FORM_OVERHEAD_BYTES


@bp.app_template_global()
def storefront_returns(order: Order) -> dict:
    """The tracking page's returns section: the order's returns, and where to start one (None
    when nothing of the order can be returned): the account's form for the signed-in owner,
    else the guest's way in with the number filled in."""
    start = None
    if order.number and not returns.order_refusal(order):
        if current_user.is_authenticated and order.customer_id == current_user.id:
            start = url_for("storefront.return_new", number=order.number)
        else:
            start = url_for("storefront.returns_start", number=order.number)
    return {"returns": returns.returns_of(order), "start": start}


bp.add_app_template_global(return_state_label, "return_state_label")


# --- the guest's way in ----------------------------------------------------------------------


@bp.route("/returns", methods=["GET", "POST"])
@login_rate_limit  # each answer may send an e-mail: counted with the password forms
def returns_start():
    """The same answer whether or not the order exists and the address is its own."""
    form = ReturnStartForm()
    if request.method == "GET":
        form.number.data = return_links.normalise_number(query_text("number", 20))
    if form.validate_on_submit():
        return_links.send_link(form.number.data, form.email.data)
        db.session.commit()
        flash(
            _(
                "If an order with this number and e-mail address can be returned, we sent a link "
                "to that address; it works for %(hours)s hours.",
                hours=format_number(return_links.RETURN_LINK_MAX_AGE_HOURS),
            ),
            "success",
        )
        return redirect(url_for("storefront.returns_start"), 303)
    return render_template("storefront/returns/start.html", form=form), 422 if form.errors else 200


@bp.route("/returns/form/<token>", methods=["GET", "POST"])
def return_guest_form(token: str):
    try:
        order = return_links.order_for_token(token)
    except return_links.ReturnLinkInvalid as error:
        return render_template("storefront/returns/link_invalid.html", problem=str(error)), 400
    return _return_form(order, channel="guest")


# --- the form, from the account or the guest's link ------------------------------------------


@bp.route("/account/orders/<number>/return", methods=["GET", "POST"])
@login_required
def return_new(number: str):
    order = (
        db.session.scalar(
            db.select(Order).where(Order.number == number, Order.customer_id == current_user.id)
        )
        if len(number) <= 20
        else None
    )
    if order is None or order.state == OrderState.QUOTATION:
        raise NotFound()
    return _return_form(order, channel="account")


def _uploaded_photo(form: ReturnForm) -> bytes | None:
    """The photo's bytes, None when none was chosen; ReturnRefused (field "photo") when too large."""
    upload = form.photo.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    return photos.read(upload.stream)


def _return_form(order: Order, *, channel: str):
    refusal = returns.order_refusal(order)
    lines = [] if refusal else returns.returnable_lines(order)
    form = return_form([item.line.id for item in lines])
    can_return = any(item.available for item in lines)
    if request.method == "POST" and not can_return:
        return _form_page(order, form, lines, refusal, status=422)
    if form.validate_on_submit():
        try:
            created = returns.request_return(
                order,
                form.quantities(),
                reason=form.reason.data,
                reason_text=form.reason_text.data or "",
                photo=_uploaded_photo(form),
                channel=channel,
                by=Actor.customer(order),
            )
            db.session.commit()
        except ReturnRefused as error:
            db.session.rollback()
            form.show_error(error)
        else:
            flash(
                _(
                    "Return %(number)s is requested. We will tell you by e-mail how it goes on.",
                    number=created.number,
                ),
                "success",
            )
            return redirect(url_for("storefront.return_page", token=created.access_token), 303)
    status = 422 if form.errors or form.form_errors else 200
    return _form_page(order, form, lines, refusal, status=status)


def _form_page(order: Order, form: ReturnForm, lines: list, refusal: str, *, status: int):
    return (
        render_template(
            FORM_TEMPLATE,
            order=order,
            form=form,
            lines=lines,
            refusal=refusal,
            can_return=any(item.available for item in lines),
            reason_label_other=reason_label("other"),
            reason_text_max=returns.REASON_TEXT_MAX,
            photo_max_mb=format_number(round(catalog_pictures.max_upload_bytes() / (1024 * 1024), 1)),
        ),
        status,
    )


# --- the return's page and label --------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of the return's timeline as the customer reads it."""

    at: datetime
    what: str
    detail: str = ""
    link: str = ""  # the exchange order's tracking page


def _timeline(return_request: ReturnRequest) -> list[Step]:
    steps = [Step(return_request.created_at, _("Return requested"))]
    if return_request.state == ReturnState.REJECTED:
        steps.append(
            Step(
                return_request.decided_at or return_request.updated_at,
                _("Rejected"),
                return_request.rejection_reason,
            )
        )
    elif return_request.decided_at:
        steps.append(Step(return_request.decided_at, _("Approved: send the items back with the label")))
    if return_request.received_at:
        steps.append(Step(return_request.received_at, _("Items received")))
    if return_request.closed_at and return_request.state == ReturnState.REFUNDED:
        steps.append(Step(return_request.closed_at, _("Refunded")))
    elif return_request.closed_at and return_request.state == ReturnState.EXCHANGED:
        exchange = return_request.exchange_order
        steps.append(
            Step(
                return_request.closed_at,
                _("Exchanged: the replacement is on its way"),
                _("Order %(number)s", number=exchange.number) if exchange else "",
                url_for("storefront.track", token=exchange.tracking_token) if exchange else "",
            )
        )
    return steps


def _by_token(token: str) -> ReturnRequest:
    found = (
        db.session.scalar(db.select(ReturnRequest).where(ReturnRequest.access_token == token))
        if 0 < len(token) <= 32
        else None
    )
    if found is None:
        raise NotFound()
    return found


@bp.get("/returns/<token>")
def return_page(token: str):
    return_request = _by_token(token)
    return render_template(
        "storefront/returns/return.html",
        return_request=return_request,
        order=return_request.order,
        timeline=_timeline(return_request),
        has_label=return_request.state in LABEL_STATES,
        instructions=handling.instructions_for(return_request),
        reason_label=reason_label,
    )


@bp.get("/returns/<token>/label.pdf")
def return_label(token: str):
    return_request = _by_token(token)
    if return_request.state not in LABEL_STATES:
        raise NotFound()
    return Response(
        handling.label_pdf(return_request),
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{return_request.number}-label.pdf"',
            "Cache-Control": "private, no-store",  # it carries the customer's name and address
        },
    )


# --- the account's list ----------------------------------------------------------------------


@bp.get("/account/returns")
@login_required
def my_returns():
    return render_template("storefront/returns/list.html", returns=returns.for_customer(current_user.id))
