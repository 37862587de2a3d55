"""Self-service pickup in the back office: the pickup screen a label's QR code opens (phone
first), the "Self-service orders" board, and the pickup panel of the order page.

Every action is a plain form post: 303 back to where it came from, or, refused, the pickup
screen again with the message next to the field (422) and nothing changed.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException
from wtforms import HiddenField, SelectField, StringField

from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.catalog.models import StockMove, StockMoveKind, Warehouse
from shop.catalog.pickup import pickup_warehouses
from shop.errors import ShopError
from shop.extensions import db
from shop.forms import ShopForm
from shop.fulfillment import pickups
from shop.fulfillment.pickup_models import OrderPickup
from shop.i18n import ascii_digits, format_day, shop_today
from shop.orders.models import OrderEvent, OrderStatus, StatusGroup
from shop.sales import services as sales
from shop.sales.models import DeliveryMethod, Order, OrderLine
from shop.web import parse_id

SCREEN = "backoffice/pickups/screen.html"
BOARD_LIMIT = 200  # rows per board page; the counts above it are exact
WHEN = ("overdue", "today", "tomorrow", "later")


# --- forms: shape only; shop.fulfillment.pickups checks the rules ----------------------------


class BackForm(ShopForm):
    # Where to go after the action: the order page or the pickup screen.
    back = HiddenField(default="pickup")


class HandOverForm(BackForm):
    # One field per line ("qty-<line id>"), read by quantities(): the lines are the order's.
    quantities = HiddenField()

    def quantities_given(self) -> dict[int, int] | None:
        """Units by line id as typed (Persian digits too), None when one is not a whole number."""
        found: dict[int, int] = {}
        for key, value in request.form.items():
            if not key.startswith("qty-"):
                continue
            line_id = parse_id(key.removeprefix("qty-"))
            text = ascii_digits((value or "").strip())
            if line_id is None or (text and not text.lstrip("-").isdigit()) or len(text) > 7:
                return None
            found[line_id] = int(text) if text else 0
        return found


class DateForm(BackForm):
    date = SelectField(_l("Pickup date"), validate_choice=False)


class WarehouseForm(BackForm):
    warehouse = SelectField(_l("Warehouse"), validate_choice=False)
    date = StringField(_l("Pickup date"), render_kw={"type": "date"})


class LinesForm(BackForm):
    pass


def _iso_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(ascii_digits((text or "").strip()))
    except ValueError:
        return None


def _date_form(order: Order, **kwargs) -> DateForm:
    form = DateForm(**kwargs)
    form.date.choices = [
        (day.isoformat(), format_day(day, weekday=True)) for day in pickups.date_choices(order)
    ]
    if form.date.data is None and order.pickup_date:
        form.date.data = order.pickup_date.isoformat()
    return form


def _warehouse_form(order: Order, **kwargs) -> WarehouseForm:
    form = WarehouseForm(**kwargs)
    form.warehouse.choices = [("", _("Choose a warehouse"))] + [
        (str(choice.warehouse.id), _warehouse_option(choice))
        for choice in pickups.warehouse_choices(order)
        if choice.warehouse.id != order.pickup_warehouse_id
    ]
    return form


def _warehouse_option(choice: pickups.WarehouseChoice) -> str:
    from shop.i18n import translated

    name = translated(choice.warehouse.name)
    return f"{name} — {choice.reason}" if choice.reason else name


# --- helpers the templates use ---------------------------------------------------------------


def route_exists(path: str) -> bool:
    """Whether the shop answers GET ``path``: a link is only shown to a page that exists (the
    pickup label comes with the documents, the deliveries page with delivery orders)."""
    try:
        current_app.url_map.bind("").match(path, method="GET")
    except HTTPException:
        return False
    return True


def label_url(order: Order) -> str | None:
    path = f"/admin/orders/{order.number}/documents/pickup-label.pdf"
    return path if route_exists(path) else None


@bp.app_template_global()
def pickup_panel(order: Order) -> dict | None:
    """What the order page's pickup panel shows, None for an order not collected at a warehouse."""
    if not pickups.is_pickup(order) or not order.number:
        return None
    items = pickups.lines(order)
    record = pickups.record_for(order)
    code = pickups.state(order, items)
    return {
        "items": items,
        "state": code,
        "state_label": pickups.state_label(code),
        "ready": record.ready_at if record else None,
        "ready_by": record.ready_by if record else "",
        "label_url": label_url(order),
        "needs_transfer": pickups.needs_transfer(order),
        "can_act": order.state in pickups.OPEN_STATES,
        "confirmed": order.state.value == "sales_order",
    }


def describe_event(event: OrderEvent) -> str:
    """A pickup line of the order's timeline (kind "pickup", the action in ``before``)."""
    if event.before == "warehouse":
        warehouse = db.session.scalar(db.select(Warehouse).where(Warehouse.code == event.after))
        from shop.i18n import translated

        return _(
            "Pickup warehouse changed to %(warehouse)s",
            warehouse=translated(warehouse.name) if warehouse else event.after,
        )
    if event.before == "date":
        day = _iso_day(event.after)
        return _("Pickup date set to %(date)s", date=format_day(day, weekday=True) if day else event.after)
    if event.before == "lines":
        return _("Lines collected at pickup chosen")
    if event.before == "ready":
        return _("Ready for pickup")
    if event.before == "handover":
        return _("Handed over to the customer")
    return _("Pickup")


# --- the pickup screen ------------------------------------------------------------------------


def _pickup_order(number: str) -> Order:
    order = sales.order_by_number(number)  # 404 for an unknown number
    if not pickups.is_pickup(order):
        abort(404)
    return order


def _screen(order: Order, *, status: int = 200, **forms):
    panel = pickup_panel(order)
    context = {
        "order": order,
        "panel": panel,
        "hand_over_form": forms.get("hand_over_form") or HandOverForm(formdata=None),
        "date_form": forms.get("date_form") or _date_form(order, formdata=None),
        "warehouse_form": forms.get("warehouse_form") or _warehouse_form(order, formdata=None),
        "lines_form": forms.get("lines_form") or LinesForm(formdata=None),
        "ready_form": forms.get("ready_form") or BackForm(formdata=None),
        "errors": forms.get("errors", []),
        "deliveries_url": "/admin/deliveries" if route_exists("/admin/deliveries") else None,
    }
    return render_template(SCREEN, **context), status


@bp.get("/orders/<number>/pickup")
@staff_required
def order_pickup(number: str):
    return _screen(_pickup_order(number))


def _done(order: Order, form: BackForm, message: str):
    flash(message, "success")
    if form.back.data == "board":
        return redirect(url_for("backoffice.pickups_board"), 303)
    if form.back.data == "order":
        return redirect(url_for("backoffice.order", number=order.number) + "#order-pickup", 303)
    return redirect(url_for("backoffice.order_pickup", number=order.number), 303)


def _act(number: str, form_name: str, make_form, action, message: str, fallback: str):
    """Validate the form, run one service call in one transaction; refused: 422, nothing changed."""
    order = _pickup_order(number)
    form = make_form(order)
    if form.validate_on_submit():
        try:
            action(order, form)
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error, fallback=fallback)
        else:
            return _done(order, form, message)
    db.session.expire_all()
    order = _pickup_order(number)
    return _screen(order, status=422, **{form_name: form})


@bp.post("/orders/<number>/pickup/hand-over")
@staff_required
def pickup_hand_over(number: str):
    def action(order: Order, form: HandOverForm) -> None:
        quantities = form.quantities_given()
        if quantities is None:
            raise pickups.PickupRefused(_("Enter whole numbers of units."), field="quantities")
        pickups.hand_over(order, quantities, by=actor())

    return _act(
        number, "hand_over_form", lambda order: HandOverForm(), action, _("Handed over."), "quantities"
    )


@bp.post("/orders/<number>/pickup/ready")
@staff_required
def pickup_ready(number: str):
    return _act(
        number,
        "ready_form",
        lambda order: BackForm(),
        lambda order, form: pickups.mark_ready(order, by=actor()),
        _("Ready for pickup; the customer is told."),
        "back",
    )


@bp.post("/orders/<number>/pickup/date")
@staff_required
def pickup_date(number: str):
    return _act(
        number,
        "date_form",
        lambda order: _date_form(order),
        lambda order, form: pickups.change_date(order, _iso_day(form.date.data), by=actor()),
        _("Pickup date changed."),
        "date",
    )


@bp.post("/orders/<number>/pickup/warehouse")
@staff_required
def pickup_warehouse(number: str):
    def action(order: Order, form: WarehouseForm) -> None:
        warehouse_id = parse_id(form.warehouse.data)
        if warehouse_id is None:
            raise pickups.PickupRefused(_("Choose a warehouse."), field="warehouse")
        pickups.change_warehouse(order, warehouse_id, _iso_day(form.date.data), by=actor())

    return _act(
        number,
        "warehouse_form",
        lambda order: _warehouse_form(order),
        action,
        _("Pickup warehouse changed."),
        "warehouse",
    )


@bp.post("/orders/<number>/pickup/lines")
@staff_required
def pickup_lines(number: str):
    def action(order: Order, form: LinesForm) -> None:
        chosen = {parse_id(value) for value in request.form.getlist("line")}
        if None in chosen:
            raise pickups.PickupRefused(_("Choose at least one line of this order."), field="lines")
        pickups.choose_lines(order, chosen, by=actor())  # type: ignore[arg-type]

    return _act(
        number,
        "lines_form",
        lambda order: LinesForm(),
        action,
        _("Lines collected at pickup changed."),
        "back",
    )


# --- the Self-service orders board ------------------------------------------------------------


def _bucket(today: date):
    """overdue / today / tomorrow / later, as SQL, from the pickup date."""
    return case(
        (Order.pickup_date < today, "overdue"),
        (Order.pickup_date == today, "today"),
        (Order.pickup_date == today + timedelta(days=1), "tomorrow"),
        else_="later",
    )


def _open_pickups(warehouse_id: int | None):
    query = (
        db.select(Order)
        .outerjoin(OrderStatus, Order.status_id == OrderStatus.id)
        .where(
            Order.delivery_method == DeliveryMethod.PICKUP,
            Order.state.in_(pickups.OPEN_STATES),
            or_(Order.status_id.is_(None), OrderStatus.group != StatusGroup.COMPLETED),
        )
    )
    if warehouse_id is not None:
        query = query.where(Order.pickup_warehouse_id == warehouse_id)
    return query


@bp.get("/pickups")
@staff_required
def pickups_board():
    today = shop_today()
    warehouses = pickup_warehouses()
    warehouse_id = parse_id(request.args.get("warehouse"))
    if warehouse_id not in {w.id for w in warehouses}:
        warehouse_id = None
    when = request.args.get("when", "")
    when = when if when in WHEN else ""

    bucket = _bucket(today)
    counts = dict(
        db.session.execute(
            _open_pickups(warehouse_id).with_only_columns(bucket, func.count(Order.id)).group_by(bucket)
        ).all()
    )
    query = _open_pickups(warehouse_id).options(joinedload(Order.pickup_warehouse), joinedload(Order.status))
    if when:
        query = query.where(bucket == when)
    orders = list(db.session.scalars(query.order_by(Order.pickup_date, Order.id).limit(BOARD_LIMIT)).unique())
    ids = [order.id for order in orders]
    ordered = (
        dict(
            db.session.execute(
                db.select(OrderLine.order_id, func.sum(OrderLine.quantity))
                .where(OrderLine.order_id.in_(ids))
                .group_by(OrderLine.order_id)
            ).all()
        )
        if ids
        else {}
    )
    gone = (
        dict(
            db.session.execute(
                db.select(StockMove.reference_id, func.sum(-StockMove.quantity_change))
                .where(
                    StockMove.kind == StockMoveKind.PICKUP.value,
                    StockMove.reference_type == "order",
                    StockMove.reference_id.in_(ids),
                )
                .group_by(StockMove.reference_id)
            ).all()
        )
        if ids
        else {}
    )
    ready = (
        set(
            db.session.scalars(
                db.select(OrderPickup.order_id).where(
                    OrderPickup.order_id.in_(ids), OrderPickup.ready_at.is_not(None)
                )
            )
        )
        if ids
        else set()
    )

    rows = []
    for order in orders:
        units, taken = int(ordered.get(order.id) or 0), int(gone.get(order.id) or 0)
        code = pickups.PARTLY if taken else (pickups.READY if order.id in ready else pickups.WAITING)
        rows.append(
            {
                "order": order,
                "bucket": _bucket_of(order.pickup_date, today),
                "state": code,
                "state_label": pickups.state_label(code),
                "left": units - taken,
                "units": units,
                "can_ready": code == pickups.WAITING and order.state.value == "sales_order",
            }
        )
    return render_template(
        "backoffice/pickups/board.html",
        rows=rows,
        counts={key: int(counts.get(key, 0)) for key in WHEN},
        total=sum(int(value) for value in counts.values()),
        warehouses=warehouses,
        warehouse_id=warehouse_id,
        when=when,
        limit=BOARD_LIMIT,
        ready_form=BackForm(formdata=None),
        deliveries_url="/admin/deliveries" if route_exists("/admin/deliveries") else None,
    )


def _bucket_of(day: date | None, today: date) -> str:
    if day is None or day > today + timedelta(days=1):
        return "later"
    if day < today:
        return "overdue"
    return "today" if day == today else "tomorrow"
