"""Asking for a return (S5): which lines of an order may go back and how many units, until
when, and the request itself. Every refusal rule lives here once; the storefront's forms (guest
and account) and the back office call these functions.

INTERFACE STUB written by the lead: the returns-requests work fills the bodies, keeping the
names and signatures (other parts of the shop are written against them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shop.catalog.models import Product
from shop.orders.history import Actor
from shop.returns.models import ReturnRequest
from shop.sales.models import Order, OrderLine


@dataclass
class ReturnableLine:
    """One order line as the return form shows it."""

    line: OrderLine
    delivered: int  # units that reached the customer (shipped or picked up)
    returning: int  # units already in other returns that hold them (HOLDING_STATES)
    deadline: date | None  # last day to ask; None when the line cannot be returned at all
    refusal: str  # "" when units may be returned; otherwise why not, naming the line

    @property
    def available(self) -> int:
        """Units that may still be asked for (0 when refused)."""
        return 0 if self.refusal else max(self.delivered - self.returning, 0)


def window(product: Product | None) -> tuple[int, bool]:
    """The return window of a product: (length, counted in working days?). The product's own
    ``return_days`` wins; otherwise the shop's setting; otherwise the shop country's default
    (14 days in Turkey and Poland, 7 working days in Iran)."""
    raise NotImplementedError


def order_refusal(order: Order) -> str:
    """Why nothing of this order can be returned ("" when some lines may be): not a sales
    order, not delivered or collected yet ..."""
    raise NotImplementedError


def returnable_lines(order: Order, *, today: date | None = None) -> list[ReturnableLine]:
    raise NotImplementedError


def request_return(
    order: Order,
    quantities: Mapping[int, int],
    *,
    reason: str,
    reason_text: str = "",
    photo: bytes | None = None,
    channel: str = "account",
    by: Actor,
    today: date | None = None,
) -> ReturnRequest:
    """Open a return for ``quantities`` (order line id -> units; zeros ignored). Raises
    ReturnRefused (nothing saved) naming the line for each rule; records the history row and
    sends ``events.return_changed``."""
    raise NotImplementedError


def returns_of(order: Order) -> list[ReturnRequest]:
    raise NotImplementedError


def for_customer(customer_id: int) -> list[ReturnRequest]:
    """A customer's returns, newest first (the account's list)."""
    raise NotImplementedError
