"""Payment transactions, the provider notifications already acted on, and refunds."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, UniqueConstraint
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
    # The provider's id for the payment page (iyzico's checkout-form token): the shopper's
    # browser comes back with it, and the provider's answers name it.
    provider_token: Mapped[str] = mapped_column(String(120), default="", server_default="", index=True)
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
    # The day the seller says a transfer or cash arrived (manual payments); None: when recorded.
    received_on: Mapped[date | None] = mapped_column(Date)
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


class RefundState(enum.StrEnum):
    # Asked of the provider, no answer yet (it timed out): counts against what may still be
    # refunded until retried with the same key, so a retry cannot refund twice.
    PENDING = "pending"
    SUCCEEDED = "succeeded"  # the money went back: counted in the amounts refunded
    FAILED = "failed"  # the provider refused (its message in error); nothing counted


class RefundMethod(enum.StrEnum):
    """How the money went back to the customer."""

    PROVIDER = "provider"  # through the payment's provider (the card is credited)
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    OTHER = "other"


class Refund(db.Model):
    """Money given back for an order: through a provider or recorded by hand (see refunds.py).

    ``lines`` is what was refunded by lines (``[{"line_id": 3, "quantity": 1}]``, empty for a
    refund by amount) and ``delivery`` whether the delivery charge was; credit notes read both."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # The payment it went back through; None for a manual refund not tied to one.
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("payment_transactions.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    # The part of the amount that lowered what the customer owes (goods or charges given back),
    # as opposed to paying back a surplus (an overpayment, a cancelled order).
    credited: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[list[dict]] = mapped_column(JSON, default=list)
    delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[RefundMethod] = mapped_column(str_enum(RefundMethod))
    reference: Mapped[str] = mapped_column(String(80), default="")  # the seller's, for a manual one
    state: Mapped[RefundState] = mapped_column(str_enum(RefundState), default=RefundState.PENDING)
    # The idempotency key (made when the refund form is shown, sent to the provider): the same
    # key twice is one refund. The unique index is the last guard when two requests race.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    provider_reference: Mapped[str] = mapped_column(String(80), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order: Mapped[Order] = relationship()
    transaction: Mapped[PaymentTransaction | None] = relationship()
