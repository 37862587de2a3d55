"""The built-in test payment provider: behaves like a real hosted payment page.

Checkout redirects to its page (served by this app under /testpay/), the shopper approves or
declines, and the provider posts a signed notification to the shop's notify URL:
``Test-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``. The page's own
parameters are signed too, so a shopper cannot change the amount in the URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from shop.errors import PaymentRejected
from shop.payments import signatures
from shop.payments.models import PaymentTransaction
from shop.payments.providers import Notification, register

SIGNATURE_HEADER = "Test-Signature"
TOLERANCE_SECONDS = 300  # notifications older than this are refused (replays)
PAGE_MAX_AGE = 3600


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = signatures.hmac_hex(secret, f"{timestamp}.".encode() + body).decode()
    return f"t={timestamp},v1={digest}"


@register("test")
class TestProvider:
    name = "test"
    __test__ = False  # not a pytest test class, despite its name
    page_lifetime = timedelta(seconds=PAGE_MAX_AGE)

    @classmethod
    def enabled(cls, config: Mapping[str, Any]) -> bool:
        # Never by default: it approves any "card" (TEST_PAYMENTS_ENABLED, see shop/config.py).
        return bool(config.get("TEST_PAYMENTS_ENABLED"))

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.secret = config["TEST_PROVIDER_SECRET"]

    def _pages(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="testpay-page")

    # --- the shop's side ------------------------------------------------------------------

    def start(self, transaction: PaymentTransaction, *, return_url: str, notify_url: str) -> str:
        token = self._pages().dumps(
            {
                "reference": transaction.reference,
                "amount": str(transaction.amount),
                "currency": transaction.currency,
                "return_url": return_url,
                "notify_url": notify_url,
            }
        )
        return url_for("testpay.page", token=token)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        pairs = signatures.parse_pairs(headers.get(SIGNATURE_HEADER))
        timestamp = signatures.timestamp_in(pairs)
        if not signatures.verify_hmac(self.secret, f"{timestamp}.".encode() + body, pairs.get(b"v1", [])):
            raise PaymentRejected("bad signature")
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise PaymentRejected("stale notification")
        try:
            data = json.loads(body)
            return Notification(
                event_id=str(data["event_id"]),
                reference=str(data["reference"]),
                outcome="captured" if data["status"] == "captured" else "declined",
                amount=Decimal(str(data["amount"])),
                currency=str(data["currency"]),
                provider_reference=str(data.get("payment_id", "")),
                message=str(data.get("message", "")),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation):
            raise PaymentRejected("malformed notification") from None

    # --- the provider's side (its hosted page) -----------------------------------------

    def read_page(self, token: str) -> dict[str, str]:
        try:
            return self._pages().loads(token, max_age=PAGE_MAX_AGE)
        except BadSignature:
            from shop.errors import NotFound

            raise NotFound() from None

    def notification_for(
        self, page: Mapping[str, str], *, approved: bool, event_id: str
    ) -> tuple[bytes, dict]:
        body = json.dumps(
            {
                "event_id": event_id,
                "reference": page["reference"],
                "status": "captured" if approved else "declined",
                "amount": page["amount"],
                "currency": page["currency"],
                "payment_id": f"tp_{event_id[:16]}",
                "message": "" if approved else "Card declined by the test provider",
            }
        ).encode()
        headers = {
            SIGNATURE_HEADER: sign(self.secret, body, int(time.time())),
            "Content-Type": "application/json",
        }
        return body, headers
