"""The seller's side of a return (B12): approve (with the return label and instructions) or
reject (with a reason), receive the goods (per line back to a warehouse's stock through the
ledger, or written off as damaged), then refund (through the refund service; a credit note
follows when the order was invoiced) or exchange (a replacement order, stock reserved, nothing
to pay for an equal-value swap). Every step writes the order history, sends
``events.return_changed`` (the customer is told) and, once everything ordered came back, moves
the order to the status chosen in the settings.

INTERFACE STUB written by the lead: the returns-handling work fills the bodies, keeping the
names and signatures (other parts of the shop are written against them).
"""

from __future__ import annotations

from collections.abc import Mapping

from shop.catalog.models import Warehouse
from shop.orders.history import Actor
from shop.payments.models import RefundMethod
from shop.returns.models import ReturnRequest


def approve(return_request: ReturnRequest, *, by: Actor, instructions: str = "") -> ReturnRequest:
    raise NotImplementedError


def reject(return_request: ReturnRequest, *, reason: str, by: Actor) -> ReturnRequest:
    raise NotImplementedError


def receive(
    return_request: ReturnRequest,
    outcome: Mapping[int, tuple[int, int]],
    *,
    warehouse: Warehouse,
    by: Actor,
    note: str = "",
) -> ReturnRequest:
    """``outcome``: return line id -> (units back on the shelf, units written off as damaged)."""
    raise NotImplementedError


def refund(
    return_request: ReturnRequest,
    *,
    by: Actor,
    key: str,
    method: RefundMethod | None = None,
) -> ReturnRequest:
    """Refund the received lines: through the payment's provider (``method`` None), or recorded
    as paid back by hand (``method`` one of payments.refunds.MANUAL_METHODS)."""
    raise NotImplementedError


def exchange(
    return_request: ReturnRequest, replacements: Mapping[int, int], *, by: Actor
) -> ReturnRequest:
    """``replacements``: return line id -> variant id of the same product at the same price.
    Returns the return with ``exchange_order`` set."""
    raise NotImplementedError


def label_pdf(return_request: ReturnRequest) -> bytes:
    """The return label (approved returns): sender, the shop's return address, the return
    number as a barcode, the lines."""
    raise NotImplementedError
