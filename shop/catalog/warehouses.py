"""Warehouses in the back office: add, edit (code, name and address per language, position,
pickup rules) and delete one that was never used. Each change is checked as a whole, then
stored with a history row (shop.catalog.history); the caller commits."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from shop.catalog import history
from shop.catalog.editing import CatalogRefusal, InvalidCatalogInput, per_language, text, whole_number
from shop.catalog.models import Stock, Warehouse
from shop.extensions import db
from shop.i18n import ascii_digits
from shop.sales.models import Order

CODE = re.compile(r"^[A-Z0-9]{2,16}$")
NAME_MAX = 80
ADDRESS_MAX = 300
POSITION = (0, 9999)
LEAD_DAYS = (0, 30)
HORIZON_DAYS = (1, 90)
_HOURS = re.compile(r"^([0-9]{1,2}):([0-9]{2})[-–—]([0-9]{1,2}):([0-9]{2})$")
# What a warehouse is, as the history and the form see it.
FIELDS = (
    "code",
    "name",
    "address",
    "position",
    "pickup",
    "pickup_weekdays",
    "pickup_hours",
    "pickup_lead_days",
    "pickup_horizon_days",
    "delivery_steps",
)


def warehouses() -> list[Warehouse]:
    return list(db.session.scalars(db.select(Warehouse).order_by(Warehouse.position, Warehouse.id)))


def pickup_hours(value: Any) -> str | None:
    """Opening hours as stored, ``HH:MM-HH:MM`` with opening before closing (closing may be
    24:00); "" for none; None when the text is not that. Spaces, Persian digits and dashes
    as people type them are accepted."""
    typed = re.sub(r"\s", "", ascii_digits(text(value)))
    if not typed:
        return ""
    found = _HOURS.match(typed)
    if not found:
        return None
    open_h, open_m, close_h, close_m = (int(part) for part in found.groups())
    opening, closing = open_h * 60 + open_m, close_h * 60 + close_m
    if open_h > 23 or open_m > 59 or close_m > 59 or closing > 24 * 60 or opening >= closing:
        return None
    return f"{open_h:02d}:{open_m:02d}-{close_h:02d}:{close_m:02d}"


def _current(warehouse: Warehouse | None) -> dict[str, Any]:
    if warehouse is None:
        return {}
    return {
        "code": warehouse.code,
        "name": dict(warehouse.name or {}),
        "address": dict(warehouse.address or {}),
        "position": warehouse.position,
        "pickup": warehouse.pickup,
        "pickup_weekdays": sorted(warehouse.pickup_weekdays or []),
        "pickup_hours": warehouse.pickup_hours,
        "pickup_lead_days": warehouse.pickup_lead_days,
        "pickup_horizon_days": warehouse.pickup_horizon_days,
        "delivery_steps": warehouse.delivery_steps,
    }


def _days(value: Any, bounds: tuple[int, int], field: str, errors: dict[str, str]) -> int | None:
    days = whole_number(value)
    if days is None or not bounds[0] <= days <= bounds[1]:
        errors[field] = gettext(
            "Enter a whole number of days from %(min)s to %(max)s.", min=bounds[0], max=bounds[1]
        )
        return None
    return days


def _validate(given: dict[str, Any], warehouse: Warehouse | None) -> dict[str, Any]:
    """Every field checked; raises InvalidCatalogInput with all the problems at once."""
    errors: dict[str, str] = {}
    now = _current(warehouse)
    values: dict[str, Any] = {}

    code = text(given.get("code")).upper()
    if not CODE.match(code):
        errors["code"] = gettext("Use 2 to 16 capital letters A to Z and digits, for example IST1.")
    else:
        other = Warehouse.id != (warehouse.id if warehouse else 0)
        taken = db.session.scalar(db.select(Warehouse.id).where(Warehouse.code == code, other))
        if taken is not None:
            errors["code"] = gettext("Another warehouse already has the code %(code)s.", code=code)
    values["code"] = code
    values["name"] = per_language(
        "name", given.get("name"), now.get("name"), errors, max_length=NAME_MAX, required=True
    )
    values["address"] = per_language(
        "address", given.get("address"), now.get("address"), errors, max_length=ADDRESS_MAX, required=False
    )
    position = whole_number(given.get("position", now.get("position", 0)))
    if position is None or not POSITION[0] <= position <= POSITION[1]:
        errors["position"] = gettext(
            "Enter a number from %(min)s to %(max)s.", min=POSITION[0], max=POSITION[1]
        )
    values["position"] = position

    values["pickup"] = bool(given.get("pickup"))
    days = given.get("pickup_weekdays") or []
    days = [whole_number(day) for day in days] if isinstance(days, list | tuple) else [None]
    if any(day is None or not 0 <= day <= 6 for day in days):
        errors["pickup_weekdays"] = gettext("Choose weekdays from the list.")
        days = []
    values["pickup_weekdays"] = sorted(set(days))
    if values["pickup"] and not values["pickup_weekdays"] and "pickup_weekdays" not in errors:
        errors["pickup_weekdays"] = gettext("Choose at least one day when orders can be collected.")
    hours = pickup_hours(given.get("pickup_hours"))
    if hours is None or (values["pickup"] and not hours):
        errors["pickup_hours"] = gettext(
            "Write the opening hours as HH:MM-HH:MM, opening before closing, for example 10:00-19:00."
        )
    values["pickup_hours"] = hours or ""
    lead = _days(given.get("pickup_lead_days"), LEAD_DAYS, "pickup_lead_days", errors)
    horizon = _days(given.get("pickup_horizon_days"), HORIZON_DAYS, "pickup_horizon_days", errors)
    if lead is not None and horizon is not None and horizon < lead:
        errors["pickup_horizon_days"] = gettext(
            "Customers must be able to book at least as far ahead as the preparation time."
        )
    values["pickup_lead_days"], values["pickup_horizon_days"] = lead, horizon
    steps = whole_number(given.get("delivery_steps", now.get("delivery_steps", 1)))
    if steps not in (1, 2, 3):
        errors["delivery_steps"] = gettext("Choose how many steps a delivery takes here.")
    values["delivery_steps"] = steps
    if errors:
        raise InvalidCatalogInput(errors)
    return values


def _flush_unique(code: str) -> None:
    """Two sellers saving one code at the same moment: the unique index decides, the loser
    gets the same message as a code found taken."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise InvalidCatalogInput(
            {"code": gettext("Another warehouse already has the code %(code)s.", code=code)}
        ) from None


def create_warehouse(given: dict[str, Any], *, by_user_id: int | None) -> Warehouse:
    """A new warehouse from the form's values (see FIELDS; name and address as {language: text})."""
    values = _validate(given, None)
    warehouse = Warehouse(**values)
    db.session.add(warehouse)
    _flush_unique(values["code"])
    history.record(
        "warehouse",
        warehouse.id,
        "created",
        subject=warehouse.code,
        changes=history.differences({}, values),
        by_user_id=by_user_id,
    )
    db.session.flush()
    return warehouse


def update_warehouse(
    warehouse: Warehouse, given: dict[str, Any], *, by_user_id: int | None
) -> history.CatalogChange | None:
    """Store what changed and record it; None when nothing did."""
    before = _current(warehouse)
    values = _validate(given, warehouse)
    changes = history.differences(before, values)
    if not changes:
        return None
    for name, value in values.items():
        setattr(warehouse, name, value)
    _flush_unique(values["code"])
    change = history.record(
        "warehouse", warehouse.id, "changed", subject=before["code"], changes=changes, by_user_id=by_user_id
    )
    db.session.flush()
    return change


def delete_warehouse(warehouse: Warehouse, *, by_user_id: int | None) -> None:
    """Only a warehouse that never held stock nor served an order: the others are part of
    orders' and stock's history."""
    stock_rows = db.session.scalar(db.select(func.count(Stock.id)).where(Stock.warehouse_id == warehouse.id))
    if stock_rows:
        raise CatalogRefusal(
            gettext("%(code)s has stock records, so it cannot be deleted.", code=warehouse.code)
        )
    orders = db.session.scalar(
        db.select(func.count(Order.id)).where(Order.pickup_warehouse_id == warehouse.id)
    )
    if orders:
        raise CatalogRefusal(
            gettext("%(code)s is the pickup place of orders, so it cannot be deleted.", code=warehouse.code)
        )
    before, warehouse_id = _current(warehouse), warehouse.id
    try:
        with db.session.begin_nested():
            db.session.delete(warehouse)
            db.session.flush()
    except IntegrityError:  # referenced by something newer than this rule (a ledger row, say)
        raise CatalogRefusal(
            gettext("%(code)s is still referenced, so it cannot be deleted.", code=warehouse.code)
        ) from None
    history.record(
        "warehouse",
        warehouse_id,
        "deleted",
        subject=before["code"],
        changes=history.differences(before, dict.fromkeys(before)),
        by_user_id=by_user_id,
    )
    db.session.flush()
