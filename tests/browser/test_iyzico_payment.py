"""A card payment through iyzico (the local fake, tests/fake_iyzico.py) in the browser: checkout
with card, iyzico's hosted page, approve, and back on the order page showing it paid.

The fixtures are the steps, to build on: ``iyzico_checkout`` leaves the browser on iyzico's page
for a placed order, ``iyzico_paid_order`` approves it and returns the paid order (for a partial
refund from the back office and its credit note, for example)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from shop.demo.orders import DEMO_STAFF
from shop.extensions import db
from shop.i18n import format_money
from shop.invoicing import services as invoicing
from shop.payments.models import PaymentTransaction, TransactionState
from shop.sales.models import Order, OrderState, PaymentMethod, PaymentState
from shop.settings import services as settings
from tests.fake_iyzico import FakeIyzico

PRODUCT = "/p/linen-shirt"  # Linen Shirt, S / White first: 899.90 TRY
TOTAL = Decimal("979.80")  # 899.90 + 79.90 carrier shipping


@pytest.fixture
def iyzico_checkout(page: Page, iyzico_shop: FakeIyzico) -> Page:
    """A guest orders one Linen Shirt by card and lands on iyzico's (fake) payment page."""
    page.goto(PRODUCT)
    page.locator(".buy-box").get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.goto("/checkout")
    form = page.locator("form.checkout")
    form.get_by_label("E-mail").fill("guest@example.com")
    form.get_by_label("Phone", exact=True).fill("+905321234567")
    form.get_by_label("Full name").fill("Ayşe Yılmaz")
    form.get_by_label("Street and number").fill("İstiklal Cd. 1")
    form.get_by_label("Postal code").fill("34430")
    form.get_by_label("City").fill("İstanbul")
    form.locator("input[name='payment_method'][value='card']").check()
    form.get_by_role("button", name="Confirm order").click()
    page.wait_for_url(re.compile(re.escape(iyzico_shop.url) + r"/pay/"))
    return page


@pytest.fixture
def iyzico_paid_order(iyzico_checkout: Page) -> Order:
    """Approve on iyzico's page; the browser posts the token back and ends on the order page."""
    page = iyzico_checkout
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Order ").strip()
    db.session.rollback()  # a new transaction: see what the server committed
    order = db.session.scalar(db.select(Order).where(Order.number == number))
    assert order is not None
    return order


def test_a_card_payment_through_iyzico_ends_on_the_order_page_paid(
    iyzico_checkout: Page, iyzico_shop: FakeIyzico
) -> None:
    page = iyzico_checkout
    expect(page.locator(".amount")).to_have_text(f"{TOTAL:.2f} TRY")

    page.get_by_role("button", name="Pay", exact=True).click()

    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.get_by_role("status")).to_contain_text("Thank you! Your payment was received.")
    expect(page.get_by_test_id("payment-state")).to_have_text("Paid")
    expect(page.get_by_test_id("order-state")).to_have_text("Confirmed")
    expect(page.get_by_test_id("order-total")).to_have_text(format_money(TOTAL, "TRY", "en"))
    db.session.rollback()
    [transaction] = db.session.scalars(db.select(PaymentTransaction)).all()
    order = transaction.order
    assert (transaction.provider, transaction.state) == ("iyzico", TransactionState.CAPTURED)
    assert transaction.provider_reference == iyzico_shop.forms[transaction.provider_token]["paymentId"]
    assert (order.state, order.payment_state, order.payment_method) == (
        OrderState.SALES_ORDER,
        PaymentState.PAID,
        PaymentMethod.CARD,
    )
    assert order.amount_paid == order.total == TOTAL


def test_a_declined_card_on_iyzicos_page_leaves_the_order_to_pay(iyzico_checkout: Page) -> None:
    page = iyzico_checkout

    page.get_by_role("button", name="Decline").click()

    page.wait_for_url(re.compile(r"/orders/[\w-]+$"))
    expect(page.get_by_role("status")).to_contain_text("The payment was declined. You can try again.")
    expect(page.get_by_role("button", name=re.compile(r"^Pay .* by card$"))).to_be_visible()


def test_the_paid_order_fixture_gives_a_paid_iyzico_order(iyzico_paid_order: Order) -> None:
    assert iyzico_paid_order.payment_state == PaymentState.PAID
    assert iyzico_paid_order.amount_paid == TOTAL


@pytest.fixture
def invoice_on_online_payment() -> None:
    """The shop issues the invoice as soon as an online payment is confirmed."""
    settings.save({"invoicing": {"on_online_payment": True}}, by_user_id=None)
    db.session.commit()


def test_card_paid_through_iyzico_partly_refunded_from_the_order_page_gets_a_credit_note(
    invoice_on_online_payment: None, iyzico_paid_order: Order, iyzico_shop: FakeIyzico, page: Page
) -> None:
    """The issue's journey: a card payment through iyzico, a partial refund from the order page
    (through iyzico), and the credit note it issued downloaded as a PDF."""
    number = iyzico_paid_order.number
    [invoice] = invoicing.documents_for(iyzico_paid_order)  # issued when iyzico confirmed the payment

    page.goto(f"/admin/orders/{number}")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(DEMO_STAFF[0])
    page.get_by_label("Password").fill(DEMO_STAFF[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"/admin/orders/{number}$"))
    page.get_by_text("Refund through the payment provider").click()
    form = page.get_by_test_id("refund-form")
    form.get_by_label("Or an amount").fill("100.00")
    form.get_by_role("button", name="Refund").click()

    expect(page.get_by_test_id("payment-message")).to_have_text(
        f"Refund of {format_money(Decimal('100.00'), 'TRY', 'en')} issued."
    )
    expect(page.get_by_test_id("refunded")).to_have_text(format_money(Decimal("100.00"), "TRY", "en"))
    [refund_call] = iyzico_shop.calls_to("/v2/payment/refund")
    assert Decimal(str(refund_call["request"]["price"])) == Decimal("100.00")
    db.session.rollback()
    note = invoicing.documents_for(iyzico_paid_order)[-1]
    assert note.kind == "credit-note" and note.id != invoice.id
    page.reload()
    expect(page.get_by_test_id("invoices")).to_contain_text(f"Credit note {note.number}")

    response = page.request.get(f"/admin/orders/{number}/documents/credit-note.pdf")

    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(response.body())).pages)
    assert note.number in text and f"Corrects invoice {invoice.number}" in text
