"""The payment-provider interface. Each provider (the built-in test provider now; iyzico,
Przelewy24, PayU, Zarinpal later) turns a pending transaction into a redirect to its hosted
page and turns its signed notifications into a ``Notification`` we can trust."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol

from flask import Flask, current_app

from shop.payments.models import PaymentTransaction


@dataclass(frozen=True)
class Notification:
    event_id: str  # the provider's id for this event: the same event twice is acted on once
    reference: str  # our transaction reference, echoed back
    outcome: str  # "captured" or "declined"
    amount: Decimal
    currency: str
    provider_reference: str = ""
    message: str = ""


@dataclass(frozen=True)
class RefundResult:
    """The provider's answer to a refund: done (with its id for the refund) or refused (why)."""

    succeeded: bool
    provider_reference: str = ""
    message: str = ""  # the provider's reason when refused, for the seller (not translated)


class PaymentProvider(Protocol):
    name: str
    # How long the provider's page for one transaction stays payable: within it, a second "pay"
    # sends the shopper back to the same page instead of opening a second payment.
    page_lifetime: timedelta

    @classmethod
    def enabled(cls, config: Mapping[str, Any]) -> bool:
        """Whether this installation may use the provider (credentials set, or switched on)."""

    def start(self, transaction: PaymentTransaction, *, return_url: str, notify_url: str) -> str:
        """Register the payment with the provider; return the URL to send the shopper to."""

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify a notification's signature and freshness; raise PaymentRejected if it fails."""

    # Whether refund() can give money back through the provider; a provider that cannot leaves
    # the seller to record a manual refund.
    can_refund: bool

    def refund(self, transaction: PaymentTransaction, amount: Decimal, *, key: str) -> RefundResult:
        """Give ``amount`` of a captured transaction back. ``key`` is the refund's idempotency key
        (the same key twice refunds once, where the provider supports it). A refusal is a
        RefundResult(succeeded=False, message=...); no answer (timeout, connection refused)
        raises ProviderUnavailable, and then nobody knows whether it was refunded."""


_registry: dict[str, type] = {}


def register(name: str):
    def decorator(cls: type) -> type:
        _registry[name] = cls
        return cls

    return decorator


def get_provider(name: str) -> PaymentProvider:
    """The provider by name; unknown or not enabled here is a 404 (its pages and notify URL too)."""
    provider_class = _registry.get(name)
    if provider_class is None or not provider_class.enabled(current_app.config):
        from shop.errors import NotFound

        raise NotFound()
    return provider_class(current_app.config)


def card_provider_name() -> str:
    """The enabled provider that takes card payments, or "" when there is none (then card payment
    is not offered). A demo that names none uses the test provider, if it is switched on."""
    config = current_app.config
    name = config.get("CARD_PAYMENT_PROVIDER") or ("test" if config.get("TEST_PAYMENTS_ENABLED") else "")
    provider_class = _registry.get(name)
    return name if provider_class is not None and provider_class.enabled(config) else ""


def card_provider() -> PaymentProvider:
    name = card_provider_name()
    if not name:
        from shop.errors import CardPaymentUnavailable

        raise CardPaymentUnavailable()
    return get_provider(name)


def warn_about_payments(app: Flask) -> None:
    """Say loudly what a start must not hide: test payments outside tests and debug, and a
    card provider named but not usable (then checkout offers no card payment)."""
    config = app.config
    if config.get("TEST_PAYMENTS_ENABLED") and not (app.testing or app.debug):
        app.logger.warning(
            "TEST PAYMENTS ARE ENABLED (TEST_PAYMENTS_ENABLED): THE TEST PROVIDER APPROVES ANY CARD "
            "AND TAKES NO MONEY. FINE FOR A DEMO, NEVER FOR A SHOP THAT TAKES REAL ORDERS."
        )
    named = config.get("CARD_PAYMENT_PROVIDER") or ""
    if named and (named not in _registry or not _registry[named].enabled(config)):
        app.logger.warning(
            "CARD_PAYMENT_PROVIDER=%s is not a registered, enabled provider: card payment is not offered.",
            named,
        )
