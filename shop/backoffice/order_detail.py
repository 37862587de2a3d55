"""The order page (B3): everything about one order, its timeline, and the staff's actions on it.

The page is one template with named blocks (jinja2-fragments). An action answers, under
htmx, with its own form (swapped in place, 422 with the errors next to the fields) and,
on success, the blocks the change touched as out-of-band swaps in the same response, so
the header, delivery and timeline show one consistent state without more requests.
Without htmx it is a plain form post: 303 back to the page, or the page with the errors.
"""

from __future__ import annotations

from flask import Response, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2_fragments.flask import render_blocks
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from shop.accounts.models import SalesTeam, User
from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.catalog.models import Warehouse
from shop.catalog.stock import transfers_for
from shop.errors import ShopError
from shop.extensions import db
from shop.forms import ShopForm
from shop.notifications import messages
from shop.orders import services as orders
from shop.orders.carriers import CARRIERS, carrier_name, tracking_url
from shop.orders.history import customer_sees, events_for, shown
from shop.orders.labels import safe_colour, source_label
from shop.orders.models import OrderEvent, OrderStatus
from shop.payments.services import transactions_for
from shop.sales import services as sales
from shop.sales.models import (
    Order,
    OrderState,
    delivery_method_label,
    payment_method_label,
    payment_state_label,
    state_label,
)
from shop.sales.vat import vat_breakdown
from shop.web import is_htmx, parse_id

TEMPLATE = "backoffice/orders/detail.html"
MESSAGES_SHOWN = 20  # the order's newest e-mails and SMS; the outbox, searched by number, has all


# --- forms: shape only; orders.change_status and orders.add_note check the rules ----------


def _max_note_length(form, field) -> None:  # noqa: ANN001
    if len(field.data or "") > orders.NOTE_MAX:
        raise ValidationError(_("Write a note of 1 to %(max)s characters.", max=orders.NOTE_MAX))


class ChangeStatusForm(ShopForm):
    status = SelectField(_l("New status"), validate_choice=False)
    tracking_number = StringField(_l("Tracking number"))
    carrier = SelectField(_l("Carrier"), validate_choice=False)
    note = TextAreaField(_l("Note for the timeline (optional)"), validators=[_max_note_length])
    # The status the page showed: a change made meanwhile by someone else is not overwritten.
    current_status = HiddenField()

    def __init__(self, *args, order: Order, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.offer(order)

    def offer(self, order: Order) -> None:
        """The statuses (all but the order's own and archived ones) and carriers to choose from."""
        self._allowed = {status.id: status for status in orders.statuses()}
        self.status.choices = [("", _("Choose a status"))] + [
            (str(status.id), orders.status_name(status), {"data-tracking": "true"})
            if status.requires_tracking
            else (str(status.id), orders.status_name(status))
            for status in self._allowed.values()
            if status.id != order.status_id
        ]
        self.carrier.choices = [("", _("Choose a carrier"))] + [
            (code, carrier_name(code)) for code in CARRIERS
        ]

    def validate_status(self, field) -> None:  # noqa: ANN001
        status_id = parse_id(field.data)
        if status_id is None or status_id not in self._allowed:
            raise ValidationError(_("Choose one of the statuses."))

    def validate_carrier(self, field) -> None:  # noqa: ANN001
        if field.data and field.data not in CARRIERS:
            raise ValidationError(_("Choose one of the carriers."))

    def validate_tracking_number(self, field) -> None:  # noqa: ANN001
        number = (field.data or "").strip()
        if number and not orders.TRACKING_NUMBER.match(number):
            raise ValidationError(
                _("A tracking number has 3 to 64 letters, digits, spaces, dashes, dots or slashes.")
            )

    def chosen_status(self) -> OrderStatus:
        return self._allowed[parse_id(self.status.data)]


class NoteForm(ShopForm):
    # The status form has a "note" too: the page's ids must differ (labels point at them).
    note = TextAreaField(_l("Internal note"), id="internal-note")


# --- labels the page shows -----------------------------------------------------------------


def actor_kind_label(kind: str) -> str:
    return {
        "customer": _("Customer"),
        "user": _("Staff"),
        "courier": _("Courier"),
        "rule": _("Automation rule"),
        "provider": _("Payment provider"),
        "system": _("System"),
    }.get(kind, kind)


def transaction_state_label(state: str) -> str:
    return {
        "pending": _("Pending"),
        "authorised": _("Authorised"),
        "captured": _("Captured"),
        "partially_refunded": _("Partly refunded"),
        "refunded": _("Refunded"),
        "failed": _("Failed"),
        "cancelled": _("Replaced"),
    }.get(state, state)


def describe_event(event: OrderEvent, status_names: dict[str, str], order: Order) -> str:
    """What an order event says, in the reader's language (its note is shown apart)."""
    from shop.backoffice.deliveries import describe_event as describe_delivery_event

    def status(code: str) -> str:
        return status_names.get(code, code)

    if event.kind == "status":
        if event.before:
            return _(
                "Status changed from %(before)s to %(after)s",
                before=status(event.before),
                after=status(event.after),
            )
        return _("Status set to %(status)s", status=status(event.after))
    if event.kind == "state":
        if event.after == "quotation_sent":
            return _("Order placed")
        if event.after == "sales_order":
            return _("Order confirmed")
        if event.after == "cancelled":
            return _("Order cancelled")
        return _(
            "State changed from %(before)s to %(after)s",
            before=state_label(event.before),
            after=state_label(event.after),
        )
    if event.kind == "payment":
        if event.after == "paid":
            return _("Payment received; the order is paid")
        if event.after == "not_paid":
            return _("Part payment received")
        if event.after == "declined":
            return _("Payment declined")
        if event.after == "under review":  # iyzico's fraud check holds the money (shop/payments/iyzico.py)
            return _("Payment under the provider's fraud review: not confirmed yet")
        if event.after == "paid after cancellation":
            return _("Payment received after the order was cancelled")
        if event.after == "overpaid":
            return _("Overpaid: the difference is to be refunded")
        return _("Payment problem")
    if event.kind == "refund":
        from shop.backoffice.payments import describe_refund_event

        return describe_refund_event(event)
    if event.kind == "return":
        from shop.backoffice.returns import describe_event as return_event

        return return_event(event)
    if event.kind == "pickup":
        from shop.backoffice.pickups import describe_event as pickup_event

        return pickup_event(event)
    if event.kind == "courier":
        from shop.backoffice.couriers import describe_event as courier_event

        return courier_event(event)
    if event.kind == "invoice":  # shop/invoicing: the note carries the numbers, or why not
        if event.after == "credit note":
            return _("Credit note issued")
        if event.after == "not issued":
            return _("No invoice issued automatically")
        return _("Invoice issued")
    if event.kind == "document":  # a numbered document printed (shop/documents/numbering.py)
        return _("Dispatch note issued")
    if event.kind == "note":
        return _("Internal note")
    if event.kind == "stock":
        return _("Stock released")
    if event.kind == "message":  # written by the outbox worker; the note says to whom and what
        sms = event.before == "sms"
        if event.after == "sent":
            return _("SMS sent") if sms else _("E-mail sent")
        return _("SMS could not be sent") if sms else _("E-mail could not be sent")
    if event.kind == "sales":
        if order.salesperson_id and event.after == str(order.salesperson_id):
            person = db.session.get(User, order.salesperson_id)
            return _("Assigned to %(name)s", name=(person.name or person.email) if person else event.after)
        if order.sales_team_id and event.after == str(order.sales_team_id):
            team = db.session.get(SalesTeam, order.sales_team_id)
            return _("Assigned to the team %(name)s", name=team.name if team else event.after)
        return _("Sales assignment")
    if (delivery_words := describe_delivery_event(event)) is not None:
        return delivery_words
    if event.before or event.after:
        return f"{event.kind}: {event.before} → {event.after}"
    return event.kind


# --- rendering -----------------------------------------------------------------------------


def _status_form(order: Order, **kwargs) -> ChangeStatusForm:
    return ChangeStatusForm(order=order, current_status=str(order.status_id or ""), **kwargs)


def _context(
    order: Order, *, status_form: ChangeStatusForm | None = None, note_form: NoteForm | None = None, **extra
) -> dict:
    from shop.backoffice.outbox import message_labels
    from shop.backoffice.payments import payment_panel

    all_statuses = orders.statuses(include_archived=True)
    status_names = {status.code: orders.status_name(status) for status in all_statuses}
    by_code = {status.code: status for status in all_statuses}
    return {
        "order": order,
        "status_form": status_form or _status_form(order),
        "note_form": note_form or NoteForm(formdata=None),
        "timeline": list(reversed(events_for(order))),
        "status_names": status_names,
        "transactions": transactions_for(order),
        "vat_rows": vat_breakdown(order),
        "warehouse": db.session.get(Warehouse, order.pickup_warehouse_id)
        if order.pickup_warehouse_id
        else None,
        "transfers": transfers_for(order),
        "salesperson": db.session.get(User, order.salesperson_id) if order.salesperson_id else None,
        "sales_team": db.session.get(SalesTeam, order.sales_team_id) if order.sales_team_id else None,
        "customer_account": db.session.get(User, order.customer_id) if order.customer_id else None,
        "tracking_link": tracking_url(order.carrier, order.tracking_number),
        "carrier_label": carrier_name(order.carrier),
        "can_change_status": order.state == OrderState.SALES_ORDER,
        "describe_event": lambda event: describe_event(event, status_names, order),
        "customer_sees": lambda event: customer_sees(event, by_code),
        "actor_kind_label": actor_kind_label,
        "shown": shown,
        "source_label": source_label,
        "delivery_method_label": delivery_method_label,
        "payment_method_label": payment_method_label,
        "payment_state_label": payment_state_label,
        "transaction_state_label": transaction_state_label,
        "state_label": state_label,
        "safe_colour": safe_colour,
        "order_messages_list": messages.for_order(order.id, limit=MESSAGES_SHOWN),
        "order_messages_limit": MESSAGES_SHOWN,
        "message_labels": message_labels(),
        **payment_panel(order, **extra),  # the payment panel's forms and refunds (backoffice/payments.py)
        **extra,
    }


def _answer(
    order: Order, block: str, *, status: int = 200, refreshed: tuple[str, ...] = (), **forms
) -> Response:
    """The full page; under htmx the block of the form acted on, plus the blocks it changed (oob)."""
    context = _context(order, **forms)
    if not is_htmx():
        html = render_template(TEMPLATE, **context)
    else:
        html = render_blocks(TEMPLATE, [block, *refreshed], oob=True, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


# --- views ---------------------------------------------------------------------------------


@bp.get("/orders/<number>")
@staff_required
def order(number: str):
    order = sales.order_by_number(number)
    return render_template(TEMPLATE, **_context(order))


@bp.post("/orders/<number>/status")
@staff_required
def change_order_status(number: str):
    order = sales.order_by_number(number)
    form = ChangeStatusForm(order=order)
    if form.validate_on_submit():
        status = form.chosen_status()
        try:
            if (form.current_status.data or "") != str(order.status_id or ""):
                raise orders.StatusChangeRefused(
                    _("Someone changed this order meanwhile; reload it and try again.")
                )
            orders.change_status(
                order,
                status,
                by=actor(),
                tracking_number=form.tracking_number.data or "",
                carrier=form.carrier.data or "",
                note=(form.note.data or "").strip(),
            )
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error, fallback="status")
        else:
            message = _("Status changed to %(status)s.", status=orders.status_name(status))
            if not is_htmx():
                flash(message, "success")
                return redirect(url_for("backoffice.order", number=number), 303)
            return _answer(
                order,
                "status_form",
                refreshed=("order_header", "delivery", "timeline", "messages"),
                status_form=_status_form(order, formdata=None),
                status_message=message,
            )
    # Refused: offer what is possible now, and show the order as it is now (someone may have
    # changed it meanwhile), so the next try starts from what the person sees.
    form.offer(order)
    form.current_status.data = str(order.status_id or "")
    return _answer(
        order, "status_form", status=422, refreshed=("order_header", "delivery", "timeline"), status_form=form
    )


@bp.post("/orders/<number>/notes")
@staff_required
def add_order_note(number: str):
    order = sales.order_by_number(number)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            orders.add_note(order, form.note.data or "", by=actor())
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error, fallback="note")
        else:
            if not is_htmx():
                flash(_("Note added."), "success")
                return redirect(url_for("backoffice.order", number=number), 303)
            return _answer(
                order,
                "note_form",
                refreshed=("timeline",),
                note_form=NoteForm(formdata=None),
                note_message=_("Note added."),
            )
    return _answer(order, "note_form", status=422, note_form=form)
