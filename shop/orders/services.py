"""Order verbs of the back office: change status, add a note, manage the seller's statuses,
and give new sales orders their first status and salesperson."""

from __future__ import annotations

import re

from flask_babel import gettext
from sqlalchemy import func, update

from shop import events
from shop.accounts.models import Role, SalesTeam, User
from shop.catalog import stock
from shop.db_types import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import translated
from shop.orders import history
from shop.orders.carriers import CARRIERS
from shop.orders.history import Actor
from shop.orders.models import OrderStatus, StatusGroup
from shop.sales.models import Order, OrderState
from shop.settings import services as settings

TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-./]{2,63}$")
NOTE_MAX = 4000


class StatusChangeRefused(ShopError):
    code = "status_change_refused"
    field = "status"
    http_status = 422

    def describe(self) -> str:
        return self._message or gettext("This status change is not possible.")


class TrackingNumberRequired(ShopError):
    code = "tracking_number_required"
    field = "tracking_number"
    http_status = 422

    def describe(self) -> str:
        return self._message or gettext(
            "%(status)s needs a tracking number and a carrier.", status=self.data.get("status", "")
        )


class InvalidNote(ShopError):
    code = "invalid_note"
    field = "note"
    http_status = 422

    def describe(self) -> str:
        return gettext("Write a note of 1 to %(max)s characters.", max=NOTE_MAX)


class StatusInUse(ShopError):
    code = "status_in_use"
    http_status = 409

    def describe(self) -> str:
        return gettext(
            "%(status)s is used by orders, so it cannot be deleted; archive it instead.",
            status=self.data.get("status", ""),
        )


# --- statuses ---------------------------------------------------------------------------


def statuses(*, include_archived: bool = False) -> list[OrderStatus]:
    query = db.select(OrderStatus).order_by(OrderStatus.position, OrderStatus.id)
    if not include_archived:
        query = query.where(OrderStatus.archived.is_(False))
    return list(db.session.scalars(query))


def initial_status() -> OrderStatus | None:
    return db.session.scalar(
        db.select(OrderStatus)
        .where(OrderStatus.initial.is_(True), OrderStatus.archived.is_(False))
        .order_by(OrderStatus.position, OrderStatus.id)
        .limit(1)
    )


def status_name(status: OrderStatus | None) -> str:
    return translated(status.name) if status else ""


def orders_in_status(status: OrderStatus) -> int:
    return (
        db.session.scalar(db.select(func.count()).select_from(Order).where(Order.status_id == status.id)) or 0
    )


def delete_status(status: OrderStatus) -> None:
    """A status no order uses can go; one in use is archived instead (history must keep its name)."""
    keep_a_first_status(status, stays_first=False)
    if orders_in_status(status) or _named_in_history(status):
        raise StatusInUse(status=status_name(status))
    db.session.delete(status)


def keep_a_first_status(status: OrderStatus, *, stays_first: bool) -> None:
    """New sales orders need a first status: the last active initial one cannot stop being one
    (by being edited, archived or deleted)."""
    if status.initial and not stays_first and not status.archived:
        if not any(other.initial for other in statuses() if other.id != status.id):
            raise StatusChangeRefused(
                gettext(
                    "New orders need a first status; make another status the first one before this change."
                ),
                field="initial",
            )


def archive_status(status: OrderStatus, *, archived: bool = True) -> OrderStatus:
    keep_a_first_status(status, stays_first=not archived)
    status.archived = archived
    return status


def _named_in_history(status: OrderStatus) -> bool:
    from shop.orders.models import OrderEvent

    return (
        db.session.scalar(
            db.select(OrderEvent.id)
            .where(OrderEvent.kind == "status", OrderEvent.after == status.code)
            .limit(1)
        )
        is not None
    )


# --- changing an order's status ----------------------------------------------------------


def change_status(
    order: Order,
    status: OrderStatus,
    *,
    by: Actor,
    tracking_number: str = "",
    carrier: str = "",
    note: str = "",
) -> Order:
    """Move a sales order to a seller-defined status; the one way any caller changes a status.

    Shipped-like statuses need a tracking number and a carrier; cancelling gives the stock
    back. What the status says to send is sent by subscribers of ``events.status_changed``.
    """
    if order.state != OrderState.SALES_ORDER:
        raise StatusChangeRefused(
            gettext(
                "Order %(number)s is not a confirmed sales order, so its status cannot change.",
                number=order.number or "",
            )
        )
    if status.archived:
        raise StatusChangeRefused(gettext("%(status)s is archived.", status=status_name(status)))
    if order.status_id == status.id:
        raise StatusChangeRefused(
            gettext(
                "Order %(number)s already is %(status)s.", number=order.number, status=status_name(status)
            )
        )
    if status.cancels_order:
        from shop.fulfillment.goods import any_goods_gone

        if any_goods_gone(order):  # cancelling follows the goods
            raise StatusChangeRefused(
                gettext(
                    "Goods of order %(number)s have already left the warehouse: "
                    "it can be returned, not cancelled.",
                    number=order.number,
                )
            )
    tracking_number, carrier = tracking_number.strip(), carrier.strip()
    if status.requires_tracking:
        if not tracking_number or carrier not in CARRIERS:
            raise TrackingNumberRequired(status=status_name(status))
        if not TRACKING_NUMBER.match(tracking_number):
            raise TrackingNumberRequired(
                gettext("A tracking number has 3 to 64 letters, digits, spaces, dashes, dots or slashes."),
                status=status_name(status),
            )

    # Claim the change: two people changing the same order at once cannot both win.
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.state == OrderState.SALES_ORDER, _same_status(order.status_id))
        .values(status_id=status.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise StatusChangeRefused(gettext("Someone changed this order meanwhile; reload it and try again."))
    previous = order.status
    db.session.refresh(order)

    if status.requires_tracking:
        order.tracking_number, order.carrier = tracking_number, carrier
    if status.group == StatusGroup.COMPLETED and order.delivered_at is None:
        order.delivered_at = utcnow()  # the return window counts from here
    history.record(
        order,
        by=by,
        kind="status",
        before=previous.code if previous else "",
        after=status.code,
        note=note[:NOTE_MAX]
        if note
        else (f"{carrier} {tracking_number}" if status.requires_tracking else ""),
        public=status.customer_visible,
    )
    if status.cancels_order:
        from shop.fulfillment import deliveries

        released = stock.release(order, by=by)
        deliveries.cancel_open(order, by=by)
        order.state = OrderState.CANCELLED
        history.record(
            order,
            by=by,
            kind="state",
            before="sales_order",
            after="cancelled",
            note=history.released_note(released),
        )
    events.status_changed.send(order, status=status, previous=previous, by=by)
    return order


def complete(order: Order, *, by: Actor) -> None:
    """Every good reached the customer (handed over at pickup, delivered by a courier): the
    order moves to the first Completed status that neither cancels nor needs a tracking number."""
    status = db.session.scalar(
        db.select(OrderStatus)
        .where(
            OrderStatus.group == StatusGroup.COMPLETED,
            OrderStatus.archived.is_(False),
            OrderStatus.cancels_order.is_(False),
            OrderStatus.requires_tracking.is_(False),
        )
        .order_by(OrderStatus.position, OrderStatus.id)
        .limit(1)
    )
    if status is not None and order.status_id != status.id:
        change_status(order, status, by=by)


def _same_status(status_id: int | None):
    return Order.status_id.is_(None) if status_id is None else Order.status_id == status_id


def add_note(order: Order, text: str, *, by: Actor) -> None:
    text = (text or "").strip()
    if not text or len(text) > NOTE_MAX:
        raise InvalidNote()
    history.record(order, by=by, kind="note", note=text)


# --- new sales orders: first status, salesperson -----------------------------------------


def _on_sales_order(order: Order, **_kwargs) -> None:
    """Every new sales order starts in the first status and gets its salesperson or team."""
    first = initial_status()
    if first is not None and order.status_id is None:
        order.status_id = first.id
        order.status = first
        history.record(
            order, by=Actor.system(), kind="status", after=first.code, public=first.customer_visible
        )
    if order.source == "storefront" and order.salesperson_id is None and order.sales_team_id is None:
        assign_sales(order)


def assign_sales(order: Order) -> None:
    """The sales-team policy (B15): none, one team, or round-robin among salespeople."""
    policy = settings.current().sales_assignment
    kind = policy.get("policy", "none")
    team = db.session.get(SalesTeam, policy.get("team_id")) if policy.get("team_id") else None
    if kind == "team" and team is not None:
        order.sales_team_id = team.id
    elif kind == "round_robin":
        query = db.select(User).where(
            User.salesperson.is_(True), User.active.is_(True), User.role.in_([Role.ADMIN, Role.STAFF])
        )
        if team is not None:
            query = query.where(User.sales_team_id == team.id)
        # The one waiting longest takes it; the row lock keeps two checkouts from picking the same turn.
        person = db.session.scalar(
            query.order_by(User.last_assigned_at.asc().nullsfirst(), User.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if person is None:
            return
        person.last_assigned_at = utcnow()
        order.salesperson_id = person.id
        order.sales_team_id = person.sales_team_id
    else:
        return
    history.record(
        order,
        by=Actor.system("sales assignment"),
        kind="sales",
        after=str(order.salesperson_id or order.sales_team_id),
    )


events.sales_order_confirmed.connect(_on_sales_order)
