"""What customers and sellers call a return's states and reasons, in their language."""

from __future__ import annotations

from flask_babel import gettext as _

from shop.returns.models import ReturnState


def state_label(state: str) -> str:
    return {
        ReturnState.REQUESTED: _("Requested"),
        ReturnState.APPROVED: _("Approved"),
        ReturnState.REJECTED: _("Rejected"),
        ReturnState.RECEIVED: _("Received"),
        ReturnState.REFUNDED: _("Refunded"),
        ReturnState.EXCHANGED: _("Exchanged"),
    }.get(state, str(state))


def reason_label(code: str) -> str:
    return {
        "changed_mind": _("Changed my mind"),
        "wrong_size": _("Wrong size or fit"),
        "damaged": _("Arrived damaged or faulty"),
        "not_as_described": _("Not as described"),
        "wrong_item": _("Wrong item sent"),
        "other": _("Other reason"),
    }.get(code, code)
