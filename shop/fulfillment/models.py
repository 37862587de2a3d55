"""Delivery orders: the goods of a sales order leaving one warehouse, in one to three steps
(ship; pick + ship; pick + pack + ship, per the warehouse's ``delivery_steps``)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Warehouse
from shop.db_types import UTCDateTime, str_enum, utcnow
from shop.extensions import db
from shop.sales.models import Order, OrderLine


class DeliveryState(enum.StrEnum):
    OPEN = "open"  # some step still to do
    DONE = "done"  # shipped: the goods left the warehouse
    CANCELLED = "cancelled"  # the order was cancelled before it shipped


class StepKind(enum.StrEnum):
    PICK = "pick"
    PACK = "pack"
    SHIP = "ship"


class StepState(enum.StrEnum):
    WAITING = "waiting"  # the previous step is not done yet
    READY = "ready"  # can be done now
    DONE = "done"
    CANCELLED = "cancelled"


# The warehouse setting (1, 2 or 3) -> its steps, the same three choices Odoo offers.
STEPS_BY_SETTING = {
    1: (StepKind.SHIP,),
    2: (StepKind.PICK, StepKind.SHIP),
    3: (StepKind.PICK, StepKind.PACK, StepKind.SHIP),
}


class DeliveryOrder(db.Model):
    __tablename__ = "delivery_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    # The order number and a sequence per order: S000012/1, S000012/2 (a backorder) ...
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    state: Mapped[DeliveryState] = mapped_column(str_enum(DeliveryState), default=DeliveryState.OPEN)
    backorder_of_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_orders.id"))
    carrier: Mapped[str] = mapped_column(String(32), default="")
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    order: Mapped[Order] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
    backorder_of: Mapped[DeliveryOrder | None] = relationship(remote_side=[id])
    steps: Mapped[list[DeliveryStep]] = relationship(
        back_populates="delivery", order_by="DeliveryStep.position", cascade="all, delete-orphan"
    )

    @property
    def current_step(self) -> DeliveryStep | None:
        return next((step for step in self.steps if step.state == StepState.READY), None)


class DeliveryStep(db.Model):
    __tablename__ = "delivery_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery_orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind))
    position: Mapped[int] = mapped_column(default=0)
    state: Mapped[StepState] = mapped_column(str_enum(StepState), default=StepState.WAITING)
    # Who did it, as in the order history (the label stays when the user is renamed or removed).
    done_by_kind: Mapped[str] = mapped_column(String(16), default="")
    done_by_id: Mapped[int | None] = mapped_column(default=None)
    done_by_label: Mapped[str] = mapped_column(String(160), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    delivery: Mapped[DeliveryOrder] = relationship(back_populates="steps")
    lines: Mapped[list[StepLine]] = relationship(
        back_populates="step", order_by="StepLine.id", cascade="all, delete-orphan"
    )

    # The work list reads open steps by state and kind.
    __table_args__ = (Index("ix_delivery_steps_state_kind", "state", "kind"),)


class StepLine(db.Model):
    """How many units of an order line a step is to handle, and how many it did."""

    __tablename__ = "delivery_step_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("delivery_steps.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"))
    ordered: Mapped[int]
    done: Mapped[int | None] = mapped_column(default=None)  # None until the step is done

    step: Mapped[DeliveryStep] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()

    __table_args__ = (
        CheckConstraint("ordered > 0", name="ordered_positive"),
        CheckConstraint("done >= 0 AND done <= ordered", name="done_within_ordered"),
    )
