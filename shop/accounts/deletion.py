"""The customer deletes their own account (S7). The account page says exactly this:

- Refused while something is still open between the customer and the shop (open_matters): an
  order awaiting payment or delivery, money to pay back or still owed, a return or a refund in
  progress. Those need the customer's contact data; once settled the account can go.
- Orders stay (the shop's bookkeeping), attached to the anonymised account.
- Invoices and credit notes stay unchanged, with the buyer's name, address and tax ID, as tax law
  requires (Turkey: VUK art. 253, 5 years; Poland: 5 years from the end of the tax year; Iran:
  similar). An order with an invoice or credit note keeps its contact data with it.
- Every other order loses the customer's name, e-mail, phone, address, company name and tax
  ID (the country stays), in its history too (who placed it, to whom messages went), with a line
  in its history saying so. A return can no longer be asked for them.
- The account: e-mail replaced by an address that reaches nobody (so the real one can register
  again), name, phone, company data erased, no usable password, inactive; saved addresses,
  open carts, sessions, failed-login records, the account's own change history and the
  messages queued or kept for the address are deleted.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask_babel import gettext

from shop.accounts import sessions
from shop.accounts.addresses import record_own_change
from shop.accounts.models import AccountChange, CustomerAddress, LoginAttempt, User
from shop.accounts.services import confirm_own_password
from shop.db_types import utcnow
from shop.errors import ShopError
from shop.extensions import db

# The history line of an order whose customer data was erased (stored in English).
ERASED_NOTE = "customer's personal data erased: the customer deleted their account"
UNUSABLE_PASSWORD = "!deleted"  # no argon2 hash: no password ever matches it
_ORDER_PERSONAL_FIELDS = (
    "email",
    "phone",
    "name",
    "address_line",
    "city",
    "postal_code",
    "company_name",
    "tax_id",
)


class AccountDeletionRefused(ShopError):
    code = "account_deletion_refused"
    http_status = 409

    def describe(self) -> str:
        return gettext(
            "Your account cannot be deleted yet: something is still open with the shop (listed on this page)."
        )


def _orders(user: User) -> list:
    from shop.sales.models import Order, OrderState

    return list(
        db.session.scalars(
            db.select(Order)
            .where(Order.customer_id == user.id, Order.state != OrderState.QUOTATION)
            .order_by(Order.id)
        )
    )


def _balance(order) -> Decimal:  # noqa: ANN001
    """What the customer still owes (positive) or is owed (negative)."""
    from shop.sales.models import OrderState

    owed = Decimal("0") if order.state == OrderState.CANCELLED else order.total - order.amount_credited
    return owed - (order.amount_paid - order.amount_refunded)


def open_matters(user: User) -> list[str]:
    """Why the account cannot be deleted now, one readable line per matter; empty: it can."""
    from shop.payments.models import Refund, RefundState
    from shop.returns.models import FINAL_STATES, ReturnRequest
    from shop.sales.models import OrderState

    orders = _orders(user)
    ids = [order.id for order in orders]
    matters = []
    for order in orders:
        if order.state == OrderState.QUOTATION_SENT:
            matters.append(gettext("Order %(number)s is waiting for its payment.", number=order.number))
        elif order.state == OrderState.SALES_ORDER and order.delivered_at is None:
            matters.append(gettext("Order %(number)s is not delivered yet.", number=order.number))
        elif (balance := _balance(order)) < 0:
            matters.append(gettext("Order %(number)s has money to be paid back to you.", number=order.number))
        elif balance > 0:
            matters.append(gettext("Order %(number)s is not fully paid.", number=order.number))
    if ids:
        returns = db.session.scalars(
            db.select(ReturnRequest).where(
                ReturnRequest.order_id.in_(ids), ReturnRequest.state.not_in(FINAL_STATES)
            )
        )
        matters += [gettext("Return %(number)s is in progress.", number=r.number) for r in returns]
        refunds = db.session.scalars(
            db.select(Refund).where(Refund.order_id.in_(ids), Refund.state == RefundState.PENDING)
        )
        numbers = {order.id: order.number for order in orders}
        matters += [
            gettext("A refund of order %(number)s is in progress.", number=numbers[r.order_id])
            for r in refunds
        ]
    return matters


def orders_kept_with_data(user: User) -> set[int]:
    """The ids of the user's orders with an invoice or a credit note: they keep the contact data."""
    from shop.invoicing.models import Invoice
    from shop.sales.models import Order

    return set(
        db.session.scalars(
            db.select(Invoice.order_id)
            .join(Order, Order.id == Invoice.order_id)
            .where(Order.customer_id == user.id)
        )
    )


def _erase_from_history(order) -> None:  # noqa: ANN001
    """The order's history names the customer too: as the actor of what they did (their e-mail
    address) and as the recipient of each message sent ("address: what")."""
    from shop.orders.models import OrderEvent

    recipients = [who for who in (order.email, order.phone) if who]
    for event in db.session.scalars(db.select(OrderEvent).where(OrderEvent.order_id == order.id)):
        if event.actor_kind == "customer":
            event.actor_label = ""
        if event.kind == "message":
            for who in recipients:
                if event.note.startswith(f"{who}: "):
                    event.note = event.note[len(who) + 2 :]


def delete_account(user: User, password: str, *, address: str) -> dict[str, int]:
    """Delete the customer's account as the module says; the caller ends the request's session and
    commits. The password proves it is the owner (a wrong one counts as a failed login, the same
    lock). Returns how many orders were anonymised and how many kept their data for an invoice."""
    from shop.notifications.models import OutboxMessage
    from shop.orders import history
    from shop.sales.models import Order, OrderState

    confirm_own_password(user, password, address=address)
    if open_matters(user):
        raise AccountDeletionRefused()

    kept = orders_kept_with_data(user)
    erased = 0
    actor = history.Actor.system("account deletion")
    for order in _orders(user):
        if order.id in kept:
            continue
        _erase_from_history(order)
        for field in _ORDER_PERSONAL_FIELDS:
            setattr(order, field, "")
        history.record(order, by=actor, kind="note", note=ERASED_NOTE)
        erased += 1
    carts = db.session.scalars(
        db.select(Order).where(Order.customer_id == user.id, Order.state == OrderState.QUOTATION)
    )
    for cart in carts:
        cart.lines.clear()
        for field in _ORDER_PERSONAL_FIELDS:
            setattr(cart, field, "")

    old_email, old_phone = user.email, user.phone
    recipients = [old_email, *([old_phone] if old_phone else [])]
    db.session.execute(db.delete(OutboxMessage).where(OutboxMessage.recipient.in_(recipients)))
    db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.email == old_email))
    db.session.execute(db.delete(AccountChange).where(AccountChange.user_id == user.id))
    db.session.execute(db.delete(CustomerAddress).where(CustomerAddress.user_id == user.id))
    sessions.end_all_sessions(user)

    user.email = f"deleted-{user.id}-{secrets.token_hex(6)}@deleted.invalid"
    user.name = user.phone = user.company_name = user.tax_id = ""
    user.password_hash = UNUSABLE_PASSWORD
    user.active = False
    user.email_verified_at = None
    user.deleted_at = utcnow()
    record_own_change(
        user, "account_deleted", {"orders_erased": [None, erased], "orders_kept": [None, len(kept)]}
    )
    return {"erased": erased, "kept": len(kept)}
