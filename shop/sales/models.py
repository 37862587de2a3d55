"""The order: a quotation while it is the cart, then quotation sent, then a sales order."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import Variant, Warehouse
from shop.db_types import Money, Rate, UTCDateTime, str_enum, utcnow
from shop.extensions import db
from shop.money import LineAmounts, line_amounts
from shop.orders.models import OrderStatus


class OrderState(enum.StrEnum):
    QUOTATION = "quotation"  # the cart: lines can change, nothing is reserved
    QUOTATION_SENT = "quotation_sent"  # checkout confirmed, stock reserved, payment awaited
    SALES_ORDER = "sales_order"  # payment confirmed (or not needed first): the seller fulfils it
    CANCELLED = "cancelled"  # given up before it became a sales order, or cancelled after


def state_label(state: str) -> str:
    """What a customer or a seller calls each lifecycle state, in their language."""
    from flask_babel import gettext as _

    labels = {
        OrderState.QUOTATION: _("Cart"),
        OrderState.QUOTATION_SENT: _("Awaiting payment"),
        OrderState.SALES_ORDER: _("Confirmed"),
        OrderState.CANCELLED: _("Cancelled"),
    }
    return labels.get(state, str(state))


def payment_state_label(state: str) -> str:
    """Paid or not, as the order list and the order page show it, in the reader's language."""
    from flask_babel import gettext as _

    return {
        PaymentState.PAID: _("Paid"),
        PaymentState.NOT_PAID: _("Not paid"),
        PaymentState.OVERPAID: _("To refund"),
        PaymentState.PARTIALLY_REFUNDED: _("Partly refunded"),
        PaymentState.REFUNDED: _("Refunded"),
    }.get(state, str(state))


def delivery_method_label(method: str | None) -> str:
    """A delivery method as customers, sellers and messages name it, in their language."""
    from flask_babel import gettext as _

    return {
        "carrier": _("Carrier shipping"),
        "courier": _("Local courier"),
        "pickup": _("Pickup at a warehouse"),
    }.get(method or "", _("Not chosen"))


def payment_method_label(method: str | None) -> str:
    """A payment method as customers, sellers and messages name it, in their language."""
    from flask_babel import gettext as _

    return {
        "card": _("Card, online"),
        "bank_transfer": _("Bank transfer"),
        "cash": _("Cash on delivery or at pickup"),
    }.get(method or "", _("Not chosen"))


class DeliveryMethod(enum.StrEnum):
    CARRIER = "carrier"  # parcel carrier with a tracking number
    COURIER = "courier"  # the shop's own local courier
    PICKUP = "pickup"  # the customer collects it at a warehouse on a chosen date


class PaymentMethod(enum.StrEnum):
    CARD = "card"  # online, through a payment provider's hosted page
    BANK_TRANSFER = "bank_transfer"  # the seller records the transfer when it arrives
    CASH = "cash"  # cash on delivery, or at pickup


class PaymentState(enum.StrEnum):
    NOT_PAID = "not_paid"
    PAID = "paid"
    # More was received than the order owes (a second capture, or money for a cancelled order):
    # the surplus is to be refunded. A state of its own so the order list finds these by index.
    OVERPAID = "overpaid"
    # Nothing due and nothing to give back, after refunds: part of the money kept, or none.
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


# Order.source of the replacement order an exchanged return makes (shop.returns.exchange): it
# is settled by the goods sent back, so it is never invoiced again (shop.invoicing.services).
EXCHANGE_SOURCE = "exchange"


def _tracking_token() -> str:
    return secrets.token_urlsafe(18)


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # given at checkout
    state: Mapped[OrderState] = mapped_column(str_enum(OrderState), default=OrderState.QUOTATION)
    source: Mapped[str] = mapped_column(String(32), default="storefront")
    locale: Mapped[str] = mapped_column(String(5), default="en")
    currency: Mapped[str] = mapped_column(String(3))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The secret in the customer's tracking link.
    tracking_token: Mapped[str] = mapped_column(String(32), unique=True, default=_tracking_token)

    # Contact and address, as given at checkout.
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str] = mapped_column(String(120), default="")
    address_line: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    company_name: Mapped[str] = mapped_column(String(160), default="")  # set: a B2B invoice
    tax_id: Mapped[str] = mapped_column(String(32), default="")
    # Name, company, e-mail and phone digits folded for the back-office search (shop.search keeps
    # it on every write; a trigram GIN index on PostgreSQL, migration 0011).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(str_enum(DeliveryMethod))
    pickup_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    pickup_date: Mapped[date | None] = mapped_column(Date)
    delivery_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # gross
    delivery_vat_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))

    payment_method: Mapped[PaymentMethod | None] = mapped_column(str_enum(PaymentMethod))
    payment_state: Mapped[PaymentState] = mapped_column(str_enum(PaymentState), default=PaymentState.NOT_PAID)
    amount_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # received in all
    # Given back in all (refunds through a provider or recorded by hand); paid - refunded is kept.
    amount_refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), server_default="0")
    # The refunds' part that lowered what is owed (lines, delivery or an amount given back
    # beyond a surplus), see shop/payments/refunds.py: owed = total - credited.
    amount_credited: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), server_default="0")

    # Once a sales order: the seller's status (orders.services.change_status), shipment, sales.
    status_id: Mapped[int | None] = mapped_column(ForeignKey("order_statuses.id"))
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    carrier: Mapped[str] = mapped_column(String(32), default="")
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sales_team_id: Mapped[int | None] = mapped_column(ForeignKey("sales_teams.id"))

    # Kept equal to the sum of the rounded lines (plus delivery) by sales.services.
    net_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # checkout confirmed
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First reached a Completed status (delivered or collected): the return window starts here.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A quotation sent whose payment has not come by then is cancelled and its stock released.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    pickup_warehouse: Mapped[Warehouse | None] = relationship()
    status: Mapped[OrderStatus | None] = relationship()

    # The back-office list reads newest first with keyset pagination on (created_at, id); each
    # filter has an index that leads with it and ends with that order.
    __table_args__ = (
        Index("ix_orders_created", "created_at", "id"),
        Index("ix_orders_state_created", "state", "created_at", "id"),
        Index("ix_orders_status_created", "status_id", "created_at", "id"),
        Index("ix_orders_delivery_created", "delivery_method", "created_at", "id"),
        Index("ix_orders_payment_created", "payment_state", "created_at", "id"),
        Index("ix_orders_source_created", "source", "created_at", "id"),
        Index("ix_orders_salesperson_created", "salesperson_id", "created_at", "id"),
        Index("ix_orders_team_created", "sales_team_id", "created_at", "id"),
        Index("ix_orders_customer_state", "customer_id", "state"),
        Index("ix_orders_state_expires", "state", "expires_at"),
        Index("ix_orders_email", "email"),
        Index("ix_orders_phone", "phone"),
    )

    @property
    def is_cart(self) -> bool:
        return self.state == OrderState.QUOTATION

    @property
    def subtotal(self) -> Decimal:
        return sum((line.gross for line in self.lines), Decimal("0"))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def amount_owed(self) -> Decimal:
        """What the customer owes in all: the total less what refunds credited, or nothing once
        the order is cancelled."""
        if self.state == OrderState.CANCELLED:
            return Decimal("0")
        return self.total - (self.amount_credited or Decimal("0"))

    @property
    def amount_kept(self) -> Decimal:
        """Received and not given back."""
        return (self.amount_paid or Decimal("0")) - (self.amount_refunded or Decimal("0"))

    @property
    def amount_due(self) -> Decimal:
        """Still to pay; never negative (a surplus is ``amount_to_refund``)."""
        return max(self.amount_owed - self.amount_kept, Decimal("0"))

    @property
    def amount_to_refund(self) -> Decimal:
        """Kept beyond what is owed: to be paid back. owed = kept + due - to_refund, always."""
        return max(self.amount_kept - self.amount_owed, Decimal("0"))

    @property
    def is_paid(self) -> bool:
        """Nothing is due (paid, perhaps in part refunded since)."""
        return self.payment_state in (
            PaymentState.PAID,
            PaymentState.OVERPAID,
            PaymentState.PARTIALLY_REFUNDED,
            PaymentState.REFUNDED,
        )

    @property
    def delivery_amounts(self) -> LineAmounts:
        """Delivery priced as one line (gross includes VAT, rounded by the line rule): what the
        totals add and what the VAT breakdown shows."""
        rate = Decimal(self.delivery_vat_rate or 0)
        return line_amounts(Decimal(self.delivery_price or 0), 1, rate, self.currency)


class OrderLine(db.Model):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    quantity: Mapped[int]
    # The order's created_at, copied (see _copy_created_at below), so "newest orders with this
    # SKU" is one index range, ix_order_lines_variant_created, instead of a probe per order.
    order_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Snapshots, so later catalog changes do not rewrite what the customer ordered.
    sku: Mapped[str] = mapped_column(String(32), index=True)
    product_name: Mapped[dict[str, str]] = mapped_column(JSON)
    variant_name: Mapped[dict[str, str]] = mapped_column(JSON)
    unit_price: Mapped[Decimal] = mapped_column(Money)  # gross
    vat_rate: Mapped[Decimal] = mapped_column(Rate)
    gross: Mapped[Decimal] = mapped_column(Money)
    net: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()

    __table_args__ = (
        UniqueConstraint("order_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_order_lines_variant_created", "variant_id", "order_created_at", "order_id"),
    )


# One rule keeps order_lines.order_created_at equal to orders.created_at: an order knows its
# creation time from the start (not only at flush), each line takes it when added, and a
# changed created_at (the demo backdates orders) is passed on to the lines.
@event.listens_for(Order, "init")
def _created_now(order: Order, args: tuple, kwargs: dict) -> None:
    kwargs.setdefault("created_at", utcnow())


@event.listens_for(Order.lines, "append")
def _line_takes_created_at(order: Order, line: OrderLine, initiator: object) -> None:
    line.order_created_at = order.created_at


@event.listens_for(Order.created_at, "set")
def _copy_created_at(order: Order, value: datetime, old: object, initiator: object) -> None:
    for line in order.lines:
        line.order_created_at = value
