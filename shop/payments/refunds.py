"""Refunds (B10): money given back for an order, through the payment's provider or recorded by
the seller (a bank transfer or cash paid back by hand).

The rules, each here once:

- By lines, a refund is each line's gross share for the quantity, rounded cumulatively: the
  units refunded before plus these, less the units refunded before, each rounded by the shop's
  rule. Refunding a line in parts therefore adds up to its gross exactly (the last units take the
  rounding remainder) and never more. The delivery charge is refunded whole, once.
- Never more than a payment's captured amount less what was refunded of it, nor more than the
  order keeps (paid less refunded). Pending refunds count against both. The order row is locked
  first (sales.services.lock_order) and everything is read fresh after it, so two refunds at the
  same moment are decided one after the other on PostgreSQL and SQLite.
- The key (made when the form is shown, sent to the provider): the same key again returns the
  first refund and refunds nothing more. The unique index on refunds.key is the last guard.
- A provider that does not answer (ProviderUnavailable): nobody knows whether the money went
  back, so the refund stays PENDING, counts against what may still be refunded, and is retried
  with the same key (the form keeps it), which the provider refunds at most once.
- A provider that refuses: the refund is FAILED with its message and nothing is counted; a new
  attempt is a new refund with a new key.
- What a refund credits: a refund by lines or delivery lowers what the customer owes by its
  amount (they keep less), as does a refund by amount beyond a surplus (money received beyond
  what was owed, e.g. a double payment); paying back a surplus credits nothing. On a cancelled
  order nothing is owed, so nothing is credited. Thus paid - refunded = kept and
  total - credited (owed) - kept = due - to refund, always.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from shop import events
from shop.errors import NotFound, ProviderUnavailable, RefundNotPossible
from shop.extensions import db
from shop.orders import history
from shop.orders.history import Actor
from shop.payments.models import (
    MONEY_TAKEN,
    PaymentTransaction,
    Refund,
    RefundMethod,
    RefundState,
    TransactionState,
)
from shop.payments.providers import get_provider

# The limits and amounts, importable from here too (credit notes read refunded_quantities).
from shop.payments.refund_amounts import (
    _check_limit,
    _plan,
    amount_for_lines,
    delivery_refunded,
    provider_refundable,
    refunded_quantities,
    refunds_for,
    remaining_for,
    remaining_on,
)
from shop.payments.services import payment_state_for
from shop.sales.models import Order, OrderState, PaymentMethod, PaymentState
from shop.sales.services import lock_order

MANUAL_METHODS = (RefundMethod.BANK_TRANSFER, RefundMethod.CASH, RefundMethod.OTHER)
KEY_MAX = 64

__all__ = [
    "amount_for_lines",
    "delivery_refunded",
    "provider_refundable",
    "record_manual_refund",
    "refund",
    "refunded_quantities",
    "refunds_for",
    "remaining_for",
    "remaining_on",
]


# --- the verbs ------------------------------------------------------------------------------


def _earlier(order: Order, key: str) -> Refund | None:
    """The refund already made with this key (same request twice), read after the order lock."""
    if not key or len(key) > KEY_MAX:
        raise RefundNotPossible(_("This refund form has expired; reload the page and try again."))
    earlier = db.session.scalar(
        db.select(Refund).where(Refund.key == key).execution_options(populate_existing=True)
    )
    if earlier is not None and earlier.order_id != order.id:
        raise RefundNotPossible(_("This refund form has expired; reload the page and try again."))
    return earlier


def _transaction(
    order: Order, transaction: PaymentTransaction | int | None, amount: Decimal, refunds: list[Refund]
):
    """The payment to refund through: the one chosen (of this order, money taken), else the newest
    one whose provider can refund the amount."""
    taken = list(
        db.session.scalars(
            db.select(PaymentTransaction)
            .where(PaymentTransaction.order_id == order.id, PaymentTransaction.state.in_(MONEY_TAKEN))
            .order_by(PaymentTransaction.id.desc())
            .execution_options(populate_existing=True)
        )
    )
    if transaction is not None:
        wanted = transaction if isinstance(transaction, int) else transaction.id
        chosen = next((t for t in taken if t.id == wanted), None)
        if chosen is None:
            raise RefundNotPossible(_("Choose one of this order's captured payments."), field="transaction")
        if not provider_refundable(chosen):
            raise _manual_only(chosen)
        return chosen
    refundable = [t for t in taken if provider_refundable(t)]
    if not refundable:
        if taken:
            raise _manual_only(taken[0])
        raise RefundNotPossible(_("This order has no captured payment to refund."), field="transaction")
    return next((t for t in refundable if remaining_on(t, refunds) >= amount), refundable[0])


def _manual_only(transaction: PaymentTransaction) -> RefundNotPossible:
    if (
        transaction.method in (PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH)
        or transaction.provider == "manual"
    ):
        message = _(
            "This payment was a bank transfer or cash, so no provider can refund it: pay the money "
            "back yourself and record it as a manual refund."
        )
    else:
        message = _(
            "The provider %(provider)s cannot refund this payment: pay the money back another way "
            "and record it as a manual refund.",
            provider=transaction.provider,
        )
    return RefundNotPossible(message, field="transaction")


def refund(
    order: Order,
    *,
    by: Actor,
    key: str,
    amount: Decimal | str | None = None,
    lines: Iterable[Mapping[str, int]] | None = None,
    delivery: bool = False,
    transaction: PaymentTransaction | int | None = None,
    reason: str = "",
) -> Refund:
    """Give money back through the payment's provider. Returns the refund: SUCCEEDED, FAILED
    (the provider refused; its message in ``error``) or PENDING (no answer: retry with the same
    key). Raises RefundNotPossible, with nothing changed, for what may not be refunded."""
    order = lock_order(order)
    earlier = _earlier(order, key)
    if earlier is not None and earlier.state != RefundState.PENDING:
        return earlier
    if earlier is not None:  # no answer last time: ask again, with the same key
        again = db.session.get(PaymentTransaction, earlier.transaction_id, populate_existing=True)
        return _ask_provider(order, earlier, again, by=by)
    new = _open(
        order,
        by=by,
        key=key,
        amount=amount,
        lines=lines,
        delivery=delivery,
        reason=reason,
        method=RefundMethod.PROVIDER,
        through=lambda value, refunds: _transaction(order, transaction, value, refunds),
    )
    return _ask_provider(order, new, db.session.get(PaymentTransaction, new.transaction_id), by=by)


def record_manual_refund(
    order: Order,
    *,
    by: Actor,
    key: str,
    amount: Decimal | str | None = None,
    lines: Iterable[Mapping[str, int]] | None = None,
    delivery: bool = False,
    method: RefundMethod | str,
    reference: str,
    reason: str = "",
) -> Refund:
    """The seller paid money back themselves (a transfer, cash, other): the same limits as a
    refund through a provider, on what the order keeps, tied to no payment."""
    try:
        method = RefundMethod(method)
    except ValueError:
        method = None
    if method not in MANUAL_METHODS:
        raise RefundNotPossible(_("Choose how the money was paid back."), field="method")
    order = lock_order(order)
    earlier = _earlier(order, key)
    if earlier is not None:
        return earlier
    new = _open(
        order,
        by=by,
        key=key,
        amount=amount,
        lines=lines,
        delivery=delivery,
        reason=reason,
        method=method,
        reference=reference,
    )
    _succeeded(order, new, None, by=by)
    return new


def already_settled(key: str) -> bool:
    """Whether a refund with this key was decided before (sent again, it refunds nothing more)."""
    return bool(
        key
        and db.session.scalar(
            db.select(Refund.id).where(Refund.key == key, Refund.state != RefundState.PENDING)
        )
    )


def through_provider(order: Order, refund_rows: list[Refund] | None = None) -> list[PaymentTransaction]:
    """The order's payments that can still give money back through their provider (``refund``);
    none: what is given back is recorded by hand (``record_manual_refund``)."""
    from shop.payments.services import transactions_for

    refund_rows = refunds_for(order) if refund_rows is None else refund_rows
    return [t for t in transactions_for(order) if provider_refundable(t) and remaining_on(t, refund_rows) > 0]


def refunds_due(limit: int) -> tuple[list[Order], dict[int, Decimal]]:
    """The orders holding money to give back (payment state OVERPAID exactly while kept > owed;
    ix_orders_payment_created), oldest first, at most ``limit`` + 1 (the extra one says there is
    more), and the amounts of their refunds still waiting for a provider's answer."""
    orders = list(
        db.session.scalars(
            db.select(Order)
            .where(Order.payment_state == PaymentState.OVERPAID)
            .order_by(Order.created_at, Order.id)
            .limit(limit + 1)
        )
    )
    pending: dict[int, Decimal] = {}
    if orders:
        for order_id, amount in db.session.execute(
            db.select(Refund.order_id, Refund.amount).where(
                Refund.order_id.in_([order.id for order in orders]), Refund.state == RefundState.PENDING
            )
        ):
            pending[order_id] = pending.get(order_id, Decimal("0")) + amount
    return orders, pending


def _open(
    order: Order,
    *,
    by: Actor,
    key: str,
    amount: Decimal | str | None,
    lines: Iterable[Mapping[str, int]] | None,
    delivery: bool,
    reason: str,
    method: RefundMethod,
    reference: str = "",
    through: Callable[[Decimal, list[Refund]], PaymentTransaction] | None = None,
) -> Refund:
    """A new refund, PENDING: its amount planned, the payment it goes ``through`` chosen (provider
    refunds), the limits checked; one rule for both kinds of refund."""
    refunds = refunds_for(order)
    value, stored_lines = _plan(order, amount, lines, delivery, refunds)
    transaction = through(value, refunds) if through is not None else None
    _check_limit(order, value, refunds, transaction)
    return _add(
        order,
        key=key,
        by=by,
        amount=value,
        lines=stored_lines,
        delivery=delivery,
        reason=reason,
        method=method,
        reference=reference,
        transaction=transaction,
    )


def _add(
    order: Order, *, key: str, by: Actor, transaction: PaymentTransaction | None = None, **values
) -> Refund:
    new = Refund(
        order_id=order.id,
        transaction_id=transaction.id if transaction is not None else None,
        currency=order.currency,
        key=key,
        user_id=by.id if by.kind == "user" else None,
        state=RefundState.PENDING,
        **{
            **values,
            "reason": (values.get("reason") or "").strip(),
            "reference": (values.get("reference") or "")[:80],
        },
    )
    db.session.add(new)
    try:
        db.session.flush()
    except IntegrityError:  # the same key at the same moment, past the lock: refused, caller rolls back
        raise RefundNotPossible(_("This refund was sent twice; reload the page to see it.")) from None
    return new


def _ask_provider(order: Order, pending: Refund, transaction: PaymentTransaction, *, by: Actor) -> Refund:
    try:
        answer = get_provider(transaction.provider).refund(transaction, pending.amount, key=pending.key)
    except (ProviderUnavailable, NotFound):
        pending.error = "the provider did not answer; retry to know whether it refunded"
        return pending
    if not answer.succeeded:
        pending.state = RefundState.FAILED
        pending.error = answer.message or "refused by the provider"
        history.record(
            order, by=by, kind="refund", after="failed", note=f"{pending.amount} {pending.currency}"
        )
        return pending
    pending.provider_reference = answer.provider_reference[:80]
    _succeeded(order, pending, transaction, by=by)
    return pending


def _succeeded(order: Order, done: Refund, transaction: PaymentTransaction | None, *, by: Actor) -> None:
    """Count a refund that gave money back: the payment, the order, its state, history, message."""
    done.state = RefundState.SUCCEEDED
    done.error = ""
    if transaction is not None:
        transaction.amount_refunded = (transaction.amount_refunded or Decimal("0")) + done.amount
        transaction.state = (
            TransactionState.REFUNDED
            if transaction.amount_refunded >= transaction.amount
            else TransactionState.PARTIALLY_REFUNDED
        )
    if order.state == OrderState.CANCELLED:
        done.credited = Decimal("0")
    elif done.lines or done.delivery:
        done.credited = done.amount
    else:
        done.credited = max(done.amount - order.amount_to_refund, Decimal("0"))
    before = order.payment_state
    order.amount_refunded = (order.amount_refunded or Decimal("0")) + done.amount
    order.amount_credited = (order.amount_credited or Decimal("0")) + done.credited
    order.payment_state = payment_state_for(order)
    history.record(
        order,
        by=by,
        kind="refund",
        before=before.value,
        after=order.payment_state.value,
        note=f"{done.amount} {done.currency} ({done.method.value})",
        public=True,
    )
    events.refund_issued.send(order, refund=done, by=by)
