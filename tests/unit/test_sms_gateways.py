"""SMS gateways against a local server that speaks SMSAPI's ``/sms.do`` (tests/fake_smsapi.py).

Nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from shop.notifications.delivery import DeliveryError, PermanentFailure, TemporaryFailure
from shop.notifications.sms_gateways import (
    LogGateway,
    SmsApiGateway,
    gateway_from_config,
)
from tests.fake_smsapi import FakeSmsApi

TOKEN = "tok-3f9a1c7e-never-in-messages"
POLISH = "Zamówienie 1042 wysłane. Zażółć gęślą jaźń!"
PERSIAN = "سفارش ۱۰۴۲ شما ارسال شد"


@pytest.fixture(autouse=True)
def ctx() -> None:
    """Overrides the conftest's autouse ``ctx``: gateways need no app and no database, and these
    tests should not pay for (or depend on) building the schema."""


# One server and one gateway for the module: an httpx.Client costs ~70 ms to build (it loads
# the CA bundle), and reusing one across sends is what production does too.
@pytest.fixture(scope="module")
def _server() -> Iterator[FakeSmsApi]:
    fake = FakeSmsApi(token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def smsapi(_server: FakeSmsApi) -> FakeSmsApi:
    _server.reset()
    return _server


@pytest.fixture(scope="module")
def gateway(_server: FakeSmsApi) -> Iterator[SmsApiGateway]:
    with SmsApiGateway(TOKEN, base_url=_server.url, timeout=2.0) as gateway:
        yield gateway


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Sending.


def test_a_message_is_posted_to_sms_do_and_its_id_returned(smsapi, gateway):
    message_id = gateway.send("+48500100200", "Your order 1042 has shipped.")

    assert message_id == f"{1:024X}"
    [request] = smsapi.requests
    assert request.path == "/sms.do"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.form == {
        "to": "48500100200",  # no "+"
        "message": "Your order 1042 has shipped.",
        "format": "json",
        "encoding": "utf-8",
    }  # and no "from": the account's default sender name


def test_a_message_sent_twice_with_its_key_goes_out_once(smsapi, gateway):
    """A worker that lost SMSAPI's answer retries with the same outbox key: SMSAPI refuses the
    repeat (error 53), which means the first attempt worked."""
    first = gateway.send("+48500100200", "Shipped.", key="outbox-7")
    again = gateway.send("+48500100200", "Shipped.", key="outbox-7")

    assert first.isalnum() and again == "idx:outbox-7"
    assert [r.form.get("idx") for r in smsapi.requests] == ["outbox-7", "outbox-7"]
    assert {r.form.get("check_idx") for r in smsapi.requests} == {"1"}
    assert len(smsapi.accepted_idx) == 1


def test_without_a_key_error_53_is_an_ordinary_failure(smsapi, gateway):
    smsapi.error(53, "Message with this idx was already sent")

    with pytest.raises(PermanentFailure):
        gateway.send("+48500100200", "Hi")


def test_the_sender_name_is_sent_only_when_set(smsapi):
    with SmsApiGateway(TOKEN, base_url=smsapi.url, sender="MyShop") as gateway:
        gateway.send("+48500100200", "Hi")

    assert smsapi.requests[0].form["from"] == "MyShop"


@pytest.mark.parametrize("text", [POLISH, PERSIAN])
def test_text_travels_as_utf_8(smsapi, gateway, text):
    gateway.send("+989121234567", text)

    request = smsapi.requests[0]
    assert request.form["message"] == text
    assert request.form["to"] == "989121234567"
    assert urlencode({"message": text}, encoding="utf-8").encode("ascii") in request.body


def test_each_send_reuses_the_client_and_gets_its_own_id(smsapi, gateway):
    ids = {gateway.send("+48500100200", f"message {n}") for n in range(3)}

    assert len(ids) == 3 and len(smsapi.requests) == 3


def test_a_number_that_is_not_e164_is_refused_without_a_request(smsapi, gateway):
    with pytest.raises(PermanentFailure, match="not an E.164"):
        gateway.send("0500 100 200", "Hi")

    assert smsapi.requests == []


# SMSAPI errors: {"error": <code>, "message": "..."}.


@pytest.mark.parametrize(
    ("code", "message", "http_status", "failure"),
    [
        (101, "Authorization failed", 401, PermanentFailure),
        (102, "Invalid username or password", 200, PermanentFailure),
        (105, "Wrong IP address", 200, PermanentFailure),
        (8, "Error in request", 400, PermanentFailure),
        (11, "Message too long or no message", 200, PermanentFailure),
        (13, "No correct phone numbers", 200, PermanentFailure),
        (14, "Invalid sender field", 200, PermanentFailure),
        (57, "The number is blacklisted", 200, PermanentFailure),
        (4242, "A code nobody documented", 200, PermanentFailure),
        (103, "Insufficient credits", 200, TemporaryFailure),
        (52, "Too many attempts to one number", 200, TemporaryFailure),
        (200, "Unsuccessful message submission", 200, TemporaryFailure),
        (201, "System internal error", 200, TemporaryFailure),
        (202, "Too many simultaneous requests", 200, TemporaryFailure),
        (203, "Too many requests", 429, TemporaryFailure),
        (999, "System internal error", 200, TemporaryFailure),
    ],
)
def test_smsapi_error_codes_map_to_retry_or_give_up(smsapi, gateway, code, message, http_status, failure):
    smsapi.error(code, message, status=http_status)

    with pytest.raises(DeliveryError) as caught:
        gateway.send("+48500100200", "Hi")

    assert type(caught.value) is failure
    assert str(caught.value) == f"SMSAPI {code}: {message}"


def test_a_wrong_token_is_a_permanent_failure_without_the_token(smsapi):
    with SmsApiGateway("wrong-token", base_url=smsapi.url) as gateway:
        with pytest.raises(PermanentFailure, match="SMSAPI 101: Authorization failed") as caught:
            gateway.send("+48500100200", "Hi")

    assert "wrong-token" not in str(caught.value)


def test_a_server_error_is_temporary_even_with_a_request_error_code(smsapi, gateway):
    smsapi.error(8, "Error in request", status=503)

    with pytest.raises(TemporaryFailure, match="SMSAPI 8: Error in request"):
        gateway.send("+48500100200", "Hi")


# HTTP and transport failures.


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_are_temporary(smsapi, gateway, status):
    smsapi.status(status, b"<html>busy</html>")

    with pytest.raises(TemporaryFailure, match=f"SMSAPI HTTP {status}"):
        gateway.send("+48500100200", "Hi")


def test_a_wrong_url_is_permanent(smsapi):
    with SmsApiGateway(TOKEN, base_url=f"{smsapi.url}/nowhere") as gateway:
        with pytest.raises(PermanentFailure, match="SMSAPI HTTP 404"):
            gateway.send("+48500100200", "Hi")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"OK:123456:0.16", "text/plain"),  # the old plain-text format
        (b"<html>maintenance</html>", "text/html"),
        (b'{"count": 0, "list": []}', "application/json"),
        (b'{"count": 1, "list": [{"points": 0.16}]}', "application/json"),
        (b"\xff\xfe not utf-8", "application/json"),
    ],
)
def test_an_unreadable_response_is_temporary(smsapi, gateway, body, content_type):
    smsapi.raw(body, content_type)

    with pytest.raises(TemporaryFailure, match="unreadable response"):
        gateway.send("+48500100200", "Hi")


def test_a_timeout_is_temporary(smsapi):
    smsapi.slow(2.0)
    started = time.monotonic()

    with SmsApiGateway(TOKEN, base_url=smsapi.url, timeout=0.2) as gateway:
        with pytest.raises(TemporaryFailure, match=r"timed out after 0\.2 s"):
            gateway.send("+48500100200", "Hi")

    assert time.monotonic() - started < 1.5


def test_connection_refused_is_temporary():
    with SmsApiGateway(TOKEN, base_url=f"http://127.0.0.1:{_closed_port()}", timeout=1) as gateway:
        with pytest.raises(TemporaryFailure, match="SMSAPI request failed: ConnectError"):
            gateway.send("+48500100200", "Hi")


def test_the_token_never_appears_in_failures_or_repr(smsapi, gateway):
    smsapi.error(999, f"Internal error for Bearer {TOKEN}")  # a provider echoing it back

    with pytest.raises(TemporaryFailure) as caught:
        gateway.send("+48500100200", "Hi")

    assert TOKEN not in str(caught.value)
    assert str(caught.value) == "SMSAPI 999: Internal error for Bearer ***"
    assert TOKEN not in repr(gateway)


# The log gateway.


def test_the_log_gateway_logs_the_message_and_returns_an_id(caplog):
    with caplog.at_level(logging.INFO, logger="shop.sms"):
        message_id = LogGateway().send("+48500100200", POLISH)

    assert re.fullmatch(r"log-[0-9a-f]{32}", message_id)
    [record] = [r for r in caplog.records if r.name == "shop.sms"]
    assert record.levelno == logging.INFO
    assert message_id in record.getMessage()
    assert "+48500100200" in record.getMessage() and POLISH in record.getMessage()


# Configuration.


def test_the_log_gateway_is_the_default():
    assert isinstance(gateway_from_config({}), LogGateway)
    assert gateway_from_config({"SMS_GATEWAY": "log"}).name == "log"


def test_the_smsapi_gateway_is_built_from_the_config(smsapi):
    config = {
        "SMS_GATEWAY": "smsapi",
        "SMSAPI_TOKEN": TOKEN,
        "SMSAPI_URL": smsapi.url,
        "SMS_SENDER": "MyShop",
        "SMS_TIMEOUT_SECONDS": 2.0,
    }
    gateway = gateway_from_config(config)
    try:
        assert isinstance(gateway, SmsApiGateway) and gateway.name == "smsapi"
        assert gateway.send("+48500100200", "Hi")
    finally:
        gateway.close()

    assert smsapi.requests[0].form["from"] == "MyShop"


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"SMS_GATEWAY": "smsapi"}, "SMSAPI_TOKEN is not set"),
        ({"SMS_GATEWAY": "smsapi", "SMSAPI_TOKEN": ""}, "SMSAPI_TOKEN is not set"),
        ({"SMS_GATEWAY": "twilio"}, "Unknown SMS_GATEWAY 'twilio'"),
    ],
)
def test_a_gateway_that_cannot_work_is_refused_at_start_up(config, error):
    with pytest.raises(ValueError, match=error):
        gateway_from_config(config)
