"""No 500 from a payment notification whose signature header holds non-ASCII characters
(issue 10, item 8): the shared signature layer (shop/payments/signatures.py) parses headers
into ASCII bytes and compares bytes, so every provider answers a clear 400 instead."""

from __future__ import annotations

import json
import time

import pytest
from flask import current_app

from shop.testpay.provider import SIGNATURE_HEADER, sign

NOTIFY = "/payments/test/notify"
BODY = json.dumps(
    {"event_id": "e1", "reference": "r1", "status": "captured", "amount": "1.00", "currency": "TRY"}
).encode()


def _valid_header() -> str:
    return sign(current_app.config["TEST_PROVIDER_SECRET"], BODY, int(time.time()))


def _spoiled(kind: str) -> str:
    header = _valid_header()
    timestamp, digest = header.split(",")
    if kind == "arabic-indic-digits":  # int() reads them; compare_digest on str does not
        return timestamp.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + "," + digest
    if kind == "latin-1-letter":  # what a WSGI server makes of a UTF-8 byte in a header
        return header[:-1] + "é"
    if kind == "turkish-dotted-i":
        return header + "İ"
    if kind == "persian-digest":
        return timestamp + ",v1=" + "۰" * 64
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["arabic-indic-digits", "latin-1-letter", "turkish-dotted-i", "persian-digest"]
)
def test_a_non_ascii_signature_header_is_a_400_json_answer_not_a_server_error(shopper, kind):
    response = shopper.post(
        NOTIFY,
        data=BODY,
        headers={SIGNATURE_HEADER: _spoiled(kind), "Content-Type": "application/json"},
        csrf=False,
    )

    assert response.status_code == 400
    assert response.get_json() == {"error": "payment_rejected", "message": "missing or malformed signature"}
