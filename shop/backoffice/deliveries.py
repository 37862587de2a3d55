"""Delivery orders in the back office (B7): the warehouse work list (what to pick, pack and ship,
per warehouse, with counts, filters in the URL and bulk "done"), and a step done line by line
from the order page. shop.fulfillment.deliveries checks every rule; this module reads forms."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.backoffice.forms import ActionForm
from shop.catalog.models import Warehouse
from shop.errors import ShopError
from shop.extensions import db
from shop.fulfillment import deliveries as service
from shop.fulfillment.models import DeliveryOrder, DeliveryState, DeliveryStep, StepKind, StepLine, StepState
from shop.orders.carriers import CARRIERS, carrier_name, tracking_url
from shop.sales.models import Order, OrderState

PAGE_SIZE = 50
MAX_UNITS = 1_000_000


def kind_label(kind: str) -> str:
    return {"pick": _("Pick"), "pack": _("Pack"), "ship": _("Ship")}.get(kind, kind)


def step_state_label(state: str) -> str:
    return {
        "waiting": _("Waiting"),
        "ready": _("Ready"),
        "done": _("Done"),
        "cancelled": _("Cancelled"),
    }.get(state, state)


def delivery_state_label(state: str) -> str:
    labels = {"open": pgettext("delivery order", "Open"), "done": _("Shipped"), "cancelled": _("Cancelled")}
    return labels.get(state, state)


@bp.app_template_global()
def order_deliveries(order: Order) -> list[DeliveryOrder]:
    """The order page's delivery orders, steps and lines, in three statements."""
    return list(
        db.session.scalars(
            db.select(DeliveryOrder)
            .where(DeliveryOrder.order_id == order.id)
            .options(
                selectinload(DeliveryOrder.steps)
                .selectinload(DeliveryStep.lines)
                .selectinload(StepLine.order_line),
                selectinload(DeliveryOrder.warehouse),
            )
            .order_by(DeliveryOrder.id)
        )
    )


@bp.context_processor  # back-office pages only: a storefront page need not translate carriers
def _labels() -> dict:
    return {
        "delivery_kind_label": kind_label,
        "delivery_step_state_label": step_state_label,
        "delivery_state_label": delivery_state_label,
        "delivery_carriers": [(code, carrier_name(code)) for code in CARRIERS],
        "delivery_carrier_name": carrier_name,
        "delivery_tracking_url": tracking_url,
        "delivery_backorder_policy": lambda: service.settings.current().backorder_policy,
    }


def describe_event(event) -> str | None:  # noqa: ANN001
    """The order timeline's words for a delivery event (written by shop.fulfillment.deliveries)."""
    if event.kind == "shipped":
        return _("Delivery %(reference)s shipped", reference=event.after)
    if event.kind != "delivery":
        return None
    if event.after == "cancelled":
        return _("Delivery %(reference)s cancelled", reference=event.before)
    if event.before in ("pick", "pack", "ship"):
        return _("%(step)s done for %(reference)s", step=kind_label(event.before), reference=event.after)
    if event.before:
        return _(
            "Backorder %(reference)s for the rest of %(original)s",
            reference=event.after,
            original=event.before,
        )
    return _("Delivery %(reference)s created", reference=event.after)


# --- doing one step from the order page -------------------------------------------------------


def _step_of(order: Order, step_id: int) -> DeliveryStep:
    step = db.session.get(DeliveryStep, step_id)
    if step is None or step.delivery.order_id != order.id:
        abort(404)
    return step


def _quantities(step: DeliveryStep) -> dict[int, int] | None:
    """The form's ``qty-<line id>`` fields as whole numbers; None when one is not a number."""
    quantities = {}
    for line in step.lines:
        text = (request.form.get(f"qty-{line.order_line_id}") or "").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 7:
            return None
        quantities[line.order_line_id] = int(text)
    return quantities


@bp.post("/orders/<number>/deliveries/steps/<int:step_id>")
@staff_required
def do_delivery_step(number: str, step_id: int):
    order = db.session.scalar(db.select(Order).where(Order.number == number))
    if order is None:
        abort(404)
    step = _step_of(order, step_id)
    back = redirect(url_for("backoffice.order", number=order.number) + "#order-deliveries", 303)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return back
    quantities = _quantities(step)
    if quantities is None:
        flash(_("Enter each quantity as a whole number of units."), "error")
        return back
    answer = request.form.get("backorder", "")
    backorder = {"yes": True, "no": False}.get(answer)
    try:
        made = service.do_step(
            step,
            quantities,
            by=actor(),
            backorder=backorder,
            carrier=request.form.get("ship_carrier", ""),
            tracking_number=request.form.get("ship_tracking_number", "")[:64],
        )
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    message = _(
        "%(step)s done for %(reference)s.",
        step=kind_label(step.kind.value),
        reference=step.delivery.reference,
    )
    if made is not None:
        message += " " + _("The rest follows in %(reference)s.", reference=made.reference)
    flash(message, "success")
    return back


# --- the work list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    warehouse: Warehouse | None
    kind: str
    state: str
    page: int

    def args(self, **over) -> dict:  # noqa: ANN003
        values = {
            "warehouse": self.warehouse.code if self.warehouse else None,
            "kind": self.kind or None,
            "state": self.state,
            "page": self.page if self.page > 1 else None,
        }
        values.update(over)
        return {key: value for key, value in values.items() if value}


def _filters(warehouses: list[Warehouse]) -> Filters:
    code = request.args.get("warehouse", "")
    warehouse = next((w for w in warehouses if w.code == code), None)
    kind = request.args.get("kind", "")
    kind = kind if kind in {k.value for k in StepKind} else ""
    state = request.args.get("state", "ready")
    state = state if state in ("ready", "waiting") else "ready"
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 and int(page) > 0 else 1
    return Filters(warehouse, kind, state, page)


def _open_steps(filters: Filters, *, with_kind: bool = True):
    query = (
        db.select(DeliveryStep)
        .join(DeliveryOrder, DeliveryStep.delivery_id == DeliveryOrder.id)
        .where(DeliveryStep.state == StepState(filters.state), DeliveryOrder.state == DeliveryState.OPEN)
    )
    if filters.warehouse is not None:
        query = query.where(DeliveryOrder.warehouse_id == filters.warehouse.id)
    if with_kind and filters.kind:
        query = query.where(DeliveryStep.kind == StepKind(filters.kind))
    return query


@bp.get("/deliveries")
@staff_required
def deliveries():
    warehouses = list(db.session.scalars(db.select(Warehouse).order_by(Warehouse.position, Warehouse.id)))
    filters = _filters(warehouses)
    counts_query = _open_steps(filters, with_kind=False).with_only_columns(DeliveryStep.kind, func.count())
    counts = {str(kind): n for kind, n in db.session.execute(counts_query.group_by(DeliveryStep.kind))}
    total = counts.get(filters.kind, 0) if filters.kind else sum(counts.values())
    steps = list(
        db.session.scalars(
            _open_steps(filters)
            .options(
                selectinload(DeliveryStep.delivery).selectinload(DeliveryOrder.order),
                selectinload(DeliveryStep.delivery).selectinload(DeliveryOrder.warehouse),
                selectinload(DeliveryStep.lines).selectinload(StepLine.order_line),
            )
            .order_by(DeliveryOrder.created_at, DeliveryStep.id)
            .limit(PAGE_SIZE)
            .offset((filters.page - 1) * PAGE_SIZE)
        )
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "backoffice/deliveries/list.html",
        steps=steps,
        counts=counts,
        total=total,
        filters=filters,
        pages=pages,
        warehouses=warehouses,
        kinds=[k.value for k in StepKind],
        form=ActionForm(),
    )


def _selected_steps() -> list[DeliveryStep]:
    ids = [int(v) for v in request.form.getlist("steps") if v.isascii() and v.isdigit() and len(v) < 12]
    if not ids:
        return []
    return list(
        db.session.scalars(
            db.select(DeliveryStep).where(DeliveryStep.id.in_(ids[:PAGE_SIZE])).order_by(DeliveryStep.id)
        )
    )


@bp.post("/deliveries/done")
@staff_required
def deliveries_done():
    back = redirect(url_for("backoffice.deliveries", **request.args), 303)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return back
    steps = _selected_steps()
    if not steps:
        flash(_("Select the steps to mark done."), "error")
        return back
    done, refused = [], []
    for step in steps:
        reference = step.delivery.reference
        try:
            with db.session.begin_nested():  # one refused step leaves the others done
                service.do_step(step, {line.order_line_id: line.ordered for line in step.lines}, by=actor())
            done.append(reference)
        except ShopError as error:
            refused.append(f"{reference}: {error}")
    db.session.commit()
    if done:
        flash(_("Done in full: %(references)s.", references=", ".join(done)), "success")
    for problem in refused:
        flash(problem, "error")
    return back


@bp.post("/deliveries/print")
@staff_required
def deliveries_print():
    """The selected steps' orders, to confirm before their packing slips are made in one batch
    (the printed documents' batch URL takes order numbers)."""
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("backoffice.deliveries", **request.args), 303)
    steps = _selected_steps()
    numbers = sorted(
        {step.delivery.order.number for step in steps if step.delivery.order.state != OrderState.QUOTATION}
    )
    if not numbers:
        flash(_("Select the steps whose packing slips to print."), "error")
        return redirect(url_for("backoffice.deliveries", **request.args), 303)
    return render_template("backoffice/deliveries/print.html", numbers=numbers, form=ActionForm())
