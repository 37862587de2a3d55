"""The iyzico provider against the local fake iyzico (tests/fake_iyzico.py): checkout form,
the result confirmed by retrieve (approved, declined, fraud review, replayed, bad signature),
the webhook, refunds and cancels, timeouts."""

import time
from decimal import Decimal

import pytest
from flask import current_app

from shop.errors import (
    DuplicateNotification,
    NotFound,
    PaymentNotPossible,
    PaymentRejected,
    ProviderUnavailable,
)
from shop.extensions import db
from shop.orders.history import events_for
from shop.payments import iyzico
from shop.payments import services as payments
from shop.payments.models import PaymentTransaction, TransactionState
from shop.sales import services as sales
from shop.sales.models import OrderState, PaymentMethod, PaymentState
from tests.factories import checkout_details
from tests.fake_iyzico import API_KEY, INITIALIZE_PATHS, RETRIEVE_PATH


@pytest.fixture
def card_order(iyzico_shop, make_product, make_cart):
    """A 2 x 250.00 TRY card order delivered for 79.90 (579.90 due) whose iyzico checkout form is
    open; returns the order."""
    cart = make_cart((make_product(price="250.00").variants[0], 2))
    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.CARD))
    payments.start_card_payment(order)
    db.session.commit()
    return order


def _transaction(order) -> PaymentTransaction:
    return payments.transactions_for(order)[-1]


def _pay(fake, order, decision: str = "approve") -> PaymentTransaction:
    """The shopper decides on iyzico's page and the browser comes back with the token."""
    token = _transaction(order).provider_token
    fake.decide(token, decision)
    iyzico.confirm_checkout_form(token)
    db.session.expire_all()
    return _transaction(order)


def _payment_events(order) -> list[tuple[str, str]]:
    return [(event.after, event.note) for event in events_for(order) if event.kind == "payment"]


# --- checkout form ------------------------------------------------------------------------


def test_the_checkout_form_is_opened_for_the_amount_due_with_a_basket_that_adds_up(iyzico_shop, card_order):
    transaction = _transaction(card_order)
    [call] = iyzico_shop.calls
    sent = call["request"]

    assert call["path"] in INITIALIZE_PATHS and call["api_key"] == API_KEY  # IYZWSv2 verified
    assert sent["price"] == sent["paidPrice"] == "579.90" and sent["currency"] == "TRY"
    assert [item["price"] for item in sent["basketItems"]] == ["500.00", "79.90"]  # the line, delivery
    assert sent["conversationId"] == sent["basketId"] == transaction.reference
    assert sent["callbackUrl"].endswith("/iyzico/callback")
    assert sent["buyer"]["email"] == card_order.email and sent["buyer"]["identityNumber"] == "11111111111"
    assert transaction.provider_token in iyzico_shop.forms
    assert transaction.payment_url == f"{iyzico_shop.url}/pay/{transaction.provider_token}"


def test_a_checkout_form_iyzico_refuses_is_not_possible_with_its_reason(
    iyzico_shop, make_product, make_cart, app, monkeypatch
):
    monkeypatch.setitem(app.config, "IYZICO_SECRET_KEY", "not-the-secret")
    cart = make_cart((make_product(price="10.00").variants[0], 1))
    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.CARD))

    with pytest.raises(PaymentNotPossible) as refused:
        payments.start_card_payment(order)

    assert str(refused.value) == "The payment provider could not open the payment: Geçersiz imza (1000)"


def test_a_part_payment_is_one_basket_item_for_the_balance(card_order):
    items = iyzico.basket_items(card_order, Decimal("123.45"))

    assert [item["price"] for item in items] == ["123.45"]


# --- the result, confirmed by retrieve ---------------------------------------------------------


def test_an_approved_payment_is_captured_and_the_quotation_becomes_a_sales_order(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order)

    assert transaction.state == TransactionState.CAPTURED
    assert transaction.provider_reference == iyzico_shop.forms[transaction.provider_token]["paymentId"]
    assert card_order.payment_state == PaymentState.PAID
    assert card_order.amount_paid == Decimal("579.90")
    assert card_order.state == OrderState.SALES_ORDER
    assert [call["api_key"] for call in iyzico_shop.calls_to(RETRIEVE_PATH)] == [API_KEY]


def test_a_declined_card_fails_the_transaction_with_iyzicos_reason(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order, "decline")

    assert transaction.state == TransactionState.FAILED
    assert transaction.error == "Kart limiti yetersiz, yetersiz bakiye (10051)"
    assert card_order.payment_state == PaymentState.NOT_PAID and card_order.amount_paid == 0
    assert card_order.state == OrderState.QUOTATION_SENT
    assert ("declined", "Kart limiti yetersiz, yetersiz bakiye (10051)") in _payment_events(card_order)


def test_a_payment_under_fraud_review_is_held_and_the_history_says_so(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order, "review")

    assert transaction.state == TransactionState.AUTHORISED
    assert card_order.payment_state == PaymentState.NOT_PAID and card_order.amount_paid == 0
    assert card_order.state == OrderState.QUOTATION_SENT
    [(after, note)] = _payment_events(card_order)
    assert after == "under review" and "reviewing the payment for fraud" in note


def test_the_webhook_confirms_a_payment_after_the_fraud_review(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order, "review")
    iyzico_shop.clear_review(transaction.provider_token)
    body, headers = iyzico_shop.webhook(transaction.provider_token)

    payments.handle_notification("iyzico", body, headers)
    db.session.commit()

    assert _transaction(card_order).state == TransactionState.CAPTURED
    assert card_order.amount_paid == Decimal("579.90") and card_order.state == OrderState.SALES_ORDER


def test_a_replayed_callback_changes_nothing(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order)
    events = len(events_for(card_order))

    iyzico.confirm_checkout_form(transaction.provider_token)
    db.session.expire_all()

    assert card_order.amount_paid == Decimal("579.90")
    assert len(events_for(card_order)) == events
    assert _transaction(card_order).state == TransactionState.CAPTURED


def test_an_answer_with_a_bad_signature_is_not_believed(iyzico_shop, card_order):
    iyzico_shop.bad_signatures = True

    transaction = _pay(iyzico_shop, card_order)

    assert transaction.state == TransactionState.PENDING
    assert card_order.amount_paid == 0 and _payment_events(card_order) == []


def test_the_signature_covers_the_amount(iyzico_shop, card_order):
    transaction = _transaction(card_order)
    iyzico_shop.decide(transaction.provider_token, "approve")
    provider = iyzico.IyzicoProvider(current_app.config)
    answer = provider.client.retrieve_checkout_form(
        {"locale": "en", "conversationId": transaction.reference, "token": transaction.provider_token}
    )
    assert provider.notification_from(answer, transaction).amount == Decimal("579.9")

    with pytest.raises(PaymentRejected):
        provider.notification_from({**answer, "price": Decimal("5.0")}, transaction)


def test_an_unknown_or_malformed_token_is_no_payment(iyzico_shop, card_order):
    assert iyzico.confirm_checkout_form("no-such-token") is None
    assert iyzico.confirm_checkout_form("ٱ" * 10) is None
    assert iyzico.confirm_checkout_form("x" * 500) is None
    assert iyzico_shop.calls_to(RETRIEVE_PATH) == []


# --- webhook ------------------------------------------------------------------------------


def test_a_webhook_with_a_bad_signature_is_refused(iyzico_shop, card_order):
    token = _transaction(card_order).provider_token
    iyzico_shop.decide(token, "approve")
    body, headers = iyzico_shop.webhook(token, secret="another-secret")

    with pytest.raises(PaymentRejected):
        payments.handle_notification("iyzico", body, headers)
    db.session.rollback()
    assert _transaction(card_order).state == TransactionState.PENDING


def test_webhooks_are_not_accepted_when_not_configured(iyzico_shop, card_order, app, monkeypatch):
    monkeypatch.setitem(app.config, "IYZICO_WEBHOOK_SECRET", "")
    token = _transaction(card_order).provider_token
    iyzico_shop.decide(token, "approve")

    with pytest.raises(NotFound):
        payments.handle_notification("iyzico", *iyzico_shop.webhook(token))


def test_the_webhook_and_the_callback_for_one_payment_count_once(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order)
    events = len(events_for(card_order))

    with pytest.raises(DuplicateNotification):
        payments.handle_notification("iyzico", *iyzico_shop.webhook(transaction.provider_token))
    db.session.rollback()

    assert card_order.amount_paid == Decimal("579.90") and len(events_for(card_order)) == events


# --- refunds and cancels -------------------------------------------------------------------


def _provider():
    return iyzico.IyzicoProvider(current_app.config)


def test_a_partial_refund_goes_through_the_v2_refund_and_a_repeat_refunds_once(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order)
    payment = iyzico_shop.payments[transaction.provider_reference]

    first = _provider().refund(transaction, Decimal("120.50"), key="refund-key-1")
    again = _provider().refund(transaction, Decimal("120.50"), key="refund-key-1")

    assert first.succeeded and again == first
    assert payment["refunded"] == Decimal("120.50")
    assert [call["request"]["conversationId"] for call in iyzico_shop.calls_to("/v2/payment/refund")] == [
        "refund-key-1",
        "refund-key-1",
    ]
    assert iyzico_shop.calls_to("/payment/cancel") == []


def test_a_refused_refund_says_why(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order)
    iyzico_shop.refund_error = ("10051", "Kart limiti yetersiz, yetersiz bakiye")

    result = _provider().refund(transaction, Decimal("50.00"), key="refund-key-2")

    assert not result.succeeded
    assert result.message == "Kart limiti yetersiz, yetersiz bakiye (10051)"
    assert iyzico_shop.payments[transaction.provider_reference]["refunded"] == 0


def test_the_full_amount_on_the_day_of_payment_is_a_cancel(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order)

    result = _provider().refund(transaction, Decimal("579.90"), key="refund-key-3")

    assert result.succeeded and result.provider_reference.startswith("cancel:")
    assert iyzico_shop.payments[transaction.provider_reference]["cancelled"] is True
    assert iyzico_shop.calls_to("/v2/payment/refund") == []


def test_a_refused_cancel_falls_back_to_a_refund(iyzico_shop, card_order):
    transaction = _pay(iyzico_shop, card_order)
    iyzico_shop.cancel_error = ("5093", "İptal edilemez")

    result = _provider().refund(transaction, Decimal("579.90"), key="refund-key-4")

    assert result.succeeded and result.provider_reference.startswith("refund:")
    assert iyzico_shop.payments[transaction.provider_reference]["refunded"] == Decimal("579.90")


# --- no answer in time ---------------------------------------------------------------------


def test_a_provider_that_does_not_answer_in_time_is_unavailable_quickly(
    iyzico_shop, card_order, app, monkeypatch
):
    transaction = _pay(iyzico_shop, card_order)
    monkeypatch.setitem(app.config, "IYZICO_TIMEOUT_SECONDS", 0.3)
    iyzico_shop.delay = 2

    started = time.monotonic()
    with pytest.raises(ProviderUnavailable):
        _provider().refund(transaction, Decimal("10.00"), key="refund-key-5")

    assert time.monotonic() - started < 1.5


def test_a_callback_that_cannot_reach_iyzico_leaves_the_payment_pending(
    iyzico_shop, card_order, app, monkeypatch
):
    token = _transaction(card_order).provider_token
    iyzico_shop.decide(token, "approve")
    monkeypatch.setitem(app.config, "IYZICO_TIMEOUT_SECONDS", 0.3)
    iyzico_shop.delay = 1

    transaction = iyzico.confirm_checkout_form(token)

    assert transaction.state == TransactionState.PENDING and card_order.amount_paid == 0


def test_a_payment_cannot_start_while_iyzico_is_unreachable(
    iyzico_shop, make_product, make_cart, app, monkeypatch
):
    monkeypatch.setitem(app.config, "IYZICO_BASE_URL", "http://127.0.0.1:9")  # discard port: refused
    cart = make_cart((make_product(price="10.00").variants[0], 1))
    order = sales.confirm_quotation(cart, checkout_details(payment_method=PaymentMethod.CARD))

    with pytest.raises(ProviderUnavailable):
        payments.start_card_payment(order)


# --- configuration -------------------------------------------------------------------------


def test_plain_http_is_accepted_only_for_a_local_fake():
    assert iyzico.parse_base_url("http://127.0.0.1:8080") == ("http", "127.0.0.1", 8080)
    assert iyzico.parse_base_url("sandbox-api.iyzipay.com") == ("https", "sandbox-api.iyzipay.com", None)
    for address in ("http://api.iyzipay.com", "ftp://127.0.0.1", "http://10.0.0.5"):
        with pytest.raises(iyzico.IyzicoConfigError):
            iyzico.parse_base_url(address)
    config = {"IYZICO_API_KEY": "k", "IYZICO_SECRET_KEY": "s", "IYZICO_BASE_URL": "http://api.iyzipay.com"}
    assert not iyzico.IyzicoProvider.enabled(config)
    assert iyzico.IyzicoProvider.enabled({**config, "IYZICO_BASE_URL": "https://api.iyzipay.com"})
    assert not iyzico.IyzicoProvider.enabled({**config, "IYZICO_SECRET_KEY": ""})


def test_the_card_provider_is_the_one_configured(iyzico_shop, app, monkeypatch):
    from shop.payments.providers import card_provider_name

    assert card_provider_name() == "iyzico"
    monkeypatch.setitem(app.config, "IYZICO_API_KEY", "")
    assert card_provider_name() == ""  # named but without keys: no card payment offered


def test_numbers_are_signed_without_trailing_zeros():
    answer = {"a": Decimal("200.0"), "b": Decimal("1.20"), "c": "x", "d": None}

    assert iyzico.signed_text(answer, ("a", "b", "c", "d")) == b"200:1.2:x:"
