"""Pickup at a warehouse: which warehouses can hand out a cart, on which days, and why not.

A warehouse can serve a cart when every line is in stock there. When the seller allows
transfers between warehouses (settings: ``pickup_transfer``), a warehouse that lacks some of
it can still serve it with units brought from the others, a few days later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext

from shop.catalog.models import Stock, Warehouse
from shop.extensions import db
from shop.i18n import format_number, translated
from shop.sales.models import Order, OrderLine


@dataclass(frozen=True)
class Shortage:
    """A line the warehouse cannot serve alone: the item and how many of it are there."""

    line: OrderLine
    here: int

    def describe(self) -> str:
        name = f"{translated(self.line.product_name)} ({translated(self.line.variant_name)})"
        if self.here <= 0:
            return name
        return gettext(
            "%(name)s: %(here)s of %(wanted)s",
            name=name,
            here=format_number(self.here),
            wanted=format_number(self.line.quantity),
        )


@dataclass(frozen=True)
class PickupOption:
    warehouse: Warehouse
    shortages: tuple[Shortage, ...] = ()
    # Served with units brought from other warehouses (the seller allows it and they have them).
    transfer: bool = False

    @property
    def possible(self) -> bool:
        return not self.shortages or self.transfer

    def reason(self) -> str:
        """Why the warehouse cannot hand out the cart, or what a transfer means; "" when it can."""
        if not self.shortages:
            return ""
        if self.transfer:
            return gettext("ready after a transfer from another warehouse")
        items = ", ".join(shortage.describe() for shortage in self.shortages)
        return gettext("not in stock there: %(items)s", items=items)


def pickup_warehouses() -> list[Warehouse]:
    return list(
        db.session.scalars(
            db.select(Warehouse).where(Warehouse.pickup.is_(True)).order_by(Warehouse.position, Warehouse.id)
        )
    )


def transfer_days() -> int | None:
    """Days a transfer between warehouses adds before pickup, or None when the seller does not
    allow pickup with a transfer."""
    from shop.settings import services as settings

    policy = settings.current().pickup_transfer
    return int(policy.get("days") or 0) if policy.get("enabled") else None


def pickup_options(order: Order) -> list[PickupOption]:
    """Every pickup warehouse, each with what it lacks of the cart and whether a transfer can
    make up for it. Read without locks: checkout re-checks while it reserves."""
    lines = list(order.lines)
    variant_ids = {line.variant_id for line in lines}
    here: dict[tuple[int, int], int] = {}
    if variant_ids:
        rows = db.session.execute(
            db.select(Stock.variant_id, Stock.warehouse_id, Stock.quantity - Stock.reserved).where(
                Stock.variant_id.in_(variant_ids)
            )
        )
        here = {(variant_id, warehouse_id): int(units) for variant_id, warehouse_id, units in rows}
    everywhere: dict[int, int] = {}
    for (variant_id, _warehouse_id), units in here.items():
        everywhere[variant_id] = everywhere.get(variant_id, 0) + units
    whole_shop_has_it = all(everywhere.get(line.variant_id, 0) >= line.quantity for line in lines)
    transfers = transfer_days() is not None

    options = []
    for warehouse in pickup_warehouses():
        shortages = tuple(
            Shortage(line, max(here.get((line.variant_id, warehouse.id), 0), 0))
            for line in lines
            if here.get((line.variant_id, warehouse.id), 0) < line.quantity
        )
        options.append(
            PickupOption(warehouse, shortages, transfer=bool(shortages) and transfers and whole_shop_has_it)
        )
    return options


def pickup_option(order: Order, warehouse_id: int | None) -> PickupOption | None:
    """The option of one warehouse, or None when it is not a pickup warehouse."""
    return next((option for option in pickup_options(order) if option.warehouse.id == warehouse_id), None)


def allowed_pickup_dates(warehouse: Warehouse, today: date, *, transfer: bool = False) -> list[date]:
    """Days the warehouse hands out orders: its weekdays, from the lead time (plus the days of a
    transfer, when the order needs one) to the horizon."""
    if not warehouse.pickup:
        return []
    extra = (transfer_days() or 0) if transfer else 0
    first = today + timedelta(days=max(warehouse.pickup_lead_days, 0) + extra)
    last = today + timedelta(days=max(warehouse.pickup_horizon_days, 0) + extra)
    days = []
    day = first
    while day <= last:
        if day.weekday() in warehouse.pickup_weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days
