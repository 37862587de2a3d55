"""The shared signature layer (shop/payments/signatures.py): headers parsed into ASCII bytes,
digests compared as bytes, so no provider's verification can raise on what a sender puts in a
header (issue 10, item 8; the HTTP side is tests/web/test_payment_signature_header.py)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from shop.errors import PaymentRejected
from shop.payments import signatures


def test_verify_hmac_compares_bytes_and_never_raises():
    digest = hmac.new(b"secret", b"message", hashlib.sha256).hexdigest()

    assert signatures.verify_hmac("secret", b"message", digest)
    assert signatures.verify_hmac("secret", b"message", digest.upper().encode())
    assert signatures.verify_hmac("secret", b"message", [b"0" * 64, digest.encode()])  # rotation
    assert not signatures.verify_hmac("secret", b"message", "é" * 64)
    assert not signatures.verify_hmac("secret", b"message", "\udcff")  # a lone surrogate
    assert not signatures.verify_hmac("secret", b"message", [])


@pytest.mark.parametrize("header", [None, "", "t=١٧٠٠٠٠٠٠٠٠,v1=ab", "t=1,v1=é", "x" * 5000, "\udcff"])
def test_a_malformed_header_is_rejected_by_the_parser(header):
    with pytest.raises(PaymentRejected):
        signatures.timestamp_in(signatures.parse_pairs(header))


def test_the_parser_reads_timestamps_and_repeated_signatures():
    pairs = signatures.parse_pairs("t=1700000000, v1=aa,v1=bb")

    assert signatures.timestamp_in(pairs) == 1700000000
    assert pairs[b"v1"] == [b"aa", b"bb"]
