"""The payment-provider interface. Each provider (the built-in test provider now; iyzico,
Przelewy24, PayU, Zarinpal later) turns a pending transaction into a redirect to its hosted
page and turns its signed notifications into a ``Notification`` we can trust."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from flask import current_app

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


class PaymentProvider(Protocol):
    name: str

    def start(self, transaction: PaymentTransaction, *, return_url: str, notify_url: str) -> str:
        """Register the payment with the provider; return the URL to send the shopper to."""

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify a notification's signature and freshness; raise PaymentRejected if it fails."""


_registry: dict[str, type] = {}


def register(name: str):
    def decorator(cls: type) -> type:
        _registry[name] = cls
        return cls

    return decorator


def get_provider(name: str) -> PaymentProvider:
    try:
        provider_class = _registry[name]
    except KeyError:
        from shop.errors import NotFound

        raise NotFound() from None
    return provider_class(current_app.config)


def card_provider() -> PaymentProvider:
    return get_provider(current_app.config["CARD_PAYMENT_PROVIDER"])
