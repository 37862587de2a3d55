"""What an order may still have refunded, and how much a refund is: the limits and amounts of
shop/payments/refunds.py (its docstring has the rules), read from the order's refunds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from flask_babel import gettext as _

from shop.errors import NotFound, RefundNotPossible
from shop.extensions import db
from shop.i18n import format_money, translated
from shop.money import round_money, scale
from shop.payments.models import MONEY_TAKEN, PaymentTransaction, Refund, RefundState
from shop.payments.providers import get_provider
from shop.sales.models import Order, PaymentMethod

# --- what an order may still have refunded --------------------------------------------------


def refunds_for(order: Order) -> list[Refund]:
    return list(db.session.scalars(db.select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)))


def _open(refunds: Iterable[Refund]) -> list[Refund]:
    """Refunds that took (or may have taken) money back: succeeded and pending."""
    return [refund for refund in refunds if refund.state != RefundState.FAILED]


def _pending_total(refunds: Iterable[Refund], transaction_id: int | None = None) -> Decimal:
    return sum(
        (
            refund.amount
            for refund in refunds
            if refund.state == RefundState.PENDING
            and (transaction_id is None or refund.transaction_id == transaction_id)
        ),
        Decimal("0"),
    )


def remaining_on(transaction: PaymentTransaction, refunds: Iterable[Refund]) -> Decimal:
    """What may still be refunded of one payment: captured, less refunded, less pending."""
    if transaction.state not in MONEY_TAKEN:
        return Decimal("0")
    left = transaction.amount - (transaction.amount_refunded or 0) - _pending_total(refunds, transaction.id)
    return max(left, Decimal("0"))


def remaining_for(order: Order, refunds: Iterable[Refund]) -> Decimal:
    """What may still be refunded for the order: what it keeps, less pending refunds."""
    return max(order.amount_kept - _pending_total(refunds), Decimal("0"))


def refunded_quantities(refunds: Iterable[Refund]) -> dict[int, int]:
    """Units refunded (or pending) per order line id."""
    units: dict[int, int] = {}
    for refund in _open(refunds):
        for part in refund.lines or ():
            units[int(part["line_id"])] = units.get(int(part["line_id"]), 0) + int(part["quantity"])
    return units


def delivery_refunded(refunds: Iterable[Refund]) -> bool:
    return any(refund.delivery for refund in _open(refunds))


def provider_refundable(transaction: PaymentTransaction) -> bool:
    """Whether the payment's own provider can give its money back (else: a manual refund)."""
    if (
        transaction.method in (PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH)
        or transaction.provider == "manual"
    ):
        return False
    try:
        return bool(get_provider(transaction.provider).can_refund)
    except NotFound:  # a provider switched off since: nothing can reach it
        return False


# --- the amount of a refund -----------------------------------------------------------------


def _line_name(line) -> str:  # noqa: ANN001
    return " – ".join(part for part in (translated(line.product_name), translated(line.variant_name)) if part)


def amount_for_lines(
    order: Order, lines: Iterable[Mapping[str, int]], delivery: bool, refunds: Iterable[Refund]
) -> tuple[Decimal, list[dict[str, int]]]:
    """The amount of a refund by lines (and delivery), and the lines as stored. Raises
    RefundNotPossible for a line of another order or more units than are left to refund."""
    refunds = list(refunds)
    by_id = {line.id: line for line in order.lines}
    done = refunded_quantities(refunds)
    wanted: dict[int, int] = {}
    for part in lines:
        line_id, quantity = part.get("line_id"), part.get("quantity")
        if not isinstance(line_id, int) or line_id not in by_id:
            raise RefundNotPossible(_("Choose lines of this order."), field="lines")
        if not isinstance(quantity, int) or quantity < 0:
            raise RefundNotPossible(_("Enter whole quantities of 0 or more."), field="lines")
        if quantity:
            wanted[line_id] = wanted.get(line_id, 0) + quantity
    amount = Decimal("0")
    for line_id, quantity in wanted.items():
        line = by_id[line_id]
        before = done.get(line_id, 0)
        if before + quantity > line.quantity:
            raise RefundNotPossible(
                _(
                    "At most %(count)s of %(name)s can still be refunded.",
                    count=line.quantity - before,
                    name=_line_name(line),
                ),
                field="lines",
            )
        amount += _share(line.gross, before + quantity, line.quantity, order.currency) - _share(
            line.gross, before, line.quantity, order.currency
        )
    if delivery:
        if delivery_refunded(refunds):
            raise RefundNotPossible(_("The delivery charge was refunded already."), field="delivery")
        if not order.delivery_price:
            raise RefundNotPossible(_("This order has no delivery charge to refund."), field="delivery")
        amount += order.delivery_amounts.gross
    if not wanted and not delivery:
        raise RefundNotPossible(_("Choose the lines to refund or enter an amount."), field="lines")
    return amount, [
        {"line_id": line_id, "quantity": quantity} for line_id, quantity in sorted(wanted.items())
    ]


def _share(gross: Decimal, units: int, of: int, currency: str) -> Decimal:
    return round_money(gross * units / of, currency)


def _plan(
    order: Order,
    amount: Decimal | str | None,
    lines: Iterable[Mapping[str, int]] | None,
    delivery: bool,
    refunds: list[Refund],
) -> tuple[Decimal, list[dict[str, int]]]:
    lines = [part for part in (lines or ()) if part.get("quantity")]
    if amount is not None and (lines or delivery):
        raise RefundNotPossible(_("Refund either by lines or by an amount, not both."))
    if amount is None:
        return amount_for_lines(order, lines, delivery, refunds)
    try:
        value = Decimal(str(amount))
        if not value.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        raise RefundNotPossible(_("Enter the amount as a number, for example 12.50.")) from None
    if round_money(value, order.currency) != value:
        raise RefundNotPossible(
            _("Enter the amount with at most %(count)s decimal places.", count=scale(order.currency))
        )
    if value <= 0:
        raise RefundNotPossible(_("Enter an amount above 0."))
    return value, []


def _check_limit(
    order: Order, amount: Decimal, refunds: list[Refund], transaction: PaymentTransaction | None
) -> None:
    if transaction is not None and amount > (left := remaining_on(transaction, refunds)):
        raise RefundNotPossible(
            _(
                "At most %(amount)s can still be refunded of this payment.",
                amount=format_money(left, order.currency),
            )
        )
    if amount > (left := remaining_for(order, refunds)):
        raise RefundNotPossible(
            _(
                "At most %(amount)s can still be refunded for this order.",
                amount=format_money(left, order.currency),
            )
        )
