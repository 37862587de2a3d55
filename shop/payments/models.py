"""Payment transactions and the provider notifications already acted on."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db_types import Money, UTCDateTime, str_enum, utcnow
from shop.extensions import db
from shop.sales.models import Order, PaymentMethod


class TransactionState(enum.StrEnum):
    PENDING = "pending"  # sent to the provider, no answer yet
    AUTHORISED = "authorised"  # the provider holds the money; not ours until captured
    CAPTURED = "captured"  # money taken (or a transfer or cash recorded)
    PARTIALLY_REFUNDED = "partially_refunded"  # captured, part of it given back
    REFUNDED = "refunded"  # captured, all of it given back
    FAILED = "failed"  # declined, or refused (amount mismatch)
    # Replaced by a newer attempt before any answer. Its page may still be paid: a capture that
    # comes anyway is money received and is recorded (as an overpayment if the order is paid).
    CANCELLED = "cancelled"


# States of a transaction whose money was taken: refunds come out of these, a second capture of
# one of them is the same money again.
MONEY_TAKEN = (TransactionState.CAPTURED, TransactionState.PARTIALLY_REFUNDED, TransactionState.REFUNDED)


class PaymentTransaction(db.Model):
    __tablename__ = "payment_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    provider: Mapped[str] = mapped_column(String(24))  # "test", "iyzico", "manual" ...
    # Our reference, sent to the provider and echoed back in its notifications.
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    provider_reference: Mapped[str] = mapped_column(String(80), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    # Given back so far (never more than amount): refunds through the provider or recorded by hand.
    amount_refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), server_default="0")
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[TransactionState] = mapped_column(
        str_enum(TransactionState), default=TransactionState.PENDING
    )
    error: Mapped[str] = mapped_column(Text, default="")
    # The provider's page the shopper was sent to: a second "pay" while the transaction is
    # pending and the page still valid sends them there again instead of opening a new payment.
    payment_url: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship()


class ProviderNotification(db.Model):
    """One row per provider event acted on: the same notification twice changes nothing."""

    __tablename__ = "provider_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(24))
    event_id: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("provider", "event_id"),)
