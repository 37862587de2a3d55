"""SMS gateways: hand one text message to a provider and return the provider's message id.

The worker calls ``send`` and needs one answer beyond success: may another attempt succeed?
So a gateway raises only ``TemporaryFailure`` (try again later) or ``PermanentFailure`` (give
up); anything else that goes wrong underneath is translated into one of the two here.

- ``LogGateway`` (the default): writes the message to the ``shop.sms`` log; nothing leaves
  the machine and the outbox shows the text.
- ``SmsApiGateway``: SMSAPI.pl's HTTP API (``POST /sms.do``, bearer token).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol, Self

import httpx

from shop.notifications.delivery import DeliveryError, PermanentFailure, TemporaryFailure

log = logging.getLogger("shop.sms")

DEFAULT_SMSAPI_URL = "https://api.smsapi.pl"

# E.164: a country code and a subscriber number, at most 15 digits. The "+" is optional here
# so that a number already stripped of it is not refused for that alone.
_E164 = re.compile(r"\+?[1-9]\d{6,14}")


class SmsGateway(Protocol):
    name: str

    def send(self, to: str, text: str, *, key: str | None = None) -> str:
        """Send ``text`` to ``to`` (E.164, "+48500100200"); return the provider's message id.
        ``key`` names this message for good (the outbox id): a provider that supports it
        refuses a second send with the same key, so a retry after a lost answer sends nothing.

        Raises ``TemporaryFailure`` or ``PermanentFailure`` only.
        """
        ...

    def close(self) -> None:
        """Release connections; the gateway is not used afterwards."""
        ...


class LogGateway:
    """Sends nothing: logs the message, so a shop works before it has an SMS contract."""

    name = "log"

    def send(self, to: str, text: str, *, key: str | None = None) -> str:
        message_id = f"log-{uuid.uuid4().hex}"
        log.info("SMS %s to %s (not sent, SMS_GATEWAY=log):\n%s", message_id, to, text)
        return message_id

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# SMSAPI error codes (the "error" field of a JSON error response), from SMSAPI's documentation,
# section 19 "Kody błędów" / "Error codes" (https://www.smsapi.pl/docs). An error is permanent
# unless listed here: most codes describe the request itself (7, 8, 11-30: message empty or too
# long, bad parameters; 13, 57, 59: invalid, blacklisted or opted-out recipient; 14: a sender
# name not registered), the account's permissions (98, 110, 112, 401) or its credentials and
# set-up (101, 102, 105 IP filter, 997 HTTPS only). Sending the same request again would get the
# same answer, and a failed message in the outbox tells the seller what to fix. Unknown codes
# are treated the same way: the worker should not retry what it does not understand forever.
# With idx + check_idx: "a message with this idx was already sent" - the earlier attempt worked.
_ALREADY_SENT = 53

_TEMPORARY_CODES: dict[int, str] = {
    # Too many messages to one number within 60 s: a rate limit that lifts within a minute.
    52: "rate limit per number",
    # Outside the sending hours set on the account: the next attempt may fall inside them.
    74: "outside the account's sending hours",
    # Out of credits: the seller tops up the account; the queued messages should then go out,
    # not be lost, so retry with the worker's backoff.
    103: "insufficient credits",
    # Failures on SMSAPI's side, not in the request: "unsuccessful message submission",
    # internal errors (201, 999), too many simultaneous requests (202, 203), the short-URL
    # service down (998).
    200: "submission failed",
    201: "internal error",
    202: "too many simultaneous requests",
    203: "too many requests",
    998: "short URL service unavailable",
    999: "internal error",
}

# HTTP statuses that say "later", whatever the body: a request timeout at a proxy, a rate limit,
# or a server or gateway error (a load balancer's 502 has no SMSAPI error code at all).
_TEMPORARY_HTTP = {408, 425, 429}

_MAX_DETAIL = 200  # keep provider messages in the outbox short


class SmsApiGateway:
    """SMSAPI.pl: ``POST {base_url}/sms.do`` with ``Authorization: Bearer <token>``.

    One ``httpx.Client`` per gateway keeps the TLS connection alive between messages; call
    ``close()`` (or use the gateway as a context manager) when done.
    """

    name = "smsapi"

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_SMSAPI_URL,
        sender: str | None = None,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not token:
            raise ValueError("SmsApiGateway needs an SMSAPI token")
        self._token = token
        self._sender = sender or None
        self._timeout = timeout
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
            # A redirect means a wrong SMSAPI_URL; following it could resend the token elsewhere.
            follow_redirects=False,
        )

    def send(self, to: str, text: str, *, key: str | None = None) -> str:
        if not _E164.fullmatch(to):
            raise PermanentFailure(f"SMSAPI: {to!r} is not an E.164 phone number")
        form = {
            "to": to.removeprefix("+"),  # SMSAPI wants the country code without "+"
            "message": text,
            "format": "json",
            "encoding": "utf-8",
        }
        if self._sender:
            form["from"] = self._sender  # otherwise the account's default sender name
        if key:
            # SMSAPI keeps idx per account and, with check_idx, refuses a repeat with error 53:
            # a worker that lost the answer to an accepted message and retries sends nothing.
            form["idx"] = key[:255]
            form["check_idx"] = "1"
        try:
            response = self._client.post("/sms.do", data=form)
        except httpx.TimeoutException:
            raise self._failure(f"SMSAPI timed out after {self._timeout:g} s", retry=True) from None
        except Exception as exc:
            # Connection refused, DNS, TLS, protocol errors: the network or SMSAPI is down. Broad
            # on purpose, around this one call: the worker must always get a DeliveryError.
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise self._failure(f"SMSAPI request failed: {detail}", retry=True) from None
        return self._message_id(response, idx=form.get("idx"))

    def _message_id(self, response: httpx.Response, *, idx: str | None = None) -> str:
        status = response.status_code
        retry_status = status in _TEMPORARY_HTTP or status >= 500
        try:
            payload: Any = response.json()
        except ValueError:  # includes JSON and text decoding errors
            payload = None

        if isinstance(payload, dict) and payload.get("error"):
            # SMSAPI reports errors as {"error": <code>, "message": "..."}, with HTTP 200 or 4xx.
            code = _as_int(payload["error"])
            message = str(payload.get("message") or "no message")
            if code is None:
                raise self._failure(
                    f"SMSAPI error {payload['error']!r}: {message} (HTTP {status})", retry=True
                )
            if code == _ALREADY_SENT and idx:
                return f"idx:{idx}"  # sent by an earlier attempt whose answer was lost
            retry = retry_status or code in _TEMPORARY_CODES
            raise self._failure(f"SMSAPI {code}: {message}", retry=retry)

        if not response.is_success:
            reason = response.reason_phrase or "error"
            # 429/5xx: later. Any other 4xx or 3xx without an SMSAPI error: the request or the
            # configuration (a wrong SMSAPI_URL) is wrong, and will stay wrong.
            raise self._failure(f"SMSAPI HTTP {status}: {reason}", retry=retry_status)

        message_id = _first_id(payload)
        if message_id is None:
            # We cannot tell whether the message went out. Retry: a rare duplicate SMS is
            # better than an order confirmation that silently never arrives.
            raise self._failure(
                f"SMSAPI returned an unreadable response (HTTP {status}, "
                f"{response.headers.get('content-type', 'no content type')})",
                retry=True,
            )
        return message_id

    def _failure(self, message: str, *, retry: bool) -> DeliveryError:
        # The message ends up in the outbox and the logs: never with the token in it, whatever
        # an exception or the provider happened to echo.
        message = message.replace(self._token, "***")
        if len(message) > _MAX_DETAIL:
            message = message[: _MAX_DETAIL - 1] + "…"
        return TemporaryFailure(message) if retry else PermanentFailure(message)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:  # no token
        return f"SmsApiGateway(base_url={str(self._client.base_url)!r}, sender={self._sender!r})"


def _as_int(value: Any) -> int | None:
    try:
        return int(value)  # SMSAPI sends an int; accept a string of one too
    except (TypeError, ValueError):
        return None


def _first_id(payload: object) -> str | None:
    """The id of the first message of a success response: {"count": 1, "list": [{"id": ...}]}."""
    if not isinstance(payload, dict):
        return None
    messages = payload.get("list")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return None
    message_id = messages[0].get("id")
    if message_id is None or isinstance(message_id, bool) or str(message_id) == "":
        return None
    return str(message_id)


def gateway_from_config(config: Mapping[str, Any]) -> SmsGateway:
    """The gateway named by ``SMS_GATEWAY``; raises ``ValueError`` at start-up when it cannot be
    built, rather than failing every message later."""
    name = str(config.get("SMS_GATEWAY") or "log").strip().lower()
    if name == "log":
        return LogGateway()
    if name == "smsapi":
        token = config.get("SMSAPI_TOKEN")
        if not token:
            raise ValueError("SMS_GATEWAY is 'smsapi' but SMSAPI_TOKEN is not set")
        return SmsApiGateway(
            token,
            base_url=config.get("SMSAPI_URL") or DEFAULT_SMSAPI_URL,
            sender=config.get("SMS_SENDER") or None,
            timeout=float(config.get("SMS_TIMEOUT_SECONDS") or 15.0),
        )
    raise ValueError(f"Unknown SMS_GATEWAY {name!r}: expected 'log' or 'smsapi'")
