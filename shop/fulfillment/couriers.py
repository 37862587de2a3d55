"""Local couriers (B9, the LiveGallery flow): an order delivered by the shop's own courier is
given to one of them once its status is in the "In progress" group; the courier is told by
SMS (``events.courier_assigned``, shop.notifications.subscribers) and works the task from
My tasks: picked up, on the way, delivered (with the cash collected) or failed with a reason.

Delivered completes the order's open delivery orders through ``deliveries.do_step`` (the goods
leave through the stock ledger), records the cash through the payments service and moves the
seller's status to the first Completed one through ``orders.services.change_status``. Picked
up, on the way and failed move it to the status the seller chose for them (the setting
``courier_statuses``; none: no change), which tells the customer what that status says. Every
change writes an order history row (kind "courier") in the caller's transaction.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.orm import selectinload

from shop import events
from shop.accounts.models import Role, User
from shop.db_types import utcnow
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.fulfillment import deliveries
from shop.fulfillment.courier_models import OPEN_TASK_STATES, CourierTask, TaskState
from shop.fulfillment.models import DeliveryState
from shop.orders import history
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import StatusGroup
from shop.sales.models import DeliveryMethod, Order, OrderState
from shop.settings import services as settings

REASON_MAX = 200

# Why a delivery failed: the courier picks one or types their own ("other").
FAILURE_REASONS = {
    "not_home": _l("Nobody at the address"),
    "no_answer": _l("Customer did not answer the phone"),
    "wrong_address": _l("Address wrong or not found"),
    "refused": _l("Customer refused the goods"),
    "no_cash": _l("Customer could not pay"),
}

# What each courier action moves the task from and to.
_STEPS = {
    TaskState.PICKED_UP: (TaskState.ASSIGNED,),
    TaskState.ON_THE_WAY: (TaskState.ASSIGNED, TaskState.PICKED_UP),
    TaskState.DELIVERED: OPEN_TASK_STATES,
    TaskState.FAILED: OPEN_TASK_STATES,
}


class CourierRefused(ShopError):
    code = "courier_refused"
    http_status = 422


def state_label(state: str) -> str:
    return {
        "assigned": gettext("Assigned"),
        "picked_up": gettext("Picked up"),
        "on_the_way": gettext("On the way"),
        "delivered": gettext("Delivered"),
        "failed": gettext("Failed"),
    }.get(state, state)


def reason_label(code: str) -> str:
    """A listed reason in the reader's language; a typed one as typed."""
    return str(FAILURE_REASONS[code]) if code in FAILURE_REASONS else code


# --- reading -------------------------------------------------------------------------------


def couriers() -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .where(User.role == Role.COURIER, User.active.is_(True))
            .order_by(User.name, User.email)
        )
    )


def task_for(order: Order) -> CourierTask | None:
    return db.session.scalar(db.select(CourierTask).where(CourierTask.order_id == order.id))


def _open(courier: User):  # noqa: ANN202
    return CourierTask.courier_id == courier.id, CourierTask.state.in_(OPEN_TASK_STATES)


def open_tasks(courier: User, *, offset: int = 0, limit: int | None = None) -> list[CourierTask]:
    """The courier's deliveries still to make, oldest assignment first, with their orders and
    lines in two more statements however many there are."""
    return list(
        db.session.scalars(
            db.select(CourierTask)
            .where(*_open(courier))
            .order_by(CourierTask.assigned_at, CourierTask.id)
            .options(selectinload(CourierTask.order).selectinload(Order.lines))
            .offset(offset)
            .limit(limit)
        )
    )


def open_task_count(courier: User) -> int:
    return db.session.scalar(db.select(func.count()).select_from(CourierTask).where(*_open(courier))) or 0


def own_task(courier: User, task_id: int | None) -> CourierTask | None:
    """The task if it is this courier's; None for anyone else's (the page says 404)."""
    if task_id is None:
        return None
    return db.session.scalar(
        db.select(CourierTask).where(CourierTask.id == task_id, CourierTask.courier_id == courier.id)
    )


def can_assign(order: Order) -> bool:
    return (
        order.delivery_method == DeliveryMethod.COURIER
        and order.state == OrderState.SALES_ORDER
        and order.status is not None
        and order.status.group == StatusGroup.IN_PROGRESS
    )


# --- the shop's verb -----------------------------------------------------------------------


def assign(order: Order, courier: User | None, *, by: Actor) -> CourierTask:
    """Give ``order`` to ``courier`` (or to another one): the courier is told by SMS, the one
    who had it that it is gone. A delivered task stays where it is."""
    if order.delivery_method != DeliveryMethod.COURIER:
        raise CourierRefused(
            gettext("Order %(number)s is not delivered by courier.", number=order.number), field="courier"
        )
    if not can_assign(order):
        raise CourierRefused(
            gettext(
                "Order %(number)s can be given to a courier once its status is in the “In progress” group.",
                number=order.number,
            ),
            field="courier",
        )
    if courier is None or courier.role != Role.COURIER or not courier.active:
        raise CourierRefused(gettext("Choose one of the couriers."), field="courier")
    if not courier.phone:
        raise CourierRefused(
            gettext(
                "%(name)s has no phone number for the SMS; add one on the user’s page first.",
                name=courier.name or courier.email,
            ),
            field="courier",
        )
    task = task_for(order)
    previous = None
    if task is None:
        task = CourierTask(order_id=order.id, order=order, courier_id=courier.id, courier=courier)
        db.session.add(task)
    else:
        if task.state == TaskState.DELIVERED:
            raise CourierRefused(
                gettext("Order %(number)s was delivered already.", number=order.number), field="courier"
            )
        if task.courier_id == courier.id and task.state != TaskState.FAILED:
            raise CourierRefused(
                gettext(
                    "Order %(number)s is already %(name)s’s task.",
                    number=order.number,
                    name=courier.name or courier.email,
                ),
                field="courier",
            )
        if task.courier_id != courier.id:
            previous = task.courier
        task.courier_id, task.courier = courier.id, courier
        task.assigned_at = utcnow()
    task.state, task.failure_reason, task.updated_at = TaskState.ASSIGNED, "", utcnow()
    db.session.flush()
    history.record(
        order,
        by=by,
        kind="courier",
        before=(previous.name or previous.email)[:80] if previous else "",
        after="assigned",
        note=courier.name or courier.email,
    )
    events.courier_assigned.send(order, task=task, courier=courier, previous=previous)
    return task


# --- the courier's verbs -------------------------------------------------------------------


def _move(task: CourierTask, courier: User, to: TaskState) -> Order:
    """Claim the change: only this courier, only from the states it follows, only once (two taps
    or two phones cannot both win)."""
    if task.courier_id != courier.id:
        raise NotFound()
    claimed = db.session.execute(
        update(CourierTask)
        .where(
            CourierTask.id == task.id,
            CourierTask.courier_id == courier.id,
            CourierTask.state.in_(_STEPS[to]),
        )
        .values(state=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise CourierRefused(gettext("This task changed meanwhile; reload the page."), field="task")
    db.session.refresh(task)
    order = task.order
    if order.state != OrderState.SALES_ORDER:
        raise CourierRefused(gettext("Order %(number)s is closed.", number=order.number), field="task")
    return order


def mark(task: CourierTask, courier: User, to: TaskState) -> CourierTask:
    """Picked up at the warehouse, or on the way."""
    if to not in (TaskState.PICKED_UP, TaskState.ON_THE_WAY):
        raise CourierRefused(gettext("Choose one of the actions."), field="task")
    order = _move(task, courier, to)
    by = Actor.courier(courier)
    history.record(order, by=by, kind="courier", after=to.value)
    _follow_with_status(order, to, by=by)
    return task


def deliver(task: CourierTask, courier: User, *, cash_collected: bool) -> CourierTask:
    """Handed over. What is due must have been collected in cash: it is recorded as a cash
    payment; the open delivery orders are done (the goods leave the stock); the order moves to
    the first Completed status, which tells the customer what that status says."""
    from shop.payments import services as payments

    due = task.order.amount_due
    if due > 0 and not cash_collected:
        raise CourierRefused(
            gettext("Confirm the cash collected, or report the delivery as failed."), field="cash"
        )
    by = Actor.courier(courier)
    order = _move(task, courier, TaskState.DELIVERED)
    history.record(order, by=by, kind="courier", after=TaskState.DELIVERED.value)
    if due > 0:
        payments.record_cash_payment(order, due, by=by)
    _complete_deliveries(order, by=by)
    orders.complete(order, by=by)  # the same rule as a pickup collected in full
    return task


def fail(task: CourierTask, courier: User, *, reason: str, other: str = "") -> CourierTask:
    """Not delivered: a listed reason, or ``other`` typed. The shop decides what next."""
    other = " ".join((other or "").split())
    if reason == "other":
        if not other or len(other) > REASON_MAX:
            raise CourierRefused(
                gettext("Write the reason in 1 to %(max)s characters.", max=REASON_MAX), field="other"
            )
        reason = other
    elif reason not in FAILURE_REASONS:
        raise CourierRefused(gettext("Choose a reason."), field="reason")
    order = _move(task, courier, TaskState.FAILED)
    task.failure_reason = reason
    # A listed reason by its code (shown in the reader's language), a typed one as the note.
    listed = reason in FAILURE_REASONS
    by = Actor.courier(courier)
    history.record(
        order,
        by=by,
        kind="courier",
        before=reason if listed else "",
        after=TaskState.FAILED.value,
        note="" if listed else reason,
    )
    _follow_with_status(order, TaskState.FAILED, by=by)
    return task


def _follow_with_status(order: Order, state: TaskState, *, by: Actor) -> None:
    """Move the order to the status the seller chose for this task state, if any and if it is
    not there yet. The task change stands whatever happens here: a status that no longer
    qualifies (archived, now needs tracking or cancels) is skipped, and a change refused
    (someone moved the order meanwhile) leaves the status as it is."""
    code = settings.current().courier_statuses.get(state.value, "")
    if not code:
        return
    status = next((s for s in settings.courier_target_statuses() if s.code == code), None)
    if status is None or order.status_id == status.id:
        return
    try:
        orders.change_status(order, status, by=by)
    except orders.StatusChangeRefused:
        pass


def _complete_deliveries(order: Order, *, by: Actor) -> None:
    """Every step still open, done in full (a courier order needs no tracking number)."""
    for delivery in deliveries.for_order(order):
        while delivery.state == DeliveryState.OPEN and (step := delivery.current_step) is not None:
            deliveries.do_step(
                step, {line.order_line_id: line.ordered for line in step.lines}, by=by, backorder=False
            )
