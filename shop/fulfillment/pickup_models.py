"""What a pickup order needs beyond its warehouse and date (kept on the order): when it was
made ready and by whom, and which of its lines are collected at the warehouse."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db_types import UTCDateTime
from shop.extensions import db


class OrderPickup(db.Model):
    """One row per pickup order once the seller acted on it; no row: nothing done yet (all its
    lines are collected, nothing is ready)."""

    __tablename__ = "order_pickups"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    # Ids of the order lines handed out at the warehouse; None: every line. A line left out
    # waits until the seller includes it (it keeps its reservation).
    line_ids: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready_by: Mapped[str] = mapped_column(String(160), default="")
