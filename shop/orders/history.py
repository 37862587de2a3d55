"""Who did what to an order, written in the same transaction as the change itself."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from shop.extensions import db
from shop.orders.models import OrderEvent, OrderStatus
from shop.sales.models import Order


@dataclass(frozen=True)
class Actor:
    kind: str  # customer, user, courier, rule, provider, system
    id: int | None = None
    label: str = ""

    @classmethod
    def customer(cls, order: Order) -> Actor:
        return cls("customer", order.customer_id, order.email or order.name)

    @classmethod
    def user(cls, user) -> Actor:
        return cls("user", user.id, user.name or user.email)

    @classmethod
    def courier(cls, user) -> Actor:
        return cls("courier", user.id, user.name or user.email)

    @classmethod
    def provider(cls, name: str) -> Actor:
        return cls("provider", None, name)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls("system", None, label)


# Words the system writes into the history (actor labels, notes) are stored in English, the
# language of the code, and translated when shown; a seller's or customer's words never are.
SYSTEM_WORDS = {
    "system": _l("system"),
    "payment policy": _l("payment policy"),
    "payment window": _l("payment window"),
    "sales assignment": _l("sales assignment"),
    "command line": _l("command line"),
    "outbox": _l("outbox"),
    "payment not received in time": _l("payment not received in time"),
    "transfer between warehouses needed for pickup": _l("transfer between warehouses needed for pickup"),
    "account deletion": _l("account deletion"),
    "attached to the customer's account (e-mail address verified)": _l(
        "attached to the customer's account (e-mail address verified)"
    ),
    "customer's personal data erased: the customer deleted their account": _l(
        "customer's personal data erased: the customer deleted their account"
    ),
}
TRANSFER_NEEDED = "transfer between warehouses needed for pickup"
# Written by the account's own actions (its owner as the actor), still system words.
_ACCOUNT_NOTES = frozenset(key for key in SYSTEM_WORDS if "account" in key)


_RELEASED = re.compile(r"released ([0-9]+) reserved units")


def released_note(units: int) -> str:
    """The note of a stock release (a cancellation, whoever made it): stored in English like
    the SYSTEM_WORDS, with the count in it, and translated with its plural by shown()."""
    return f"released {units} reserved units"


def shown(event: OrderEvent, text: str) -> str:
    """``text`` (the event's actor label or note) as the reader should see it."""
    if text in SYSTEM_WORDS and (event.actor_kind in ("system", "rule") or text in _ACCOUNT_NOTES):
        return str(SYSTEM_WORDS[text])
    if event.kind in ("stock", "state") and (released := _RELEASED.fullmatch(text)):
        # Written by released_note().
        units = int(released.group(1))
        return ngettext("%(num)s reserved unit released", "%(num)s reserved units released", units)
    if event.kind in ("return", "state") and text == event.note:
        from shop.returns import notes  # written by shop.returns.notes

        return notes.shown(text)
    return text


def record(
    order: Order | None = None,
    *,
    by: Actor,
    kind: str,
    before: str = "",
    after: str = "",
    note: str = "",
    public: bool = False,
    order_id: int | None = None,
) -> OrderEvent:
    """Add a line to an order's history, in the caller's transaction. ``order_id`` stands in
    for ``order`` when only the id is at hand (the outbox), so nothing is loaded for it."""
    event = OrderEvent(
        order_id=order.id if order is not None else order_id,
        actor_kind=by.kind,
        actor_id=by.id,
        actor_label=by.label[:160],
        kind=kind,
        before=before,
        after=after,
        note=note,
        public=public,
    )
    db.session.add(event)
    return event


def customer_sees(event: OrderEvent, statuses: Mapping[str, OrderStatus]) -> bool:
    """The one rule for what the customer's tracking page shows of an order's history; the back
    office's "Customer sees this" tag reads it too. An event recorded as public (placed,
    confirmed, cancelled, paid, a status shown to customers when it was set) and, for a status,
    only while that status is still shown to customers: a seller who hides a status hides it
    from every order's past too. Notes are never shown, only what the event says.
    ``statuses``: every status (archived too) by code."""
    if not event.public:
        return False
    if event.kind == "status":
        status = statuses.get(event.after)
        return status is not None and status.customer_visible
    return True


def statuses_by_code() -> dict[str, OrderStatus]:
    return {status.code: status for status in db.session.scalars(db.select(OrderStatus))}


def events_for(order: Order, *, public_only: bool = False) -> list[OrderEvent]:
    """The order's history, oldest first; ``public_only``: what the customer sees (customer_sees)."""
    query = db.select(OrderEvent).where(OrderEvent.order_id == order.id)
    if public_only:
        query = query.where(OrderEvent.public.is_(True))
    events = list(db.session.scalars(query.order_by(OrderEvent.at, OrderEvent.id)))
    if public_only:
        statuses = statuses_by_code()
        events = [event for event in events if customer_sees(event, statuses)]
    return events
