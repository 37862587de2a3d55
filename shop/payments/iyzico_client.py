"""A safe way to call iyzico through the official ``iyzipay`` library.

The library builds the ``IYZWSv2`` authorization header itself (we keep that: it is what iyzico
verifies), but it has two faults we wrap here:

- the header dict is a class attribute that every call updates in place, so two calls at once in
  one process (threads of one worker) can send each other's ``Authorization`` and ``x-iyzi-rnd``;
  each call here runs on a fresh resource object with a header dict of its own;
- it opens ``http.client.HTTPSConnection(base_url)`` with no timeout; each call here opens its own
  connection with ``IYZICO_TIMEOUT_SECONDS``, and no answer in time (or no connection) is
  ``ProviderUnavailable``.

Plain HTTP is accepted only for a loopback host (the local fake in the tests and the demo), so a
typo in production cannot send card payments over an unencrypted connection.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import iyzipay
from iyzipay.iyzipay_resource import IyzipayResource

from shop.errors import ProviderUnavailable

DEFAULT_BASE_URL = "https://sandbox-api.iyzipay.com"


class IyzicoConfigError(ValueError):
    """IYZICO_BASE_URL is not usable (plain HTTP to a host that is not this machine)."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_base_url(base_url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of IYZICO_BASE_URL; a bare host (the library's own form) is HTTPS."""
    base_url = (base_url or DEFAULT_BASE_URL).strip()
    if "://" not in base_url:
        base_url = "https://" + base_url
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise IyzicoConfigError(f"IYZICO_BASE_URL must be an https:// address, not {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise IyzicoConfigError(
            f"IYZICO_BASE_URL {base_url!r}: plain http:// is allowed only for a local fake on 127.0.0.1"
        )
    return parts.scheme, parts.hostname, parts.port


class _OwnHeaders:
    """Mixed into a library resource class: per-object headers and a connection with a timeout."""

    def __init__(self, connection: http.client.HTTPConnection) -> None:
        super().__init__()
        # Shadows the class-level dict the library updates in place: this call's headers only.
        # (Copied without what another call may have left in it; get_http_header sets both anew.)
        self.header = {
            key: value
            for key, value in IyzipayResource.header.items()
            if key not in ("Authorization", "x-iyzi-rnd")
        }
        self._connection = connection

    def connect(self, method: str, url: str, options: Mapping[str, str], request_body_dict: Any = None):
        body_str = json.dumps(request_body_dict)
        header = self.get_http_header(url, options, body_str)
        self._connection.request(method, url, body_str, header)
        return self._connection.getresponse()


_resources: dict[type, type] = {}


def _safe(resource_class: type) -> type:
    if resource_class not in _resources:
        _resources[resource_class] = type(f"Safe{resource_class.__name__}", (_OwnHeaders, resource_class), {})
    return _resources[resource_class]


class IyzicoClient:
    """One merchant account's calls to iyzico; every method returns the answer as a dict."""

    def __init__(self, api_key: str, secret_key: str, base_url: str, timeout: float) -> None:
        self.scheme, self.host, self.port = parse_base_url(base_url)
        self.options = {"api_key": api_key, "secret_key": secret_key, "base_url": self.host}
        self.secret_key = secret_key
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IyzicoClient:
        return cls(
            config.get("IYZICO_API_KEY") or "",
            config.get("IYZICO_SECRET_KEY") or "",
            config.get("IYZICO_BASE_URL") or DEFAULT_BASE_URL,
            float(config.get("IYZICO_TIMEOUT_SECONDS") or 20),
        )

    def _connection(self) -> http.client.HTTPConnection:
        if self.scheme == "http":
            return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout)

    def call(self, resource_class: type, action: str, request: Mapping[str, Any] | None = None) -> dict:
        """``resource_class().action(request, options)`` of the library, safely; the JSON answer."""
        connection = self._connection()
        try:
            resource = _safe(resource_class)(connection)
            method = getattr(resource, action)
            response = (
                method(dict(request or {}), self.options) if request is not None else method(self.options)
            )
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:  # socket.timeout is an OSError
            raise ProviderUnavailable(f"iyzico: {error.__class__.__name__}: {error}") from None
        finally:
            connection.close()
        try:
            answer = json.loads(raw, parse_float=Decimal)  # amounts never pass through float
        except ValueError:
            raise ProviderUnavailable(f"iyzico answered HTTP {response.status} without JSON") from None
        if not isinstance(answer, dict):
            raise ProviderUnavailable("iyzico answered with something other than a JSON object")
        return answer

    # --- the calls the shop makes -------------------------------------------------------

    def initialize_checkout_form(self, request: Mapping[str, Any]) -> dict:
        return self.call(iyzipay.CheckoutFormInitialize, "create", request)

    def retrieve_checkout_form(self, request: Mapping[str, Any]) -> dict:
        return self.call(iyzipay.CheckoutForm, "retrieve", request)

    def refund_payment(self, request: Mapping[str, Any]) -> dict:
        """Per payment (``/v2/payment/refund``: paymentId and price)."""
        return self.call(iyzipay.Payment, "refund", request)

    def cancel_payment(self, request: Mapping[str, Any]) -> dict:
        return self.call(iyzipay.Cancel, "create", request)


__all__ = ["IyzicoClient", "IyzicoConfigError", "parse_base_url"]
