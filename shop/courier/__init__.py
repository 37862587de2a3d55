"""The courier's pages, phone first: My tasks (B9), their open deliveries and one form per action.

A courier logs in at the back-office door (/admin/login) and lands here; the back office's
pages stay closed to them (403). A courier sees only their own tasks, and of an order only what
the delivery needs: customer, address, phone, lines and quantities, the amount to collect.
shop.fulfillment.couriers checks every rule; this module reads forms.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from shop.accounts.models import Role
from shop.errors import ShopError
from shop.extensions import db
from shop.forms import ShopForm
from shop.fulfillment import couriers
from shop.fulfillment.courier_models import CourierTask, TaskState
from shop.i18n import translated
from shop.web import parse_id

bp = Blueprint("courier", __name__, url_prefix="/courier")

PAGE_SIZE = 10  # a slow connection gets a short page


class TaskForm(ShopForm):
    """Picked up / on the way: nothing but the CSRF token."""


class DeliverForm(ShopForm):
    cash = BooleanField(_l("Cash collected"))


class FailForm(ShopForm):
    reason = SelectField(_l("Reason"), validate_choice=False)
    other = StringField(_l("Other reason"), validators=[Length(max=couriers.REASON_MAX)])

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.reason.choices = [
            SelectChoice("", _("Choose a reason")),
            *(SelectChoice(code, str(label)) for code, label in couriers.FAILURE_REASONS.items()),
            SelectChoice("other", _("Other (write it below)")),
        ]


def courier_only(view):  # noqa: ANN001, ANN201
    """Logged out: to the login. Staff and admins have the order list; customers the shop."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if not current_user.is_authenticated:
            return redirect(url_for("backoffice.login", next=request.path), 303)
        if current_user.role != Role.COURIER:
            if request.method != "GET":
                abort(403)
            target = "storefront.home" if current_user.role == Role.CUSTOMER else "backoffice.orders"
            return redirect(url_for(target), 303)
        return view(*args, **kwargs)

    return wrapper


def _card(task: CourierTask) -> dict:
    """What the courier may see of the order, and no more (no prices of lines, no margins)."""
    order = task.order
    address = ", ".join(part for part in (order.address_line, order.postal_code, order.city) if part)
    return {
        "task": task,
        "order": order,
        "address": address,
        "map_url": "https://www.openstreetmap.org/search?query=" + quote(address),
        "items": [
            {
                "name": f"{translated(line.product_name)} ({translated(line.variant_name)})",
                "sku": line.sku,
                "quantity": line.quantity,
            }
            for line in order.lines
        ],
        "to_collect": order.amount_due,
        "state_label": couriers.state_label(task.state.value),
    }


def _page(status: int = 200, *, failed: tuple[int, list[str]] | None = None):
    page = max(parse_id(request.args.get("page")) or 1, 1)
    total = couriers.open_task_count(current_user)
    shown = couriers.open_tasks(current_user, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return (
        render_template(
            "courier/tasks.html",
            cards=[_card(task) for task in shown],
            total=total,
            page=page,
            more=total > page * PAGE_SIZE,
            task_form=TaskForm(formdata=None),
            deliver_form=DeliverForm(formdata=None),
            fail_form=FailForm(formdata=None),
            failed=failed,
        ),
        status,
    )


@bp.get("/tasks")
@courier_only
def tasks():
    return _page()


def _own(task_id: int) -> CourierTask:
    task = couriers.own_task(current_user, task_id)
    if task is None:  # another courier's, or none: nothing to tell
        abort(404)
    return task


def _act(task_id: int, form: ShopForm, action, message: str):  # noqa: ANN001, ANN202
    """Validate the form, run one service call in one transaction; refused: 422, nothing changed."""
    task = _own(task_id)
    if form.validate_on_submit():
        try:
            action(task, form)
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            if error.http_status == 404:
                abort(404)
            form.show_error(error)
        else:
            flash(message, "success")
            return redirect(url_for("courier.tasks"), 303)
    db.session.rollback()
    messages = [str(error) for field in form for error in field.errors] + list(form.form_errors)
    return _page(422, failed=(task_id, messages))


@bp.post("/tasks/<int:task_id>/picked-up")
@courier_only
def picked_up(task_id: int):
    return _act(
        task_id,
        TaskForm(),
        lambda task, form: couriers.mark(task, current_user, TaskState.PICKED_UP),
        _("Marked as picked up."),
    )


@bp.post("/tasks/<int:task_id>/on-the-way")
@courier_only
def on_the_way(task_id: int):
    return _act(
        task_id,
        TaskForm(),
        lambda task, form: couriers.mark(task, current_user, TaskState.ON_THE_WAY),
        _("Marked as on the way."),
    )


@bp.post("/tasks/<int:task_id>/delivered")
@courier_only
def delivered(task_id: int):
    return _act(
        task_id,
        DeliverForm(),
        lambda task, form: couriers.deliver(task, current_user, cash_collected=bool(form.cash.data)),
        _("Delivered. Thank you!"),
    )


@bp.post("/tasks/<int:task_id>/failed")
@courier_only
def failed(task_id: int):
    return _act(
        task_id,
        FailForm(),
        lambda task, form: couriers.fail(
            task, current_user, reason=form.reason.data or "", other=form.other.data or ""
        ),
        _("Reported as not delivered; the shop will be in touch."),
    )
