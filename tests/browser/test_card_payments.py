"""Card payments in the browser (issue 10, items 5 and 6): no card offered while no card provider
is enabled; a second "pay" leads to the same provider page; an order paid twice shows "To refund"
on the back office's order page and list, never a negative amount due."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask import Flask, current_app
from playwright.sync_api import Page, expect

from shop.catalog.models import Variant
from shop.demo.orders import DEMO_STAFF
from shop.extensions import db
from shop.i18n import format_money
from shop.payments import services as payments
from shop.payments.models import PaymentTransaction
from shop.sales import services as sales
from shop.sales.models import Order, PaymentMethod, PaymentState
from shop.testpay.provider import TestProvider
from tests.factories import checkout_details, make_cart

SKU = "LSH-M-WHT"  # Linen Shirt, M / White, 899.90 TRY


def _variant() -> Variant:
    return db.session.scalar(db.select(Variant).where(Variant.sku == SKU))


def _card_order() -> Order:
    """A card order placed, its payment not started yet (the shopper starts it on its page)."""
    return sales.confirm_quotation(
        make_cart((_variant(), 1)), checkout_details(payment_method=PaymentMethod.CARD)
    )


def test_without_a_card_provider_checkout_offers_no_card(page: Page, app: Flask, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "TEST_PAYMENTS_ENABLED", False)

    page.goto("/p/linen-shirt")
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.goto("/checkout")

    form = page.locator("form.checkout")
    expect(form.locator("input[name='payment_method']")).to_have_count(2)
    expect(form.locator("input[name='payment_method'][value='card']")).to_have_count(0)
    expect(form.locator("input[name='payment_method'][value='bank_transfer']")).to_be_checked()
    expect(form).not_to_contain_text("Card payments continue")
    expect(page.get_by_text("Card, online")).to_have_count(0)


def test_a_second_pay_goes_back_to_the_same_provider_page(page: Page) -> None:
    order = _card_order()
    db.session.commit()
    token = order.tracking_token

    page.goto(f"/orders/{token}")
    page.get_by_role("button", name=re.compile(r"^Pay .* by card$")).click()
    page.wait_for_url(re.compile(r"/testpay/pay/"))
    first_page = page.url
    page.goto(f"/orders/{token}")  # back to the order, and "pay" once more
    page.get_by_role("button", name=re.compile(r"^Pay .* by card$")).click()
    page.wait_for_url(re.compile(r"/testpay/pay/"))

    assert page.url == first_page
    page.get_by_role("button", name="Approve payment").click()
    page.wait_for_url(re.compile(rf"/orders/{token}$"))
    expect(page.get_by_test_id("payment-state")).to_have_text("Paid")
    expect(page.get_by_role("button", name=re.compile("by card"))).to_have_count(0)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(PaymentTransaction.id))) == 1


@pytest.fixture
def paid_twice() -> Order:
    """An order whose two open payments were both captured."""
    order = _card_order()
    for reference in ("first-page", "second-page"):
        db.session.add(
            PaymentTransaction(
                order_id=order.id,
                method=PaymentMethod.CARD,
                provider="test",
                reference=reference,
                amount=order.total,
                currency=order.currency,
            )
        )
    db.session.flush()
    provider = TestProvider(current_app.config)
    for transaction in payments.transactions_for(order):
        page = {"reference": transaction.reference, "amount": str(order.total), "currency": order.currency}
        payments.handle_notification(
            "test", *provider.notification_for(page, approved=True, event_id=transaction.reference)
        )
    db.session.commit()
    assert order.payment_state == PaymentState.OVERPAID
    return order


def test_the_back_office_shows_an_order_paid_twice_as_to_refund(page: Page, paid_twice: Order) -> None:
    number, total = paid_twice.number, paid_twice.total

    page.goto("/admin/orders")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(DEMO_STAFF[0])
    page.get_by_label("Password").fill(DEMO_STAFF[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/(orders)?$"))

    page.locator("select[name=payment]").select_option(label="To refund")
    expect(page).to_have_url(re.compile(r"payment=overpaid"))
    results = page.locator(".order-results")
    expect(results.get_by_role("link", name=number)).to_be_visible()
    expect(results).to_contain_text("To refund")

    results.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(rf"/admin/orders/{number}$"))
    payment = page.get_by_test_id("payment")
    expect(payment.get_by_test_id("payment-state")).to_have_text("To refund")
    expect(payment.get_by_test_id("to-refund")).to_have_text(format_money(total, "TRY", "en"))
    expect(payment.locator("dt:text-is('Due') + dd")).to_have_text(format_money(Decimal("0"), "TRY", "en"))
    expect(payment.locator("dt:text-is('Paid') + dd")).to_have_text(format_money(2 * total, "TRY", "en"))
