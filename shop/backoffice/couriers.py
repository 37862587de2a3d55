"""Couriers in the back office (B9): give an order to a courier from its page (one click) or
many from the order list; the order page's courier panel; the timeline's words for courier
events. shop.fulfillment.couriers checks every rule; this module reads forms."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import HiddenField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from shop.accounts.models import User
from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.backoffice.order_list import change_each, flash_outcome
from shop.errors import ShopError
from shop.extensions import db
from shop.forms import ShopForm
from shop.fulfillment import couriers as service
from shop.orders.models import OrderEvent
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order
from shop.web import parse_id

BULK_MAX = 500


class AssignForm(ShopForm):
    courier = SelectField(_l("Courier"), validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.courier.choices = [SelectChoice("", _("Choose a courier"))] + [
            SelectChoice(str(user.id), user.name or user.email) for user in service.couriers()
        ]

    def chosen(self) -> User | None:
        courier_id = parse_id(self.courier.data)
        return db.session.get(User, courier_id) if courier_id else None

    def validate_courier(self, field) -> None:  # noqa: ANN001
        if not parse_id(field.data):
            raise ValidationError(_("Choose one of the couriers."))


class BulkAssignForm(AssignForm):
    order = SelectMultipleField(_l("Orders"), validate_choice=False)
    back = HiddenField()

    def validate_order(self, field) -> None:  # noqa: ANN001
        values = field.data or []
        if not values:
            raise ValidationError(_("Select at least one order."))
        if len(values) > BULK_MAX:
            raise ValidationError(_("Select at most %(max)s orders at once.", max=BULK_MAX))
        if any(parse_id(value) is None for value in values):
            raise ValidationError(_("Some of the selected orders do not exist; reload the list."))


@bp.app_template_global()
def courier_panel(order: Order) -> dict | None:
    """The order page's courier panel: courier orders only."""
    if order.delivery_method != DeliveryMethod.COURIER or not order.number:
        return None
    task = service.task_for(order)
    return {
        "task": task,
        "state_label": service.state_label(task.state.value) if task else "",
        "reason": service.reason_label(task.failure_reason) if task and task.failure_reason else "",
        "can_assign": service.can_assign(order) and not (task and task.state.value == "delivered"),
        "form": AssignForm(formdata=None, courier=str(task.courier_id) if task else ""),
    }


@bp.app_template_global()
def courier_choices() -> list[tuple[str, str]]:
    """The order list's bulk courier choice."""
    return [(str(user.id), user.name or user.email) for user in service.couriers()]


def describe_event(event: OrderEvent) -> str:
    """The timeline's words for an event written by shop.fulfillment.couriers."""
    if event.after == "assigned":
        if event.before:
            return _("Courier changed from %(before)s to %(after)s", before=event.before, after=event.note)
        return _("Given to the courier %(name)s", name=event.note)
    if event.after == "failed" and event.before:
        return _("Courier: not delivered (%(reason)s)", reason=service.reason_label(event.before))
    return _("Courier: %(state)s", state=service.state_label(event.after))


@bp.post("/orders/<number>/courier")
@staff_required
def assign_courier(number: str):
    order = sales.order_by_number(number)  # 404 for an unknown number
    form = AssignForm()
    if form.validate_on_submit():
        try:
            service.assign(order, form.chosen(), by=actor())
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("Given to the courier; the SMS is on its way."), "success")
    else:
        db.session.rollback()
        for message in [*form.courier.errors, *form.csrf_token.errors]:
            flash(str(message), "error")
    return redirect(url_for("backoffice.order", number=order.number) + "#order-courier", 303)


@bp.post("/orders/bulk-courier")
@staff_required
def bulk_assign_courier():
    """Give the selected orders to one courier, each committed on its own: one refusal does not
    stop the others."""
    form = BulkAssignForm()
    back = form.back.data or ""
    target = url_for("backoffice.orders") + (f"?{back}" if back and back.isprintable() else "")
    if not form.validate_on_submit():
        db.session.rollback()
        for message in [*form.courier.errors, *form.order.errors, *form.csrf_token.errors]:
            flash(str(message), "error")
        return redirect(target, 303)
    courier = form.chosen()
    by = actor()
    ids = dict.fromkeys(parse_id(value) for value in form.order.data)
    changed, refused = change_each(ids, lambda order: service.assign(order, courier, by=by))
    flash_outcome(
        changed,
        refused,
        ngettext("%(num)s order given to the courier.", "%(num)s orders given to the courier.", len(changed)),
    )
    return redirect(target, 303)
