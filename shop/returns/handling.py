"""The seller's side of a return (B12): approve (with the return label and instructions) or
reject (with a reason), receive the goods (per line back to a warehouse's stock through the
ledger, or written off as damaged), then refund (through the refund service; a credit note
follows when the order was invoiced) or exchange (a replacement order, stock reserved, nothing
to pay for an equal-value swap). Every step writes the order history, sends
``events.return_changed`` (the customer is told) and, once everything ordered came back, moves
the order to the status chosen in the settings.

Each verb checks what it was given, then takes the order row (sales.services.lock_order: two
clerks acting on one return at once are decided one after the other, on fresh rows), checks the
return's state, and only then changes anything, in the caller's transaction. A refusal is a
ReturnRefused naming the field; the caller rolls back.

The exchange lives in shop/returns/exchange.py and the label in shop/returns/label.py; they are
reached through the names here, which the back office uses.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from shop import events
from shop.catalog import stock
from shop.catalog.models import Warehouse
from shop.db_types import utcnow
from shop.errors import RefundNotPossible, ReturnRefused, ShopError
from shop.extensions import db
from shop.i18n import translated
from shop.orders import history
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.payments.models import Refund, RefundMethod, RefundState
from shop.returns import notes
from shop.returns import settings as return_settings
from shop.returns.labels import state_label
from shop.returns.models import ReturnLine, ReturnRequest, ReturnState
from shop.sales.services import lock_order

REASON_MAX = 1000  # a rejection's reason, sent to the customer
NOTE_MAX = 500  # the clerk's note on a receipt (history and ledger)
INSTRUCTIONS_MAX = getattr(return_settings, "INSTRUCTIONS_MAX", 2000)

# States from which each step may be taken (parcels sometimes arrive before approval).
_FROM = {
    "approve": (ReturnState.REQUESTED,),
    "reject": (ReturnState.REQUESTED, ReturnState.APPROVED),
    "receive": (ReturnState.REQUESTED, ReturnState.APPROVED),
    "refund": (ReturnState.RECEIVED,),
    "exchange": (ReturnState.RECEIVED,),
}


class RefundFailed(ReturnRefused):
    """The provider refused the refund of a return (its message says why). Nothing the return
    or the books hold changed; see ``refund`` on committing or rolling back."""

    code = "return_refund_failed"


# --- the steps -------------------------------------------------------------------------------


def approve(return_request: ReturnRequest, *, by: Actor, instructions: str = "") -> ReturnRequest:
    """The customer may send the goods back: they get the label and what to do with it (the
    clerk's words, else the settings' text, else the shop's built-in text, see instructions_for)."""
    instructions = _text(instructions, INSTRUCTIONS_MAX, "instructions")
    rr = _take(return_request, "approve")
    before = rr.state
    rr.instructions = instructions or return_settings.current().instructions.strip()
    rr.state = ReturnState.APPROVED
    rr.decided_at = utcnow()
    return _done(rr, before, by=by, note=rr.number)


def reject(return_request: ReturnRequest, *, reason: str, by: Actor) -> ReturnRequest:
    """Refused before the goods arrived, with the reason the customer is sent. Its units may be
    asked for again (a rejected return holds nothing, see models.HOLDING_STATES)."""
    reason = _text(reason, REASON_MAX, "reason")
    if not reason:
        raise ReturnRefused(_("Write why the return is rejected: the customer is sent it."), field="reason")
    rr = _take(return_request, "reject")
    before = rr.state
    rr.rejection_reason = reason
    rr.state = ReturnState.REJECTED
    rr.decided_at = utcnow()
    return _done(rr, before, by=by, note=f"{rr.number}: {reason}")


def receive(
    return_request: ReturnRequest,
    outcome: Mapping[int, tuple[int, int]],
    *,
    warehouse: Warehouse,
    by: Actor,
    note: str = "",
) -> ReturnRequest:
    """``outcome``: return line id -> (units back on the shelf, units written off as damaged)."""
    note = _text(note, NOTE_MAX, "note")
    if (
        not isinstance(warehouse, Warehouse)
        or warehouse.id is None
        or db.session.get(Warehouse, warehouse.id) is None
    ):
        raise ReturnRefused(_("Choose the warehouse the goods came back to."), field="warehouse")
    rr = _take(return_request, "receive")
    counted = _outcome(rr, outcome)
    before = rr.state
    for line in rr.lines:
        restocked, written_off = counted.get(line.id, (0, 0))
        line.restocked, line.written_off = restocked, written_off
        line.warehouse_id = warehouse.id if restocked or written_off else None
        stock.take_back(
            line.order_line.variant,
            warehouse,
            restocked=restocked,
            written_off=written_off,
            by=by,
            return_id=rr.id,
            note=rr.number,
        )
    rr.state = ReturnState.RECEIVED
    rr.received_at = utcnow()
    _done(rr, before, by=by, note=notes.receipt(rr, warehouse, note))
    _follow_status(rr, by=by)
    return rr


def refund(
    return_request: ReturnRequest,
    *,
    by: Actor,
    key: str,
    method: RefundMethod | None = None,
) -> ReturnRequest:
    """Refund the received lines: through the payment's provider (``method`` None), or recorded
    as paid back by hand (``method`` one of payments.refunds.MANUAL_METHODS).

    The refund is exactly the units received, per line, by the refund service's rules (its
    rounding, limits and key). What comes of it:

    - succeeded: the return is refunded and closed (the refund's own subscribers write the
      credit note of an invoiced order and the "refund issued" message);
    - pending (the provider did not answer): the return stays received with the refund kept on
      it; this is no refusal, so the caller commits, and ``pending_refund_message`` says what
      to do: send again, which asks the provider about that same refund (its key), never twice;
    - refused by the provider: RefundFailed (a ReturnRefused) with its message; the return stays
      received and points at no refund. A caller that rolls back, as on any refusal, loses the
      failed refund row and its history line: no money moved, nothing of the books changed.
      A caller may instead commit on RefundFailed (everything written is then consistent: the
      FAILED refund, its history line, the return unchanged), which keeps the provider's refusal
      on record as the order's own refund form does, and settles a refund that was pending and
      is refused when asked again (rolled back, it would stay pending and be asked forever).
      The provider saw the key: the next attempt needs a new key (a form shown again makes one).
    """
    from shop.payments import refunds

    if method is not None and method not in refunds.MANUAL_METHODS:
        raise ReturnRefused(_("Choose how the money was paid back."), field="method")
    rr = _take(return_request, "refund")
    lines = [{"line_id": line.order_line_id, "quantity": line.received} for line in rr.lines if line.received]
    if not lines:  # a receipt always has units; this guards rows made by hand
        raise ReturnRefused(_("Nothing of this return was received, so nothing can be refunded."))
    order = rr.order
    earlier = db.session.get(Refund, rr.refund_id) if rr.refund_id else None
    if (
        earlier is not None
        and earlier.state == RefundState.PENDING
        and earlier.method == RefundMethod.PROVIDER
    ):
        key, method = earlier.key, None  # ask about that refund again: the provider refunds a key once
    try:
        if method is None:
            done = refunds.refund(order, by=by, key=key, lines=lines, reason=rr.number)
        else:
            done = refunds.record_manual_refund(
                order, by=by, key=key, lines=lines, method=method, reference=rr.number, reason=rr.number
            )
    except RefundNotPossible as refusal:
        raise ReturnRefused(str(refusal), field="method" if refusal.field == "method" else "refund") from None
    if done.state == RefundState.FAILED:
        rr.refund_id = None  # the return points at no failed refund, whether the caller keeps it or not
        raise RefundFailed(
            _("The payment provider refused the refund: %(reason)s", reason=done.error), field="refund"
        )
    rr.refund_id = done.id
    if done.state == RefundState.PENDING:
        history.record(
            order, by=by, kind="return", before=rr.state.value, after=rr.state.value,
            note=notes.pending(rr, done),
        )  # fmt: skip
        return rr
    before = rr.state
    rr.state = ReturnState.REFUNDED
    rr.closed_at = utcnow()
    return _done(rr, before, by=by, note=notes.refunded(rr, done))


def pending_refund_message(return_request: ReturnRequest) -> str:
    """What to tell the clerk while the return's refund waits for the provider ("" when none)."""
    done = db.session.get(Refund, return_request.refund_id) if return_request.refund_id else None
    if return_request.state != ReturnState.RECEIVED or done is None or done.state != RefundState.PENDING:
        return ""
    from shop.i18n import format_money

    return _(
        "The payment provider did not answer. The refund of %(amount)s is pending; refund again "
        "to ask the provider about it (it will not be refunded twice).",
        amount=format_money(done.amount, done.currency),
    )


def exchange(return_request: ReturnRequest, replacements: Mapping[int, int], *, by: Actor) -> ReturnRequest:
    """``replacements``: return line id -> variant id of the same product at the same price.
    Returns the return with ``exchange_order`` set."""
    from shop.returns import exchange as exchanging

    return exchanging.exchange(return_request, replacements, by=by)


def label_pdf(return_request: ReturnRequest) -> bytes:
    """The return label (approved returns): sender, the shop's return address, the return
    number as a barcode, the lines."""
    from shop.returns import label

    return label.pdf(return_request)


def instructions_for(return_request: ReturnRequest) -> str:
    """What the customer is told to do with the label, in the current language: the return's
    own instructions, else the shop's built-in text."""
    return return_request.instructions or _(
        "Pack the items securely, preferably in their original packaging, with everything that "
        "came with them. Print this label and stick it on the parcel so that the barcode can be "
        "seen, then send the parcel to the address on the label. We will let you know as soon "
        "as it arrives."
    )


# --- shared by the steps ---------------------------------------------------------------------


def _text(value: object, limit: int, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise ReturnRefused(_("Enter text."), field=field)
    if len(text) > limit:
        raise ReturnRefused(_("Write at most %(max)s characters.", max=limit), field=field)
    if "\x00" in text:
        raise ReturnRefused(_("Remove the invisible characters from the text."), field=field)
    return text


def _take(return_request: ReturnRequest, step: str) -> ReturnRequest:
    """The return, read fresh under its order's lock, if ``step`` may be taken from its state."""
    if not isinstance(return_request, ReturnRequest) or return_request.id is None:
        raise ReturnRefused(_("This return does not exist."), field="state")
    lock_order(return_request.order)
    rr = db.session.get(ReturnRequest, return_request.id, populate_existing=True)
    if rr is None:
        raise ReturnRefused(_("This return does not exist."), field="state")
    for line in rr.lines:
        db.session.refresh(line)
    if rr.state not in _FROM[step]:
        raise ReturnRefused(_refusal(step, rr), field="state")
    return rr


def _refusal(step: str, rr: ReturnRequest) -> str:
    state = state_label(rr.state)
    return {
        "approve": _(
            "Return %(number)s is %(state)s: only a requested return can be approved.",
            number=rr.number, state=state,
        ),
        "reject": _(
            "Return %(number)s is %(state)s: only a return whose goods have not arrived can be rejected.",
            number=rr.number, state=state,
        ),
        "receive": _(
            "Return %(number)s is %(state)s: only a requested or approved return can be received.",
            number=rr.number, state=state,
        ),
        "refund": _(
            "Return %(number)s is %(state)s: only a received return can be refunded.",
            number=rr.number, state=state,
        ),
        "exchange": _(
            "Return %(number)s is %(state)s: only a received return can be exchanged.",
            number=rr.number, state=state,
        ),
    }[step]  # fmt: skip


def _done(rr: ReturnRequest, before: ReturnState, *, by: Actor, note: str) -> ReturnRequest:
    """The history row and the event of a step just taken (same transaction)."""
    history.record(
        rr.order, by=by, kind="return", before=before.value, after=rr.state.value, note=note, public=True
    )
    db.session.flush()
    events.return_changed.send(rr.order, return_request=rr, by=by)
    return rr


def line_name(line: ReturnLine) -> str:
    """A return line as the clerk reads it: product – variant (SKU)."""
    order_line = line.order_line
    name = " – ".join(
        part for part in (translated(order_line.product_name), translated(order_line.variant_name)) if part
    )
    return f"{name} ({order_line.sku})"


def _outcome(rr: ReturnRequest, outcome: Mapping[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """The receipt per line, checked: whole numbers of 0 or more, no more than asked for, lines
    of this return, some units in all."""
    if not isinstance(outcome, Mapping):
        raise ReturnRefused(_("Enter the units received for each line."), field="lines")
    by_id = {line.id: line for line in rr.lines}
    counted: dict[int, tuple[int, int]] = {}
    for line_id, pair in outcome.items():
        line = by_id.get(line_id)
        if line is None:
            raise ReturnRefused(_("Choose lines of this return."), field="lines")
        field = f"line-{line.id}"
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ReturnRefused(_("Enter the units received for each line."), field=field)
        restocked, written_off = pair
        if not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (restocked, written_off)
        ):
            raise ReturnRefused(
                _("%(line)s: enter whole numbers of 0 or more.", line=line_name(line)), field=field
            )
        if restocked + written_off > line.quantity:
            raise ReturnRefused(
                ngettext(
                    "%(line)s: only %(num)s unit was sent back.",
                    "%(line)s: only %(num)s units were sent back.",
                    line.quantity,
                    line=line_name(line),
                ),
                field=field,
            )
        counted[line_id] = (restocked, written_off)
    if not any(sum(pair) for pair in counted.values()):
        raise ReturnRefused(_("Enter the units that arrived: none were entered."), field="lines")
    return counted


def _follow_status(rr: ReturnRequest, *, by: Actor) -> None:
    """Every unit of every line back (across the order's returns): the order takes the status
    the settings name. Never refuses the receipt: a status gone, archived or refused is skipped."""
    from shop.orders import services as orders

    order = rr.order
    back: dict[int, int] = {}
    received = db.session.scalars(
        db.select(ReturnLine)
        .join(ReturnRequest, ReturnLine.return_id == ReturnRequest.id)
        .where(ReturnRequest.order_id == order.id)
    )
    for line in received:
        back[line.order_line_id] = back.get(line.order_line_id, 0) + line.received
    if any(back.get(line.id, 0) < line.quantity for line in order.lines):
        return
    code = return_settings.current().status
    status = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))
    if status is None or status.archived or order.status_id == status.id:
        return
    if status.cancels_order or status.requires_tracking:  # the settings page offers neither
        return
    try:
        orders.change_status(order, status, by=by, note=rr.number)
    except ShopError as refusal:
        current_app.logger.warning("return %s: order status not moved: %s", rr.number, refusal.code)
