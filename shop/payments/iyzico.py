"""iyzico (Turkey): the hosted checkout form, its callback and webhook, refunds and cancels.

The flow: ``start`` initialises a checkout form for the transaction (our reference as iyzico's
conversationId and basketId) and sends the shopper to iyzico's page; iyzico's page posts a
``token`` to our callback (``iyzico_views``), where we ask iyzico for that payment's result
(retrieve) and trust it only with a valid response signature. iyzico's webhook (when
IYZICO_WEBHOOK_SECRET is set) arrives at the generic ``/payments/iyzico/notify`` and is answered
the same way: verified, then the payment retrieved, so both paths yield the same event id and
the second one to arrive changes nothing.

Refunds go per payment (``/v2/payment/refund``: paymentId and an amount): one call for any
partial amount, where per item (``/payment/refund``) would split the amount over the basket's
item transactions in several calls that can half succeed. A full amount on the day of payment
is a cancel (``/payment/cancel``: the money never leaves the card), falling back to a refund
when iyzico refuses the cancel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from flask_babel import gettext as _

from shop.errors import (
    DuplicateNotification,
    NotFound,
    PaymentNotPossible,
    PaymentRejected,
    ProviderUnavailable,
)
from shop.extensions import db
from shop.payments import services, signatures
from shop.payments.iyzico_client import IyzicoClient, IyzicoConfigError, parse_base_url
from shop.payments.models import PaymentTransaction
from shop.payments.providers import Notification, RefundResult, register
from shop.sales.models import Order

SIGNATURE_HEADER = "X-IYZ-SIGNATURE-V3"
# iyzico's day ends (and a payment can no longer be cancelled, only refunded) at Istanbul midnight.
IYZICO_TIMEZONE = ZoneInfo("Europe/Istanbul")
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,120}")
# Identity number iyzico accepts when the shopper gave none (documented by iyzico for guests).
UNKNOWN_IDENTITY = "11111111111"
RETRIEVE_SIGNED = (
    "paymentStatus",
    "paymentId",
    "currency",
    "basketId",
    "conversationId",
    "paidPrice",
    "price",
    "token",
)


def number_text(value: Any) -> str:
    """A number as iyzico writes it in the text it signs: no trailing zeros, no ``.0``."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format(number.normalize(), "f")


def signed_text(answer: Mapping[str, Any], fields: tuple[str, ...]) -> bytes:
    """The fields iyzico signs, joined by ``:``, numbers as iyzico writes them."""
    parts = []
    for field in fields:
        value = answer.get(field)
        if value is None:
            parts.append("")
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            parts.append(number_text(value))
        else:
            parts.append(str(value))
    return ":".join(parts).encode()


def webhook_signed_text(secret: str, event: Mapping[str, Any]) -> bytes:
    """What X-IYZ-SIGNATURE-V3 signs for a checkout-form event: secret key, event type,
    payment id, token, conversation id and status, concatenated."""
    keys = ("iyziEventType", "iyziPaymentId", "token", "paymentConversationId", "status")
    return (secret + "".join(str(event.get(key) or "") for key in keys)).encode()


@register("iyzico")
class IyzicoProvider:
    name = "iyzico"
    page_lifetime = timedelta(minutes=30)  # iyzico's checkout-form token lives 30 minutes
    can_refund = True

    @classmethod
    def enabled(cls, config: Mapping[str, Any]) -> bool:
        if not (config.get("IYZICO_API_KEY") and config.get("IYZICO_SECRET_KEY")):
            return False
        try:
            parse_base_url(config.get("IYZICO_BASE_URL") or "")
        except IyzicoConfigError:
            return False
        return True

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.client = IyzicoClient.from_config(config)
        self.secret = config["IYZICO_SECRET_KEY"]
        self.webhook_secret = config.get("IYZICO_WEBHOOK_SECRET") or ""

    # --- checkout form ------------------------------------------------------------------

    def start(self, transaction: PaymentTransaction, *, return_url: str, notify_url: str) -> str:
        order = transaction.order
        answer = self.client.initialize_checkout_form(
            {
                "locale": _locale(order),
                "conversationId": transaction.reference,
                "price": str(transaction.amount),
                "paidPrice": str(transaction.amount),
                "currency": transaction.currency,
                "basketId": transaction.reference,
                "paymentGroup": "PRODUCT",
                "callbackUrl": url_for("iyzico.callback", _external=True),
                "enabledInstallments": ["1"],
                "buyer": _buyer(order),
                "shippingAddress": _address(order),
                "billingAddress": _address(order),
                "basketItems": basket_items(order, transaction.amount),
            }
        )
        token = str(answer.get("token") or "")
        if answer.get("status") != "success" or not TOKEN_SHAPE.fullmatch(token):
            current_app.logger.warning("iyzico refused a checkout form: %s", _error_of(answer))
            raise PaymentNotPossible(
                _("The payment provider could not open the payment: %(message)s", message=_error_of(answer))
            )
        if answer.get("signature") and not signatures.verify_hmac(
            self.secret, signed_text(answer, ("conversationId", "token")), str(answer["signature"])
        ):
            raise PaymentRejected("iyzico checkout form: bad response signature")
        transaction.provider_token = token
        return str(answer.get("paymentPageUrl") or "")

    def confirm(self, transaction: PaymentTransaction) -> Notification:
        """Ask iyzico what became of the transaction's checkout form; only a signed answer counts."""
        answer = self.client.retrieve_checkout_form(
            {
                "locale": _locale(transaction.order),
                "conversationId": transaction.reference,
                "token": transaction.provider_token,
            }
        )
        return self.notification_from(answer, transaction)

    def notification_from(self, answer: Mapping[str, Any], transaction: PaymentTransaction) -> Notification:
        payment_status = str(answer.get("paymentStatus") or "")
        signature = answer.get("signature")
        if payment_status != "FAILURE" or signature:
            if not signature or not signatures.verify_hmac(
                self.secret, signed_text(answer, RETRIEVE_SIGNED), str(signature)
            ):
                raise PaymentRejected("iyzico retrieve: missing or bad response signature")
        if (
            str(answer.get("token") or "") != transaction.provider_token
            or str(answer.get("conversationId") or transaction.reference) != transaction.reference
        ):
            raise PaymentRejected("iyzico retrieve: the answer is about another payment")
        fraud_status = str(answer.get("fraudStatus", ""))
        paid = answer.get("status") == "success" and payment_status == "SUCCESS"
        if paid and fraud_status == "1":
            outcome, message = "captured", ""
        elif paid and fraud_status == "0":
            outcome, message = (
                "review",
                "iyzico is reviewing the payment for fraud; the money is held until it decides",
            )
        elif payment_status == "FAILURE" or (paid and fraud_status == "-1"):
            outcome = "declined"
            message = _error_of(answer) if payment_status == "FAILURE" else "rejected by iyzico's fraud check"
        else:  # INIT_THREEDS, CALLBACK_THREEDS, or no answer about the payment: not decided yet
            raise PaymentRejected(f"iyzico retrieve: payment not final ({_error_of(answer)})")
        try:
            amount = Decimal(
                str(answer.get("price") if answer.get("price") is not None else transaction.amount)
            )
        except InvalidOperation:
            raise PaymentRejected("iyzico retrieve: malformed price") from None
        return Notification(
            event_id=f"{transaction.provider_token[:60]}:{payment_status}:{fraud_status}",
            reference=transaction.reference,
            outcome=outcome,
            amount=amount,
            currency=str(answer.get("currency") or transaction.currency),
            provider_reference=str(answer.get("paymentId") or "")[:80],
            message=message,
        )

    # --- webhook (through the generic /payments/iyzico/notify) ------------------------------

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        if not self.webhook_secret:
            raise NotFound()  # webhooks not configured here: the URL does not exist
        given = signatures.header_bytes(headers.get(SIGNATURE_HEADER))
        try:
            event = json.loads(body)
        except ValueError:
            raise PaymentRejected("malformed notification") from None
        if not isinstance(event, dict):
            raise PaymentRejected("malformed notification")
        if not signatures.verify_hmac(
            self.webhook_secret, webhook_signed_text(self.webhook_secret, event), given
        ):
            raise PaymentRejected("bad signature")
        token = str(event.get("token") or "")
        transaction = transaction_by_token(token)
        if transaction is None:
            raise PaymentRejected("unknown transaction reference")
        # The webhook only says "look again": the retrieve gives the amount and the fraud result.
        return self.confirm(transaction)

    # --- refunds ------------------------------------------------------------------------

    def refund(self, transaction: PaymentTransaction, amount: Decimal, *, key: str) -> RefundResult:
        base = {
            "locale": _locale(transaction.order),
            "conversationId": key,
            "paymentId": transaction.provider_reference,
        }
        ip = _client_ip()
        if cancellable(transaction, amount):
            answer = self.client.cancel_payment({**base, "ip": ip})
            if answer.get("status") == "success":
                return RefundResult(True, provider_reference=f"cancel:{answer.get('paymentId') or ''}"[:80])
            current_app.logger.info("iyzico refused a cancel (%s); refunding instead", _error_of(answer))
        answer = self.client.refund_payment(
            {**base, "price": str(amount), "currency": transaction.currency, "ip": ip}
        )
        if answer.get("status") != "success":
            return RefundResult(False, message=_error_of(answer))
        return RefundResult(True, provider_reference=f"refund:{answer.get('paymentId') or ''}:{key}"[:80])


def cancellable(transaction: PaymentTransaction, amount: Decimal) -> bool:
    """A full, first give-back on the day the payment was made (iyzico's day) is a cancel."""
    if amount != transaction.amount or (transaction.amount_refunded or 0) != 0:
        return False
    made = transaction.created_at
    return made.astimezone(IYZICO_TIMEZONE).date() == datetime.now(IYZICO_TIMEZONE).date()


def transaction_by_token(token: str) -> PaymentTransaction | None:
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    return db.session.scalar(
        db.select(PaymentTransaction).where(
            PaymentTransaction.provider == "iyzico", PaymentTransaction.provider_token == token
        )
    )


def confirm_checkout_form(token: str) -> PaymentTransaction | None:
    """The shopper's browser came back from iyzico with ``token``: ask iyzico and act once on
    its answer (a repeat changes nothing). None: no transaction of ours has that token. A result
    iyzico does not confirm (bad signature, not final, no answer) leaves the transaction as it was;
    the webhook or the next callback can still settle it. Commits."""
    transaction = transaction_by_token(token)
    if transaction is None:
        return None
    provider = IyzicoProvider(current_app.config)
    try:
        services.apply_notification(provider.name, provider.confirm(transaction))
    except DuplicateNotification:
        db.session.rollback()
    except (PaymentRejected, ProviderUnavailable) as error:
        db.session.rollback()
        current_app.logger.warning("iyzico callback for %s not applied: %s", transaction.reference, error)
    else:
        db.session.commit()
    return db.session.get(PaymentTransaction, transaction.id)


# --- what the checkout form is sent -----------------------------------------------------------


def _locale(order: Order) -> str:
    return "tr" if order.locale == "tr" else "en"


def _client_ip() -> str:
    try:
        return (request.remote_addr or "127.0.0.1")[:45]
    except RuntimeError:  # outside a request (a CLI refund)
        return "127.0.0.1"


def _error_of(answer: Mapping[str, Any]) -> str:
    message = str(answer.get("errorMessage") or "")
    code = str(answer.get("errorCode") or "")
    return f"{message} ({code})" if code and message else message or code or "no reason given"


def _name_parts(order: Order) -> tuple[str, str]:
    parts = (order.name or order.company_name or order.email or "Customer").split()
    return (" ".join(parts[:-1]) or parts[0]), parts[-1]


def _buyer(order: Order) -> dict[str, str]:
    first, last = _name_parts(order)
    tax_id = "".join(ch for ch in order.tax_id or "" if ch.isdigit())
    return {
        "id": str(order.customer_id or f"guest-{order.id}"),
        "name": first,
        "surname": last,
        "gsmNumber": order.phone or "",
        "email": order.email or "",
        "identityNumber": tax_id if len(tax_id) == 11 else UNKNOWN_IDENTITY,
        "registrationAddress": order.address_line or "-",
        "ip": _client_ip(),
        "city": order.city or "-",
        "country": order.country or "TR",
        "zipCode": order.postal_code or "",
    }


def _address(order: Order) -> dict[str, str]:
    return {
        "contactName": order.company_name or order.name or order.email or "-",
        "city": order.city or "-",
        "country": order.country or "TR",
        "address": order.address_line or "-",
        "zipCode": order.postal_code or "",
    }


def basket_items(order: Order, amount: Decimal) -> list[dict[str, str]]:
    """The order's lines and delivery, whose prices sum exactly to ``amount`` as iyzico requires;
    a part payment (what is left due) is one item for the balance, as lines would not add up."""
    items = [
        {
            "id": line.sku,
            "name": _line_name(line.product_name, order.locale),
            "category1": "Products",
            "itemType": "PHYSICAL",
            "price": str(line.gross),
        }
        for line in order.lines
        if line.gross > 0
    ]
    if order.delivery_price and order.delivery_price > 0:
        items.append(
            {
                "id": "delivery",
                "name": "Delivery",
                "category1": "Delivery",
                "itemType": "VIRTUAL",
                "price": str(order.delivery_price),
            }
        )
    if sum((Decimal(item["price"]) for item in items), Decimal("0")) != amount:
        items = [
            {
                "id": f"order-{order.number or order.id}",
                "name": f"Order {order.number or order.id}",
                "category1": "Orders",
                "itemType": "PHYSICAL",
                "price": str(amount),
            }
        ]
    return items


def _line_name(names: Mapping[str, str] | None, locale: str) -> str:
    names = names or {}
    return (names.get(locale) or names.get("en") or next(iter(names.values()), "") or "-")[:100]
