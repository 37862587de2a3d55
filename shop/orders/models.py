"""The order history: every change, who made it and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.db_types import UTCDateTime, utcnow
from shop.extensions import db


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
