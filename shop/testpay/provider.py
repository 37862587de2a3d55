"""The built-in test payment provider: behaves like a real hosted payment page.

Checkout redirects to its page (served by this app under /testpay/), the shopper approves or
declines, and the provider posts a signed notification to the shop's notify URL:
``Test-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``. The page's own
parameters are signed too, so a shopper cannot change the amount in the URL.

Refunds: it takes no money, so it gives none back; it answers as a provider would. It approves
every refund, unless the app's ``TEST_PROVIDER_REFUND_ANSWER`` says otherwise: "refuse" (the
refusal a provider gives, for tests and for showing the flow), or "no_answer" (raises
ProviderUnavailable, as a timeout would). The same key gives the same refund id, as an
idempotent provider does.
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

from shop.errors import PaymentRejected, ProviderUnavailable
from shop.payments import signatures
from shop.payments.models import PaymentTransaction
from shop.payments.providers import Notification, RefundResult, register

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

    can_refund = True

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.secret = config["TEST_PROVIDER_SECRET"]
        self.refund_answer = config.get("TEST_PROVIDER_REFUND_ANSWER") or "approve"

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

    def refund(self, transaction: PaymentTransaction, amount: Decimal, *, key: str) -> RefundResult:
        if self.refund_answer == "no_answer":
            raise ProviderUnavailable()
        if self.refund_answer == "refuse":
            return RefundResult(succeeded=False, message="Refund refused by the test provider")
        refund_id = signatures.hmac_hex(self.secret, f"refund.{key}".encode()).decode()[:16]
        return RefundResult(succeeded=True, provider_reference=f"tr_{refund_id}")

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
