"""Domain events, sent inside the transaction of the change that caused them.

Subscribers (notifications, webhooks, automation) write their own rows in the same
session, so what they cause commits or rolls back together with the change.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Order. Sent after the change, before the commit.
quotation_confirmed = _signals.signal("quotation-confirmed")  # checkout done, stock reserved
sales_order_confirmed = _signals.signal("sales-order-confirmed")  # the seller may fulfil it
order_cancelled = _signals.signal("order-cancelled")
payment_received = _signals.signal("payment-received")  # kwargs: transaction
refund_issued = _signals.signal("refund-issued")  # money given back; kwargs: refund, by
invoice_issued = _signals.signal("invoice-issued")  # kwargs: invoice (or credit note), by
status_changed = _signals.signal("status-changed")  # kwargs: status, previous, by
pickup_ready = _signals.signal("pickup-ready")  # ready, or its date changed once ready
delivery_done = _signals.signal("delivery-done")  # a delivery shipped; kwargs: delivery, by
courier_assigned = _signals.signal("courier-assigned")  # kwargs: task, courier, previous (a User or None)
# A return moved (requested, approved, rejected, received, refunded, exchanged); kwargs:
# return_request, by.
return_changed = _signals.signal("return-changed")
