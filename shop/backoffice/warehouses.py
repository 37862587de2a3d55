"""Warehouses (issue 11), admins and staff: the list, add, edit (code, names and addresses per
language, position, pickup rules) and delete one that was never used. This page is the one
place a warehouse is edited; shop.catalog.warehouses checks and records every change."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func

from shop.backoffice import bp
from shop.backoffice.access import staff_required
from shop.backoffice.catalog_forms import WarehouseForm
from shop.backoffice.catalog_pages import history_rows, save_form
from shop.backoffice.forms import ActionForm
from shop.catalog import warehouses as service
from shop.catalog.editing import CatalogRefusal
from shop.catalog.models import Stock, Warehouse
from shop.errors import NotFound
from shop.extensions import db
from shop.i18n import translated
from shop.web import parse_id


def _warehouse(warehouse_id: int) -> Warehouse:
    warehouse = db.session.get(Warehouse, parse_id(warehouse_id))
    if warehouse is None:
        raise NotFound()
    return warehouse


def _fill(form: WarehouseForm, warehouse: Warehouse) -> None:
    form.code.data = warehouse.code
    form.fill_texts("name", warehouse.name)
    form.fill_texts("address", warehouse.address)
    form.position.data = str(warehouse.position)
    form.pickup.data = warehouse.pickup
    form.pickup_weekdays.data = [str(day) for day in warehouse.pickup_weekdays or []]
    form.pickup_hours.data = warehouse.pickup_hours
    form.pickup_lead_days.data = str(warehouse.pickup_lead_days)
    form.pickup_horizon_days.data = str(warehouse.pickup_horizon_days)
    form.delivery_steps.data = str(warehouse.delivery_steps)


def _form_page(form: WarehouseForm, warehouse: Warehouse | None, *, status: int = 200, problem: str = ""):
    return (
        render_template("backoffice/warehouses/edit.html", form=form, warehouse=warehouse, problem=problem),
        status,
    )


def _stocked_skus() -> dict[int, int]:
    rows = db.session.execute(
        db.select(Stock.warehouse_id, func.count()).where(Stock.quantity > 0).group_by(Stock.warehouse_id)
    )
    return dict(rows.tuples().all())


@bp.get("/warehouses")
@staff_required
def warehouses():
    return render_template(
        "backoffice/warehouses/list.html",
        warehouses=service.warehouses(),
        stocked=_stocked_skus(),
        history=history_rows("warehouse"),
    )


def _save(form: WarehouseForm, warehouse: Warehouse | None):
    return save_form(
        form,
        warehouse,
        create=service.create_warehouse,
        update=service.update_warehouse,
        added=lambda saved: _("Warehouse %(name)s added.", name=translated(saved.name)),
        saved=lambda saved: _("Warehouse %(name)s saved.", name=translated(saved.name)),
        page=_form_page,
        list_endpoint="backoffice.warehouses",
    )


@bp.route("/warehouses/new", methods=["GET", "POST"])
@staff_required
def new_warehouse():
    form = WarehouseForm()
    if not form.is_submitted():
        positions = [w.position for w in service.warehouses()]
        form.position.data = str(max(positions, default=-1) + 1)
        return _form_page(form, None)
    return _save(form, None)


@bp.route("/warehouses/<int:warehouse_id>", methods=["GET", "POST"])
@staff_required
def edit_warehouse(warehouse_id: int):
    warehouse = _warehouse(warehouse_id)
    form = WarehouseForm()
    if not form.is_submitted():
        _fill(form, warehouse)
        return _form_page(form, warehouse)
    return _save(form, warehouse)


@bp.post("/warehouses/<int:warehouse_id>/delete")
@staff_required
def delete_warehouse(warehouse_id: int):
    warehouse = _warehouse(warehouse_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("backoffice.edit_warehouse", warehouse_id=warehouse.id), 303)
    name = translated(warehouse.name)
    try:
        service.delete_warehouse(warehouse, by_user_id=current_user.id)
        db.session.commit()
    except CatalogRefusal as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("backoffice.edit_warehouse", warehouse_id=warehouse_id), 303)
    flash(_("Warehouse %(name)s deleted.", name=name), "success")
    return redirect(url_for("backoffice.warehouses"), 303)
