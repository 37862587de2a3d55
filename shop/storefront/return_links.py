"""The guest's way to a return form: the order number and the order's e-mail address, then a link
by e-mail, so only whoever reads that mailbox can return the order.

The link carries a token signed with the shop's secret (itsdangerous, a salt of its own), valid
for RETURN_LINK_MAX_AGE_HOURS, naming the order and a fingerprint of its e-mail address: if the
address is changed, older links stop working. Nothing is stored for it. Asking answers the same
whether or not the order exists; the e-mail goes through the outbox in the order's language, at
most one per order every RETURN_LINK_EVERY, so the form cannot flood anyone's mailbox.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask_babel import gettext
from itsdangerous import BadData

from shop.accounts.password_reset import signed_serializer
from shop.db_types import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import ascii_digits
from shop.returns import requests as returns
from shop.sales.models import Order, OrderState
from shop.web import public_link

EVENT = "return_link"  # the outbox event (the shop's own text; its body holds the link)
RETURN_LINK_MAX_AGE_HOURS = 48
RETURN_LINK_EVERY = timedelta(minutes=5)
_SALT = "shop.storefront.return-link"


class ReturnLinkInvalid(ShopError):
    code = "return_link_invalid"
    http_status = 400

    def describe(self) -> str:
        return gettext(
            "This return link has expired or is not valid. Ask for a new one with your order "
            "number and e-mail address."
        )


def _fingerprint(order: Order) -> str:
    return hashlib.sha256(f"{order.id}:{order.email.strip().casefold()}".encode()).hexdigest()[:32]


def link_token(order: Order) -> str:
    return signed_serializer(_SALT).dumps([order.id, _fingerprint(order)])


def order_for_token(token: str) -> Order:
    """The order a valid, unexpired token names; ReturnLinkInvalid otherwise."""
    try:
        order_id, fingerprint = signed_serializer(_SALT).loads(
            (token or "")[:512], max_age=RETURN_LINK_MAX_AGE_HOURS * 3600
        )
    except (BadData, TypeError, ValueError):
        raise ReturnLinkInvalid() from None
    order = db.session.get(Order, order_id) if isinstance(order_id, int) and 0 < order_id < 2**31 else None
    if (
        order is None
        or order.state == OrderState.QUOTATION
        or not isinstance(fingerprint, str)
        or not hmac.compare_digest(fingerprint.encode(), _fingerprint(order).encode())
    ):
        raise ReturnLinkInvalid()
    return order


def normalise_number(text: str) -> str:
    """An order number as typed: spaces around, small letters, Persian or Arabic digits."""
    return ascii_digits((text or "").strip()).upper()


def _order_asked_for(number: str, email: str) -> Order | None:
    number = normalise_number(number)
    if not number or len(number) > 20:
        return None
    order = db.session.scalar(db.select(Order).where(Order.number == number))
    if order is None or order.state == OrderState.QUOTATION or not order.email:
        return None
    given = (email or "").strip().casefold()
    if not hmac.compare_digest(given.encode(), order.email.strip().casefold().encode()):
        return None
    return order


def _mailed_recently(order: Order) -> bool:
    from shop.notifications.models import OutboxMessage

    return (
        db.session.scalar(
            db.select(OutboxMessage.id)
            .where(
                OutboxMessage.event == EVENT,
                OutboxMessage.order_id == order.id,
                OutboxMessage.created_at >= utcnow() - RETURN_LINK_EVERY,
            )
            .limit(1)
        )
        is not None
    )


def send_link(number: str, email: str) -> None:
    """Queue the e-mail with a link to the return form if the order exists, the address is the
    order's and something of it can be returned; otherwise do nothing. The caller shows the
    same answer either way and commits."""
    from shop.notifications.link_mail import queue_link_email
    from shop.notifications.messages import order_language

    order = _order_asked_for(number, email)
    if order is None or returns.order_refusal(order) or _mailed_recently(order):
        return
    queue_link_email(
        event=EVENT,
        recipient=order.email,
        language=order_language(order),
        template="storefront/returns/link_email",
        subject=lambda context: gettext("Return items of order %(number)s", number=context["number"]),
        order_id=order.id,
        name=order.name,
        number=order.number,
        link=public_link("storefront.return_guest_form", token=link_token(order)),
        hours=RETURN_LINK_MAX_AGE_HOURS,
    )
