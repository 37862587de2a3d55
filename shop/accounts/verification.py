"""The customer's e-mail address, verified by a link (S4): then, and never before, the orders
placed as a guest with the same address are attached to the account.

The link carries a token signed with the shop's secret (password_reset.signed_serializer, a
salt of its own), valid VERIFY_MAX_AGE_HOURS, naming the user and the address it was sent to:
after a change of address an older link does not verify the new one. Nothing is stored for it.
At most VERIFY_MAILS_PER_HOUR links per address, so the button cannot flood a mailbox.
"""

from __future__ import annotations

import hmac

from flask_babel import gettext
from itsdangerous import BadData

from shop.accounts.addresses import record_own_change
from shop.accounts.models import Role, User
from shop.accounts.password_reset import mails_in_the_last_hour, signed_serializer
from shop.db_types import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.web import public_link

EVENT = "email_verification"  # the outbox event
VERIFY_MAILS_PER_HOUR = 3
VERIFY_MAX_AGE_HOURS = 48
_SALT = "shop.accounts.verify-email"
# The history line of an order attached to its customer's account (stored in English, like
# the system's other words in an order's history).
ATTACHED_NOTE = "attached to the customer's account (e-mail address verified)"


class VerificationLinkInvalid(ShopError):
    code = "verification_link_invalid"
    http_status = 400

    def describe(self) -> str:
        return gettext(
            "This link to verify your e-mail address has expired or is not valid. "
            "Log in and ask for a new one on your account page."
        )


class TooManyVerificationMails(ShopError):
    code = "too_many_verification_mails"
    http_status = 429

    def describe(self) -> str:
        return gettext(
            "We have sent %(count)s links to this address in the last hour. "
            "Look for them in your mailbox (and its spam folder), or try again later.",
            count=VERIFY_MAILS_PER_HOUR,
        )


def verification_token(user: User) -> str:
    return signed_serializer(_SALT).dumps([user.id, user.email])


def user_for_token(token: str) -> User:
    """The customer a valid, unexpired token names, still with the address it was sent to."""
    try:
        user_id, email = signed_serializer(_SALT).loads(token or "", max_age=VERIFY_MAX_AGE_HOURS * 3600)
    except (BadData, TypeError, ValueError):
        raise VerificationLinkInvalid() from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if (
        user is None
        or not user.active
        or user.deleted_at is not None
        or user.role != Role.CUSTOMER
        or not isinstance(email, str)
        or not hmac.compare_digest(email.encode(), user.email.encode())
    ):
        raise VerificationLinkInvalid()
    return user


def send_verification(user: User) -> None:
    """Queue the e-mail with the link (the caller commits)."""
    from shop.notifications.link_mail import queue_link_email

    if mails_in_the_last_hour(user.email, EVENT) >= VERIFY_MAILS_PER_HOUR:
        raise TooManyVerificationMails()
    queue_link_email(
        event=EVENT,
        recipient=user.email,
        language=user.locale or "en",
        template="accounts/verify_email",
        subject=lambda context: gettext("Verify your e-mail address at %(shop)s", shop=context["shop_name"]),
        name=user.name,
        link=public_link("storefront.verify_email", token=verification_token(user)),
        hours=VERIFY_MAX_AGE_HOURS,
    )


def guest_orders_for(email: str, *, exact: bool = False) -> list:
    """Orders placed (not carts) with this e-mail address that no account holds: in any case, or,
    ``exact``, as the checkout stores it (lower-cased), which the index on orders.email finds
    without reading every order (each login of a verified customer asks)."""
    from shop.sales.models import Order, OrderState

    email = email.strip().lower()
    same = Order.email == email if exact else db.func.lower(Order.email) == email
    return list(
        db.session.scalars(
            db.select(Order)
            .where(same, Order.customer_id.is_(None), Order.state != OrderState.QUOTATION)
            .order_by(Order.id)
        )
    )


def verify_email(token: str) -> tuple[User, int]:
    """The link's work: the address is verified and the guest orders with it are attached to
    the account. Returns the user and how many orders this attached."""
    user = user_for_token(token)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record_own_change(user, "email_verified")
    return user, attach_guest_orders(user)


def attach_guest_orders(user: User, *, at_login: bool = False) -> int:
    """Attach the guest orders placed with the account's address, once it is verified (at the
    verification, then at each login: a guest checkout made since, ``at_login``, found by the
    address as the checkout stores it), each with a line in its history. Nothing before the
    verification. Returns how many were attached."""
    from shop.orders import history

    if user.email_verified_at is None or user.deleted_at is not None:
        return 0
    attached = guest_orders_for(user.email, exact=at_login)
    by = history.Actor("customer", user.id, user.email)
    for order in attached:
        order.customer_id = user.id
        history.record(order, by=by, kind="note", note=ATTACHED_NOTE)
    return len(attached)


def attached_count(user: User) -> int:
    """How many of the customer's orders came from guest checkouts, attached by verification."""
    from shop.orders.models import OrderEvent
    from shop.sales.models import Order

    return db.session.scalar(
        db.select(db.func.count(db.distinct(OrderEvent.order_id)))
        .join(Order, Order.id == OrderEvent.order_id)
        .where(Order.customer_id == user.id, OrderEvent.kind == "note", OrderEvent.note == ATTACHED_NOTE)
    )
