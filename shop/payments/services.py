"""Payment verbs: start a card payment, act on a provider's notification, record a bank transfer."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from shop import events
from shop.db_types import utcnow
from shop.errors import DuplicateNotification, PaymentNotPossible, PaymentRejected
from shop.extensions import db
from shop.i18n import format_money, shop_today
from shop.money import round_money
from shop.orders import history
from shop.orders.history import Actor
from shop.payments.models import MONEY_TAKEN, PaymentTransaction, ProviderNotification, TransactionState
from shop.payments.providers import Notification, card_provider, card_provider_name, get_provider
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod, PaymentState

# A page reused by a second "pay" must leave the shopper this long to type their card.
REUSE_MARGIN = timedelta(minutes=10)


def offered_payment_methods() -> list[PaymentMethod]:
    """What checkout offers: card only while a card provider is configured and enabled here."""
    return [method for method in PaymentMethod if method != PaymentMethod.CARD or card_provider_name()]


def can_pay_by_card(order: Order) -> bool:
    """Whether the customer's order page offers "pay by card" (start_card_payment would go on)."""
    return (
        order.state == OrderState.QUOTATION_SENT
        and order.payment_method == PaymentMethod.CARD
        and not order.is_paid
        and not held_for_review(order)
        and bool(card_provider_name())
    )


def held_for_review(order: Order) -> bool:
    """A card payment the provider holds for its fraud review (iyzico): paying again would pay twice."""
    return bool(
        db.session.scalar(
            db.select(PaymentTransaction.id)
            .where(
                PaymentTransaction.order_id == order.id,
                PaymentTransaction.state == TransactionState.AUTHORISED,
            )
            .limit(1)
        )
    )


def start_card_payment(order: Order) -> str:
    """The provider page to send the shopper to for what is due.

    One payment at a time per order: while a pending transaction's page is still valid (same
    provider and amount), a second "pay" (double click, second tab, back button) gets that page
    again. Otherwise the older pending ones are cancelled and a new transaction opens; a capture
    that still comes for a cancelled one is recorded as money received (see handle_notification).
    """
    order = sales.lock_order(order)
    if order.state != OrderState.QUOTATION_SENT or order.payment_method != PaymentMethod.CARD:
        raise PaymentNotPossible()
    if order.is_paid or held_for_review(order):
        raise PaymentNotPossible()
    provider = card_provider()
    now = utcnow()
    for pending in _pending(order):
        if (
            pending.provider == provider.name
            and pending.amount == order.amount_due
            and pending.currency == order.currency
            and pending.payment_url
            and now < pending.created_at + provider.page_lifetime - REUSE_MARGIN
        ):
            return pending.payment_url
        pending.state = TransactionState.CANCELLED
        pending.error = "replaced by a new payment attempt"
    transaction = PaymentTransaction(
        order_id=order.id,
        method=PaymentMethod.CARD,
        provider=provider.name,
        reference=secrets.token_hex(12),
        amount=order.amount_due,
        currency=order.currency,
    )
    db.session.add(transaction)
    db.session.flush()
    transaction.payment_url = provider.start(
        transaction,
        return_url=url_for("storefront.payment_return", token=order.tracking_token, _external=True),
        notify_url=url_for("payments.notify", provider_name=provider.name, _external=True),
    )
    return transaction.payment_url


def handle_notification(provider_name: str, body: bytes, headers: Mapping[str, str]) -> PaymentTransaction:
    """Act on a signed provider notification once; a repeat raises DuplicateNotification.

    A capture is money taken, so it is recorded whatever became of the transaction meanwhile
    (cancelled by a newer attempt, declined before): on an order already paid it is an
    overpayment, to refund. Only a transaction already captured ignores a second capture.
    """
    provider = get_provider(provider_name)
    return apply_notification(provider_name, provider.parse_notification(body, headers))


def apply_notification(provider_name: str, notification: Notification) -> PaymentTransaction:
    """Act once on what a provider said, however it reached us (a signed notification, or the
    answer to our own query after the shopper's browser came back with a token)."""
    transaction = db.session.scalar(
        db.select(PaymentTransaction).where(
            PaymentTransaction.reference == notification.reference,
            PaymentTransaction.provider == provider_name,
        )
    )
    if transaction is None:
        raise PaymentRejected("unknown transaction reference")
    _remember(provider_name, notification.event_id)
    # Payments of one order are decided one at a time, on fresh rows: two captures of two
    # transactions of one order add up instead of both reading the same amount paid.
    order = sales.lock_order(transaction.order)
    db.session.refresh(transaction)
    by = Actor.provider(provider_name)
    if notification.outcome == "review":  # paid, held by the provider's fraud check: not ours yet
        if transaction.state == TransactionState.PENDING:
            transaction.state = TransactionState.AUTHORISED
            transaction.provider_reference = notification.provider_reference
            history.record(order, by=by, kind="payment", after="under review", note=notification.message)
        return transaction
    if notification.outcome != "captured":
        if transaction.state in (TransactionState.PENDING, TransactionState.AUTHORISED):
            transaction.state = TransactionState.FAILED
            transaction.error = notification.message or "declined"
            history.record(order, by=by, kind="payment", after="declined", note=transaction.error)
        return transaction  # a decline for a settled or replaced transaction changes nothing
    if transaction.state in MONEY_TAKEN:
        return transaction  # captured once already: this is another word for the same money
    if notification.amount != transaction.amount or notification.currency != transaction.currency:
        transaction.state = TransactionState.FAILED
        transaction.error = f"amount mismatch: {notification.amount} {notification.currency}"
        history.record(order, by=by, kind="payment", note=transaction.error)
        return transaction
    transaction.provider_reference = notification.provider_reference
    transaction.state = TransactionState.CAPTURED
    transaction.error = ""
    _register_payment(order, transaction, by=by)
    return transaction


def _pending(order: Order, *, besides: PaymentTransaction | None = None) -> list[PaymentTransaction]:
    return [
        transaction
        for transaction in db.session.scalars(
            db.select(PaymentTransaction)
            .where(
                PaymentTransaction.order_id == order.id,
                PaymentTransaction.state == TransactionState.PENDING,
            )
            .order_by(PaymentTransaction.id)
        )
        if transaction is not besides
    ]


def _remember(provider_name: str, event_id: str) -> None:
    """Record the event id before acting on it; a repeat raises DuplicateNotification.

    The unique index decides when two deliveries of one event race: the loser's flush fails
    and its caller rolls back. (No SAVEPOINT: pysqlite's transaction handling breaks them.)
    """
    seen = db.session.scalar(
        db.select(ProviderNotification.id).where(
            ProviderNotification.provider == provider_name, ProviderNotification.event_id == event_id
        )
    )
    if seen is not None:
        raise DuplicateNotification()
    db.session.add(ProviderNotification(provider=provider_name, event_id=event_id))
    try:
        db.session.flush()
    except IntegrityError:
        raise DuplicateNotification() from None


def payment_state_for(order: Order) -> PaymentState:
    """The payment state the amounts say: more than owed is to refund, never a negative due.
    Refunded: nothing due or to give back after refunds of the order (not only of a surplus),
    none of the money kept (else partly)."""
    if order.amount_to_refund > 0:
        return PaymentState.OVERPAID
    refunded = order.amount_credited if order.state != OrderState.CANCELLED else order.amount_refunded
    if refunded and order.amount_due == 0:
        return PaymentState.PARTIALLY_REFUNDED if order.amount_kept > 0 else PaymentState.REFUNDED
    if order.state != OrderState.CANCELLED and order.amount_due == 0:
        return PaymentState.PAID
    return PaymentState.NOT_PAID


def _register_payment(order: Order, transaction: PaymentTransaction, *, by: Actor) -> None:
    before = order.payment_state
    order.amount_paid = (order.amount_paid or Decimal("0")) + transaction.amount
    order.payment_state = payment_state_for(order)
    if order.is_paid and order.state != OrderState.CANCELLED and order.paid_at is None:
        order.paid_at = transaction.updated_at or transaction.created_at
    note = f"{transaction.amount} {transaction.currency} ({transaction.method.value})"
    after = order.payment_state.value
    if order.payment_state == PaymentState.OVERPAID:
        note += f"; to refund {order.amount_to_refund} {order.currency}"
        if order.state == OrderState.CANCELLED:
            after = "paid after cancellation"
    history.record(
        order,
        by=by,
        kind="payment",
        before=before.value,
        after=after,
        note=note,
        public=order.is_paid and order.state != OrderState.CANCELLED,
    )
    events.payment_received.send(order, transaction=transaction)
    if order.is_paid:
        # Nothing more is due: a page still open elsewhere must not ask for the amount again.
        for pending in _pending(order, besides=transaction):
            pending.state = TransactionState.CANCELLED
            pending.error = "the order was paid by another transaction"
    if order.state == OrderState.QUOTATION_SENT and order.is_paid and sales.confirms_on_payment(order):
        sales.confirm_sale(order, by=by)


def _on_cancelled(order: Order, **kwargs) -> None:  # noqa: ANN003
    """A cancelled order owes nothing: what was paid for it is to refund."""
    if order.state == OrderState.CANCELLED and payment_state_for(order) != order.payment_state:
        before, order.payment_state = order.payment_state, payment_state_for(order)
        history.record(
            order,
            by=kwargs.get("by") or Actor.system(),
            kind="payment",
            before=before.value,
            after=order.payment_state.value,
            note=f"to refund {order.amount_to_refund} {order.currency}" if order.amount_to_refund else "",
        )


events.order_cancelled.connect(_on_cancelled)
events.status_changed.connect(_on_cancelled)  # a status that cancels a sales order


def record_bank_transfer(
    order: Order, amount: str | Decimal, *, by: Actor, reference: str = "", received_on: date | None = None
) -> PaymentTransaction:
    """The seller saw the transfer arrive. A quotation sent that is now paid becomes a sales order."""
    return _record_manual(
        order, amount, PaymentMethod.BANK_TRANSFER, by=by, reference=reference, received_on=received_on
    )


def record_cash_payment(
    order: Order, amount: str | Decimal, *, by: Actor, reference: str = "", received_on: date | None = None
) -> PaymentTransaction:
    """Cash handed over (to a courier at the door, or at the counter): the same rules as a
    transfer the seller records."""
    return _record_manual(
        order, amount, PaymentMethod.CASH, by=by, reference=reference, received_on=received_on
    )


def _record_manual(
    order: Order,
    amount: str | Decimal,
    method: PaymentMethod,
    *,
    by: Actor,
    reference: str = "",
    received_on: date | None = None,
) -> PaymentTransaction:
    if received_on is not None and received_on > shop_today():
        raise PaymentNotPossible(_("The date received cannot be in the future."), field="received_on")
    order = sales.lock_order(order)
    if order.state not in (OrderState.QUOTATION_SENT, OrderState.SALES_ORDER):
        raise PaymentNotPossible()
    try:
        value = round_money(Decimal(str(amount)), order.currency)
    except (InvalidOperation, ValueError):
        raise PaymentNotPossible(
            _("Enter the amount as a number, for example 1299.90."), field="amount"
        ) from None
    if value <= 0 or value > order.amount_due:
        raise PaymentNotPossible(
            _(
                "The amount must be more than 0 and at most the %(due)s still due.",
                due=format_money(order.amount_due, order.currency),
            ),
            field="amount",
        )
    transaction = PaymentTransaction(
        order_id=order.id,
        method=method,
        provider="manual",
        reference=secrets.token_hex(12),
        provider_reference=reference[:80],
        amount=value,
        currency=order.currency,
        state=TransactionState.CAPTURED,
        received_on=received_on,
    )
    db.session.add(transaction)
    db.session.flush()
    _register_payment(order, transaction, by=by)
    return transaction


def transactions_for(order: Order) -> list[PaymentTransaction]:
    return list(
        db.session.scalars(
            db.select(PaymentTransaction)
            .where(PaymentTransaction.order_id == order.id)
            .order_by(PaymentTransaction.id)
        )
    )


__all__ = [
    "Notification",
    "can_pay_by_card",
    "handle_notification",
    "offered_payment_methods",
    "record_bank_transfer",
    "record_cash_payment",
    "start_card_payment",
]
