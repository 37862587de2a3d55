"""Checking providers' signatures, for every provider alike.

Signature headers arrive as text the sender controls. ``hmac.compare_digest`` raises TypeError
on str holding non-ASCII characters, and ``int()`` reads Arabic-Indic digits, so each provider
parsing its own header is a 500 waiting to happen. Here a header is parsed once into ASCII
bytes, anything else is a ``PaymentRejected`` (HTTP 400), and digests are compared as bytes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from shop.errors import PaymentRejected

MAX_HEADER_LENGTH = 2048  # a few signatures and a timestamp; more is not a signature header


def header_bytes(value: str | bytes | None) -> bytes:
    """A signature header as ASCII bytes; missing, too long or non-ASCII is rejected."""
    if not value:
        raise PaymentRejected("missing or malformed signature")
    if isinstance(value, str):
        try:
            value = value.encode("ascii")
        except UnicodeEncodeError:
            raise PaymentRejected("missing or malformed signature") from None
    if len(value) > MAX_HEADER_LENGTH or not value.isascii():
        raise PaymentRejected("missing or malformed signature")
    return value.strip()


def parse_pairs(value: str | bytes | None) -> dict[bytes, list[bytes]]:
    """``t=1700000000,v1=ab12…`` (Stripe's and the test provider's form) as {key: [values]};
    a key may repeat (several signatures while a secret is rotated)."""
    pairs: dict[bytes, list[bytes]] = {}
    for part in header_bytes(value).split(b","):
        key, separator, item = part.partition(b"=")
        if separator:
            pairs.setdefault(key.strip(), []).append(item.strip())
    return pairs


def timestamp_in(pairs: dict[bytes, list[bytes]], key: bytes = b"t") -> int:
    """The one timestamp of a parsed header, as ASCII digits only."""
    values = pairs.get(key, [])
    if len(values) != 1 or not values[0].isdigit() or len(values[0]) > 12:
        raise PaymentRejected("missing or malformed signature")
    return int(values[0])


def hmac_hex(secret: str | bytes, message: bytes, digest: Callable = hashlib.sha256) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, digest).hexdigest().encode("ascii")


def verify_hmac(
    secret: str | bytes, message: bytes, given: str | bytes | list[bytes], digest: Callable = hashlib.sha256
) -> bool:
    """Whether ``given`` (one hex digest, or several) is the HMAC of ``message``; constant time,
    bytes against bytes, so no input can make the comparison itself fail."""
    expected = hmac_hex(secret, message, digest)
    candidates = given if isinstance(given, list) else [given]
    matched = False
    for candidate in candidates:
        if isinstance(candidate, str):
            try:
                candidate = candidate.encode("ascii")
            except UnicodeEncodeError:
                continue
        matched |= hmac.compare_digest(expected, candidate.strip().lower())
    return matched
