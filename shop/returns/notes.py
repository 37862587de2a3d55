"""What the order history says of a return's receipt and refund. The notes are stored in
English (the language of the code, like the history's other system words) in a fixed shape, and
shown in the reader's language by ``shown``; a clerk's or customer's own words stay as written.

    S000012-R1: TSH-M: 1 back in IST, 1 written off, 1 not received. Parcel opened at the desk
    S000012-R1: refunded 549.90 TRY (bank_transfer)
    S000012-R1: refund 549.90 TRY pending, the provider did not answer
    S000012-R1: replacement order S000031
    exchange for return S000012-R1 of order S000012     (the replacement order's history)
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from shop.catalog.models import Warehouse
from shop.payments.models import Refund, RefundMethod
from shop.returns.models import ReturnRequest

_PART = re.compile(
    r"(?P<sku>[^:;\s][^:;]*): (?P<back>[0-9]+) back in (?P<warehouse>[^,;.]+)"
    r"(?:, (?P<off>[0-9]+) written off)?(?:, (?P<missing>[0-9]+) not received)?"
)
_ANY_PART = re.sub(r"\?P<\w+>", "", _PART.pattern)  # the same, without the group names
_RECEIPT = re.compile(rf"(?P<parts>{_ANY_PART}(?:; {_ANY_PART})*)(?:\. (?P<note>.*))?", re.S)
_REFUND = re.compile(r"refunded (?P<amount>[0-9.]+) (?P<currency>[A-Z]{3}) \((?P<method>[a-z_]+)\)")
_EXCHANGED = re.compile(r"replacement order (?P<order>\S+)")
_REPLACEMENT_FOR = re.compile(r"exchange for return (?P<number>\S+) of order (?P<order>\S+)")
_PENDING = re.compile(
    r"refund (?P<amount>[0-9.]+) (?P<currency>[A-Z]{3}) pending, the provider did not answer"
)


def receipt(rr: ReturnRequest, warehouse: Warehouse, note: str) -> str:
    """A receipt: per line what went back on the shelf, was written off or did not arrive."""
    parts = []
    for line in rr.lines:
        missing = line.quantity - line.received
        text = f"{line.order_line.sku}: {line.restocked} back in {warehouse.code}"
        if line.written_off:
            text += f", {line.written_off} written off"
        if missing:
            text += f", {missing} not received"
        parts.append(text)
    summary = f"{rr.number}: " + "; ".join(parts)
    return f"{summary}. {note}" if note else summary


def refunded(rr: ReturnRequest, refund: Refund) -> str:
    return f"{rr.number}: refunded {refund.amount} {refund.currency} ({refund.method.value})"


def pending(rr: ReturnRequest, refund: Refund) -> str:
    return f"{rr.number}: refund {refund.amount} {refund.currency} pending, the provider did not answer"


def exchanged(rr: ReturnRequest, replacement_number: str) -> str:
    return f"{rr.number}: replacement order {replacement_number}"


def replacement_for(rr: ReturnRequest, order_number: str) -> str:
    """The replacement order's own history: where it comes from."""
    return f"exchange for return {rr.number} of order {order_number}"


def is_pending(text: str) -> bool:
    """Whether the note is a refund still waiting for the provider's answer (``pending``)."""
    _number, sep, rest = text.partition(": ")
    return bool(_PENDING.fullmatch(rest if sep else text))


def _money(amount: str, currency: str) -> str:
    from shop.i18n import format_money

    try:
        return format_money(Decimal(amount), currency)
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}"


def _method(code: str) -> str:
    return {
        RefundMethod.PROVIDER: _("through the payment provider"),
        RefundMethod.BANK_TRANSFER: _("by bank transfer"),
        RefundMethod.CASH: _("in cash"),
        RefundMethod.OTHER: _("another way"),
    }.get(code, code)


def _part(match: re.Match) -> str:
    from shop.i18n import format_number

    units = {key: int(match.group(key) or 0) for key in ("back", "off", "missing")}
    text = _(
        "%(sku)s: %(back)s back on the shelf of %(warehouse)s",
        sku=match.group("sku"),
        back=format_number(units["back"]),
        warehouse=match.group("warehouse"),
    )
    if units["off"]:
        text += ", " + _("%(count)s written off", count=format_number(units["off"]))
    if units["missing"]:
        text += ", " + _("%(count)s not received", count=format_number(units["missing"]))
    return text


def shown(text: str) -> str:
    """A return note (the return's number already taken off the front, or not) as the reader
    should see it."""
    number, sep, rest = text.partition(": ")
    prefix = f"{number}: " if sep and re.fullmatch(r"\S+-R[0-9]+", number) else ""
    body = rest if prefix else text
    if match := _REFUND.fullmatch(body):
        said = _(
            "refunded %(amount)s %(method)s",
            amount=_money(match.group("amount"), match.group("currency")),
            method=_method(match.group("method")),
        )
    elif match := _PENDING.fullmatch(body):
        said = _(
            "refund of %(amount)s pending: the payment provider did not answer",
            amount=_money(match.group("amount"), match.group("currency")),
        )
    elif match := _EXCHANGED.fullmatch(body):
        said = _("replacement order %(order)s", order=match.group("order"))
    elif match := _REPLACEMENT_FOR.fullmatch(body):
        said = _(
            "replaces the goods of return %(number)s of order %(order)s",
            number=match.group("number"),
            order=match.group("order"),
        )
    elif match := _RECEIPT.fullmatch(body):
        said = "; ".join(_part(part) for part in _PART.finditer(match.group("parts")))
        if match.group("note"):
            said += ". " + match.group("note")
    else:
        return text
    return prefix + said
