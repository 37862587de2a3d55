"""Payment verbs: start a card payment, act on a provider's notification, record a bank transfer."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask import url_for
from sqlalchemy.exc import IntegrityError

from shop import events
from shop.errors import DuplicateNotification, PaymentNotPossible, PaymentRejected
from shop.extensions import db
from shop.money import round_money
from shop.orders import history
from shop.orders.history import Actor
from shop.payments.models import PaymentTransaction, ProviderNotification, TransactionState
from shop.payments.providers import Notification, card_provider, get_provider
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod, PaymentState


def start_card_payment(order: Order) -> str:
    """Open a pending transaction for what is due and return the provider page to redirect to."""
    if order.state != OrderState.QUOTATION_SENT or order.payment_method != PaymentMethod.CARD:
        raise PaymentNotPossible()
    if order.payment_state == PaymentState.PAID:
        raise PaymentNotPossible()
    provider = card_provider()
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
    return provider.start(
        transaction,
        return_url=url_for("storefront.payment_return", token=order.tracking_token, _external=True),
        notify_url=url_for("payments.notify", provider_name=provider.name, _external=True),
    )


def handle_notification(provider_name: str, body: bytes, headers: Mapping[str, str]) -> PaymentTransaction:
    """Act on a signed provider notification once; a repeat raises DuplicateNotification."""
    provider = get_provider(provider_name)
    notification = provider.parse_notification(body, headers)
    transaction = db.session.scalar(
        db.select(PaymentTransaction).where(
            PaymentTransaction.reference == notification.reference,
            PaymentTransaction.provider == provider_name,
        )
    )
    if transaction is None:
        raise PaymentRejected("unknown transaction reference")
    _remember(provider_name, notification.event_id)
    if transaction.state != TransactionState.PENDING:
        return transaction  # a later event for a settled transaction changes nothing
    if notification.outcome == "captured":
        if notification.amount != transaction.amount or notification.currency != transaction.currency:
            transaction.state = TransactionState.FAILED
            transaction.error = f"amount mismatch: {notification.amount} {notification.currency}"
            history.record(
                transaction.order, by=Actor.provider(provider_name), kind="payment", note=transaction.error
            )
            return transaction
        transaction.provider_reference = notification.provider_reference
        _capture(transaction, by=Actor.provider(provider_name))
    else:
        transaction.state = TransactionState.FAILED
        transaction.error = notification.message or "declined"
        history.record(
            transaction.order,
            by=Actor.provider(provider_name),
            kind="payment",
            after="declined",
            note=transaction.error,
        )
    return transaction


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


def _capture(transaction: PaymentTransaction, *, by: Actor) -> None:
    transaction.state = TransactionState.SUCCEEDED
    order = transaction.order
    if order.state == OrderState.CANCELLED:
        # Paid after its window closed: keep the money on record for a refund; the order stays cancelled.
        history.record(
            order, by=by, kind="payment", after="paid after cancellation", note=str(transaction.amount)
        )
        return
    _register_payment(order, transaction, by=by)


def _register_payment(order: Order, transaction: PaymentTransaction, *, by: Actor) -> None:
    before = order.payment_state.value
    order.amount_paid = (order.amount_paid or Decimal("0")) + transaction.amount
    if order.amount_paid >= order.total:
        order.payment_state = PaymentState.PAID
        order.paid_at = transaction.updated_at or transaction.created_at
    history.record(
        order,
        by=by,
        kind="payment",
        before=before,
        after=order.payment_state.value,
        note=f"{transaction.amount} {transaction.currency} ({transaction.method.value})",
        public=order.payment_state == PaymentState.PAID,
    )
    events.payment_received.send(order, transaction=transaction)
    if (
        order.state == OrderState.QUOTATION_SENT
        and order.payment_state == PaymentState.PAID
        and sales.confirms_on_payment(order)
    ):
        sales.confirm_sale(order, by=by)


def record_bank_transfer(
    order: Order, amount: str | Decimal, *, by: Actor, reference: str = ""
) -> PaymentTransaction:
    """The seller saw the transfer arrive. A quotation sent that is now paid becomes a sales order."""
    if order.state not in (OrderState.QUOTATION_SENT, OrderState.SALES_ORDER):
        raise PaymentNotPossible()
    try:
        value = round_money(Decimal(str(amount)), order.currency)
    except (InvalidOperation, ValueError):
        raise PaymentNotPossible(
            "Enter the amount as a number, for example 1299.90.", field="amount"
        ) from None
    if value <= 0 or value > order.amount_due:
        raise PaymentNotPossible(
            f"The amount must be more than 0 and at most the {order.amount_due} {order.currency} still due.",
            field="amount",
        )
    transaction = PaymentTransaction(
        order_id=order.id,
        method=PaymentMethod.BANK_TRANSFER,
        provider="manual",
        reference=secrets.token_hex(12),
        provider_reference=reference[:80],
        amount=value,
        currency=order.currency,
        state=TransactionState.SUCCEEDED,
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


__all__ = ["Notification", "handle_notification", "record_bank_transfer", "start_card_payment"]
