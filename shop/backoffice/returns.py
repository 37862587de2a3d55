"""Returns in the back office (B12): the list (filters, counts per state, newest first), a
return's page with the steps that fit its state (approve, reject, receive, refund, exchange), its
label and photo, and a return recorded by staff from the order page.

Each step is a CSRF POST that calls one function of shop.returns.handling, commits, and goes
back to the return's page (303); a refusal (ReturnRefused, or any domain error) shows the page
again with the message next to the field or line it names (422), nothing changed.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from types import SimpleNamespace

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, literal, tuple_
from sqlalchemy.orm import selectinload

from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.backoffice.return_forms import (
    ApproveForm,
    ExchangeForm,
    ReceiveForm,
    RejectForm,
    ReturnFilter,
    ReturnRefundForm,
    StaffReturnForm,
    filter_label,
)
from shop.catalog.models import Variant, Warehouse
from shop.db_types import UTCDateTime
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.i18n import format_money, translated
from shop.orders.history import events_for
from shop.orders.listing import Cursor, utc_bounds
from shop.payments import refunds
from shop.payments.models import Refund, RefundMethod
from shop.returns import handling, photos, requests
from shop.returns import notes as return_notes
from shop.returns import settings as return_settings
from shop.returns.labels import reason_label, state_label
from shop.returns.models import REASON_CODES, ReturnRequest, ReturnState
from shop.sales import services as sales
from shop.sales.models import Order, OrderLine

PAGE_SIZE = 50
DETAIL = "backoffice/returns/detail.html"
# States whose return has a label (approved or later, not rejected).
LABELLED = (ReturnState.APPROVED, ReturnState.RECEIVED, ReturnState.REFUNDED, ReturnState.EXCHANGED)


def channel_label(channel: str) -> str:
    return {
        "account": _("Customer’s account"),
        "guest": _("Guest form (e-mailed link)"),
        "staff": _("Recorded by staff"),
    }.get(channel, channel)


def return_number_in(note: str) -> str:
    """The return number a history note names (S000012-R1), or ""."""
    found = re.search(r"[^\s:,;]+-R\d+", note or "")
    return found.group(0) if found else ""


def describe_event(event) -> str:  # noqa: ANN001
    """The order timeline's words for a return event (kind "return"): its number and move."""
    number = return_number_in(event.note) or _("return")
    if event.before == event.after and return_notes.is_pending(event.note or ""):  # no answer yet
        return _("Return %(number)s: refund pending with the payment provider", number=number)
    if not event.before or event.before == event.after:
        return _("Return %(number)s: %(state)s", number=number, state=state_label(event.after))
    return _(
        "Return %(number)s: %(before)s → %(after)s",
        number=number,
        before=state_label(event.before),
        after=state_label(event.after),
    )


def event_note(event, number: str) -> str:  # noqa: ANN001
    """A return event's note without the return number it starts with (shown as the title)."""
    note = (event.note or "").strip()
    note = note.removeprefix(number).lstrip(":").strip() if note.startswith(number) else note
    return return_notes.shown(note)


def _events_of(return_request: ReturnRequest) -> list:
    """The order's history rows of kind "return" whose note names this return, newest first."""
    number = re.compile(rf"(?<![\w-]){re.escape(return_request.number)}(?![\w-])")
    return [
        event
        for event in reversed(events_for(return_request.order))
        if event.kind == "return" and number.search(event.note or "")
    ]


# --- shown elsewhere: the order page, the menu -------------------------------------------------


@bp.app_template_global()
def order_returns(order: Order) -> list[ReturnRequest]:
    """The order page's returns, oldest first."""
    return requests.returns_of(order)


@bp.app_template_global()
def order_return_refusal(order: Order) -> str:
    """Why staff cannot record a return for the order ("" when they can)."""
    return requests.order_refusal(order)


@bp.app_template_global()
def requested_returns() -> int:
    """Returns waiting for the seller's decision: the menu's count (ix_returns_state_created)."""
    return (
        db.session.scalar(
            db.select(func.count())
            .select_from(ReturnRequest)
            .where(ReturnRequest.state == ReturnState.REQUESTED)
        )
        or 0
    )


@bp.app_context_processor
def _labels() -> dict:
    return {"return_state_label": state_label, "return_reason_label": reason_label}


# --- the list ---------------------------------------------------------------------------------


def _conditions(return_filter: ReturnFilter) -> list:
    conditions = []
    if return_filter.reason:
        conditions.append(ReturnRequest.reason == return_filter.reason)
    start, end = utc_bounds(return_filter.date_from, return_filter.date_to)
    if start is not None:
        conditions.append(ReturnRequest.created_at >= start)
    if end is not None:
        conditions.append(ReturnRequest.created_at < end)
    return conditions


@bp.get("/returns")
@staff_required
def returns():
    return_filter = ReturnFilter.from_args(request.args)
    conditions = _conditions(return_filter)
    counts = {
        str(state): count
        for state, count in db.session.execute(
            db.select(ReturnRequest.state, func.count()).where(*conditions).group_by(ReturnRequest.state)
        )
    }
    query = db.select(ReturnRequest).where(*conditions)
    if return_filter.state is not None:
        query = query.where(ReturnRequest.state == return_filter.state)
    if (after := return_filter.after) is not None:
        query = query.where(
            tuple_(ReturnRequest.created_at, ReturnRequest.id)
            < tuple_(literal(after.created_at, UTCDateTime()), literal(after.id))
        )
    rows = list(
        db.session.scalars(
            query.options(selectinload(ReturnRequest.order), selectinload(ReturnRequest.lines))
            .order_by(ReturnRequest.created_at.desc(), ReturnRequest.id.desc())
            .limit(PAGE_SIZE + 1)
        )
    )
    args = return_filter.to_args()
    next_url = None
    if len(rows) > PAGE_SIZE:
        last = rows[PAGE_SIZE - 1]
        next_url = url_for("backoffice.returns", **args, after=str(Cursor(last.created_at, last.id)))
    status = 422 if return_filter.problems else 200
    return render_template(
        "backoffice/returns/list.html",
        rows=rows[:PAGE_SIZE],
        counts=counts,
        total=sum(counts.values()),
        filter=return_filter,
        states=list(ReturnState),
        reasons=REASON_CODES,
        problems=[f"{filter_label(name)}: {message}" for name, message in return_filter.problems.items()],
        first_url=url_for("backoffice.returns", **args) if return_filter.after else None,
        next_url=next_url,
    ), status


# --- one return ---------------------------------------------------------------------------------


def _return(return_id: int) -> ReturnRequest:
    found = db.session.get(ReturnRequest, return_id) if 0 < return_id < 2**31 else None
    if found is None:
        abort(404)
    return found


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def _refund_preview(return_request: ReturnRequest) -> tuple[Decimal | None, str]:
    """What refunding the received lines would give back, or why it cannot be worked out."""
    received = [
        {"line_id": line.order_line_id, "quantity": line.received}
        for line in return_request.lines
        if line.received
    ]
    if not received:
        return None, _("Nothing came back to refund.")
    order = return_request.order
    refund_rows = refunds.refunds_for(order)
    try:
        amount, _lines = refunds.amount_for_lines(order, received, False, refund_rows)
    except ShopError as error:
        return None, str(error)
    left = refunds.remaining_for(order, refund_rows)
    if amount > left:  # e.g. cash on delivery not recorded yet: the refund service would refuse
        return None, _(
            "%(amount)s cannot be refunded: the order keeps only %(left)s of what was paid. "
            "Record the customer’s payment on the order page first, or make an exchange.",
            amount=format_money(amount, order.currency),
            left=format_money(left, order.currency),
        )
    return amount, ""


def _by_provider(order: Order) -> bool:
    """Whether the money goes back through the payment's provider (else recorded by hand), as
    the order page's refund forms decide."""
    return bool(refunds.through_provider(order))


def _exchange_choices(return_request: ReturnRequest) -> dict[int, list[Variant]]:
    """Per return line: the variants of the same product at the same price, for sale."""
    ordered = {line.id: line.order_line for line in return_request.lines}
    product_of = {line_id: ol.variant.product_id for line_id, ol in ordered.items()}
    variants = list(
        db.session.scalars(
            db.select(Variant)
            .where(Variant.product_id.in_(set(product_of.values())), Variant.archived.is_(False))
            .order_by(Variant.position, Variant.id)
        )
    )
    return {
        line_id: [v for v in variants if v.product_id == product_of[line_id] and v.price == ol.unit_price]
        for line_id, ol in ordered.items()
    }


def _warehouses() -> list[Warehouse]:
    return list(db.session.scalars(db.select(Warehouse).order_by(Warehouse.position, Warehouse.id)))


def _page(return_request: ReturnRequest, *, status: int = 200, **forms) -> tuple[str, int]:
    from shop.backoffice.order_detail import actor_kind_label
    from shop.backoffice.payments import refund_method_label, refund_state_label

    order = return_request.order
    state = return_request.state
    context: dict = {
        "ret": return_request,
        "order": order,
        "events": _events_of(return_request),
        "channel_label": channel_label,
        "line_name": lambda line: " – ".join(
            part for part in (translated(line.product_name), translated(line.variant_name)) if part
        ),
        "has_label": state in LABELLED,
        "refund": db.session.get(Refund, return_request.refund_id) if return_request.refund_id else None,
        "describe_return_event": describe_event,
        "event_note": lambda event: event_note(event, return_request.number),
        # What the customer is sent when the clerk leaves the instructions empty.
        "built_in_instructions": handling.instructions_for(SimpleNamespace(instructions="")),
        "actor_kind_label": actor_kind_label,
        "refund_state_label": refund_state_label,
        "refund_method_label": refund_method_label,
    }
    if state == ReturnState.REQUESTED:
        context["approve_form"] = forms.get("approve_form") or ApproveForm(
            formdata=None, instructions=return_settings.current().instructions
        )
        context["reject_form"] = forms.get("reject_form") or RejectForm(formdata=None)
    if state == ReturnState.APPROVED:
        warehouses = _warehouses()
        receive_form = forms.get("receive_form") or ReceiveForm(formdata=None)
        receive_form.offer(warehouses)
        context["receive_form"] = receive_form
    if state == ReturnState.RECEIVED:
        amount, why_not = _refund_preview(return_request)
        by_provider = _by_provider(order)
        context |= {
            "refund_form": forms.get("refund_form") or ReturnRefundForm(formdata=None, key=_new_key()),
            "refund_amount": amount,
            "refund_why_not": why_not,
            "refund_by_provider": by_provider,
            "refund_pending": handling.pending_refund_message(return_request),
            "exchange_form": forms.get("exchange_form") or ExchangeForm(formdata=None),
            "exchange_choices": _exchange_choices(return_request),
        }
    acting = forms.get("acting", "")
    if acting and acting not in context:
        # A step the return's state no longer offers (someone else moved it meanwhile): its
        # refusal is shown above the page, since its form is not there.
        form = forms[acting]
        context["stray_errors"] = [
            *form.form_errors,
            *(message for f in form if f.name != "csrf_token" for message in f.errors),
            *form.line_errors.values(),
        ] or [_("The form expired. Please send it again.")]
    return render_template(DETAIL, **context), status


@bp.get("/returns/<int:return_id>")
@staff_required
def return_detail(return_id: int):
    return _page(_return(return_id))


def _done(return_request: ReturnRequest, message: str):
    flash(message, "success")
    return redirect(url_for("backoffice.return_detail", return_id=return_request.id), 303)


def _act(return_request: ReturnRequest, form, form_name: str, step, *, kept=(), after_refusal=None):  # noqa: ANN001
    """Run one handling step and commit; a refusal shows the page again with it (422). A
    refusal of a type in ``kept`` is committed, not rolled back: what it wrote is the record of
    the refusal (a provider's refused refund, see handling.refund)."""
    try:
        step()
        db.session.commit()
    except ShopError as error:
        if isinstance(error, kept):
            db.session.commit()
        else:
            db.session.rollback()
        form.show(error)
        if after_refusal is not None:
            after_refusal()
        return _page(_return(return_request.id), status=422, acting=form_name, **{form_name: form})
    return None


def _refused(return_request: ReturnRequest, form, form_name: str):  # noqa: ANN001
    db.session.rollback()
    return _page(return_request, status=422, acting=form_name, **{form_name: form})


def _simple_step(return_id: int, form_class, form_name: str, run, done: str):  # noqa: ANN001
    """A step whose form needs nothing from the page (approve, reject): ``run(return, form)``
    takes it; ``done`` is the message, with %(number)s for the return's number."""
    return_request = _return(return_id)
    form = form_class()
    if not form.validate_on_submit():
        return _refused(return_request, form, form_name)
    refused = _act(return_request, form, form_name, lambda: run(return_request, form))
    return refused or _done(return_request, done % {"number": return_request.number})


@bp.post("/returns/<int:return_id>/approve")
@staff_required
def approve_return(return_id: int):
    return _simple_step(
        return_id,
        ApproveForm,
        "approve_form",
        lambda rr, form: handling.approve(
            rr, by=actor(), instructions=(form.instructions.data or "").strip()
        ),
        _("Return %(number)s approved."),
    )


@bp.post("/returns/<int:return_id>/reject")
@staff_required
def reject_return(return_id: int):
    return _simple_step(
        return_id,
        RejectForm,
        "reject_form",
        lambda rr, form: handling.reject(rr, reason=(form.reason.data or "").strip(), by=actor()),
        _("Return %(number)s rejected."),
    )


@bp.post("/returns/<int:return_id>/receive")
@staff_required
def receive_return(return_id: int):
    return_request = _return(return_id)
    form = ReceiveForm()
    form.offer(_warehouses())
    outcome = form.outcome(return_request.lines) if form.validate_on_submit() else None
    if outcome is None:
        return _refused(return_request, form, "receive_form")
    refused = _act(
        return_request,
        form,
        "receive_form",
        lambda: handling.receive(
            return_request,
            outcome,
            warehouse=form.chosen_warehouse(),
            by=actor(),
            note=(form.note.data or "").strip(),
        ),
    )
    return refused or _done(return_request, _("Return %(number)s received.", number=return_request.number))


@bp.post("/returns/<int:return_id>/refund")
@staff_required
def refund_return(return_id: int):
    """Through the payment's provider when the order was paid through one that can refund, else
    recorded as paid back by hand (the method chosen). A provider that does not answer leaves
    the refund pending (committed: it may have gone through); the same form retries it."""
    return_request = _return(return_id)
    form = ReturnRefundForm()
    if not form.validate_on_submit():
        return _refused(return_request, form, "refund_form")
    method = None
    if not _by_provider(return_request.order):
        try:
            method = RefundMethod(form.method.data or "")
        except ValueError:
            form.method.errors = [_("Choose how the money was paid back.")]
            return _refused(return_request, form, "refund_form")
    key = form.key.data or ""
    replayed = refunds.already_settled(key)
    refused = _act(
        return_request,
        form,
        "refund_form",
        lambda: handling.refund(return_request, by=actor(), key=key, method=method),
        kept=(handling.RefundFailed,),
        # The provider saw that key: a new attempt is a new refund, so the form shown gets a new one.
        after_refusal=lambda: setattr(form.key, "data", _new_key()),
    )
    if refused:
        return refused
    return_request = _return(return_id)
    if return_request.state != ReturnState.REFUNDED:  # pending: the page says so and offers a retry
        return _page(return_request, acting="refund_form", refund_form=form)
    done = db.session.get(Refund, return_request.refund_id)
    amount = format_money(done.amount, done.currency)
    if replayed:
        message = _("This refund of %(amount)s was made already; nothing more was refunded.", amount=amount)
    else:
        message = _("Refund of %(amount)s issued.", amount=amount)
    return _done(return_request, message)


@bp.post("/returns/<int:return_id>/exchange")
@staff_required
def exchange_return(return_id: int):
    return_request = _return(return_id)
    form = ExchangeForm()
    chosen = form.replacements(return_request.lines) if form.validate_on_submit() else None
    if chosen is None:
        return _refused(return_request, form, "exchange_form")
    refused = _act(
        return_request,
        form,
        "exchange_form",
        lambda: handling.exchange(return_request, chosen, by=actor()),
    )
    if refused:
        return refused
    number = return_request.exchange_order.number if return_request.exchange_order else ""
    return _done(
        return_request,
        _(
            "Return %(number)s exchanged: the replacement is order %(order)s.",
            number=return_request.number,
            order=number,
        ),
    )


@bp.get("/returns/<int:return_id>/label.pdf")
@staff_required
def return_label(return_id: int):
    return_request = _return(return_id)
    if return_request.state not in LABELLED:
        abort(404)
    response = Response(handling.label_pdf(return_request), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{return_request.number}-label.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/returns/<int:return_id>/photo")
@staff_required
def return_photo(return_id: int):
    """The customer's photo (staff only; re-encoded as JPEG when it was sent)."""
    data = photos.photo_bytes(_return(return_id))
    if not data:
        abort(404)
    response = Response(data, mimetype=photos.CONTENT_TYPE)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response


# --- a return recorded by staff (from the order page) ---------------------------------------------


def _new_page(order: Order, form: StaffReturnForm, *, status: int = 200, refusal: str = ""):
    lines = requests.returnable_lines(order) if not refusal else []
    return render_template(
        "backoffice/returns/new.html", order=order, form=form, lines=lines, refusal=refusal
    ), status


@bp.route("/orders/<number>/returns/new", methods=["GET", "POST"])
@staff_required
def new_return(number: str):
    try:
        order = sales.order_by_number(number)
    except NotFound:
        abort(404)
    form = StaffReturnForm()
    refusal = requests.order_refusal(order)
    if refusal:
        return _new_page(order, form, status=409 if request.method == "POST" else 200, refusal=refusal)
    if request.method == "GET":
        return _new_page(order, form)
    line_ids = [
        line.id for line in db.session.scalars(db.select(OrderLine).where(OrderLine.order_id == order.id))
    ]
    quantities = form.quantities(line_ids) if form.validate_on_submit() else None
    if quantities is None:
        db.session.rollback()
        return _new_page(order, form, status=422)
    try:
        made = requests.request_return(
            order,
            quantities,
            reason=form.reason.data,
            reason_text=(form.reason_text.data or "").strip(),
            photo=form.photo_bytes(),
            channel="staff",
            by=actor(),
        )
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        form.show(error)
        return _new_page(order, form, status=422)
    return _done(made, _("Return %(number)s recorded.", number=made.number))
