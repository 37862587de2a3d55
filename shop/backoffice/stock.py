"""Stock (B13): the low-stock list, and per SKU the figures per warehouse, the ledger with
filters and the adjustments (receive, count, write off, transfer), each one service call in
shop.catalog.stock with who did it. Admin and staff; couriers get 403."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.catalog import ledger
from shop.catalog import stock as stock_service
from shop.catalog.models import StockMoveKind, Variant, Warehouse
from shop.errors import NotFound
from shop.extensions import db
from shop.forms import ShopForm
from shop.i18n import ascii_digits
from shop.sales.models import Order
from shop.settings import services as settings
from shop.web import is_htmx, parse_id, render

SKU_TEMPLATE = "backoffice/stock/sku.html"
LIST_TEMPLATE = "backoffice/stock/list.html"

KIND_LABELS = {
    StockMoveKind.RECEIPT: _l("Receipt"),
    StockMoveKind.COUNT_CORRECTION: _l("Count correction"),
    StockMoveKind.DAMAGE_LOSS: _l("Damage or loss"),
    StockMoveKind.RESERVATION: _l("Reservation"),
    StockMoveKind.RELEASE: _l("Release"),
    StockMoveKind.DELIVERY: _l("Delivery"),
    StockMoveKind.PICKUP: _l("Pickup"),
    StockMoveKind.RETURN: _l("Return"),
    StockMoveKind.TRANSFER_OUT: _l("Transfer out"),
    StockMoveKind.TRANSFER_IN: _l("Transfer in"),
}


def _units(text: str | None) -> int:
    """Units as typed (Persian digits too); -1 when not a whole number, for the service to refuse."""
    text = ascii_digits((text or "").strip())
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else -1


class _UnitsForm(ShopForm):
    warehouse = SelectField(_l("Warehouse"), validate_choice=False)
    quantity = StringField(_l("Units"), render_kw={"inputmode": "numeric"})
    note = TextAreaField(_l("Note"), validators=[Length(max=stock_service.NOTE_MAX)])


class ReceiveForm(_UnitsForm):
    pass


class CountForm(ShopForm):
    warehouse = SelectField(_l("Warehouse"), validate_choice=False)
    counted = StringField(_l("Units counted"), render_kw={"inputmode": "numeric"})
    note = TextAreaField(_l("Note"), validators=[Length(max=stock_service.NOTE_MAX)])


class WriteOffForm(_UnitsForm):
    note = TextAreaField(_l("Reason"), validators=[Length(max=stock_service.NOTE_MAX)])


class TransferForm(_UnitsForm):
    warehouse = SelectField(_l("From warehouse"), validate_choice=False)
    target = SelectField(_l("To warehouse"), validate_choice=False)


class ThresholdForm(ShopForm):
    threshold = StringField(_l("Low stock at (available units)"), render_kw={"inputmode": "numeric"})


ACTIONS = {
    "receive": ReceiveForm,
    "count": CountForm,
    "write-off": WriteOffForm,
    "transfer": TransferForm,
}


def _variant(sku: str) -> Variant:
    variant = db.session.scalar(db.select(Variant).where(Variant.sku == sku))
    if variant is None:
        raise NotFound()
    return variant


def _warehouses() -> list[Warehouse]:
    return list(db.session.scalars(db.select(Warehouse).order_by(Warehouse.position, Warehouse.id)))


def _forms(warehouses: list[Warehouse], posted: str | None = None) -> dict[str, ShopForm]:
    from shop.i18n import translated

    choices = [(str(w.id), f"{w.code} · {translated(w.name)}") for w in warehouses]
    forms = {}
    for name, cls in ACTIONS.items():
        form = cls(formdata=None if name != posted else request.form, prefix=name.replace("-", "_"))
        form.warehouse.choices = choices
        if hasattr(form, "target"):
            form.target.choices = choices
            if posted != name and len(choices) > 1:
                form.target.data = choices[1][0]
        forms[name] = form
    return forms


def _chosen(field, warehouses: list[Warehouse]) -> Warehouse | None:  # noqa: ANN001
    wanted = parse_id(field.data)
    found = next((w for w in warehouses if w.id == wanted), None)
    if found is None:
        field.errors = [*field.errors, _("Choose one of the warehouses.")]
    return found


def _date(text: str | None) -> datetime | None:
    try:
        return datetime.combine(
            datetime.strptime(ascii_digits(text or "").strip(), "%Y-%m-%d").date(), time()
        )
    except ValueError:
        return None


def _filters(warehouses: list[Warehouse]) -> tuple[ledger.MoveFilter, dict[str, str]]:
    """The ledger's filters from the query string; anything unknown is ignored, not an error."""
    args = request.args
    warehouse_id = parse_id(args.get("warehouse"))
    if warehouse_id not in {w.id for w in warehouses}:
        warehouse_id = None
    kind = args.get("kind")
    kind = StockMoveKind(kind) if kind in {k.value for k in StockMoveKind} else None
    since, until = _date(args.get("from")), _date(args.get("to"))
    before = None
    before_id = parse_id(args.get("before"))
    if before_id is not None:
        from shop.catalog.models import StockMove

        moved = db.session.get(StockMove, before_id)
        before = (moved.created_at, moved.id) if moved is not None else None
    where = ledger.MoveFilter(
        warehouse_id=warehouse_id,
        kind=kind,
        since=since,
        until=until + timedelta(days=1) if until else None,
        before=before,
    )
    shown = {
        "warehouse": str(warehouse_id or ""),
        "kind": kind.value if kind else "",
        "from": since.date().isoformat() if since else "",
        "to": until.date().isoformat() if until else "",
    }
    return where, shown


def _page(variant: Variant, *, forms=None, threshold_form=None, notice: str = "", status: int = 200):  # noqa: ANN001, ANN202
    warehouses = _warehouses()
    forms = forms or _forms(warehouses)
    if threshold_form is None:
        threshold_form = ThresholdForm(formdata=None, prefix="threshold")
        threshold_form.threshold.data = (
            "" if variant.low_stock_threshold is None else str(variant.low_stock_threshold)
        )
    where, shown = _filters(warehouses)
    moves, last = ledger.moves(variant, where)
    rows = ledger.per_warehouse(variant, warehouses)
    references = _references(moves)
    return render(
        SKU_TEMPLATE,
        "stock_page",
        status=status,
        variant=variant,
        warehouses=warehouses,
        names={w.id: w.code for w in warehouses},
        rows=rows,
        forms=forms,
        threshold_form=threshold_form,
        default_threshold=settings.current().low_stock_threshold,
        moves=moves,
        references=references,
        last=last,
        shown=shown,
        kinds=KIND_LABELS,
        notice=notice,
    )


def _references(moves: list) -> dict[tuple[str, int], tuple[str, str]]:
    """What each ledger row refers to, as (label, address): the order of a reservation, the
    delivery order of goods shipped, the return of goods taken back, the CSV import of a count.
    One statement per kind shown."""
    from shop.fulfillment.models import DeliveryOrder

    wanted: dict[str, set[int]] = {}
    for move in moves:
        if move.reference_id:
            wanted.setdefault(move.reference_type, set()).add(move.reference_id)
    found: dict[tuple[str, int], tuple[str, str]] = {}
    if wanted.get("order"):
        for order_id, number in db.session.execute(
            db.select(Order.id, Order.number).where(Order.id.in_(wanted["order"]))
        ):
            found["order", order_id] = (number, url_for("backoffice.order", number=number))
    if wanted.get("delivery"):
        for delivery_id, reference, number in db.session.execute(
            db.select(DeliveryOrder.id, DeliveryOrder.reference, Order.number)
            .join(Order, DeliveryOrder.order_id == Order.id)
            .where(DeliveryOrder.id.in_(wanted["delivery"]))
        ):
            found["delivery", delivery_id] = (
                reference,
                url_for("backoffice.order", number=number) + "#order-deliveries",
            )
    if wanted.get("return"):
        from shop.returns.models import ReturnRequest

        for return_id, number in db.session.execute(
            db.select(ReturnRequest.id, ReturnRequest.number).where(ReturnRequest.id.in_(wanted["return"]))
        ):
            found["return", return_id] = (number, url_for("backoffice.return_detail", return_id=return_id))
    for import_id in wanted.get("import", ()):
        found["import", import_id] = (
            _("Import %(number)s", number=import_id),
            url_for("backoffice.catalog_import", import_id=import_id),
        )
    return found


@bp.get("/stock")
@staff_required
def stock_list():
    sku = (request.args.get("sku") or "").strip()
    if sku:
        found = db.session.scalar(db.select(Variant.sku).where(Variant.sku == sku.upper()))
        if found:
            return redirect(url_for("backoffice.stock_sku", sku=found), 303)
    default = settings.current().low_stock_threshold
    rows, count = ledger.low_stock(default)
    return render(
        LIST_TEMPLATE,
        "content",
        rows=rows,
        count=count,
        default_threshold=default,
        sku=sku,
        not_found=bool(sku),
        shown_max=ledger.LOW_STOCK_PER_PAGE,
    )


@bp.get("/stock/<sku>")
@staff_required
def stock_sku(sku: str):
    return _page(_variant(sku))


@bp.post("/stock/<sku>/<action>")
@staff_required
def stock_action(sku: str, action: str):
    variant = _variant(sku)
    if action == "threshold":
        return _threshold(variant)
    if action not in ACTIONS:
        raise NotFound()
    warehouses = _warehouses()
    forms = _forms(warehouses, posted=action)
    form = forms[action]
    if form.validate():
        source = _chosen(form.warehouse, warehouses)
        target = _chosen(form.target, warehouses) if action == "transfer" else None
        if source is not None and (action != "transfer" or target is not None):
            try:
                notice = _apply(action, form, variant, source, target)
            except stock_service.StockRefused as error:
                db.session.rollback()
                form.show_error(error, fallback="quantity")
            else:
                db.session.commit()
                if is_htmx():
                    return _page(variant, notice=notice)
                flash(notice, "success")
                return redirect(url_for("backoffice.stock_sku", sku=variant.sku), 303)
    return _page(variant, forms=forms, status=422)


def _apply(action: str, form, variant: Variant, source: Warehouse, target: Warehouse | None) -> str:  # noqa: ANN001
    by = actor()
    if action == "receive":
        stock_service.receive(variant, source, _units(form.quantity.data), by=by, note=form.note.data)
        return _("Goods received.")
    if action == "count":
        stock_service.correct_count(variant, source, _units(form.counted.data), by=by, note=form.note.data)
        return _("Count corrected.")
    if action == "write-off":
        stock_service.write_off(variant, source, _units(form.quantity.data), reason=form.note.data, by=by)
        return _("Units written off.")
    stock_service.transfer(variant, source, target, _units(form.quantity.data), by=by, note=form.note.data)
    return _("Units transferred.")


def _threshold(variant: Variant):  # noqa: ANN202
    form = ThresholdForm(prefix="threshold")
    if form.validate():
        text = (form.threshold.data or "").strip()
        try:
            stock_service.set_low_stock_threshold(variant, None if text == "" else _units(text))
        except stock_service.StockRefused as error:
            db.session.rollback()
            form.show_error(error, fallback="threshold")
        else:
            db.session.commit()
            notice = _("Low-stock threshold saved.")
            if is_htmx():
                return _page(variant, notice=notice)
            flash(notice, "success")
            return redirect(url_for("backoffice.stock_sku", sku=variant.sku), 303)
    return _page(variant, threshold_form=form, status=422)
