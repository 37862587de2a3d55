"""An order given to a local courier (B9, the LiveGallery flow): who carries it and how far it got."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.accounts.models import User
from shop.db_types import UTCDateTime, str_enum, utcnow
from shop.extensions import db
from shop.sales.models import Order


class TaskState(enum.StrEnum):
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"  # the courier took the goods at the warehouse
    ON_THE_WAY = "on_the_way"
    DELIVERED = "delivered"
    FAILED = "failed"  # with a reason; the shop decides what next (assign again)


OPEN_TASK_STATES = (TaskState.ASSIGNED, TaskState.PICKED_UP, TaskState.ON_THE_WAY)


class CourierTask(db.Model):
    """One row per courier order once assigned; reassigning changes its courier."""

    __tablename__ = "courier_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[TaskState] = mapped_column(str_enum(TaskState), default=TaskState.ASSIGNED)
    failure_reason: Mapped[str] = mapped_column(String(200), default="")
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship()
    courier: Mapped[User] = relationship()

    # My tasks reads a courier's open tasks.
    __table_args__ = (Index("ix_courier_tasks_courier_state", "courier_id", "state"),)
