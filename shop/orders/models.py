"""The order history: every change, who made it and when."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.db_types import UTCDateTime, str_enum, utcnow
from shop.extensions import db
from shop.orders.labels import DEFAULT_COLOUR


class StatusGroup(enum.StrEnum):
    NEW = "new"  # arrived, nobody has touched it
    IN_PROGRESS = "in_progress"  # being prepared, packed, shipped
    COMPLETED = "completed"  # delivered or collected
    NOT_COMPLETED = "not_completed"  # cancelled, returned, lost


class OrderStatus(db.Model):
    """A seller-defined status of a sales order, and what changing to it sends."""

    __tablename__ = "order_statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable name for code and defaults ("new", "shipped", ...); sellers' own get "custom-<n>".
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)  # per language
    group: Mapped[StatusGroup] = mapped_column(str_enum(StatusGroup))
    subgroup: Mapped[str] = mapped_column(String(60), default="")
    colour: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOUR)
    position: Mapped[int] = mapped_column(default=0)
    marketplace_status: Mapped[str] = mapped_column(String(60), default="")  # e.g. Allegro's "SENT"
    # Behaviour.
    initial: Mapped[bool] = mapped_column(default=False)  # given to new sales orders
    requires_tracking: Mapped[bool] = mapped_column(default=False)  # Shipped: number and carrier
    cancels_order: Mapped[bool] = mapped_column(default=False)  # Cancelled: stock goes back
    customer_visible: Mapped[bool] = mapped_column(default=True)  # on the tracking page
    # What a change to this status sends (the notifications issue does the sending).
    email_customer: Mapped[bool] = mapped_column(default=False)
    email_customer_sources: Mapped[list[str]] = mapped_column(JSON, default=list)  # order sources
    email_admin: Mapped[bool] = mapped_column(default=False)
    email_subject: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    email_body: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    send_sms: Mapped[bool] = mapped_column(default=False)
    sms_template: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    archived: Mapped[bool] = mapped_column(default=False)


class OrderEvent(db.Model):
    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who: customer, user (staff/admin), courier, rule (automation), provider (payment), system.
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(160), default="")
    # What: state, payment, stock, status, note, edit ...
    kind: Mapped[str] = mapped_column(String(24))
    before: Mapped[str] = mapped_column(String(80), default="")
    after: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Shown on the customer's tracking page.
    public: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (Index("ix_order_events_order_at", "order_id", "at"),)
