"""The iyzipay wrapper: concurrent calls keep their own headers, and every call has a timeout."""

import sys
import threading
import time

import iyzipay
import pytest

from shop.errors import ProviderUnavailable
from shop.payments.iyzico_client import IyzicoClient
from tests.fake_iyzico import RETRIEVE_PATH, FakeIyzico


def test_the_library_alone_shares_one_header_dict_between_all_calls():
    """Why the wrapper exists: every resource object updates the same class-level dict."""
    assert iyzipay.CheckoutForm().header is iyzipay.Payment().header


def test_concurrent_calls_with_different_keys_each_arrive_with_their_own_valid_header():
    # Threads switch every microsecond, so the library's own race (one call's header sent by
    # another) shows within a few calls; with the wrapper there is nothing to race for.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        calls, errors = _many_calls_at_once()
    finally:
        sys.setswitchinterval(previous)
    assert errors == []
    assert len(calls) == 12 * 20
    # Verified by the fake (a wrong or mixed header gives None) and signed by the key that asked.
    assert all(call["api_key"] == call["request"]["conversationId"].split("/")[0] for call in calls)


def _many_calls_at_once() -> tuple[list[dict], list[BaseException]]:
    merchants = {f"api-key-{n}": f"secret-{n}" for n in range(12)}
    with FakeIyzico(merchants) as fake:
        barrier = threading.Barrier(len(merchants))
        errors: list[BaseException] = []

        def call(api_key: str, secret: str) -> None:
            client = IyzicoClient(api_key, secret, fake.url, timeout=5)
            try:
                barrier.wait()
                for round_ in range(20):
                    client.retrieve_checkout_form(
                        {"locale": "en", "conversationId": f"{api_key}/{round_}", "token": "none"}
                    )
            except BaseException as error:  # noqa: BLE001  (reported by the main thread)
                errors.append(error)

        threads = [threading.Thread(target=call, args=item) for item in merchants.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        return fake.calls_to(RETRIEVE_PATH), errors


def test_a_fake_that_sleeps_past_the_timeout_gives_provider_unavailable_quickly():
    with FakeIyzico() as fake:
        fake.delay = 3
        client = IyzicoClient("sandbox-api-key", "sandbox-secret-key", fake.url, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable):
            client.retrieve_checkout_form({"locale": "en", "conversationId": "c", "token": "t"})
        assert time.monotonic() - started < 1.5


def test_nobody_listening_gives_provider_unavailable():
    client = IyzicoClient("k", "s", "http://127.0.0.1:9", timeout=1)

    with pytest.raises(ProviderUnavailable):
        client.retrieve_checkout_form({"locale": "en", "conversationId": "c", "token": "t"})


def test_a_wrong_secret_is_refused_by_the_fake():
    """The fake really checks the IYZWSv2 signature (so the test above proves something)."""
    with FakeIyzico() as fake:
        answer = IyzicoClient("sandbox-api-key", "wrong", fake.url, timeout=5).retrieve_checkout_form(
            {"locale": "en", "conversationId": "c", "token": "t"}
        )
        assert answer["status"] == "failure" and answer["errorCode"] == "1000"
        assert fake.calls[-1]["api_key"] is None
