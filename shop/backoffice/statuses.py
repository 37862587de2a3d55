"""The seller's statuses (B4): staff see the list; admins add, edit, archive and delete them.

Staff need the list to understand what each status means and sends, but changing what a
status does changes every order that moves through it, so editing is for admins only.
What a status sends is stored here; the notifications work does the sending.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func

from shop.accounts.models import Role
from shop.backoffice import bp
from shop.backoffice.access import admin_required, staff_required
from shop.backoffice.forms import (
    HEX_COLOUR,
    LANGUAGES,
    ORDER_SOURCES,
    ActionForm,
    StatusForm,
    order_source_label,
    status_group_label,
)
from shop.backoffice.message_templates import check_template, editor_help
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.notifications import templating
from shop.notifications.messages import STATUS_EVENTS, status_event
from shop.orders import services as orders
from shop.orders.labels import DEFAULT_COLOUR, safe_colour
from shop.orders.models import OrderStatus, StatusGroup
from shop.sales.models import Order
from shop.web import is_htmx, parse_id, render

LIST_TEMPLATE = "backoffice/statuses/list.html"
_PER_LANGUAGE = ("name", "email_subject", "email_body", "sms_template")
_FLAGS = (
    "initial",
    "requires_tracking",
    "cancels_order",
    "customer_visible",
    "email_customer",
    "email_admin",
    "send_sms",
)


def _status(status_id: int) -> OrderStatus:
    status = db.session.get(OrderStatus, parse_id(status_id))
    if status is None:
        raise NotFound()
    return status


def _order_counts() -> dict[int, int]:
    rows = db.session.execute(
        db.select(Order.status_id, func.count()).where(Order.status_id.is_not(None)).group_by(Order.status_id)
    )
    return dict(rows.tuples().all())


def _new_code() -> str:
    taken = set(db.session.scalars(db.select(OrderStatus.code)))
    number = len(taken) + 1
    while f"custom-{number}" in taken:
        number += 1
    return f"custom-{number}"


def _save(status: OrderStatus, form: StatusForm) -> None:
    orders.keep_a_first_status(status, stays_first=form.initial.data)
    for name in _PER_LANGUAGE:
        setattr(status, name, form.per_language(name))
    status.group = StatusGroup(form.group.data)
    status.subgroup = (form.subgroup.data or "").strip()
    status.colour = form.colour.data
    status.position = form.position.data or 0
    status.marketplace_status = (form.marketplace_status.data or "").strip()
    for flag in _FLAGS:
        setattr(status, flag, bool(getattr(form, flag).data))
    # Sources in the list's order, whatever order the browser sent them in.
    chosen = set(form.email_customer_sources.data or [])
    status.email_customer_sources = [source for source in ORDER_SOURCES if source in chosen]


def _fill(form: StatusForm, status: OrderStatus) -> None:
    for name in _PER_LANGUAGE:
        texts = getattr(status, name) or {}
        for code in LANGUAGES:
            getattr(form, f"{name}_{code}").data = texts.get(code, "")
    form.group.data = status.group.value
    form.subgroup.data = status.subgroup
    form.colour.data = status.colour if HEX_COLOUR.match(status.colour or "") else DEFAULT_COLOUR
    form.position.data = status.position
    form.marketplace_status.data = status.marketplace_status
    for flag in _FLAGS:
        getattr(form, flag).data = getattr(status, flag)
    form.email_customer_sources.data = list(status.email_customer_sources or [])


def _template_events(form: StatusForm) -> tuple[str, ...]:
    """The events a status's own texts are sent for: a status that needs a tracking number
    sends them as the tracking message once the order has one (notifications.subscribers)."""
    return STATUS_EVENTS if form.requires_tracking.data else (status_event(False),)


def _templates_fine(form: StatusForm) -> bool:
    """Check the e-mail and SMS texts like the Messages page does (N2): a problem is shown next
    to its field with its line and name, and nothing is saved."""
    events = _template_events(form)
    fine = True
    for code in LANGUAGES:
        fine = check_template(events, "email", form[f"email_subject_{code}"], kind="subject") and fine
        fine = check_template(events, "email", form[f"email_body_{code}"]) and fine
        fine = check_template(events, "sms", form[f"sms_template_{code}"]) and fine
    return fine


def _not_with_tracking() -> list[str]:
    """Variables of a status change that a status needing a tracking number cannot use."""
    tracking = set(templating.event_spec("tracking_number").names)
    return [name for name in templating.event_spec("status_change").names if name not in tracking]


def _form_page(form: StatusForm, status: OrderStatus | None, *, code: int = 200):
    return (
        render_template(
            "backoffice/statuses/edit.html",
            form=form,
            status=status,
            orders_count=orders.orders_in_status(status) if status is not None else 0,
            languages=LANGUAGES,
            safe_colour=safe_colour,
            not_with_tracking=_not_with_tracking(),
            **editor_help("status_change"),
        ),
        code,
    )


def _refused(form: StatusForm, status: OrderStatus | None, error: ShopError):
    db.session.rollback()
    form.show_error(error)
    return _form_page(form, status, code=422)


# --- views ------------------------------------------------------------------------------------


def _list_context(**extra) -> dict:
    every = orders.statuses(include_archived=True)
    return {
        "active": [s for s in every if not s.archived],
        "archived": [s for s in every if s.archived],
        "counts": _order_counts(),
        "group_label": status_group_label,
        "sources_of": lambda status: ", ".join(
            str(order_source_label(source)) for source in status.email_customer_sources
        ),
        "safe_colour": safe_colour,
        "is_admin": current_user.role == Role.ADMIN,
        "notice": "",
        "notice_kind": "success",
        **extra,
    }


@bp.get("/statuses")
@staff_required
def statuses():
    return render(LIST_TEMPLATE, "lists", **_list_context())


@bp.route("/statuses/new", methods=["GET", "POST"])
@admin_required
def new_status():
    form = StatusForm()
    if not form.is_submitted():
        form.group.data = StatusGroup.IN_PROGRESS.value
        positions = [s.position for s in orders.statuses(include_archived=True)]
        form.position.data = max(positions, default=0) + 1
    if form.validate_on_submit() and _templates_fine(form):
        status = OrderStatus(code=_new_code(), name={})
        try:
            _save(status, form)
            db.session.add(status)
            db.session.commit()
        except ShopError as error:
            return _refused(form, None, error)
        flash(_("Status %(name)s added.", name=orders.status_name(status)), "success")
        return redirect(url_for("backoffice.statuses"), 303)
    return _form_page(form, None, code=422 if form.errors else 200)


@bp.route("/statuses/<int:status_id>", methods=["GET", "POST"])
@admin_required
def edit_status(status_id: int):
    status = _status(status_id)
    form = StatusForm()
    if not form.is_submitted():
        _fill(form, status)
    elif form.validate_on_submit() and _templates_fine(form):
        try:
            _save(status, form)
            db.session.commit()
        except ShopError as error:
            return _refused(form, status, error)
        flash(_("Status %(name)s saved.", name=orders.status_name(status)), "success")
        return redirect(url_for("backoffice.statuses"), 303)
    return _form_page(form, status, code=422 if form.errors else 200)


def _action(status_id: int, change) -> object:  # noqa: ANN001
    """A button on a status (archive, restore, delete). Under htmx the lists come back with the
    outcome above them; as a plain form post, a redirect to the list with a flash message."""
    status = _status(status_id)
    code = 200
    if not ActionForm().validate_on_submit():
        message, kind, code = _("The form expired. Please send it again."), "error", 400
    else:
        name = orders.status_name(status)
        try:
            message, kind = change(status, name), "success"
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            message, kind, code = str(error), "error", 409
    if is_htmx():
        return render(LIST_TEMPLATE, "lists", status=code, **_list_context(notice=message, notice_kind=kind))
    flash(message, kind)
    return redirect(url_for("backoffice.statuses"), 303)


@bp.post("/statuses/<int:status_id>/archive")
@admin_required
def archive_status(status_id: int):
    def archive(status: OrderStatus, name: str) -> str:
        orders.archive_status(status)
        return _("%(name)s archived: it is no longer offered, and orders in it keep it.", name=name)

    return _action(status_id, archive)


@bp.post("/statuses/<int:status_id>/restore")
@admin_required
def restore_status(status_id: int):
    def restore(status: OrderStatus, name: str) -> str:
        orders.archive_status(status, archived=False)
        return _("%(name)s is offered again.", name=name)

    return _action(status_id, restore)


@bp.post("/statuses/<int:status_id>/delete")
@admin_required
def delete_status(status_id: int):
    def delete(status: OrderStatus, name: str) -> str:
        orders.delete_status(status)
        return _("%(name)s deleted.", name=name)

    return _action(status_id, delete)
