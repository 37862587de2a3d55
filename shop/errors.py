"""Domain errors: a stable code, the form field it belongs to, and a message a shop assistant can read.

Messages are built when shown (``str(error)``), so they come out in the language of the
request that displays them, not the one that raised them.
"""

from typing import Any

from flask_babel import gettext, ngettext


class ShopError(Exception):
    code = "shop_error"
    field: str | None = None
    http_status = 409

    def __init__(self, message: str | None = None, *, field: str | None = None, **data: Any) -> None:
        self._message = message
        if field is not None:
            self.field = field
        self.data = data
        super().__init__(message or self.code)

    def describe(self) -> str:
        return self._message or gettext("Something went wrong.")

    def __str__(self) -> str:
        return self.describe()


class NotFound(ShopError):
    code = "not_found"
    http_status = 404

    def describe(self) -> str:
        return gettext("This page does not exist or is no longer available.")


class InvalidQuantity(ShopError):
    code = "invalid_quantity"
    field = "quantity"
    http_status = 422

    def describe(self) -> str:
        from shop.i18n import format_number

        return gettext(
            "Enter a quantity between 1 and %(max)s.", max=format_number(self.data.get("maximum", 999))
        )


class VariantUnavailable(ShopError):
    """The variant does not exist, belongs to another product, or is not for sale."""

    code = "variant_unavailable"
    field = "variant"
    http_status = 422

    def describe(self) -> str:
        return gettext("Choose one of this product's variants.")


class OutOfStock(ShopError):
    code = "out_of_stock"
    field = "quantity"

    def describe(self) -> str:
        available = self.data.get("available", 0)
        name = self.data.get("name", "")
        if available <= 0:
            return gettext("%(name)s is no longer available.", name=name)
        from shop.i18n import format_number

        return ngettext(
            "Only %(count)s left of %(name)s.",
            "Only %(count)s left of %(name)s.",
            available,
            count=format_number(available),
            name=name,
        )


class EmptyCart(ShopError):
    code = "empty_cart"

    def describe(self) -> str:
        return gettext("Your cart is empty.")


class CartChanged(ShopError):
    """The cart the form was filled for is no longer the one in the session."""

    code = "cart_changed"

    def describe(self) -> str:
        return gettext("Your cart changed meanwhile; please check it and confirm again.")


class PickupNotPossible(ShopError):
    code = "pickup_not_possible"
    field = "pickup_warehouse"
    http_status = 422

    def describe(self) -> str:
        reason = self.data.get("reason")
        if reason:  # what the warehouse lacks, in the words checkout showed beside it
            return gettext(
                "%(warehouse)s cannot hand out this order: %(reason)s.",
                warehouse=self.data.get("warehouse", ""),
                reason=reason,
            )
        return gettext("Pickup is not possible at this warehouse.")


class InvalidPickupDate(ShopError):
    code = "invalid_pickup_date"
    field = "pickup_date"
    http_status = 422

    def describe(self) -> str:
        return gettext(
            "The warehouse does not hand out orders on this date; choose one of the dates offered."
        )


class InvalidTransition(ShopError):
    code = "invalid_transition"

    def describe(self) -> str:
        from shop.sales.models import state_label

        return gettext(
            "Order %(number)s cannot go from %(before)s to %(after)s.",
            number=self.data.get("number", ""),
            before=state_label(self.data.get("before", "")),
            after=state_label(self.data.get("after", "")),
        )


class PaymentRejected(ShopError):
    """A payment notification we must not act on (bad signature, stale, unknown, wrong amount)."""

    code = "payment_rejected"
    http_status = 400

    def describe(self) -> str:
        return self._message or gettext("The payment notification was rejected.")


class PaymentNotPossible(ShopError):
    code = "payment_not_possible"
    field = "payment_method"

    def describe(self) -> str:
        return self._message or gettext("This order cannot be paid now.")


class CardPaymentUnavailable(PaymentNotPossible):
    """No card provider is configured and enabled here (the test provider is off by default)."""

    code = "card_payment_unavailable"
    http_status = 422

    def describe(self) -> str:
        return gettext("Card payment is not available. Choose another payment method.")


class ProviderUnavailable(ShopError):
    """The payment provider did not answer in time, or could not be reached."""

    code = "provider_unavailable"
    http_status = 502

    def describe(self) -> str:
        return gettext("The payment provider did not answer. Try again in a few minutes.")


class DuplicateNotification(ShopError):
    """A provider sent an event we already acted on: acknowledge it, change nothing."""

    code = "duplicate_notification"
    http_status = 200

    def describe(self) -> str:
        return "already processed"


class RefundNotPossible(ShopError):
    """A refund refused before any money moved (too much, nothing chosen, a payment that cannot
    be refunded through its provider): the message says what the seller can do instead."""

    code = "refund_not_possible"
    field = "amount"
    http_status = 422

    def describe(self) -> str:
        return self._message or gettext("This refund is not possible.")


class ReturnRefused(ShopError):
    """A return (or a step of one) refused with nothing changed: the message names the line and
    why (not returnable, outside its window, more than was delivered, not delivered yet);
    ``field`` is the form field it belongs to ("line-<order line id>", "reason", "photo" ...)."""

    code = "return_refused"
    http_status = 422

    def describe(self) -> str:
        return self._message or gettext("This return is not possible.")
