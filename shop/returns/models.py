"""A return: the lines and units a customer sends back from one order, and how far it got."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Warehouse
from shop.db_types import UTCDateTime, str_enum, utcnow
from shop.extensions import db
from shop.sales.models import Order, OrderLine


class ReturnState(enum.StrEnum):
    REQUESTED = "requested"  # the customer sent the form; the seller decides
    APPROVED = "approved"  # the customer has the label and sends the goods
    REJECTED = "rejected"  # refused, with the reason sent to the customer (final)
    RECEIVED = "received"  # the goods arrived: back on the shelf or written off
    REFUNDED = "refunded"  # money given back through the refund service (final)
    EXCHANGED = "exchanged"  # a replacement order was made (final)


# A return in one of these still holds its units: the same units cannot be asked for twice.
HOLDING_STATES = (
    ReturnState.REQUESTED,
    ReturnState.APPROVED,
    ReturnState.RECEIVED,
    ReturnState.REFUNDED,
    ReturnState.EXCHANGED,
)
FINAL_STATES = (ReturnState.REJECTED, ReturnState.REFUNDED, ReturnState.EXCHANGED)

# Why the customer returns (the form's list; "other" needs the free text).
REASON_CODES = ("changed_mind", "wrong_size", "damaged", "not_as_described", "wrong_item", "other")


def _access_token() -> str:
    return secrets.token_urlsafe(18)


class ReturnRequest(db.Model):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The order number and a sequence per order: S000012-R1, S000012-R2 ...
    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[ReturnState] = mapped_column(str_enum(ReturnState), default=ReturnState.REQUESTED)
    # How it was asked for: "account", "guest" (the e-mailed link) or "staff" (on the phone).
    channel: Mapped[str] = mapped_column(String(16), default="account")
    reason: Mapped[str] = mapped_column(String(24))  # one of REASON_CODES
    reason_text: Mapped[str] = mapped_column(Text, default="")
    # The customer's photo: its key in the picture storage (shop.catalog.picture_storage) ("" when none).
    photo: Mapped[str] = mapped_column(String(200), default="")
    # The secret in the guest's link to their return's page.
    access_token: Mapped[str] = mapped_column(String(32), unique=True, default=_access_token)
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    # Approved: what the customer is told to do with the label.
    instructions: Mapped[str] = mapped_column(Text, default="")
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    exchange_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # approved or rejected
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # refunded or exchanged

    order: Mapped[Order] = relationship(foreign_keys=[order_id])
    exchange_order: Mapped[Order | None] = relationship(foreign_keys=[exchange_order_id])
    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="return_request", order_by="ReturnLine.id", cascade="all, delete-orphan"
    )

    # The back-office list: newest first, by state, by reason.
    __table_args__ = (
        Index("ix_returns_created", "created_at", "id"),
        Index("ix_returns_state_created", "state", "created_at", "id"),
        Index("ix_returns_reason_created", "reason", "created_at", "id"),
    )

    @property
    def unit_count(self) -> int:
        return sum(line.quantity for line in self.lines)


class ReturnLine(db.Model):
    """Units of one order line sent back, and what became of them on arrival."""

    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int]  # asked for
    # On receipt: units back on the shelf of ``warehouse``, and units written off as damaged.
    restocked: Mapped[int] = mapped_column(default=0)
    written_off: Mapped[int] = mapped_column(default=0)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    # Exchanged: the variant sent instead (same product, same price).
    replacement_variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id"))

    return_request: Mapped[ReturnRequest] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()
    warehouse: Mapped[Warehouse | None] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="return_quantity_positive"),
        CheckConstraint("restocked >= 0 AND written_off >= 0", name="return_outcome_not_negative"),
        CheckConstraint("restocked + written_off <= quantity", name="return_outcome_within_quantity"),
    )

    @property
    def received(self) -> int:
        return self.restocked + self.written_off
