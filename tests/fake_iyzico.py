"""A local iyzico: an HTTP server on 127.0.0.1 in a thread that answers as iyzico's API does.

It verifies the ``IYZWSv2`` authorization header of every API call (the one the ``iyzipay``
library builds) against the keys it knows, signs its answers as iyzico does (hex HMAC-SHA256 of
fields joined by ``:``, numbers without trailing zeros), and serves a hosted "payment page"
whose buttons decide the outcome and then make the browser POST the token to the shop's
callbackUrl, as iyzico's page does. Refunds and cancels answer a repeated conversationId with
their first answer. Knobs for the tests: ``delay`` (seconds before any API answer),
``refund_error`` / ``cancel_error`` ((code, message) to refuse with), ``bad_signatures``.

Fixtures (registered in tests/conftest.py): ``fake_iyzico`` (the server) and ``iyzico_shop``
(the app configured to take card payments through it; gives the fake back).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

API_KEY = "sandbox-api-key"
SECRET_KEY = "sandbox-secret-key"
INITIALIZE_PATHS = (
    "/payment/iyzipos/checkoutform/initialize/ecom",  # what iyzipay 1.0.46 calls
    "/payment/iyzipos/checkoutform/initialize/auth/ecom",  # what iyzico documents
)
RETRIEVE_PATH = "/payment/iyzipos/checkoutform/auth/ecom/detail"
DECLINES = {"10051": ("Kart limiti yetersiz, yetersiz bakiye", "NOT_SUFFICIENT_FUNDS")}


def number_text(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def sign(secret: str, *values: object) -> str:
    text = ":".join(
        "" if value is None else number_text(value) if isinstance(value, Decimal) else str(value)
        for value in values
    )
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def _json_default(value: object) -> float:
    if isinstance(value, Decimal):
        return float(value)  # iyzico writes amounts as JSON numbers
    raise TypeError(type(value))


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (the timeout tests) is expected, not worth a traceback."""


class FakeIyzico:
    def __init__(self, keys: dict[str, str] | None = None, port: int = 0) -> None:
        self.keys = dict(keys or {API_KEY: SECRET_KEY})
        self.forms: dict[str, dict] = {}  # token -> the initialize request, outcome, payment
        self.payments: dict[str, dict] = {}  # paymentId -> {price, currency, refunded, cancelled}
        self.replies: dict[tuple[str, str], dict] = {}  # (path, conversationId) -> first answer
        self.calls: list[dict] = []  # every API call: path, api_key, verified, body
        self.delay = 0.0
        self.refund_error: tuple[str, str] | None = None
        self.cancel_error: tuple[str, str] | None = None
        self.bad_signatures = False
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-iyzico", daemon=True)

    def __enter__(self) -> FakeIyzico:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # --- what a test can do -------------------------------------------------------------

    def decide(self, token: str, decision: str) -> str:
        """The shopper pays on the page: "approve", "review" (fraud check holds it), "decline"."""
        with self.lock:
            form = self.forms[token]
            form["outcome"] = decision
            if decision in ("approve", "review") and not form.get("paymentId"):
                payment_id = str(20_000_000 + len(self.payments))
                form["paymentId"] = payment_id
                self.payments[payment_id] = {
                    "price": Decimal(form["request"]["price"]),
                    "currency": form["request"]["currency"],
                    "refunded": Decimal("0"),
                    "cancelled": False,
                }
            return form["request"]["callbackUrl"]

    def clear_review(self, token: str) -> None:
        """iyzico's fraud team approves the payment it held."""
        self.forms[token]["outcome"] = "approve"

    def webhook(self, token: str, *, secret: str = SECRET_KEY) -> tuple[bytes, dict[str, str]]:
        """The checkout-form webhook iyzico sends about ``token``, with its X-IYZ-SIGNATURE-V3."""
        form = self.forms[token]
        event = {
            "paymentConversationId": form["request"]["conversationId"],
            "merchantId": 100000,
            "token": token,
            "status": "SUCCESS" if form["outcome"] in ("approve", "review") else "FAILURE",
            "iyziReferenceCode": uuid.uuid4().hex,
            "iyziEventType": "CHECKOUT_FORM_AUTH",
            "iyziEventTime": int(time.time() * 1000),
            "iyziPaymentId": int(form.get("paymentId") or 0),
        }
        text = "".join(
            str(event[key])
            for key in ("iyziEventType", "iyziPaymentId", "token", "paymentConversationId", "status")
        )
        signature = hmac.new(secret.encode(), (secret + text).encode(), hashlib.sha256).hexdigest()
        return json.dumps(event).encode(), {
            "X-IYZ-SIGNATURE-V3": signature,
            "Content-Type": "application/json",
        }

    def calls_to(self, path: str) -> list[dict]:
        return [call for call in self.calls if call["path"] == path]

    # --- the API ------------------------------------------------------------------------

    def _verify(self, headers, path: str, body: bytes) -> str | None:
        """The api key of a valid IYZWSv2 header, or None."""
        value = headers.get("Authorization", "")
        if not value.startswith("IYZWSv2 "):
            return None
        try:
            fields = dict(part.split(":", 1) for part in base64.b64decode(value[8:]).decode().split("&"))
        except ValueError:
            return None
        secret = self.keys.get(fields.get("apiKey", ""))
        rnd = fields.get("randomKey", "")
        if secret is None or rnd != headers.get("x-iyzi-rnd") or not headers.get("x-iyzi-client-version"):
            return None
        expected = hmac.new(secret.encode(), rnd.encode() + path.encode() + body, hashlib.sha256).hexdigest()
        return fields["apiKey"] if hmac.compare_digest(expected, fields.get("signature", "")) else None

    def answer(self, path: str, api_key: str, request: dict) -> dict:
        secret = self.keys[api_key]
        base = {"locale": request.get("locale", "tr"), "systemTime": int(time.time() * 1000)}
        base["conversationId"] = request.get("conversationId")
        if path in INITIALIZE_PATHS:
            return self._initialize(request, base, secret)
        if path == RETRIEVE_PATH:
            return self._retrieve(request, base, secret)
        if path in ("/v2/payment/refund", "/payment/cancel"):
            key = (path, str(request.get("conversationId")))
            with self.lock:
                if key not in self.replies:  # iyzico has no refund key: the conversationId stands in
                    self.replies[key] = self._give_back(path, request, base)
                return self.replies[key]
        return {**base, "status": "failure", "errorCode": "1", "errorMessage": "Not found"}

    def _initialize(self, request: dict, base: dict, secret: str) -> dict:
        items = request.get("basketItems") or []
        if not items or sum(Decimal(str(item["price"])) for item in items) != Decimal(request["price"]):
            return {**base, "status": "failure", "errorCode": "5152", "errorMessage": "Sepet tutarı hatalı"}
        for field in ("buyer", "shippingAddress", "billingAddress", "callbackUrl", "basketId"):
            if not request.get(field):
                return {
                    **base,
                    "status": "failure",
                    "errorCode": "11",
                    "errorMessage": f"{field} gönderilmesi zorunludur",
                }
        token = str(uuid.uuid4())
        with self.lock:
            self.forms[token] = {"request": request, "outcome": None}
        return {
            **base,
            "status": "success",
            "token": token,
            "tokenExpireTime": 1800,
            "paymentPageUrl": f"{self.url}/pay/{token}",
            "checkoutFormContent": "<script>/* iyzico */</script>",
            "signature": sign(secret, request.get("conversationId"), token),
        }

    def _retrieve(self, request: dict, base: dict, secret: str) -> dict:
        form = self.forms.get(str(request.get("token")))
        if form is None or form["outcome"] is None:
            return {**base, "status": "failure", "errorCode": "5110", "errorMessage": "Geçersiz token"}
        asked = form["request"]
        price = Decimal(asked["price"])
        answer = {
            **base,
            "conversationId": asked["conversationId"],
            "token": request["token"],
            "basketId": asked["basketId"],
            "currency": asked["currency"],
            "price": price,
            "paidPrice": price,
            "callbackUrl": asked["callbackUrl"],
        }
        if form["outcome"] == "decline":
            message, group = DECLINES["10051"]
            answer.update(
                status="failure",
                paymentStatus="FAILURE",
                errorCode="10051",
                errorMessage=message,
                errorGroup=group,
                paymentId=None,
            )
        else:
            answer.update(
                status="success",
                paymentStatus="SUCCESS",
                fraudStatus=0 if form["outcome"] == "review" else 1,
                paymentId=form["paymentId"],
                installment=1,
                itemTransactions=[
                    {
                        "itemId": item["id"],
                        "paymentTransactionId": f"{form['paymentId']}{n}",
                        "price": Decimal(item["price"]),
                    }
                    for n, item in enumerate(asked["basketItems"])
                ],
            )
        answer["signature"] = sign(
            secret,
            answer["paymentStatus"],
            answer["paymentId"],
            answer["currency"],
            answer["basketId"],
            answer["conversationId"],
            answer["paidPrice"],
            answer["price"],
            answer["token"],
        )
        if self.bad_signatures:
            answer["signature"] = "0" * 64
        return answer

    def _give_back(self, path: str, request: dict, base: dict) -> dict:
        payment = self.payments.get(str(request.get("paymentId")))
        error = self.cancel_error if path == "/payment/cancel" else self.refund_error
        if payment is None:
            error = error or ("5092", "Ödeme bulunamadı")
        if error:
            return {**base, "status": "failure", "errorCode": error[0], "errorMessage": error[1]}
        left = payment["price"] - payment["refunded"]
        if path == "/payment/cancel":
            if payment["refunded"] or payment["cancelled"]:
                return {**base, "status": "failure", "errorCode": "5093", "errorMessage": "İptal edilemez"}
            payment["cancelled"], payment["refunded"] = True, payment["price"]
            return {
                **base,
                "status": "success",
                "paymentId": request["paymentId"],
                "price": payment["price"],
                "currency": payment["currency"],
            }
        amount = Decimal(str(request.get("price")))
        if payment["cancelled"] or amount <= 0 or amount > left:
            return {**base, "status": "failure", "errorCode": "5095", "errorMessage": "İade tutarı hatalı"}
        payment["refunded"] += amount
        return {
            **base,
            "status": "success",
            "paymentId": request["paymentId"],
            "price": amount,
            "currency": payment["currency"],
        }

    # --- HTTP ---------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                token = self.path.removeprefix("/pay/")
                form = fake.forms.get(token)
                if not self.path.startswith("/pay/") or form is None:
                    return self._send(404, b"<h1>Not found</h1>", "text/html")
                asked = form["request"]
                buttons = "".join(
                    f'<form method="post" action="/pay/{token}"><input type="hidden" name="decision" '
                    f'value="{value}"><button type="submit">{label}</button></form>'
                    for value, label in (
                        ("approve", "Pay"),
                        ("decline", "Decline"),
                        ("review", "Pay (fraud review)"),
                    )
                )
                page = (
                    f"<!doctype html><title>iyzico (fake)</title><h1>iyzico (fake)</h1>"
                    f'<p class="amount">{html.escape(asked["price"])} {html.escape(asked["currency"])}</p>'
                    f"{buttons}"
                )
                self._send(200, page.encode(), "text/html; charset=utf-8")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/pay/"):
                    return self._decide(self.path.removeprefix("/pay/"), body)
                if fake.delay:
                    time.sleep(fake.delay)
                api_key = fake._verify(self.headers, self.path.split("?")[0], body)
                try:
                    request = json.loads(body or b"{}")
                except ValueError:
                    request = {}
                fake.calls.append({"path": self.path, "api_key": api_key, "request": request})
                if api_key is None:
                    answer = {"status": "failure", "errorCode": "1000", "errorMessage": "Geçersiz imza"}
                    return self._send(401, json.dumps(answer).encode())
                answer = fake.answer(self.path, api_key, request)
                self._send(200, json.dumps(answer, default=_json_default).encode())

            def _decide(self, token: str, body: bytes) -> None:
                if token not in fake.forms:
                    return self._send(404, b"<h1>Not found</h1>", "text/html")
                decision = parse_qs(body.decode()).get("decision", ["approve"])[0]
                callback = fake.decide(token, decision)
                # As iyzico's page: the browser posts the token to the shop's callbackUrl.
                page = (
                    f'<!doctype html><title>iyzico (fake)</title><form id="back" method="post" '
                    f'action="{html.escape(callback)}"><input type="hidden" name="token" value="{token}">'
                    f'<button type="submit">Return to the shop</button></form>'
                    f"<script>document.getElementById('back').submit()</script>"
                )
                self._send(200, page.encode(), "text/html; charset=utf-8")

        return Handler


@pytest.fixture
def fake_iyzico() -> Iterator[FakeIyzico]:
    with FakeIyzico() as fake:
        yield fake


@pytest.fixture
def iyzico_shop(app, fake_iyzico: FakeIyzico, monkeypatch: pytest.MonkeyPatch) -> FakeIyzico:
    """The app takes card payments through the fake iyzico (webhooks on); returns the fake."""
    for key, value in {
        "CARD_PAYMENT_PROVIDER": "iyzico",
        "IYZICO_API_KEY": API_KEY,
        "IYZICO_SECRET_KEY": SECRET_KEY,
        "IYZICO_BASE_URL": fake_iyzico.url,
        "IYZICO_TIMEOUT_SECONDS": 2.0,
        "IYZICO_WEBHOOK_SECRET": SECRET_KEY,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return fake_iyzico


if __name__ == "__main__":
    # Try the shop with card payments through this fake (no iyzico account needed):
    #   .venv/bin/python -m tests.fake_iyzico 8089 &
    #   CARD_PAYMENT_PROVIDER=iyzico IYZICO_API_KEY=sandbox-api-key IYZICO_SECRET_KEY=sandbox-secret-key \
    #   IYZICO_BASE_URL=http://127.0.0.1:8089 script/server
    import sys

    with FakeIyzico(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8089) as running:
        print(f"fake iyzico on {running.url} (api key {API_KEY}, secret key {SECRET_KEY})", flush=True)
        running.thread.join()
